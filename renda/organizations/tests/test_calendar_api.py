"""The working calendar through the API: per-congress adjustments and due dates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from renda.accounts.models import User
from renda.core.errors import NotPermitted
from renda.core.models import AuditEvent
from renda.organizations import actions
from renda.organizations.models import CalendarAdjustment, Congress
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


def _set(client: Client, congress: Congress, **body: Any) -> Any:
    return client.post(f"/api/v1/congresses/{congress.pk}/calendar", body, content_type="application/json")


def _due(client: Client, **query: Any) -> Any:
    return client.get("/api/v1/calendar/due-date", query)


def test_admin_adds_a_holiday_and_due_dates_follow(admin_client: Client, city: Congress) -> None:
    before = _due(admin_client, rule="opinion_handling", start="2024-05-01", congress_id=city.pk, amount=4).json()
    # May 1–5 2024 is Labour Day: Mon May 6 (1) … Thu May 9 (4).
    assert before["due_date"] == "2024-05-09"
    response = _set(admin_client, city, date="2024-05-07", kind="holiday", name="市庆")
    assert response.status_code == 201
    body = response.json()
    assert body["date"] == "2024-05-07" and body["kind"] == "holiday" and body["inherited"] is False
    adjustment = CalendarAdjustment.objects.get()
    assert (adjustment.congress_id, adjustment.name) == (city.pk, "市庆")
    event = AuditEvent.objects.get(action="calendar.adjustment_set")
    assert event.congress_id == city.pk
    assert event.summary == {"date": "2024-05-07", "kind": "holiday", "name": "市庆", "previous": None}
    after = _due(admin_client, rule="opinion_handling", start="2024-05-01", congress_id=city.pk, amount=4).json()
    assert after["due_date"] == "2024-05-10"


def test_setting_the_same_day_again_changes_it_in_place(admin_client: Client, city: Congress) -> None:
    _set(admin_client, city, date="2024-05-07", kind="holiday", name="市庆")
    response = _set(admin_client, city, date="2024-05-07", kind="working_day", name="照常上班")
    assert response.status_code == 201
    assert CalendarAdjustment.objects.count() == 1
    assert CalendarAdjustment.objects.get().kind == "working_day"
    last = AuditEvent.objects.filter(action="calendar.adjustment_set").order_by("-sequence").first()
    assert last is not None and last.summary["previous"] == {"kind": "holiday", "name": "市庆"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2024-05-07", "kind": "vacation", "name": "x"}, "kind"),
        ({"date": "2024-05-07", "kind": "holiday", "name": "   "}, "name"),
        ({"date": "2024-05-07", "kind": "holiday", "name": "长" * 61}, "name"),
        ({"date": "2024-13-01", "kind": "holiday", "name": "x"}, "date"),
        ({"date": "2100-01-01", "kind": "holiday", "name": "x"}, "date"),
        ({"date": "2003-12-31", "kind": "holiday", "name": "x"}, "date"),
        ({"kind": "holiday", "name": "x"}, "date"),
    ],
)
def test_bad_adjustment_names_the_field_and_saves_nothing(
    admin_client: Client, city: Congress, body: dict[str, Any], field: str
) -> None:
    response = _set(admin_client, city, **body)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not CalendarAdjustment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()


def test_only_the_congress_admin_may_adjust(
    make_person: Callable[..., User],
    client_for: Callable[[User], Client],
    admin_client: Client,
    city: Congress,
    district: Congress,
) -> None:
    deputy = make_person(Role.DEPUTY)
    assert _set(client_for(deputy), city, date="2024-05-07", kind="holiday", name="x").status_code == 403
    district_admin = make_person(Role.STAFF_ADMIN, congress=district)
    assert _set(client_for(district_admin), city, date="2024-05-07", kind="holiday", name="x").status_code == 404
    assert not CalendarAdjustment.objects.exists()
    # The city administrator administers the district too.
    assert _set(admin_client, district, date="2024-05-07", kind="holiday", name="区庆").status_code == 201
    with pytest.raises(NotPermitted):
        actions.calendar_adjustment_set(actor=deputy, congress=city, date=None, kind="holiday", name="x")  # type: ignore[arg-type]
    assert CalendarAdjustment.objects.count() == 1


def test_admin_removes_an_adjustment(
    admin_client: Client,
    make_person: Callable[..., User],
    client_for: Callable[[User], Client],
    city: Congress,
    other_city: Congress,
) -> None:
    adjustment_id = _set(admin_client, city, date="2024-05-07", kind="holiday", name="市庆").json()["id"]
    other_admin = make_person(Role.STAFF_ADMIN, congress=other_city)
    assert client_for(other_admin).post(f"/api/v1/calendar/{adjustment_id}/remove").status_code == 404
    assert admin_client.post("/api/v1/calendar/999999/remove").status_code == 404
    assert CalendarAdjustment.objects.filter(pk=adjustment_id).exists()
    response = admin_client.post(f"/api/v1/calendar/{adjustment_id}/remove")
    assert response.status_code == 200
    assert not CalendarAdjustment.objects.exists()
    event = AuditEvent.objects.get(action="calendar.adjustment_removed")
    assert event.target_id == str(adjustment_id)
    assert event.summary == {"date": "2024-05-07", "kind": "holiday", "name": "市庆"}
    due = _due(admin_client, rule="opinion_handling", start="2024-05-01", congress_id=city.pk, amount=4).json()
    assert due["due_date"] == "2024-05-09"


def test_everyone_in_the_congress_reads_its_calendar_including_what_the_city_set(
    admin_client: Client,
    make_person: Callable[..., User],
    client_for: Callable[[User], Client],
    city: Congress,
    district: Congress,
) -> None:
    _set(admin_client, city, date="2030-01-01", kind="holiday", name="元旦")
    _set(admin_client, city, date="2030-05-06", kind="holiday", name="市庆")
    _set(admin_client, district, date="2030-05-06", kind="working_day", name="照常上班")
    district_deputy = make_person(Role.DEPUTY, congress=district)
    client = client_for(district_deputy)
    items = client.get(f"/api/v1/congresses/{district.pk}/calendar").json()["items"]
    assert [(item["date"], item["kind"], item["inherited"]) for item in items] == [
        ("2030-01-01", "holiday", True),
        ("2030-05-06", "working_day", False),
        ("2030-05-06", "holiday", True),
    ]
    assert client.get(f"/api/v1/congresses/{district.pk}/calendar", {"year": 2031}).json()["items"] == []
    # The district's own decision wins: May 6 2030 (a Monday) is a working day there, not in the city.
    district_due = _due(client, rule="opinion_handling", start="2030-05-03", congress_id=district.pk, amount=1)
    assert district_due.json()["due_date"] == "2030-05-06"
    assert district_due.json()["uses_fallback"] is True
    city_deputy = make_person(Role.DEPUTY)
    city_due = _due(client_for(city_deputy), rule="opinion_handling", start="2030-05-03", congress_id=city.pk, amount=1)
    assert city_due.json()["due_date"] == "2030-05-07"
    # Holding a role in the district does not open the city's calendar.
    assert client.get(f"/api/v1/congresses/{city.pk}/calendar").status_code == 404
    assert _due(client, rule="suggestion_reply", start="2024-01-31", congress_id=city.pk).status_code == 404


def test_another_citys_calendar_is_hidden(
    make_person: Callable[..., User], client_for: Callable[[User], Client], other_city: Congress
) -> None:
    client = client_for(make_person(Role.LEADER))
    assert client.get(f"/api/v1/congresses/{other_city.pk}/calendar").status_code == 404
    assert _due(client, rule="suggestion_reply", start="2024-01-31", congress_id=other_city.pk).status_code == 404


def test_due_date_answers_with_the_rule_and_how_it_was_counted(
    make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress
) -> None:
    client = client_for(make_person(Role.UNIT_OFFICER))
    response = _due(client, rule="suggestion_reply", start="2024-07-01", congress_id=city.pk)
    assert response.status_code == 200
    assert response.json() == {
        "rule": "suggestion_reply",
        "label": "建议答复期限",
        "description": "建议答复期限：自交办之日起3个月（当日不计入；最后一日遇休息日的，顺延至其后第一个工作日）",
        "unit": "calendar_months",
        "setting": "suggestion_due_months",
        "amount": 3,
        "congress_id": city.pk,
        "start": "2024-07-01",
        "due_date": "2024-10-08",
        "unadjusted_date": "2024-10-01",
        "rolled_forward": True,
        "uses_fallback": False,
    }


def test_due_date_uses_the_congress_settings_and_defaults_to_the_acting_congress(
    admin_client: Client, make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress
) -> None:
    admin_client.patch(
        f"/api/v1/congresses/{city.pk}/settings", {"suggestion_due_months": 2}, content_type="application/json"
    )
    client = client_for(make_person(Role.DEPUTY))
    assert _due(client, rule="suggestion_reply", start="2024-01-15").json()["due_date"] == "2024-03-15"
    explicit = _due(client, rule="suggestion_reply", start="2024-01-15", congress_id=city.pk).json()
    assert explicit["due_date"] == "2024-03-15" and explicit["amount"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"rule": "no_such_rule", "start": "2024-01-31"}, "rule"),
        ({"rule": "suggestion_reply", "start": "2024-01-31", "amount": -1}, "amount"),
        ({"rule": "suggestion_reply", "start": "2003-01-31"}, "start"),
        ({"rule": "opinion_handling", "start": "2099-12-31"}, "amount"),
        ({"rule": "suggestion_reply", "start": "31/01/2024"}, "start"),
        ({"rule": "suggestion_reply"}, "start"),
    ],
)
def test_bad_due_date_queries_name_the_field(admin_client: Client, query: dict[str, Any], field: str) -> None:
    response = _due(admin_client, **query)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_anonymous_gets_401(client: Client, city: Congress) -> None:
    assert _due(client, rule="suggestion_reply", start="2024-01-31", congress_id=city.pk).status_code == 401
    assert client.get(f"/api/v1/congresses/{city.pk}/calendar").status_code == 401
