"""API for groups, stations, contacts and training: same permissions as the pages."""
# ruff: noqa: F811 - the fixtures imported from _stations_world are requested by name

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from renda.accounts.models import User
from renda.conftest import login_client
from renda.deputies.models import DeputyProfile, DutyEntry, EntryKind, ReceptionDay
from renda.deputies.tests._stations_world import acting, deputies, network, staff, station_staff_for  # noqa: F401

pytestmark = pytest.mark.django_db


def test_station_staff_limited_to_their_branch(network: dict[str, Any], deputies: list[DeputyProfile]) -> None:
    client = login_client(station_staff_for(network["station"]))
    own, other = network["station"].pk, network["other"].pk
    assert client.get(f"/api/v1/deputies/stations/{own}").status_code == 200
    assert client.get(f"/api/v1/deputies/stations/{other}").status_code == 404
    listed = {row["id"] for row in client.get("/api/v1/deputies/stations").json()}
    assert listed == {own}
    body = {"date": "2026-01-10", "start": "09:00", "end": "11:00", "deputy_ids": [deputies[0].pk]}
    response = client.post(f"/api/v1/deputies/stations/{other}/receptions", body, content_type="application/json")
    assert response.status_code == 404
    response = client.post(f"/api/v1/deputies/stations/{own}/receptions", body, content_type="application/json")
    assert response.status_code == 201
    reception_id = response.json()["id"]
    response = client.post(
        f"/api/v1/deputies/receptions/{reception_id}/record", {"citizens_received": 9}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == ReceptionDay.Status.HELD
    assert DutyEntry.objects.filter(kind=EntryKind.STATION_RECEPTION, profile=deputies[0]).count() == 1
    response = client.post(f"/api/v1/deputies/receptions/{reception_id}/cancel", {}, content_type="application/json")
    assert response.status_code == 409
    # The tier rule answers 400 naming the field.
    response = client.post(
        "/api/v1/deputies/stations",
        {"tier": 3, "parent_id": own, "congress_id": network["township"].pk, "name": "错层", "address": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "parent"


def test_leader_reads_but_does_not_change(network: dict[str, Any], make_person: Callable[..., User]) -> None:
    client = login_client(make_person("leader"))
    station_id = network["station"].pk
    assert client.get(f"/api/v1/deputies/stations/{station_id}").status_code == 200
    response = client.patch(
        f"/api/v1/deputies/stations/{station_id}", {"address": "改"}, content_type="application/json"
    )
    assert response.status_code == 403
    network["station"].refresh_from_db()
    assert network["station"].address == "东湖街 3 号"


def test_groups_contacts_and_training(
    staff: User, deputies: list[DeputyProfile], make_person: Callable[..., User]
) -> None:
    client = login_client(staff)
    response = client.post(
        "/api/v1/deputies/groups",
        {"kind": "professional", "name": "法制小组", "leader_id": deputies[0].pk, "member_ids": [deputies[1].pk]},
        content_type="application/json",
    )
    assert response.status_code == 201
    group_id = response.json()["id"]
    leader = login_client(acting(deputies[0].user))
    response = leader.post(
        f"/api/v1/deputies/groups/{group_id}/activities",
        {"title": "学习", "held_on": "2026-02-02", "participant_ids": [deputies[0].pk, deputies[1].pk]},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert DutyEntry.objects.filter(kind=EntryKind.GROUP_ACTIVITY).count() == 2
    assert (
        leader.patch(f"/api/v1/deputies/groups/{group_id}", {"name": "x"}, content_type="application/json").status_code
        == 403
    )
    outsider = login_client(acting(deputies[2].user))
    assert outsider.get(f"/api/v1/deputies/groups/{group_id}").status_code == 404

    response = client.post(
        "/api/v1/deputies/trainings",
        {"title": "培训", "kind": "online", "starts_on": "2026-02-01", "ends_on": "2026-02-01", "hours": "3.5"},
        content_type="application/json",
    )
    assert response.status_code == 201
    training_id = response.json()["id"]
    ids = [d.pk for d in deputies[:3]]
    client.post(
        f"/api/v1/deputies/trainings/{training_id}/invite", {"profile_ids": ids}, content_type="application/json"
    )
    response = client.post(
        f"/api/v1/deputies/trainings/{training_id}/attendance",
        {"attended_ids": ids[:2], "absent_ids": ids[2:]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["person_times"] == 2
    mine = login_client(acting(deputies[0].user)).get(f"/api/v1/deputies/trainings/{training_id}").json()
    assert [row["profile_id"] for row in mine["attendance"]] == [deputies[0].pk]

    sc_member = make_person("sc_member")
    response = login_client(sc_member).post(
        "/api/v1/deputies/contacts",
        {
            "kind": "sc_member_to_deputy",
            "visitor_id": sc_member.pk,
            "deputy_id": deputies[2].pk,
            "date": str(dt.date(2026, 3, 3)),
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert DutyEntry.objects.filter(kind=EntryKind.CONTACTED_BY_SC, profile=deputies[2]).exists()
    citizen = login_client(make_person("citizen"))
    response = citizen.post(
        "/api/v1/deputies/contacts",
        {"kind": "deputy_to_citizens", "deputy_id": deputies[2].pk, "date": "2026-03-03", "people_count": 3},
        content_type="application/json",
    )
    assert response.status_code == 403
