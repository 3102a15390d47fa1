"""Hot topics: weekly volume by category, area and source, week-on-week change, pages and API by role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.conftest import login_client
from renda.insight import topics
from renda.insight.models import Cluster
from renda.opinions.models import Opinion, Source
from renda.organizations.models import Congress
from renda.organizations.roles import Role

MONDAY = dt.date(2025, 3, 10)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def opinions(congress: Congress, day: dt.date, count: int, **fields: object) -> None:
    defaults: dict[str, object] = {"source": Source.PORTAL, "category": "urban", "area": congress}
    defaults.update(fields)
    Opinion.objects.bulk_create(
        [
            Opinion(congress=congress, text="路灯坏了，晚上很黑。", received_at=at(day), **defaults)  # type: ignore[misc]
            for _ in range(count)
        ]
    )


@pytest.mark.django_db
def test_weekly_volume_and_week_on_week_change(city: Congress, district: Congress, other_city: Congress) -> None:
    previous = MONDAY - dt.timedelta(weeks=1)
    opinions(city, previous, 4, category="urban")
    opinions(city, MONDAY + dt.timedelta(days=2), 10, category="urban", area=district)
    opinions(city, MONDAY, 3, category="traffic", source=Source.HOTLINE_12345)
    opinions(city, previous + dt.timedelta(days=6), 2, category="traffic")  # Sunday: still the week before
    opinions(other_city, MONDAY, 50)  # another congress: not counted
    opinions(city, MONDAY + dt.timedelta(weeks=1), 7)  # after the period

    report = topics.hot_topics(city, weeks=4, until=MONDAY + dt.timedelta(days=3))

    assert report.weeks[-1] == MONDAY and len(report.weeks) == 4
    assert report.total.counts == [0, 0, 6, 13]
    assert report.total.change == 7 and report.total.change_pct == pytest.approx(116.7)
    urban = next(t for t in report.by_category if t.key == "urban")
    assert (urban.this_week, urban.last_week, urban.change, urban.change_pct) == (10, 4, 6, 150.0)
    traffic = next(t for t in report.by_category if t.key == "traffic")
    assert (traffic.this_week, traffic.last_week, traffic.change) == (3, 2, 1)
    by_area = {t.key: t.this_week for t in report.by_area}
    assert by_area == {str(district.pk): 10, str(city.pk): 3}
    assert {t.key: t.this_week for t in report.by_source} == {Source.PORTAL: 10, Source.HOTLINE_12345: 3}
    assert report.by_category[0].key == "urban"  # the busiest first


@pytest.mark.django_db
def test_top_clusters_of_the_period(city: Congress) -> None:
    moment = at(MONDAY)
    old = at(MONDAY - dt.timedelta(weeks=20))
    big = Cluster.objects.create(congress=city, title="路灯", size=9, first_received_at=moment, last_received_at=moment)
    Cluster.objects.create(congress=city, title="旧", size=50, first_received_at=old, last_received_at=old)
    small = Cluster.objects.create(
        congress=city, title="井盖", size=2, first_received_at=moment, last_received_at=moment
    )
    report = topics.hot_topics(city, weeks=4, until=MONDAY)
    assert report.top_clusters == [big, small]


def test_parse_week() -> None:
    assert topics.parse_week("2025-W11") == MONDAY
    assert topics.parse_week("2025-03-13") == MONDAY
    assert topics.parse_week("nonsense") is None
    assert topics.iso_week(MONDAY) == "2025-W11"


@pytest.mark.django_db
def test_pages_link_each_figure_to_the_ledger(city: Congress, make_person: Callable[..., User]) -> None:
    opinions(city, timezone.localdate(), 3, category="environment")
    Cluster.objects.create(
        congress=city, title="幸福路路灯坏", size=3, first_received_at=timezone.now(), last_received_at=timezone.now()
    )
    client = login_client(make_person(Role.LEADER))
    response = client.get(reverse("insight:hot_topics"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "category=environment" in body and "week=" in body
    assert "幸福路路灯坏" in body
    response = client.get(reverse("insight:clusters"))
    assert response.status_code == 200 and "幸福路路灯坏" in response.content.decode()
    assert client.get(reverse("insight:hot_topics"), {"week": "garbage", "weeks": "x"}).status_code == 200


@pytest.mark.django_db
def test_html_in_titles_is_escaped(city: Congress, make_person: Callable[..., User]) -> None:
    Cluster.objects.create(
        congress=city,
        title="<script>x</script>",
        size=2,
        first_received_at=timezone.now(),
        last_received_at=timezone.now(),
    )
    client = login_client(make_person(Role.COMMITTEE_STAFF))
    body = client.get(reverse("insight:clusters")).content.decode()
    assert "<script>x</script>" not in body and "&lt;script&gt;" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.COMMITTEE_STAFF, 200), (Role.LEADER, 200), (Role.UNIT_OFFICER, 403), (Role.DEPUTY, 403)],
)
def test_permissions(role: str, status: int, make_person: Callable[..., User]) -> None:
    client = login_client(make_person(role))
    for name in ("insight:hot_topics", "insight:clusters", "insight:watches", "insight:alerts"):
        assert client.get(reverse(name)).status_code == status, name
    api = client.get("/api/v1/insight/topics")
    assert api.status_code == status
    if status == 200:
        assert set(api.json()) >= {"weeks", "total", "by_category", "by_area", "by_source", "top_clusters"}


@pytest.mark.django_db
def test_api_rejects_a_bad_week(make_person: Callable[..., User]) -> None:
    client = login_client(make_person(Role.LEADER))
    response = client.get("/api/v1/insight/topics", {"week": "soon"})
    assert response.status_code == 400 and response.json()["field"] == "week"
