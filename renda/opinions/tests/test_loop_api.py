"""The loop through the API: each step, its errors (400 naming the field, 403, 404, 409) and what each role sees."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from renda.conftest import login_client
from renda.opinions import actions
from renda.opinions.models import Dispatch, Opinion, Status
from renda.opinions.tests.loop_world import TEXT, LoopWorld, build_world
from renda.organizations.models import Congress, Unit


@pytest.fixture
def w(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1{path}", body or {}, content_type="application/json")


def test_the_whole_loop(w: LoopWorld) -> None:
    opinion = w.submit()
    staff, officer = login_client(w.staff), login_client(w.officer)
    response = post(staff, f"/opinions/{opinion.pk}/grade", {"level": "L3", "category": "urban", "unit_id": w.unit.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.DISPATCHED and body["dispatches"][0]["unit_name"] == w.unit.name
    assert post(officer, f"/opinions/{opinion.pk}/reply", {"text": "已修复"}).status_code == 409
    assert post(officer, f"/opinions/{opinion.pk}/accept").json()["status"] == Status.ACCEPTED
    response = post(officer, f"/opinions/{opinion.pk}/reply", {"text": "路灯已修复。"})
    assert response.json()["status"] == Status.REPLIED and response.json()["replied_on_time"] is True
    assert post(staff, f"/opinions/{opinion.pk}/relay").json()["status"] == Status.RELAYED
    actions.opinion_rate(opinion=opinion, rating="satisfied")
    body = staff.get(f"/api/v1/opinions/{opinion.pk}").json()
    assert body["status"] == Status.CLOSED and body["ratings"][0]["rating"] == "satisfied"
    assert body["dispatches"][0]["reply"] == "路灯已修复。"


def test_errors_name_the_field(w: LoopWorld) -> None:
    opinion = w.submit()
    staff = login_client(w.staff)
    response = post(staff, f"/opinions/{opinion.pk}/refuse", {"reason": "属于民事纠纷", "channel": "法院"})
    assert response.status_code == 400 and response.json()["field"] == "channel"
    response = post(staff, f"/opinions/{opinion.pk}/grade", {"level": "L3", "category": "urban", "unit_id": 999999})
    assert response.status_code == 400 and response.json()["field"] == "unit_id"
    assert Opinion.objects.get(pk=opinion.pk).status == Status.RECEIVED
    response = post(staff, f"/opinions/{opinion.pk}/answer", {"answer": "已当场解释"})
    assert response.status_code == 200
    response = post(staff, f"/opinions/{opinion.pk}/answer", {"answer": "再答一次"})
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


def test_a_unit_sees_only_what_was_dispatched_to_it(w: LoopWorld) -> None:
    mine = w.submit()
    actions.triage_grade(actor=w.staff, opinion=mine, level="L3", category="urban", unit=w.unit)
    theirs = w.submit()
    actions.triage_grade(actor=w.staff, opinion=theirs, level="L3", category="traffic", unit=w.other_unit)
    waiting = w.submit()
    officer = login_client(w.officer)
    listed = officer.get("/api/v1/opinions").json()["items"]
    assert [item["id"] for item in listed] == [mine.pk]
    assert officer.get(f"/api/v1/opinions/{theirs.pk}").status_code == 404
    assert post(officer, f"/opinions/{theirs.pk}/accept").status_code == 404
    assert post(officer, f"/opinions/{waiting.pk}/return", {"reason": "不是我们的"}).status_code == 404
    staff_ids = {item["id"] for item in login_client(w.staff).get("/api/v1/opinions").json()["items"]}
    assert staff_ids == {mine.pk, theirs.pk, waiting.pk}
    assert login_client(w.sc_member).get("/api/v1/opinions").json()["items"] == []
    assert login_client(w.leader).get(f"/api/v1/opinions?status={Status.RECEIVED}").json()["count"] == 1


def test_a_viewer_who_may_not_triage_gets_403(w: LoopWorld) -> None:
    opinion = w.submit()
    response = post(
        login_client(w.leader), f"/opinions/{opinion.pk}/grade", {"level": "L3", "category": "urban", "unit_id": 1}
    )
    assert response.status_code == 403
    assert not Dispatch.objects.exists()


def test_return_through_the_api(w: LoopWorld) -> None:
    opinion = w.submit()
    actions.triage_grade(actor=w.staff, opinion=opinion, level="L3", category="urban", unit=w.unit)
    response = post(login_client(w.head), f"/opinions/{opinion.pk}/return", {"reason": "属交通部门职责"})
    assert response.status_code == 200 and response.json()["status"] == Status.RECEIVED
    assert response.json()["dispatches"][0]["return_reason"] == "属交通部门职责"


def test_convert_through_the_api(w: LoopWorld) -> None:
    opinion = w.submit()
    response = post(
        login_client(w.staff), f"/opinions/{opinion.pk}/convert", {"deputy_id": w.deputy.pk, "title": "关于路灯的建议"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["opinion"]["converted_suggestion_id"] == response.json()["suggestion_id"]


def test_entry_by_station_staff(w: LoopWorld) -> None:
    response = post(login_client(w.station_staff), "/opinions/entries", {"text": TEXT, "citizen_phone": "13900001111"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == "reception" and body["station_id"] == w.station.pk
    assert body["citizen_phone_masked"] == "139****1111" and body["can_unmask"] is True
    response = post(login_client(w.station_staff), "/opinions/entries", {"text": "短"})
    assert response.status_code == 400 and response.json()["field"] == "text"
    assert post(login_client(w.officer), "/opinions/entries", {"text": TEXT}).status_code == 403


def test_cluster_dispatch_through_the_api(w: LoopWorld) -> None:
    from renda.insight.models import Cluster

    now = timezone.now()
    cluster = Cluster.objects.create(congress=w.city, title="路灯", first_received_at=now, last_received_at=now)
    members = [w.submit() for _ in range(2)]
    Opinion.objects.filter(pk__in=[item.pk for item in members]).update(cluster=cluster)
    body = {"level": "L3", "category": "urban", "unit_id": w.unit.pk}
    assert post(login_client(w.leader), f"/opinion-clusters/{cluster.pk}/dispatch", body).status_code == 404
    response = post(login_client(w.staff), f"/opinion-clusters/{cluster.pk}/dispatch", body)
    assert response.status_code == 200
    assert sorted(response.json()["opinion_ids"]) == sorted(item.pk for item in members)
    assert post(login_client(w.staff), f"/opinion-clusters/{cluster.pk}/dispatch", body).status_code == 409
