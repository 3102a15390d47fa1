"""Statistics of suggestions: a handful of items in known states give exactly the expected figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.conftest import login_client
from renda.suggestions import actions, stats
from renda.suggestions.models import Assignment, Suggestion
from renda.suggestions.tests.conftest import SuggestionWorld, drive

YEAR = 2026  # the year of sw.session


@dataclass
class Items:
    closed: Suggestion  # replied on time (A), rated 满意 → closed
    late: Suggestion  # replied after its due date (B), rated 基本满意 → closed
    rehandled: Suggestion  # replied on time (C), rated 不满意 → re-handling
    open: Suggestion  # assigned to the other unit, key-supervised, not answered
    registered: Suggestion
    submitted: Suggestion
    draft: Suggestion


def _reply(sw: SuggestionWorld, suggestion: Suggestion, category: str) -> None:
    lead = suggestion.assignments.get(unit=sw.lead_unit, round=suggestion.round)
    actions.reply_prepare(actor=sw.lead_officer, assignment=lead, category=category, text="答复内容。")
    actions.reply_approve(actor=sw.lead_head, reply=lead.replies.get())


def _evaluate(sw: SuggestionWorld, suggestion: Suggestion, rating: str) -> None:
    suggestion.refresh_from_db()
    actions.suggestion_evaluate(actor=sw.deputy, suggestion=suggestion, process_rating=rating, result_rating=rating)


@pytest.fixture
def items(sw: SuggestionWorld) -> Items:
    closed = drive(sw, "closed", title="已办结满意的建议")

    late = drive(sw, "communicated", title="逾期答复的建议")
    Assignment.objects.filter(suggestion=late).update(due_at=timezone.now() - dt.timedelta(days=1))
    _reply(sw, late, "B")
    _evaluate(sw, late, "basically_satisfied")

    rehandled = drive(sw, "communicated", title="二次办理的建议", category="education")
    _reply(sw, rehandled, "C")
    _evaluate(sw, rehandled, "dissatisfied")

    open_item = drive(sw, "registered", title="未答复的重点建议", category="finance", phase="recess", session=None)
    actions.suggestion_assign(actor=sw.staff, suggestion=open_item, plan=actions.Plan(lead=sw.other_unit))
    actions.key_supervision_set(actor=sw.staff, suggestion=open_item, is_key=True, supervising_leader=sw.leader)

    registered = drive(sw, "registered", title="已立案的建议")
    submitted = drive(sw, "submitted", title="待审核的建议")
    draft = drive(sw, "draft", title="草稿")
    made = Items(closed, late, rehandled, open_item, registered, submitted, draft)
    Suggestion.objects.filter(pk__in=[item.pk for item in vars(made).values()]).update(year=YEAR)
    for item in vars(made).values():
        item.refresh_from_db()
    return made


EXPECTED = {
    "received": 6,
    "session_phase": 5,
    "recess_phase": 1,
    "registered": 5,
    "assigned": 4,
    "replied": 3,
    "replied_on_time": 2,
    "evaluated": 3,
    "satisfied": 1,
    "satisfied_or_basic": 2,
    "category_ab": 2,
    "communicated": 3,
    "rehandled": 1,
    "key": 1,
    "closed": 2,
}


def test_figures_and_rates_count_exactly_the_items_in_each_state(sw: SuggestionWorld, items: Items) -> None:
    result = stats.compute(stats.Scope(congress=sw.city, year=YEAR))
    assert result.total.counts == EXPECTED
    rates = {rate.name: (rate.numerator, rate.denominator, rate.rate) for rate in result.total.rates}
    assert rates == {
        "completion": (3, 4, 75.0),
        "on_time": (2, 4, 50.0),
        "satisfaction": (1, 3, 33.3),
        "satisfaction_incl_basic": (2, 3, 66.7),
        "resolution": (2, 3, 66.7),
        "communication": (3, 4, 75.0),
    }
    # Strict satisfaction leaves out the 基本满意 item; the wider definition counts it.
    assert stats.ledger_items(stats.Scope(sw.city), stats.LedgerFilter(figure="satisfied")).get() == items.closed
    assert set(stats.ledger_items(stats.Scope(sw.city), stats.LedgerFilter(figure="satisfied_or_basic"))) == {
        items.closed,
        items.late,
    }


def test_breakdowns_by_unit_and_category(sw: SuggestionWorld, items: Items) -> None:
    result = stats.compute(stats.Scope(congress=sw.city, year=YEAR))
    by_unit = {row.label: row.counts for row in result.by_unit}
    # The co-handling unit answers nobody, so it has no line of its own.
    assert set(by_unit) == {sw.lead_unit.name, sw.other_unit.name}
    assert by_unit[sw.lead_unit.name]["assigned"] == 3
    assert by_unit[sw.lead_unit.name]["replied"] == 3
    assert by_unit[sw.lead_unit.name]["replied_on_time"] == 2
    # The re-handled item has two rounds of assignments but counts once.
    assert by_unit[sw.lead_unit.name]["rehandled"] == 1
    assert by_unit[sw.other_unit.name]["assigned"] == 1
    assert by_unit[sw.other_unit.name]["replied"] == 0
    assert by_unit[sw.other_unit.name]["key"] == 1

    by_category = {row.key: row.counts for row in result.by_category}
    assert by_category["urban"]["received"] == 4
    assert by_category["education"]["rehandled"] == 1
    assert by_category["finance"]["key"] == 1


def test_scope_filters(sw: SuggestionWorld, items: Items) -> None:
    unit_scope = stats.compute(stats.Scope(congress=sw.city, unit_id=sw.other_unit.pk))
    assert unit_scope.total.counts["received"] == 1
    assert stats.compute(stats.Scope(congress=sw.city, year=YEAR - 1)).total.counts["received"] == 0
    assert stats.compute(stats.Scope(congress=sw.city, phase="recess")).total.counts["received"] == 1
    assert stats.compute(stats.Scope(congress=sw.city, category="education")).total.counts["received"] == 1
    session_scope = stats.compute(stats.Scope(congress=sw.city, session_id=sw.session.pk))
    assert session_scope.total.counts["received"] == 5
    # Another congress counts nothing of this one.
    assert stats.compute(stats.Scope(congress=sw.other_staff.active_assignment.congress)).total.counts == {
        name: 0 for name in EXPECTED
    }


def test_a_year_is_three_queries(sw: SuggestionWorld, items: Items, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3):
        stats.compute(stats.Scope(congress=sw.city, year=YEAR))


def test_bad_scope_names_the_field(sw: SuggestionWorld, other_city: Any) -> None:
    from renda.core.errors import InvalidInput
    from renda.tests_support import factories

    foreign = factories.UnitFactory(congress=other_city, name="外市单位")
    with pytest.raises(InvalidInput) as error:
        stats.build_scope(sw.city, unit_id=foreign.pk)
    assert error.value.field == "unit_id"
    with pytest.raises(InvalidInput) as error:
        stats.build_scope(sw.city, category="nonsense")
    assert error.value.field == "category"
    with pytest.raises(InvalidInput) as error:
        stats.ledger_items(stats.Scope(sw.city), stats.LedgerFilter(state="overdue"))
    assert error.value.field == "unit"


# --- pages ---


def _ids(response: Any) -> set[int]:
    return {item.pk for item, _units in response.context["rows"]}


def test_stats_page_shows_each_rate_with_links_to_its_items(sw: SuggestionWorld, items: Items) -> None:
    client = login_client(sw.staff)
    response = client.get(reverse("suggestions:stats"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert "75.0%（" in html and "33.3%（" in html and "66.7%（" in html
    assert "figure=replied_on_time" in html and f"year={YEAR}" in html
    assert f'data-key="{sw.lead_unit.pk}"' in html and f'data-key="{sw.co_unit.pk}"' not in html


def test_stats_page_defaults_to_this_year(sw: SuggestionWorld, items: Items) -> None:
    response = login_client(sw.leader).get(reverse("suggestions:stats"))
    assert response.status_code == 200
    assert response.context["statistics"].scope.year == timezone.localdate().year


def test_ledger_lists_exactly_the_items_behind_a_figure(sw: SuggestionWorld, items: Items) -> None:
    client = login_client(sw.staff)
    response = client.get(reverse("suggestions:ledger"), {"year": YEAR, "figure": "replied_on_time"})
    assert response.status_code == 200
    assert _ids(response) == {items.closed.pk, items.rehandled.pk}
    response = client.get(reverse("suggestions:ledger"))
    assert _ids(response) == {item.pk for name, item in vars(items).items() if name != "draft"}, (
        "drafts are never listed"
    )
    response = client.get(reverse("suggestions:ledger"), {"key": "1"})
    assert _ids(response) == {items.open.pk}


def test_ledger_unit_board_states(sw: SuggestionWorld, items: Items) -> None:
    client = login_client(sw.staff)
    url = reverse("suggestions:ledger")
    replied = client.get(url, {"unit": sw.lead_unit.pk, "state": "replied"})
    assert _ids(replied) == {items.closed.pk, items.late.pk, items.rehandled.pk}
    # The re-handled item waits for the lead unit's second answer.
    assert _ids(client.get(url, {"unit": sw.lead_unit.pk, "state": "open"})) == {items.rehandled.pk}
    assert _ids(client.get(url, {"unit": sw.other_unit.pk, "state": "overdue"})) == set()
    Assignment.objects.filter(suggestion=items.open).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert _ids(client.get(url, {"unit": sw.other_unit.pk, "state": "overdue"})) == {items.open.pk}
    Assignment.objects.filter(suggestion=items.open).update(due_at=timezone.now() + dt.timedelta(days=3))
    assert _ids(client.get(url, {"unit": sw.other_unit.pk, "state": "due_soon"})) == {items.open.pk}


def test_bad_filters_are_a_clear_400(sw: SuggestionWorld, items: Items) -> None:
    client = login_client(sw.staff)
    response = client.get(reverse("suggestions:ledger"), {"state": "overdue"})
    assert response.status_code == 400
    assert "请同时选择承办单位" in response.content.decode()
    response = client.get(reverse("suggestions:ledger"), {"figure": "nonsense"})
    assert response.status_code == 400
    response = client.get(reverse("suggestions:stats"), {"year": "abc"})
    assert response.status_code == 400
    assert "年度" in response.content.decode()


@pytest.mark.parametrize("name", ["suggestions:stats", "suggestions:ledger"])
def test_only_staff_and_leaders_of_the_congress(sw: SuggestionWorld, items: Items, name: str) -> None:
    for person in (sw.deputy, sw.lead_officer, sw.citizen):
        assert login_client(person).get(reverse(name)).status_code in (403, 404)
    # Another city's staff see their own congress, which has none of these items.
    response = login_client(sw.other_staff).get(reverse(name), {"year": YEAR})
    assert response.status_code == 200
    assert "已办结满意的建议" not in response.content.decode()
    assert str(sw.lead_unit.pk) not in [
        str(key) for key in response.context["form"].fields["unit"].queryset.values_list("pk", flat=True)
    ]
    assert Client().get(reverse(name)).status_code == 302
    assert login_client(sw.leader).get(reverse(name)).status_code == 200


# --- API ---


def test_api_stats_json(sw: SuggestionWorld, items: Items) -> None:
    response = login_client(sw.leader).get("/api/v1/suggestions/stats", {"congress_id": sw.city.pk, "year": YEAR})
    assert response.status_code == 200, response.content
    body = response.json()
    assert {name: figure["count"] for name, figure in body["figures"].items()} == EXPECTED
    assert body["rates"]["satisfaction_incl_basic"] == {
        "label": "满意率（含基本满意）",
        "numerator": 2,
        "denominator": 3,
        "rate": 66.7,
    }
    assert body["scope"]["year"] == YEAR
    assert {row["label"] for row in body["by_unit"]} == {sw.lead_unit.name, sw.other_unit.name}
    assert {row["key"] for row in body["by_category"]} == {"urban", "education", "finance"}


def test_api_stats_refuses_other_congresses_and_bad_input(sw: SuggestionWorld, items: Items) -> None:
    query = {"congress_id": sw.city.pk}
    for path in ("/api/v1/suggestions/stats", "/api/v1/suggestions/stats.xlsx", "/api/v1/suggestions/ledger.xlsx"):
        response = login_client(sw.other_staff).get(path, query)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
        assert login_client(sw.deputy).get(path, query).status_code == 403
        assert login_client(sw.staff).get(path, {"congress_id": 999999}).status_code == 404
    response = login_client(sw.staff).get("/api/v1/suggestions/stats", {**query, "category": "nonsense"})
    assert response.status_code == 400
    assert response.json()["field"] == "category"
    response = login_client(sw.staff).get("/api/v1/suggestions/stats")
    assert response.status_code == 400
    assert response.json()["field"] == "congress_id"
