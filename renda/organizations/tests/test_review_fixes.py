"""Rules added after the first review: separation of duties, tenant reach, and who sees account events."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client, RequestFactory, override_settings

from renda.accounts import actions as account_actions
from renda.accounts import sms
from renda.accounts.models import User
from renda.conftest import PASSWORD
from renda.core.errors import NotPermitted
from renda.core.middleware import client_ip
from renda.core.models import AppendOnlyError, AuditEvent
from renda.organizations.models import Congress, RoleAssignment
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


def test_admin_cannot_grant_themselves_a_role(admin_client: Client, admin_user: User, city: Congress) -> None:
    response = admin_client.post(
        f"/api/v1/users/{admin_user.pk}/roles",
        {"congress_id": city.pk, "role": "auditor"},
        content_type="application/json",
    )
    assert response.status_code == 404  # one's own account is not in the admin pages at all
    assert not admin_user.role_assignments.filter(role=Role.AUDITOR).exists()


def test_admin_and_auditor_are_never_the_same_person_in_a_congress(
    admin_client: Client, make_person: Callable[..., User], city: Congress
) -> None:
    auditor = make_person(Role.AUDITOR)
    response = admin_client.post(
        f"/api/v1/users/{auditor.pk}/roles",
        {"congress_id": city.pk, "role": "staff_admin"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "separation_of_duties"
    assert not auditor.role_assignments.filter(role=Role.STAFF_ADMIN).exists()


def test_district_admin_cannot_touch_someone_holding_a_city_role(
    make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress, district: Congress
) -> None:
    district_admin = make_person(Role.STAFF_ADMIN, congress=district)
    city_official = make_person(Role.AUDITOR)
    RoleAssignment.objects.create(user=city_official, congress=district, role=Role.DEPUTY)
    local_deputy = make_person(Role.DEPUTY, congress=district)
    client = client_for(district_admin)
    listed = {item["id"] for item in client.get("/api/v1/users").json()["items"]}
    assert listed == {local_deputy.pk}
    before = city_official.password
    assert (
        client.post(
            f"/api/v1/users/{city_official.pk}/password",
            {"new_password": "Take#Over2026"},
            content_type="application/json",
        ).status_code
        == 404
    )
    city_official.refresh_from_db()
    assert city_official.password == before
    district_admin.active_assignment = district_admin.role_assignments.get()
    with pytest.raises(NotPermitted):
        account_actions.password_set_by_admin(actor=district_admin, user=city_official, new_password="Take#Over2026")


def test_user_list_shows_only_roles_inside_the_admins_congresses(
    make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress, district: Congress
) -> None:
    district_admin = make_person(Role.STAFF_ADMIN, congress=district)
    deputy = make_person(Role.DEPUTY, congress=district)
    RoleAssignment.objects.create(user=deputy, congress=city, role=Role.CITIZEN, is_active=False)
    page = client_for(district_admin).get("/manage/users/")
    member = next(item for item in page.context["page"] if item.pk == deputy.pk)
    assert [assignment.congress_id for assignment in member.roles_in_scope] == [district.pk]


def test_auditor_sees_the_login_events_of_their_congress(
    make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    make_person(Role.DEPUTY, username="deputy-login")
    Client().post("/accounts/login/", {"identifier": "deputy-login", "password": PASSWORD})
    Client().post("/accounts/login/", {"identifier": "deputy-login", "password": "Wrong#Pass1"})
    auditor = make_person(Role.AUDITOR)
    actions = {
        item["action"] for item in client_for(auditor).get("/api/v1/audit/events?action=account.").json()["items"]
    }
    assert {"account.login", "account.login_failed"} <= actions


def test_token_of_a_user_who_must_change_password_is_refused(make_person: Callable[..., User]) -> None:
    deputy = make_person(Role.DEPUTY)
    _token, secret = account_actions.token_create(user=deputy, name="脚本")
    User.objects.filter(pk=deputy.pk).update(must_change_password=True)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"


def test_forced_password_change_works_through_the_session_api(
    make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    deputy = make_person(Role.DEPUTY, must_change_password=True)
    client = client_for(deputy)
    response = client.post(
        "/api/v1/me/password",
        {"old_password": PASSWORD, "new_password": "New#Secret2027"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_a_token_cannot_mint_more_tokens(make_person: Callable[..., User]) -> None:
    deputy = make_person(Role.DEPUTY)
    _token, secret = account_actions.token_create(user=deputy, name="脚本")
    response = Client().post(
        "/api/v1/me/tokens",
        {"name": "再来一个"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 403
    assert deputy.api_tokens.count() == 1


def test_unknown_role_header_is_an_error_not_a_silent_fallback(
    make_person: Callable[..., User], client_for: Callable[[User], Client], admin_user: User
) -> None:
    deputy = make_person(Role.DEPUTY)
    someone_elses = admin_user.role_assignments.get()
    response = client_for(deputy).get("/api/v1/me", HTTP_X_RENDA_ROLE=str(someone_elses.pk))
    assert response.status_code == 400 and response.json()["code"] == "invalid_role"


@override_settings(RENDA_TRUSTED_PROXIES=frozenset({"127.0.0.1"}))
def test_client_ip_is_taken_from_a_trusted_proxy_only() -> None:
    factory = RequestFactory()
    proxied = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.1.2.3")
    assert client_ip(proxied) == "10.1.2.3"
    forged = factory.get("/", REMOTE_ADDR="192.0.2.7", HTTP_X_REAL_IP="10.1.2.3")
    assert client_ip(forged) == "192.0.2.7"
    chained = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 10.9.8.7")
    assert client_ip(chained) == "10.9.8.7"


@override_settings(RENDA_SMS_BACKEND="renda.accounts.sms.DisabledSmsBackend")
def test_production_sms_default_never_writes_the_code_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    sms.outbox.clear()
    with pytest.raises(sms.SmsNotConfigured):
        sms.sms_send("13900000001", "验证码 123456")
    assert sms.outbox == []
    assert "123456" not in caplog.text


def test_audit_events_cannot_be_bulk_created() -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(sequence=1, occurred_at=None, action="x")])


def test_lost_phone_totp_reset_makes_the_user_enrol_again(
    admin_client: Client, make_person: Callable[..., User]
) -> None:
    clerk = make_person(Role.COMMITTEE_STAFF, username="lostphone")
    assert admin_client.post(f"/manage/users/{clerk.pk}/", {"form": "totp_reset"}).status_code == 302
    clerk.refresh_from_db()
    assert not clerk.totp_enabled and clerk.totp_secret == ""
    response = Client().post("/accounts/login/", {"identifier": "lostphone", "password": PASSWORD})
    assert response.url == "/accounts/login/totp/setup/"  # type: ignore[attr-defined]


def test_disabled_account_is_only_named_to_someone_who_knows_the_password(make_person: Callable[..., User]) -> None:
    make_person(Role.DEPUTY, username="gone", is_active=False)
    wrong = Client().post("/accounts/login/", {"identifier": "gone", "password": "Wrong#Pass1"})
    assert "用户名（手机号）或密码错误" in wrong.content.decode()
    right = Client().post("/accounts/login/", {"identifier": "gone", "password": PASSWORD})
    assert "账户已停用" in right.content.decode()


def test_five_wrong_sms_guesses_use_the_code_up(
    make_person: Callable[..., User], django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    make_person(Role.CITIZEN, phone="13900000020")
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        Client().post("/accounts/login/sms/", {"step": "request", "phone": "13900000020"})
    code = "".join(ch for ch in sms.outbox[-1][1].split("验证码为")[1] if ch.isdigit())[:6]
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(5):
        Client().post("/accounts/login/sms/", {"step": "login", "phone": "13900000020", "code": wrong})
    User.objects.filter(phone="13900000020").update(locked_until=None, failed_login_count=0)
    late = Client().post("/accounts/login/sms/", {"step": "login", "phone": "13900000020", "code": code})
    assert late.status_code == 401
