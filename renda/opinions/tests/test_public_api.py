"""The citizens' API: submit (logged in only), track, rate, reopen and erase by tracking code."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from renda.conftest import login_client
from renda.opinions.actions import dispatch_accept, dispatch_reply, triage_grade
from renda.opinions.models import Opinion, OpinionRating, Source, Status
from renda.opinions.tests.loop_world import LoopWorld, build_world
from renda.opinions.tests.public_support import PHONE, TEXT
from renda.organizations.models import Congress, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean() -> None:
    cache.clear()


@pytest.fixture
def world(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def replied(world: LoopWorld) -> Opinion:
    opinion = world.submit()
    triage_grade(actor=world.staff, opinion=opinion, level="L3", category="urban", unit=world.unit)
    dispatch_accept(actor=world.officer, opinion=opinion)
    dispatch_reply(actor=world.officer, opinion=opinion, text="已修复。")
    opinion.refresh_from_db()
    return opinion


def test_submission_needs_a_login(world: LoopWorld) -> None:
    response = post(Client(), "/api/v1/opinions/submissions", {"text": TEXT})
    assert response.status_code == 401
    assert not Opinion.objects.exists()


def test_citizen_submits_by_deputy_code(world: LoopWorld) -> None:
    world.citizen.phone = PHONE
    world.citizen.save(update_fields=["phone"])
    client = login_client(world.citizen)
    body = {"text": TEXT, "deputy_code": world.deputy.public_code, "citizen_phone": PHONE}
    response = post(client, "/api/v1/opinions/submissions", body)
    assert response.status_code == 201, response.content
    data = response.json()
    opinion = Opinion.objects.get(tracking_code=data["tracking_code"])
    assert data["tracking_url"].endswith(f"/portal/opinions/track/{opinion.tracking_code}/")
    assert opinion.source == Source.DEPUTY_QR
    assert opinion.deputy == world.deputy
    assert opinion.citizen_user == world.citizen
    assert opinion.phone_verified is True


def test_submission_with_an_unknown_code_or_bad_input_is_refused(world: LoopWorld) -> None:
    client = login_client(world.citizen)
    response = post(client, "/api/v1/opinions/submissions", {"text": TEXT, "station_code": "nosuch"})
    assert response.status_code == 400
    assert response.json()["field"] == "station_code"
    response = post(client, "/api/v1/opinions/submissions", {"text": "太短"})
    assert response.status_code == 400
    assert response.json()["field"] == "text"
    response = post(client, "/api/v1/opinions/submissions", {"text": TEXT, "citizen_phone": "123"})
    assert response.status_code == 400
    assert response.json()["field"] == "citizen_phone"
    assert not Opinion.objects.exists()


def test_submission_flood_gets_429(world: LoopWorld) -> None:
    client = login_client(world.citizen)
    for _ in range(5):
        assert post(client, "/api/v1/opinions/submissions", {"text": TEXT}).status_code == 201
    response = post(client, "/api/v1/opinions/submissions", {"text": TEXT})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert Opinion.objects.count() == 5


def test_tracking_by_code_hides_the_contact(world: LoopWorld) -> None:
    opinion = replied(world)
    response = Client().get(f"/api/v1/opinion-tracking/{opinion.tracking_code}")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == Status.REPLIED
    assert data["unit_name"] == world.unit.name
    assert data["answers"][0]["text"] == "已修复。"
    assert data["can_rate"] is True
    assert data["has_phone"] is True
    assert "5678" not in response.content.decode()
    assert "张" not in response.content.decode()


def test_wrong_tracking_code_is_404(world: LoopWorld) -> None:
    response = Client().get("/api/v1/opinion-tracking/ZZZZZZZZZZ")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_rating_by_code(world: LoopWorld) -> None:
    opinion = world.submit()
    url = f"/api/v1/opinion-tracking/{opinion.tracking_code}/rating"
    refused = post(Client(), url, {"rating": "satisfied"})
    assert refused.status_code == 409
    opinion = replied(world)
    url = f"/api/v1/opinion-tracking/{opinion.tracking_code}/rating"
    response = post(Client(), url, {"rating": "basically_satisfied", "comment": "还行"})
    assert response.status_code == 200
    assert response.json()["status"] == Status.CLOSED
    again = post(Client(), url, {"rating": "satisfied"})
    assert again.status_code == 409
    assert again.json()["code"] in {"already_rated", "not_replied"}
    assert OpinionRating.objects.filter(opinion=opinion).count() == 1


def test_reopen_by_code(world: LoopWorld) -> None:
    opinion = replied(world)
    response = post(Client(), f"/api/v1/opinion-tracking/{opinion.tracking_code}/reopen", {"comment": "没修好"})
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == Status.DISPATCHED
    assert data["answers"][0]["reopened"] is True
    opinion.refresh_from_db()
    assert opinion.round == 2


def test_erasure_by_code(world: LoopWorld) -> None:
    opinion = world.submit()
    url = f"/api/v1/opinion-tracking/{opinion.tracking_code}/erasure"
    wrong = post(Client(), url, {"phone_digits": "1111"})
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "phone_digits"
    response = post(Client(), url, {"phone_digits": "5678"})
    assert response.status_code == 200
    assert response.json()["erased"] is True
    opinion.refresh_from_db()
    assert opinion.citizen_phone_encrypted == ""
