"""The dashboard's kept counts: only where counting is slow, shown with their time, recounted by the job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.conftest import login_client
from renda.core.jobs import run_periodic_jobs
from renda.insight.models import Cluster
from renda.opinions import snapshots
from renda.opinions.models import DashboardSnapshot
from renda.opinions.tests.loop_world import LoopWorld, build_world
from renda.opinions.tests.stats_support import EXPECTED, JULY, july_set, opinion
from renda.organizations.models import Congress, Unit

pytestmark = pytest.mark.django_db
URL = reverse("opinions:dashboard")
API = "/api/v1/opinions/dashboard"


@pytest.fixture
def world(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def _client(user: Any) -> Client:
    return login_client(user, user.active_assignment)


def _month_received(response: Any) -> int:
    return int(response.context["board"].month_counts["received"])


def test_a_quick_count_is_always_live_and_keeps_nothing(world: LoopWorld) -> None:
    july_set(world.city, world.unit)
    client = _client(world.staff)
    assert _month_received(client.get(URL, {"month": "2026-07"})) == EXPECTED["received"]
    opinion(world.city)
    response = client.get(URL, {"month": "2026-07"})
    assert _month_received(response) == EXPECTED["received"] + 1
    assert not DashboardSnapshot.objects.exists()
    assert 'data-testid="dashboard-kept"' not in response.content.decode()


def test_a_slow_count_is_kept_shown_with_its_time_and_recounted_on_demand(
    world: LoopWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "SLOW_SECONDS", 0.0)
    july_set(world.city, world.unit)
    staff = _client(world.staff)
    assert _month_received(staff.get(URL, {"month": "2026-07"})) == EXPECTED["received"]
    kept = DashboardSnapshot.objects.get(congress=world.city, month=JULY)
    opinion(world.city)
    # Within five minutes the page and the API show the kept counts, saying when they were made.
    response = _client(world.leader).get(URL, {"month": "2026-07"})
    assert _month_received(response) == EXPECTED["received"]
    html = response.content.decode()
    assert "统计时间" in html and 'data-testid="dashboard-fresh"' not in html  # leaders read only
    body = _client(world.leader).get(API, {"month": "2026-07"}).json()
    assert body["kept"] is True and body["month_counts"]["received"] == EXPECTED["received"]
    # Staff recount at once; the leader's "fresh" is ignored.
    assert _month_received(_client(world.leader).get(URL, {"month": "2026-07", "fresh": "1"})) == EXPECTED["received"]
    assert _month_received(staff.get(URL, {"month": "2026-07", "fresh": "1"})) == EXPECTED["received"] + 1
    kept.refresh_from_db()
    assert kept.payload["month_counts"]["received"] == EXPECTED["received"] + 1


def test_kept_counts_read_back_as_counted(world: LoopWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots, "SLOW_SECONDS", 0.0)
    july_set(world.city, world.unit)
    counted = snapshots.dashboard_for(world.city, month=JULY)
    again = snapshots.dashboard_for(world.city, month=JULY)
    assert again.kept and not counted.kept
    assert again.board == counted.board  # every figure, row, bar, overdue unit and hot topic


def test_kept_top_clusters_are_reloaded(world: LoopWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots, "SLOW_SECONDS", 0.0)
    today = timezone.localdate()
    items = [opinion(world.city, day=today) for _ in range(2)]
    cluster = Cluster.objects.create(
        congress=world.city,
        title="路灯",
        size=2,
        first_received_at=items[0].received_at,
        last_received_at=items[1].received_at,
    )
    snapshots.dashboard_for(world.city)
    kept = snapshots.dashboard_for(world.city)
    assert kept.kept and kept.board.hot.top_clusters == [cluster]
    cluster.delete()
    assert snapshots.dashboard_for(world.city).board.hot.top_clusters == []


def test_the_job_recounts_this_months_snapshots_before_they_grow_old(
    world: LoopWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "SLOW_SECONDS", 0.0)
    now = timezone.now()
    opinion(world.city, day=timezone.localdate(now))
    snapshots.dashboard_for(world.city, now=now)
    opinion(world.city, day=timezone.localdate(now))
    # Not yet due: nothing is recounted.
    assert snapshots.refresh_snapshots(now + dt.timedelta(minutes=1)) == "recounted 0"
    report = run_periodic_jobs(now + snapshots.REFRESH_AFTER + dt.timedelta(seconds=1))
    assert report.process_jobs["opinions.dashboard_snapshots"] == "recounted 1"
    kept = DashboardSnapshot.objects.get(congress=world.city)
    assert kept.payload["month_counts"]["received"] == 2
