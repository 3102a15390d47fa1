"""The leaders' and staff's dashboard: who may read it, its figures, and that every figure links to its items."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from renda.conftest import login_client
from renda.insight.models import Cluster
from renda.opinions import dashboard, queues, stats
from renda.opinions.models import Opinion
from renda.opinions.tests.loop_world import LoopWorld, build_world
from renda.opinions.tests.stats_support import EXPECTED, JULY, at, july_set
from renda.organizations.models import Congress, Unit
from renda.tests_support import factories

pytestmark = pytest.mark.django_db
URL = reverse("opinions:dashboard")


@pytest.fixture
def world(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


@pytest.fixture
def area(city: Congress) -> Congress:
    return factories.CongressFactory(name="东湖区", code="donghu", level="district", parent=city)


def _client(user: Any) -> Client:
    return login_client(user, user.active_assignment)


def _figure(html: str, testid: str) -> tuple[int, str]:
    """The value and the link of the ``<a data-testid=…>`` card."""
    match = re.search(
        rf'<a class="stat[^"]*" href="([^"]*)" data-testid="{testid}"><span class="stat-value">(\d+)', html
    )
    assert match, testid
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def _items(user: Any, link: str) -> Any:
    """What the ledger lists for a dashboard link: its filters, plus the ``figure`` filter of stats."""
    parts = urlsplit(link)
    assert parts.path == reverse("opinions:ledger")
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    items = queues.ledger_items(user, queues.parse_filters(query))
    if "figure" in query:
        items = items.filter(stats.figure_q(query["figure"]))
    return items


def test_staff_and_leader_read_the_month(world: LoopWorld, area: Congress) -> None:
    july_set(world.city, world.unit, area)
    for user in (world.staff, world.leader):
        response = _client(user).get(URL, {"month": "2026-07"})
        assert response.status_code == 200
        html = response.content.decode()
        value, link = _figure(html, "month-received")
        assert value == EXPECTED["received"]
        assert _items(user, link).count() == value
        value, link = _figure(html, "overdue-total")
        assert value == 1
        assert _items(user, link).count() == 1


def test_every_figure_link_lists_its_items(world: LoopWorld, area: Congress) -> None:
    july_set(world.city, world.unit, area)
    board = dashboard.build_dashboard(world.city, month=JULY)
    assert board.month_counts == EXPECTED
    # Rates: numerator and denominator links.
    for name in stats.FIGURES:
        link = dashboard.ledger_link(board.month_period, figure=name)
        assert _items(world.staff, link).count() == EXPECTED[name], name
    # Sources, areas and categories.
    sources = {row.key: row for row in board.by_source}
    assert sources["portal"].month["received"] == 8
    link = dashboard.ledger_link(board.month_period, **sources["station_qr"].filters)
    assert _items(world.staff, link).count() == sources["station_qr"].month["received"] == 1
    areas = {row.key: row for row in board.by_area}
    assert areas[str(area.pk)].year["received"] == 3
    assert areas[""].year["received"] == 9  # no area recorded
    link = dashboard.ledger_link(board.year_period, **areas[str(area.pk)].filters)
    assert _items(world.staff, link).count() == 3
    bars = {bar.label: bar for bar in board.area_bars()}
    assert bars[area.name].count == 3 and _items(world.staff, bars[area.name].link).count() == 3
    categories = {row.key: row for row in board.by_category}
    assert categories["urban"].month["received"] == 3
    # The month columns.
    july_bar = board.by_month[6]
    assert july_bar.count == 12 and _items(world.staff, july_bar.link).count() == 12
    assert board.by_month[5].count == 0
    # Overdue units: the unit with one item past due.
    assert [(unit.unit_id, unit.count) for unit in board.overdue_units] == [(world.unit.pk, 1)]
    assert _items(world.staff, dashboard.overdue_link(world.unit.pk)).count() == 1


def test_dashboard_is_a_handful_of_queries(world: LoopWorld, django_assert_max_num_queries: Any) -> None:
    july_set(world.city, world.unit)
    with django_assert_max_num_queries(8):
        dashboard.build_dashboard(world.city, month=JULY)


@pytest.mark.parametrize("role", ["officer", "head", "station_staff", "sc_member", "citizen"])
def test_other_roles_are_refused(world: LoopWorld, role: str) -> None:
    user = getattr(world, role)
    assert _client(user).get(URL).status_code == 403
    assert _client(user).get(reverse("opinions:report_list")).status_code == 403


def test_a_deputy_is_refused_and_anonymous_must_log_in(world: LoopWorld) -> None:
    assert _client(world.deputy.user).get(URL).status_code == 403
    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_staff_of_another_city_see_only_their_own(world: LoopWorld, other_city: Congress) -> None:
    july_set(world.city, world.unit)
    other_unit = factories.UnitFactory(congress=other_city, name="河州市办公厅", kind="general_office")
    from renda.opinions.tests.loop_world import person
    from renda.organizations.roles import Role

    other_staff = person(other_city, Role.COMMITTEE_STAFF, other_unit)
    html = _client(other_staff).get(URL, {"month": "2026-07"}).content.decode()
    assert _figure(html, "month-received")[0] == 0


def test_a_bad_month_is_a_400_with_a_message(world: LoopWorld) -> None:
    response = _client(world.staff).get(URL, {"month": "七月"})
    assert response.status_code == 400
    assert "月份须写成 2026-07 的格式" in response.content.decode()


def test_user_text_is_shown_as_text(world: LoopWorld) -> None:
    now = at(JULY.replace(day=28))
    cluster = Cluster.objects.create(
        congress=world.city, title="<script>alert(1)</script>路灯", size=5, first_received_at=now, last_received_at=now
    )
    for _ in range(2):
        Opinion.objects.create(congress=world.city, source="portal", text="路灯坏了", received_at=now, cluster=cluster)
    html = _client(world.staff).get(URL, {"month": "2026-07"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯" in html
    assert "<script>alert(1)" not in html


# --- API ---


def test_api_dashboard_has_the_same_figures(world: LoopWorld) -> None:
    july_set(world.city, world.unit)
    response = _client(world.leader).get("/api/v1/opinions/dashboard", {"month": "2026-07"})
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2026-07" and body["month_counts"] == EXPECTED
    rates = {rate["name"]: rate for rate in body["month_rates"]}
    assert (rates["on_time"]["numerator"], rates["on_time"]["denominator"], rates["on_time"]["rate"]) == (4, 6, 66.7)
    assert [unit["count"] for unit in body["overdue_units"]] == [1]
    assert _client(world.staff).get("/api/v1/opinions/dashboard", {"month": "x"}).status_code == 400
    for user in (world.officer, world.deputy.user, world.citizen):
        assert _client(user).get("/api/v1/opinions/dashboard").status_code == 403


def test_api_reports(world: LoopWorld, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    july_set(world.city, world.unit)
    staff = _client(world.staff)
    created = staff.post("/api/v1/opinions/reports", {"month": "2026-07"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["received"] == 12
    assert (
        staff.post("/api/v1/opinions/reports", {"month": "2099-01"}, content_type="application/json").status_code == 400
    )
    leader = _client(world.leader)
    assert [item["month"] for item in leader.get("/api/v1/opinions/reports").json()] == ["2026-07"]
    assert (
        leader.post("/api/v1/opinions/reports", {"month": "2026-07"}, content_type="application/json").status_code
        == 403
    )
    download = leader.get(f"/api/v1/opinions/reports/{created.json()['id']}")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _client(world.officer).get(f"/api/v1/opinions/reports/{created.json()['id']}").status_code == 403
