from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.utils import timezone

from renda.accounts import sms
from renda.accounts.models import SmsCode, User
from renda.conftest import PASSWORD, totp_now
from renda.core.models import AuditEvent
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


def _login(client: Client, identifier: str, password: str = PASSWORD) -> object:
    return client.post("/accounts/login/", {"identifier": identifier, "password": password})


def test_deputy_logs_in_by_username_and_by_phone(make_person: Callable[..., User]) -> None:
    deputy = make_person(Role.DEPUTY, username="zhang", phone="13900000001")
    for identifier in ("zhang", "13900000001"):
        client = Client()
        response = _login(client, identifier)
        assert response.status_code == 302  # type: ignore[attr-defined]
        assert client.get("/").context["user"] == deputy
    assert AuditEvent.objects.filter(action="account.login", actor=deputy).count() == 2


def test_passwords_are_hashed_with_argon2(settings: object, make_person: Callable[..., User]) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # type: ignore[attr-defined]
    user = make_person(Role.DEPUTY)
    assert identify_hasher(user.password).algorithm == "argon2"


def test_wrong_password_is_refused_in_chinese_and_counted(make_person: Callable[..., User]) -> None:
    deputy = make_person(Role.DEPUTY, username="li")
    response = _login(Client(), "li", "Wrong#Pass1")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "用户名（手机号）或密码错误" in response.content.decode()  # type: ignore[attr-defined]
    deputy.refresh_from_db()
    assert deputy.failed_login_count == 1


def test_account_locks_after_repeated_failures_even_for_the_right_password(make_person: Callable[..., User]) -> None:
    deputy = make_person(Role.DEPUTY, username="wang")
    for _attempt in range(settings.RENDA_LOGIN_MAX_FAILURES):
        _login(Client(), "wang", "Wrong#Pass1")
    deputy.refresh_from_db()
    assert deputy.is_locked()
    wrong = _login(Client(), "wang", "Wrong#Pass1")
    assert "用户名（手机号）或密码错误" in wrong.content.decode()  # type: ignore[attr-defined]
    response = _login(Client(), "wang", PASSWORD)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "账户已锁定" in response.content.decode()  # type: ignore[attr-defined]
    assert not AuditEvent.objects.filter(action="account.login").exists()
    locked_event = AuditEvent.objects.filter(action="account.login_failed").order_by("-sequence").first()
    assert locked_event is not None and locked_event.summary["locked"] is True


