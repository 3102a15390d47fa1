"""The work-report figures: each number, its definition and rate parts, and the rows behind it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from renda.conftest import login_client
from renda.deputies import figures
from renda.deputies.models import (
    ContactVisit,
    DeputyGroup,
    GroupActivity,
    ReceptionDay,
    Station,
    TrainingAttendance,
    TrainingSession,
)
from renda.deputies.tests._scores_world import ScoreWorld, sw
from renda.tests_support import factories

__all__ = ["sw"]

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def filled(sw: ScoreWorld) -> ScoreWorld:
    staff = sw.staff
    # Training: two sessions in 2026 (Alice twice, Bob once; Carol invited but absent), one in 2025.
    sessions = [
        TrainingSession.objects.create(
            congress=sw.city,
            title=title,
            kind="centralized",
            starts_on=day,
            ends_on=day,
            hours=Decimal(8),
            created_by=staff,
        )
        for title, day in [("履职培训", D(2026, 3, 1)), ("预算审查专题", D(2026, 9, 1)), ("旧培训", D(2025, 9, 1))]
    ]
    TrainingAttendance.objects.bulk_create(
        [
            TrainingAttendance(session=sessions[0], profile=sw.alice, attended=True),
            TrainingAttendance(session=sessions[0], profile=sw.bob, attended=True),
            TrainingAttendance(session=sessions[0], profile=sw.carol, attended=False),
            TrainingAttendance(session=sessions[1], profile=sw.alice, attended=True),
            TrainingAttendance(session=sessions[1], profile=sw.bob, attended=None),
            TrainingAttendance(session=sessions[2], profile=sw.carol, attended=True),
        ]
    )
    # Attending SC meetings: verified entries only.
    sw.entry(sw.alice, "attend_sc", D(2026, 4, 1))
    sw.entry(sw.bob, "attend_sc", D(2026, 4, 1))
    sw.entry(sw.bob, "attend_sc", D(2026, 6, 1), status="pending")
    # Contacts: two SC-member visits (both to Alice), three citizen contacts.
    for deputy, day in [(sw.alice, D(2026, 2, 1)), (sw.alice, D(2026, 5, 1))]:
        ContactVisit.objects.create(
            congress=sw.city,
            kind="sc_member_to_deputy",
            visitor=sw.leader,
            deputy=deputy,
            held_on=day,
            created_by=staff,
        )
    for deputy, people in [(sw.alice, 12), (sw.bob, 30), (sw.carol, 8)]:
        ContactVisit.objects.create(
            congress=sw.city,
            kind="deputy_to_citizens",
            deputy=deputy,
            held_on=D(2026, 7, 1),
            people_count=people,
            created_by=staff,
        )
    ContactVisit.objects.create(
        congress=sw.city,
        kind="deputy_to_citizens",
        deputy=sw.bob,
        held_on=D(2025, 7, 1),
        people_count=99,
        created_by=staff,
    )
    # Stations: one in the city, one in a district below it; receptions held, planned, cancelled.
    district = factories.CongressFactory(name="东湖区人大", code="dh", level="district", parent=sw.city)
    city_station = Station.objects.create(
        unit=factories.UnitFactory(congress=sw.city, name="市联络总站", kind="liaison_station"),
        tier=1,
        address="市府路 1 号",
    )
    district_station = Station.objects.create(
        unit=factories.UnitFactory(congress=district, name="东湖中心站", kind="liaison_station"),
        tier=2,
        parent=city_station,
        address="东湖路 2 号",
    )
    for station, status, people in [
        (city_station, "held", 20),
        (district_station, "held", 15),
        (district_station, "planned", 0),
        (city_station, "cancelled", 0),
    ]:
        ReceptionDay.objects.create(
            station=station,
            date=D(2026, 8, 8),
            starts_at=dt.time(9),
            ends_at=dt.time(11),
            status=status,
            citizens_received=people,
            created_by=staff,
        )
    # Groups: two activities of the area group (5 person-times), none of the professional group.
    area = DeputyGroup.objects.create(congress=sw.city, kind="area", name="东湖代表小组")
    DeputyGroup.objects.create(congress=sw.city, kind="professional", name="财经专业小组")
    for title, members in [("视察老旧小区", [sw.alice, sw.bob, sw.carol]), ("座谈", [sw.alice, sw.bob])]:
        activity = GroupActivity.objects.create(group=area, title=title, held_on=D(2026, 10, 1), created_by=staff)
        activity.participants.set(members)
    return sw


def test_figures_with_definitions_and_rates(filled: ScoreWorld) -> None:
    result = figures.compute(filled.city, 2026)
    by_key = {figure.key: figure for figure in result.figures}
    assert result.deputies_in_office == 3
    assert by_key["training_person_times"].value == 3
    coverage = by_key["training_coverage"]
    assert (coverage.numerator, coverage.denominator, coverage.value) == (2, 3, 66.7)
    assert by_key["sc_attendance"].value == 2
    assert by_key["sc_member_visits"].value == 2
    visits = by_key["sc_visit_coverage"]
    assert (visits.numerator, visits.denominator, visits.value) == (1, 3, 33.3)
    assert by_key["citizen_contacts"].value == 3
    assert by_key["citizen_contact_people"].value == 50
    assert by_key["station_receptions"].value == 2
    assert by_key["station_citizens"].value == 35
    assert all(figure.definition for figure in result.figures)
    assert [(row.name, row.activities, row.person_times) for row in result.groups] == [
        ("东湖代表小组", 2, 5),
        ("财经专业小组", 0, 0),
    ]


def test_empty_year_has_no_division_by_zero(sw: ScoreWorld) -> None:
    result = figures.compute(sw.city, 1999)
    coverage = next(figure for figure in result.figures if figure.key == "training_coverage")
    assert coverage.value is None and coverage.denominator == 0


def test_rows_behind_each_figure(filled: ScoreWorld) -> None:
    counts = {key: figures.rows_for(filled.city, 2026, key).count for key in figures.ROW_SETS}
    assert counts == {
        "training": 3,
        "attend_sc": 2,
        "sc_visits": 2,
        "citizen_contacts": 3,
        "receptions": 2,
        "group_activities": 2,
    }
    page = figures.rows_for(filled.city, 2026, "citizen_contacts", limit=2)
    assert len(page.rows) == 2 and page.count == 3


def test_figure_pages_and_api(filled: ScoreWorld) -> None:
    sw = filled
    leader = login_client(sw.leader, sw.leader.active_assignment)
    page = leader.get(reverse("deputies:figures"), {"year": 2026})
    assert page.status_code == 200 and "66.7%（2/3）" in page.content.decode()
    rows = leader.get(reverse("deputies:figure_rows"), {"year": 2026, "rows": "receptions"})
    assert rows.status_code == 200 and "东湖中心站" in rows.content.decode()
    deputy = login_client(sw.alice_user, sw.alice_user.active_assignment)
    assert deputy.get(reverse("deputies:figures")).status_code == 403
    api = leader.get("/api/v1/deputies/figures", {"congress_id": sw.city.pk, "year": 2026})
    assert api.status_code == 200
    body = api.json()
    assert {row["key"]: row["value"] for row in body["figures"]}["station_citizens"] == 35
    detail = leader.get("/api/v1/deputies/figures/rows", {"congress_id": sw.city.pk, "year": 2026, "rows": "training"})
    assert detail.status_code == 200 and detail.json()["count"] == 3
    bad = leader.get("/api/v1/deputies/figures/rows", {"congress_id": sw.city.pk, "year": 2026, "rows": "nope"})
    assert bad.status_code == 400 and bad.json()["field"] == "rows"
    assert deputy.get("/api/v1/deputies/figures", {"congress_id": sw.city.pk, "year": 2026}).status_code == 403
    other = login_client(sw.other_staff, sw.other_staff.active_assignment)
    assert other.get("/api/v1/deputies/figures", {"congress_id": sw.city.pk, "year": 2026}).status_code == 403
