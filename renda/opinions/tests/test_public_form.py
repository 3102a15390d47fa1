"""The public opinion form: anonymous and QR-addressed submission, SMS verification, captcha, uploads, rate limits."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from renda.accounts import sms
from renda.conftest import login_client
from renda.core.errors import InvalidInput
from renda.core.models import AuditEvent
from renda.opinions import captcha
from renda.opinions.models import Opinion, OpinionAttachment, Source
from renda.opinions.tests.loop_world import LoopWorld, build_world
from renda.opinions.tests.public_support import (
    PHONE,
    PNG,
    TEXT,
    form_url,
    last_sms_code,
    request_sms_code,
    solve_captcha,
    submit,
)
from renda.organizations.models import Congress, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean(settings: Any, tmp_path: Path) -> None:
    cache.clear()
    sms.outbox.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RENDA_SMS_BACKEND = "renda.accounts.sms.LogSmsBackend"


@pytest.fixture
def world(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def media_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- the page ---


def test_form_shows_an_svg_captcha_and_no_script(world: LoopWorld) -> None:
    response = Client().get(form_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="captcha-image"' in body
    assert "<svg" in body
    assert 'name="captcha"' in body
    # The sum is drawn, not written: no digits in a <text> element.
    assert "<text " not in body and "<text>" not in body


def test_captcha_refresh_gives_a_new_picture(world: LoopWorld) -> None:
    response = Client().get(reverse("portal:opinion_captcha"))
    assert response.status_code == 200
    assert "<svg" in response.content.decode()


# --- happy paths ---


def test_anonymous_submission_gives_a_tracking_code(world: LoopWorld) -> None:
    client = Client()
    response = submit(client, {"address": "东湖路 12 号"})
    assert response.status_code == 302
    assert response.url == reverse("portal:opinion_sent")
    opinion = Opinion.objects.get()
    assert opinion.source == Source.PORTAL
    assert opinion.congress == world.city
    assert opinion.citizen_name_encrypted == opinion.citizen_phone_encrypted == ""
    assert opinion.citizen_user is None
    assert opinion.submitted_ip_hash
    assert AuditEvent.objects.filter(action="opinion.received", target_id=opinion.pk).count() == 1
    sent = client.get(response.url)
    body = sent.content.decode()
    assert opinion.tracking_code in body
    assert reverse("portal:opinion_status", kwargs={"code": opinion.tracking_code}) in body


def test_sent_page_without_a_submission_goes_back_to_the_form(world: LoopWorld) -> None:
    response = Client().get(reverse("portal:opinion_sent"))
    assert response.status_code == 302
    assert response.url == reverse("portal:opinion_new")


def test_station_qr_addresses_the_station(world: LoopWorld) -> None:
    query = f"station={world.station.public_code}"
    page = Client().get(form_url(query))
    assert "提交给：东湖街道代表联络站" in page.content.decode()
    response = submit(Client(), query=query)
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.source == Source.STATION_QR
    assert opinion.station == world.station
    assert opinion.deputy is None


def test_deputy_qr_addresses_the_deputy(world: LoopWorld) -> None:
    query = f"deputy={world.deputy.public_code}"
    page = Client().get(form_url(query))
    assert f"提交给：{world.deputy.name}代表" in page.content.decode()
    response = submit(Client(), query=query)
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.source == Source.DEPUTY_QR
    assert opinion.deputy == world.deputy
    assert opinion.congress == world.city


@pytest.mark.parametrize("query", ["station=nosuchcode", "deputy=nosuchcode"])
def test_unknown_qr_code_gives_the_plain_form_with_a_notice(world: LoopWorld, query: str) -> None:
    page = Client().get(form_url(query))
    assert page.status_code == 200
    assert 'data-testid="addressee-notice"' in page.content.decode()
    response = submit(Client(), query=query)
    assert response.status_code == 302
    assert Opinion.objects.get().source == Source.PORTAL


def test_area_must_be_in_the_tree(world: LoopWorld, district: Congress, other_city: Congress) -> None:
    response = submit(Client(), {"area": str(other_city.pk)})
    assert response.status_code == 400
    assert not Opinion.objects.exists()
    response = submit(Client(), {"area": str(district.pk)})
    assert response.status_code == 302
    assert Opinion.objects.get().area == district


def test_logged_in_citizen_needs_no_captcha_and_their_phone_is_verified(world: LoopWorld) -> None:
    world.citizen.phone = PHONE
    world.citizen.full_name = "李四"
    world.citizen.save(update_fields=["phone", "full_name"])
    client = login_client(world.citizen)
    page = client.get(form_url())
    body = page.content.decode()
    assert 'name="captcha"' not in body
    assert PHONE in body  # prefilled
    response = submit(client, {"citizen_phone": PHONE, "citizen_name": "李四"}, anonymous=False)
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.citizen_user == world.citizen
    assert opinion.phone_verified is True
    assert opinion.citizen_phone_masked == "139****5678"


# --- SMS verification ---


def test_phone_with_the_right_sms_code_is_verified_and_gets_the_tracking_code(world: LoopWorld) -> None:
    client = Client()
    code = request_sms_code(client)
    response = submit(client, {"citizen_phone": PHONE, "sms_code": code, "citizen_name": "张三"})
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.phone_verified is True
    assert opinion.citizen_phone_masked == "139****5678"
    assert opinion.citizen_name_masked == "张*"
    assert any(to == PHONE and opinion.tracking_code in message for to, message in sms.outbox)
    assert "短信发送" in client.get(response.url).content.decode()


def test_phone_without_a_code_or_with_a_wrong_code_is_refused(world: LoopWorld) -> None:
    client = Client()
    response = submit(client, {"citizen_phone": PHONE})
    assert response.status_code == 400
    assert "请填写短信验证码" in response.content.decode()
    code = request_sms_code(client)
    wrong = "000000" if code != "000000" else "111111"
    response = submit(client, {"citizen_phone": PHONE, "sms_code": wrong})
    assert response.status_code == 400
    assert "短信验证码错误" in response.content.decode()
    assert not Opinion.objects.exists()


def test_five_wrong_sms_codes_burn_the_code(world: LoopWorld) -> None:
    client = Client()
    code = request_sms_code(client)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert submit(client, {"citizen_phone": PHONE, "sms_code": wrong}).status_code == 400
    response = submit(client, {"citizen_phone": PHONE, "sms_code": code})
    assert response.status_code == 400
    assert not Opinion.objects.exists()


def test_bad_phone_is_refused(world: LoopWorld) -> None:
    response = submit(Client(), {"citizen_phone": "12345"})
    assert response.status_code == 400
    assert "11 位手机号码" in response.content.decode()
    assert not Opinion.objects.exists()
    refused = Client().post(reverse("portal:opinion_sms_send"), {"citizen_phone": "12345"}, HTTP_HX_REQUEST="true")
    assert "11 位手机号码" in refused.content.decode()
    assert sms.outbox == []


def test_sms_code_resend_waits_sixty_seconds(world: LoopWorld) -> None:
    client = Client()
    request_sms_code(client)
    again = client.post(reverse("portal:opinion_sms_send"), {"citizen_phone": PHONE})
    assert again.status_code == 429
    assert "60 秒" in again.content.decode()
    assert len(sms.outbox) == 1


def test_sms_code_without_script_returns_the_form_with_the_text_kept(world: LoopWorld) -> None:
    response = Client().post(reverse("portal:opinion_sms_send"), {"citizen_phone": PHONE, "text": "路灯坏了很久了请修"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "验证码已发送至 139****5678" in body
    assert "路灯坏了很久了请修" in body
    assert last_sms_code()


# --- bad input: nothing saved ---


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "请填写意见内容"), ("太短了", "至少 10 个字"), ("长" * 2001, "不能超过 2000 个字")],
)
def test_empty_short_or_overlong_text_is_refused(world: LoopWorld, text: str, message: str) -> None:
    response = submit(Client(), {"text": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Opinion.objects.exists()
    assert not AuditEvent.objects.filter(action="opinion.received").exists()


def test_wrong_or_missing_captcha_is_refused(world: LoopWorld) -> None:
    client = Client()
    client.get(form_url())
    solve_captcha(client, "7")
    response = client.post(form_url(), {"text": TEXT, "captcha": "8"})
    assert response.status_code == 400
    assert "验证码计算结果不正确" in response.content.decode()
    # The captcha is good for one try: the wrong answer spent it and the page drew a new one, whose
    # answer is random (it may even be 7), so the old captcha's nonce is gone from the session.
    stored = client.session[captcha.SESSION_KEY]
    assert stored["n"] != "test"
    assert stored["h"] != captcha._digest("test", "7")
    response = submit(client, {"captcha": ""})
    assert response.status_code == 400
    assert "请填写验证码" in response.content.decode()
    assert not Opinion.objects.exists()


def test_a_wrong_answer_spends_the_captcha(rf: Any) -> None:
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    request = rf.post("/")
    request.session = SessionStore()
    request.session[captcha.SESSION_KEY] = {"n": "x", "h": captcha._digest("x", "7"), "t": int(time.time())}
    with pytest.raises(InvalidInput):
        captcha.captcha_check(request, "8")
    with pytest.raises(InvalidInput) as raised:
        captcha.captcha_check(request, "7")
    assert raised.value.code == "captcha_expired"


def test_captcha_answer_is_not_echoed(world: LoopWorld) -> None:
    response = submit(Client(), {"text": "短", "captcha": "7"})
    assert response.status_code == 400
    assert 'value="7"' not in response.content.decode()


def test_photos_are_saved(world: LoopWorld, settings: Any) -> None:
    photos = [SimpleUploadedFile(f"现场{index}.png", PNG, "image/png") for index in range(2)]
    response = submit(Client(), {"uploads": photos})
    assert response.status_code == 302
    assert OpinionAttachment.objects.count() == 2
    assert len(media_files(settings)) == 2


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/octet-stream"), "照片须为图片"),
        (SimpleUploadedFile("fake.jpg", b"<?php echo 1; ?>", "image/jpeg"), "照片"),
        (SimpleUploadedFile("big.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png"), "不能超过 10 MB"),
    ],
)
def test_wrong_type_or_oversize_upload_saves_nothing(
    world: LoopWorld, settings: Any, upload: SimpleUploadedFile, message: str
) -> None:
    response = submit(Client(), {"uploads": [upload]})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Opinion.objects.exists()
    assert not OpinionAttachment.objects.exists()
    assert media_files(settings) == []


def test_more_than_six_photos_is_refused(world: LoopWorld, settings: Any) -> None:
    photos = [SimpleUploadedFile(f"p{index}.png", PNG, "image/png") for index in range(7)]
    response = submit(Client(), {"uploads": photos})
    assert response.status_code == 400
    assert "最多 6 张" in response.content.decode()
    assert not Opinion.objects.exists()
    assert media_files(settings) == []


# --- rate limits ---


def test_a_flood_from_one_address_gets_429(world: LoopWorld) -> None:
    client = Client()
    for _ in range(5):
        assert submit(client).status_code == 302
    response = submit(client)
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert Opinion.objects.count() == 5


def test_a_flood_for_one_phone_gets_429(world: LoopWorld) -> None:
    for index in range(5):
        client = Client(REMOTE_ADDR=f"10.0.0.{index + 1}")
        code = request_sms_code(client)
        assert submit(client, {"citizen_phone": PHONE, "sms_code": code}).status_code == 302
        # The next code may be asked for once the minute is over.
        from renda.core import crypto

        cache.delete(f"opinions:phone-code-wait:{crypto.digest(PHONE)}")
    client = Client(REMOTE_ADDR="10.0.0.99")
    code = request_sms_code(client)
    response = submit(client, {"citizen_phone": PHONE, "sms_code": code})
    assert response.status_code == 429
    assert Opinion.objects.count() == 5


# --- escaping ---


def test_script_in_the_text_is_shown_as_text(world: LoopWorld) -> None:
    client = Client()
    text = "<script>alert('x')</script> 路灯坏了很久，<b>请尽快</b>修复"
    assert submit(client, {"text": text, "address": "<img src=x onerror=alert(1)>"}).status_code == 302
    opinion = Opinion.objects.get()
    page = client.get(reverse("portal:opinion_status", kwargs={"code": opinion.tracking_code}))
    body = page.content.decode()
    assert "&lt;script&gt;alert(" in body
    assert "<script>alert(" not in body
    assert "<img src=x" not in body
    # A form sent back keeps the text, escaped.
    again = submit(Client(REMOTE_ADDR="10.1.1.1"), {"text": "<i>x</i>"})
    assert again.status_code == 400
    assert "<i>x</i>" not in again.content.decode()
    assert "&lt;i&gt;x&lt;/i&gt;" in again.content.decode()