def test_lock_expires(make_person: Callable[..., User]) -> None:
    deputy = make_person(Role.DEPUTY, username="zhao")
    User.objects.filter(pk=deputy.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert _login(Client(), "zhao").status_code == 302  # type: ignore[attr-defined]


def test_staff_must_pass_totp_and_codes_cannot_be_replayed(make_person: Callable[..., User]) -> None:
    clerk = make_person(Role.COMMITTEE_STAFF, username="clerk")
    client = Client()
    response = _login(client, "clerk")
    assert response.url == "/accounts/login/totp/"  # type: ignore[attr-defined]
    # Password alone does not log a staff member in.
    assert client.get("/").status_code == 302
    bad = client.post("/accounts/login/totp/", {"code": "000000"})
    assert bad.status_code == 401
    code = totp_now(clerk)
    assert client.post("/accounts/login/totp/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    replay = Client()
    _login(replay, "clerk")
    assert replay.post("/accounts/login/totp/", {"code": code}).status_code == 401


def test_staff_without_totp_enrol_at_first_login(make_person: Callable[..., User]) -> None:
    import pyotp

    admin = make_person(Role.STAFF_ADMIN, username="newadmin", totp_enabled=False, totp_secret="")
    client = Client()
    assert _login(client, "newadmin").url == "/accounts/login/totp/setup/"  # type: ignore[attr-defined]
    page = client.get("/accounts/login/totp/setup/")
    assert page.status_code == 200
    admin.refresh_from_db()
    assert admin.totp_secret and not admin.totp_enabled
    assert client.post("/accounts/login/totp/setup/", {"code": "123"}).status_code == 400
    response = client.post("/accounts/login/totp/setup/", {"code": pyotp.TOTP(admin.totp_secret).now()})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.totp_enabled
    assert AuditEvent.objects.filter(action="account.totp_enabled", actor=admin).exists()


def test_deputy_logs_in_with_an_sms_code(
    make_person: Callable[..., User], django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    deputy = make_person(Role.DEPUTY, phone="13900000009")
    sms.outbox.clear()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        response = client.post("/accounts/login/sms/", {"step": "request", "phone": "13900000009"})
    assert response.status_code == 200
    phone, message = sms.outbox[-1]
    assert phone == "13900000009" and "5 分钟内有效" in message
    code = "".join(ch for ch in message.split("验证码为")[1] if ch.isdigit())[:6]
    wrong = "000000" if code != "000000" else "111111"
    assert client.post("/accounts/login/sms/", {"step": "login", "phone": phone, "code": wrong}).status_code == 401
    assert client.post("/accounts/login/sms/", {"step": "login", "phone": phone, "code": code}).status_code == 302
    assert client.get("/").context["user"] == deputy
    # A code works once.
    again = Client().post("/accounts/login/sms/", {"step": "login", "phone": phone, "code": code})
    assert again.status_code == 401


def test_sms_login_is_not_offered_to_staff_and_does_not_reveal_accounts(make_person: Callable[..., User]) -> None:
    make_person(Role.COMMITTEE_STAFF, phone="13900000010")
    sms.outbox.clear()
    for phone in ("13900000010", "13900000011"):
        response = Client().post("/accounts/login/sms/", {"step": "request", "phone": phone})
        assert response.status_code == 200
        assert "如果该手机号已登记" in response.content.decode()
    assert sms.outbox == []
    assert SmsCode.objects.count() == 0
    bad = Client().post("/accounts/login/sms/", {"step": "request", "phone": "12345"})
    assert bad.status_code == 400 and "11 位手机号" in bad.content.decode()


def test_sms_codes_cannot_be_requested_in_a_burst(make_person: Callable[..., User]) -> None:
    make_person(Role.CITIZEN, phone="13900000012")
    Client().post("/accounts/login/sms/", {"step": "request", "phone": "13900000012"})
    second = Client().post("/accounts/login/sms/", {"step": "request", "phone": "13900000012"})
    # Same answer as for an unregistered phone, but no second code is made or sent.
    assert second.status_code == 200 and "如果该手机号已登记" in second.content.decode()
    assert SmsCode.objects.count() == 1


def test_first_login_forces_a_password_change_that_meets_the_policy(
    make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    deputy = make_person(Role.DEPUTY, must_change_password=True)
    client = client_for(deputy)
    assert client.get("/").url == "/accounts/password/change/"  # type: ignore[attr-defined]
    assert client.get("/api/v1/me").status_code == 403
    weak = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password": "abcdefghij", "new_password_again": "abcdefghij"},
    )
    assert weak.status_code == 400 and "至少三类" in weak.content.decode()
    deputy.refresh_from_db()
    assert deputy.must_change_password and deputy.check_password(PASSWORD)
    ok = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password": "New#Secret2027", "new_password_again": "New#Secret2027"},
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_expired_password_must_be_changed(
    make_person: Callable[..., User], client_for: Callable[[User], Client], settings: object
) -> None:
    settings.RENDA_PASSWORD_EXPIRY_DAYS = 30  # type: ignore[attr-defined]
    deputy = make_person(Role.DEPUTY, password_changed_at=timezone.now() - dt.timedelta(days=31))
    assert client_for(deputy).get("/").url == "/accounts/password/change/"  # type: ignore[attr-defined]
    settings.RENDA_PASSWORD_EXPIRY_DAYS = 0  # type: ignore[attr-defined]
    assert client_for(deputy).get("/").status_code == 200


def test_idle_session_expires(make_person: Callable[..., User], client_for: Callable[[User], Client]) -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    deputy = make_person(Role.DEPUTY)
    client = client_for(deputy)
    assert client.get("/").status_code == 200
    session = client.session
    session.set_expiry(timezone.now() - dt.timedelta(seconds=1))
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")  # type: ignore[attr-defined]


def test_logout_requires_post(make_person: Callable[..., User], client_for: Callable[[User], Client]) -> None:
    client = client_for(make_person(Role.DEPUTY))
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_login_next_does_not_redirect_off_site(make_person: Callable[..., User]) -> None:
    make_person(Role.DEPUTY, username="liu")
    response = Client().post(
        "/accounts/login/", {"identifier": "liu", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == "/"  # type: ignore[attr-defined]
