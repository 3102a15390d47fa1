"""The tracking page: by code (404 and rate limit on wrong codes), steps, answers, rating, reopening, erasure."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from renda.accounts import sms
from renda.core.models import AuditEvent
from renda.opinions.actions import dispatch_accept, dispatch_reply, triage_answer_on_spot, triage_grade
from renda.opinions.models import Opinion, OpinionRating, Rating, Status
from renda.opinions.tests.loop_world import LoopWorld, build_world
from renda.organizations.models import Congress, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean(settings: Any) -> None:
    cache.clear()
    sms.outbox.clear()
    settings.RENDA_SMS_BACKEND = "renda.accounts.sms.LogSmsBackend"


@pytest.fixture
def world(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def status_url(code: str) -> str:
    return reverse("portal:opinion_status", kwargs={"code": code})


def replied(world: LoopWorld, **fields: Any) -> Opinion:
    opinion = world.submit(**fields)
    triage_grade(actor=world.staff, opinion=opinion, level="L3", category="urban", unit=world.unit)
    dispatch_accept(actor=world.officer, opinion=opinion)
    dispatch_reply(actor=world.officer, opinion=opinion, text="已安排维修，路灯已于本周修复。")
    opinion.refresh_from_db()
    return opinion


def rate(code: str, **data: Any) -> Any:
    return Client().post(reverse("portal:opinion_rate", kwargs={"code": code}), data)


# --- looking up ---


def test_track_form_sends_the_code_to_its_page(world: LoopWorld) -> None:
    opinion = world.submit()
    assert Client().get(reverse("portal:opinion_track")).status_code == 200
    response = Client().get(reverse("portal:opinion_track"), {"code": opinion.tracking_code.lower()})
    assert response.status_code == 302
    assert response.url == status_url(opinion.tracking_code)


def test_status_page_shows_progress_and_never_the_contact(world: LoopWorld) -> None:
    opinion = world.submit(station=world.station, source="station_qr")
    triage_grade(actor=world.staff, opinion=opinion, level="L3", category="urban", unit=world.unit)
    response = Client().get(status_url(opinion.tracking_code.lower()))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.unit.name in body
    assert "东湖街道代表联络站" in body
    assert 'aria-current="step">派单' in body
    assert 'data-testid="due"' in body
    for secret in ("张三丰", "张**", "13912345678", "139****5678"):
        assert secret not in body
    assert 'data-testid="rating-form"' not in body


def test_wrong_code_is_a_404_page_with_a_form(world: LoopWorld) -> None:
    response = Client().get(status_url("ABCDEFGHJK"))
    assert response.status_code == 404
    body = response.content.decode()
    assert "查询码不存在" in body
    assert 'data-testid="track-form"' in body
    assert Client().get(status_url("<script>")).status_code == 404


def test_guessing_codes_is_rate_limited(world: LoopWorld) -> None:
    opinion = world.submit()
    client = Client()
    for index in range(20):
        assert client.get(status_url(f"ABCDEFG{index:03d}".replace("0", "2").replace("1", "3"))).status_code == 404
    response = client.get(status_url(opinion.tracking_code))
    assert response.status_code == 429
    assert "10 分钟后再试" in response.content.decode()
    # Another address is not affected.
    assert Client(REMOTE_ADDR="10.9.9.9").get(status_url(opinion.tracking_code)).status_code == 200


def test_answered_on_spot_shows_the_answer(world: LoopWorld) -> None:
    opinion = world.submit()
    triage_answer_on_spot(actor=world.staff, opinion=opinion, answer="该路段路灯已列入本月维修计划。")
    body = Client().get(status_url(opinion.tracking_code)).content.decode()
    assert "该路段路灯已列入本月维修计划。" in body
    assert 'data-testid="rating-form"' not in body


# --- rating ---


def test_rating_an_open_item_is_refused(world: LoopWorld) -> None:
    opinion = world.submit()
    response = rate(opinion.tracking_code, rating=Rating.SATISFIED)
    assert response.status_code == 409
    assert "尚未答复" in response.content.decode()
    assert not OpinionRating.objects.exists()
    opinion.refresh_from_db()
    assert opinion.status == Status.RECEIVED


def test_replied_item_shows_the_answer_and_the_rating_form(world: LoopWorld) -> None:
    opinion = replied(world)
    body = Client().get(status_url(opinion.tracking_code)).content.decode()
    assert "已安排维修，路灯已于本周修复。" in body
    assert 'data-testid="rating-form"' in body
    assert "要求重新办理" in body


def test_satisfied_rating_closes_and_a_second_rating_is_refused(world: LoopWorld) -> None:
    opinion = replied(world)
    response = rate(opinion.tracking_code, rating=Rating.SATISFIED, comment="修得很快，谢谢！")
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.CLOSED
    assert opinion.rating == Rating.SATISFIED
    assert AuditEvent.objects.filter(action="opinion.rated", target_id=opinion.pk).count() == 1
    second = rate(opinion.tracking_code, rating=Rating.DISSATISFIED)
    assert second.status_code == 409
    assert OpinionRating.objects.count() == 1
    page = Client().get(status_url(opinion.tracking_code)).content.decode()
    assert "修得很快，谢谢！" in page
    assert 'data-testid="rating-form"' not in page


def test_invalid_rating_value_is_refused(world: LoopWorld) -> None:
    opinion = replied(world)
    response = rate(opinion.tracking_code, rating="excellent")
    assert response.status_code == 400
    assert not OpinionRating.objects.exists()


def test_dissatisfied_with_reopen_starts_a_new_round(world: LoopWorld) -> None:
    opinion = replied(world)
    response = rate(opinion.tracking_code, rating=Rating.DISSATISFIED, comment="路灯还是不亮", reopen="on")
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.DISPATCHED
    assert opinion.round == 2
    assert opinion.reopen_count == 1
    page = Client().get(status_url(opinion.tracking_code)).content.decode()
    assert "第 2 轮" in page
    assert "已要求重新办理" in page


def test_dissatisfied_without_reopen_closes(world: LoopWorld) -> None:
    opinion = replied(world)
    assert rate(opinion.tracking_code, rating=Rating.DISSATISFIED).status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.CLOSED


# --- erasure ---


def test_erasure_asks_for_the_last_four_digits(world: LoopWorld) -> None:
    opinion = world.submit()
    url = reverse("portal:opinion_erase", kwargs={"code": opinion.tracking_code})
    wrong = Client().post(url, {"phone_digits": "0000"})
    assert wrong.status_code == 400
    assert "手机号后四位不正确" in wrong.content.decode()
    opinion.refresh_from_db()
    assert opinion.citizen_phone_encrypted and opinion.erased_at is None
    right = Client().post(url, {"phone_digits": "5678"})
    assert right.status_code == 302
    opinion.refresh_from_db()
    assert opinion.erased_at is not None
    assert opinion.citizen_name_encrypted == opinion.citizen_phone_encrypted == ""
    assert opinion.citizen_name_masked == opinion.citizen_phone_masked == ""
    assert Opinion.objects.filter(pk=opinion.pk, text=opinion.text).exists()
    assert AuditEvent.objects.filter(action="opinion.personal_data_erased", target_id=opinion.pk).count() == 1


def test_erasure_without_a_phone_needs_no_digits(world: LoopWorld) -> None:
    opinion = world.submit(citizen_phone="", phone_verified=False)
    url = reverse("portal:opinion_erase", kwargs={"code": opinion.tracking_code})
    assert Client().post(url, {}).status_code == 302
    opinion.refresh_from_db()
    assert opinion.erased_at is not None


def test_guessing_the_digits_is_rate_limited(world: LoopWorld) -> None:
    opinion = world.submit()
    url = reverse("portal:opinion_erase", kwargs={"code": opinion.tracking_code})
    for _ in range(5):
        assert Client().post(url, {"phone_digits": "0000"}).status_code == 400
    response = Client().post(url, {"phone_digits": "5678"})
    assert response.status_code == 429
    opinion.refresh_from_db()
    assert opinion.erased_at is None
