"""Spike alerts and watches: one alert per week, watchers only are notified, watch actions and permissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse

from renda.accounts.models import User
from renda.conftest import login_client
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.models import AuditEvent, Notification
from renda.insight import alerts
from renda.insight.models import SpikeAlert, Watch
from renda.insight.tests.test_topics import MONDAY, opinions
from renda.organizations.models import Congress
from renda.organizations.roles import Role


def acting(user: User) -> User:
    user.active_assignment = user.role_assignments.order_by("pk").first()
    return user


@pytest.mark.django_db
def test_spike_alert_once_per_week_and_only_watchers_notified(
    city: Congress, district: Congress, make_person: Callable[..., User]
) -> None:
    watcher = acting(make_person(Role.COMMITTEE_STAFF))
    area_watcher = acting(make_person(Role.LEADER))
    other_topic = acting(make_person(Role.COMMITTEE_STAFF))
    bystander = acting(make_person(Role.COMMITTEE_STAFF))
    alerts.watch_add(actor=watcher, category="urban")
    alerts.watch_add(actor=area_watcher, area_id=district.pk)
    alerts.watch_add(actor=other_topic, category="health")
    del bystander

    opinions(city, MONDAY - dt.timedelta(weeks=1), 5, category="urban", area=district)
    opinions(city, MONDAY + dt.timedelta(days=1), alerts.SPIKE_MIN_COUNT, category="urban", area=district)
    # Below the threshold (many, but not double the week before), and an unrelated quiet topic.
    opinions(city, MONDAY - dt.timedelta(weeks=1), 10, category="traffic", area=city)
    opinions(city, MONDAY, 12, category="traffic", area=city)

    created = alerts.spike_scan(congress=city, week=MONDAY + dt.timedelta(days=2))
    assert [(a.category, a.area_id, a.count, a.previous_count) for a in created] == [
        ("urban", district.pk, alerts.SPIKE_MIN_COUNT, 5)
    ]
    notified = set(Notification.objects.filter(event="insight.spike").values_list("recipient_id", flat=True))
    assert notified == {watcher.pk, area_watcher.pk}
    assert AuditEvent.objects.filter(action="insight.spike_alert").count() == 1

    opinions(city, MONDAY + dt.timedelta(days=3), 5, category="urban", area=district)
    assert alerts.spike_scan(congress=city, week=MONDAY) == []
    assert SpikeAlert.objects.count() == 1
    assert SpikeAlert.objects.get().count == alerts.SPIKE_MIN_COUNT + 5
    assert Notification.objects.filter(event="insight.spike").count() == 2


def test_threshold_rule() -> None:
    assert alerts.is_spike(alerts.SPIKE_MIN_COUNT, 0)
    assert not alerts.is_spike(alerts.SPIKE_MIN_COUNT - 1, 0)
    assert not alerts.is_spike(19, 10)
    assert alerts.is_spike(20, 10)


@pytest.mark.django_db
def test_watchers_who_lost_their_role_are_not_notified(city: Congress, make_person: Callable[..., User]) -> None:
    watcher = acting(make_person(Role.COMMITTEE_STAFF))
    alerts.watch_add(actor=watcher, category="urban")
    watcher.role_assignments.update(is_active=False)
    opinions(city, MONDAY, alerts.SPIKE_MIN_COUNT)
    assert len(alerts.spike_scan(congress=city, week=MONDAY)) == 1
    assert not Notification.objects.filter(event="insight.spike").exists()


@pytest.mark.django_db
def test_watch_actions_validate(city: Congress, other_city: Congress, make_person: Callable[..., User]) -> None:
    staff = acting(make_person(Role.COMMITTEE_STAFF))
    with pytest.raises(InvalidInput) as error:
        alerts.watch_add(actor=staff)
    assert error.value.field == "category"
    with pytest.raises(InvalidInput):
        alerts.watch_add(actor=staff, category="nonsense")
    with pytest.raises(InvalidInput) as error:
        alerts.watch_add(actor=staff, area_id=other_city.pk)
    assert error.value.field == "area"
    watch = alerts.watch_add(actor=staff, category="urban", area_id=city.pk)
    with pytest.raises(InvalidInput):
        alerts.watch_add(actor=staff, category="urban", area_id=city.pk)
    officer = acting(make_person(Role.UNIT_OFFICER))
    with pytest.raises(NotPermitted):
        alerts.watch_add(actor=officer, category="urban")
    with pytest.raises(NotPermitted):
        alerts.watch_remove(actor=acting(make_person(Role.LEADER)), watch_id=watch.pk)
    alerts.watch_remove(actor=staff, watch_id=watch.pk)
    assert not Watch.objects.exists()
    assert AuditEvent.objects.filter(action__in=["insight.watch_added", "insight.watch_removed"]).count() == 2


@pytest.mark.django_db
def test_watch_page_and_api(city: Congress, district: Congress, make_person: Callable[..., User]) -> None:
    leader = make_person(Role.LEADER)
    client = login_client(leader)
    response = client.post(reverse("insight:watches"), {"category": "", "area": str(district.pk)})
    assert response.status_code == 302
    assert Watch.objects.filter(user=leader, area=district, category="").exists()
    response = client.post(reverse("insight:watches"), {"category": "", "area": ""})
    assert response.status_code == 400
    assert "请至少选择" in response.content.decode()
    page = client.get(reverse("insight:watches")).content.decode()
    assert district.name in page

    created = client.post("/api/v1/insight/watches", {"category": "health"}, content_type="application/json")
    assert created.status_code == 201
    assert client.get("/api/v1/insight/watches").json()[-1]["category"] == "health"
    bad = client.post("/api/v1/insight/watches", {"category": "bogus"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "category"
    assert client.delete(f"/api/v1/insight/watches/{created.json()['id']}").status_code == 204
    assert Watch.objects.filter(user=leader).count() == 1


@pytest.mark.django_db
def test_alert_page_lists_alerts_of_the_congress(
    city: Congress, other_city: Congress, make_person: Callable[..., User]
) -> None:
    SpikeAlert.objects.create(congress=city, week_start=MONDAY, category="urban", count=30, previous_count=3)
    SpikeAlert.objects.create(congress=other_city, week_start=MONDAY, category="health", count=99, previous_count=3)
    client = login_client(make_person(Role.COMMITTEE_STAFF))
    body = client.get(reverse("insight:alerts")).content.decode()
    assert "2025-W11" in body and ">30<" in body and ">99<" not in body
    assert [a["count"] for a in client.get("/api/v1/insight/alerts").json()] == [30]


@pytest.mark.django_db
def test_daily_job_runs_once_a_day(city: Congress) -> None:
    from django.core.cache import cache

    cache.clear()
    opinions(city, MONDAY, alerts.SPIKE_MIN_COUNT)
    now = dt.datetime.combine(MONDAY, dt.time(12), tzinfo=dt.UTC)
    assert alerts.spike_scan_all(now) == 1
    assert alerts.spike_scan_all(now) == 0
    assert SpikeAlert.objects.count() == 1
