"""Training: invitations, attendance, duty entries with hours and person-time counts."""
# ruff: noqa: F811 - the fixtures imported from _stations_world are requested by name

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from renda.accounts.models import User
from renda.conftest import login_client
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.deputies.actions import training
from renda.deputies.models import DeputyProfile, DutyEntry, EntryKind, TrainingSession
from renda.deputies.tests._stations_world import acting, deputies, staff  # noqa: F401 - fixtures
from renda.organizations.models import Congress

pytestmark = pytest.mark.django_db


def _session(staff: User, city: Congress, **changes: object) -> TrainingSession:
    data: dict[str, object] = {
        "title": "履职能力专题培训",
        "kind": "thematic",
        "starts_on": dt.date(2026, 5, 10),
        "ends_on": dt.date(2026, 5, 11),
        "hours": "12",
    }
    data.update(changes)
    return training.training_create(actor=staff, congress=city, **data)  # type: ignore[arg-type]


def test_attendance_logs_hours_and_counts_person_times(
    city: Congress, staff: User, deputies: list[DeputyProfile]
) -> None:
    session = _session(staff, city)
    training.training_invite(actor=staff, session=session, profiles=deputies)
    person_times = training.training_attendance(
        actor=staff, session=session, attended_ids=[d.pk for d in deputies[:3]], absent_ids=[deputies[3].pk]
    )
    assert person_times == 3
    entries = DutyEntry.objects.filter(kind=EntryKind.TRAINING)
    assert sorted(entries.values_list("profile_id", flat=True)) == sorted(d.pk for d in deputies[:3])
    assert set(entries.values_list("hours", flat=True)) == {Decimal("12.0")}
    # The absent deputy logs nothing; marking someone absent later removes their entry; replays add none.
    person_times = training.training_attendance(
        actor=staff, session=session, attended_ids=[deputies[0].pk], absent_ids=[deputies[1].pk]
    )
    assert person_times == 2
    assert not DutyEntry.objects.filter(kind=EntryKind.TRAINING, profile=deputies[1]).exists()
    assert DutyEntry.objects.filter(kind=EntryKind.TRAINING).count() == 2


def test_rules(city: Congress, staff: User, deputies: list[DeputyProfile]) -> None:
    with pytest.raises(InvalidInput) as error:
        _session(staff, city, ends_on=dt.date(2026, 5, 1))
    assert error.value.field == "ends_on"
    with pytest.raises(InvalidInput) as error:
        _session(staff, city, hours="0")
    assert error.value.field == "hours"
    session = _session(staff, city)
    training.training_invite(actor=staff, session=session, profiles=deputies[:1])
    with pytest.raises(InvalidInput):  # not invited
        training.training_attendance(actor=staff, session=session, attended_ids=[deputies[2].pk], absent_ids=[])
    with pytest.raises(InvalidInput):  # both
        training.training_attendance(
            actor=staff, session=session, attended_ids=[deputies[0].pk], absent_ids=[deputies[0].pk]
        )
    future = _session(staff, city, starts_on=dt.date(2099, 1, 1), ends_on=dt.date(2099, 1, 2))
    with pytest.raises(InvalidTransition):
        training.training_attendance(actor=staff, session=future, attended_ids=[], absent_ids=[])
    deputy = acting(deputies[0].user)
    with pytest.raises(NotPermitted):
        training.training_invite(actor=deputy, session=session, profiles=deputies)
    assert not DutyEntry.objects.exists()


def test_pages(city: Congress, staff: User, deputies: list[DeputyProfile]) -> None:
    client = login_client(staff)
    response = client.post(
        reverse("deputies:training_list"),
        {
            "title": "新任代表培训",
            "kind": "centralized",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-03",
            "hours": "20",
        },
    )
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    detail = reverse("deputies:training_detail", kwargs={"training_id": session.pk})
    assert client.post(detail, {"everyone": "on"}).status_code == 302
    assert session.attendance.count() == 4
    attendance = reverse("deputies:training_attendance", kwargs={"training_id": session.pk})
    assert client.get(attendance).status_code == 200
    response = client.post(attendance, {"attended": [deputies[0].pk, deputies[1].pk]})
    assert response.status_code == 302
    assert session.attendance.filter(attended=False).count() == 2
    page = client.get(detail)
    assert "参训 2 人次" in page.content.decode()
    # An invited deputy sees the session and only their own line; the attendance form is staff-only.
    deputy_client = login_client(acting(deputies[2].user))
    page = deputy_client.get(detail)
    assert page.status_code == 200
    assert deputies[0].name not in page.content.decode()
    assert deputy_client.get(attendance).status_code == 403
