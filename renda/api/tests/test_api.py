from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from renda.accounts.actions import token_create
from renda.accounts.models import User
from renda.core.models import AuditEvent
from renda.organizations.models import Congress, Unit
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


def test_openapi_is_served_from_the_app_without_a_cdn(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/users" in paths and "/api/v1/audit/events" in paths
    docs = client.get("/api/docs", follow=True)
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_personal_token_authenticates_and_revocation_stops_it(make_person: Callable[..., User]) -> None:
    admin = make_person(Role.STAFF_ADMIN)
    make_person(Role.DEPUTY)
    token, secret = token_create(user=admin, name="数据对接")
    client = Client()
    assert client.get("/api/v1/users").status_code == 401
    response = client.get("/api/v1/users", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    # Token calls need no CSRF token and are audited with the acting role.
    created = client.post(
        "/api/v1/units",
        {"congress_id": admin.role_assignments.get().congress_id, "name": "市教育局", "kind": "government_department"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert created.status_code == 201
    assert AuditEvent.objects.get(action="unit.created").acting_role == Role.STAFF_ADMIN
    revoke = client.post(f"/api/v1/me/tokens/{token.pk}/revoke", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert revoke.status_code == 200
    assert client.get("/api/v1/users", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_token_secret_is_shown_once_and_stored_hashed(
    make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    user = make_person(Role.DEPUTY)
    client = client_for(user)
    response = client.post("/api/v1/me/tokens", {"name": "手机"}, content_type="application/json")
    assert response.status_code == 201
    secret = response.json()["secret"]
    stored = user.api_tokens.get()
    assert secret not in (stored.key_hash, stored.key_prefix)
    listing = client.get("/api/v1/me/tokens").json()
    assert "secret" not in listing[0]


def test_session_api_calls_need_the_csrf_token(admin_user: User, city: Congress) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user, backend="renda.accounts.backends.UsernameOrPhoneBackend")
    body = {"congress_id": city.pk, "name": "市教育局", "kind": "government_department"}
    refused = client.post("/api/v1/units", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert not Unit.objects.filter(name="市教育局").exists()
    client.get("/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/units", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_malformed_body_gets_the_error_shape_and_saves_nothing(admin_client: Client) -> None:
    response = admin_client.post("/api/v1/units", "{not json", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert Unit.objects.count() == 1  # only the fixture's unit


def test_missing_and_oversized_fields_are_named(admin_client: Client, city: Congress) -> None:
    missing = admin_client.post(
        "/api/v1/units", {"congress_id": city.pk, "kind": "court"}, content_type="application/json"
    )
    assert missing.status_code == 400
    assert missing.json() == {"code": "required", "message": "缺少必填字段“name”", "field": "name"}
    oversized = admin_client.post(
        "/api/v1/units",
        {"congress_id": city.pk, "name": "局" * 101, "kind": "court"},
        content_type="application/json",
    )
    assert oversized.status_code == 400
    assert oversized.json()["code"] == "too_long" and oversized.json()["field"] == "name"
    assert "100" in oversized.json()["message"]
    assert Unit.objects.count() == 1  # only the fixture's unit


def test_errors_are_available_in_english(admin_client: Client, city: Congress) -> None:
    response = admin_client.post(
        "/api/v1/units",
        {"congress_id": city.pk, "kind": "court"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["message"] == "This field is required."
    assert Client().get("/api/v1/me?lang=en").json()["message"] == "Please log in first."


def test_lists_are_paginated(admin_client: Client, city: Congress) -> None:
    Unit.objects.bulk_create(Unit(congress=city, name=f"单位{index:03d}", kind="other") for index in range(120))
    first = admin_client.get("/api/v1/units").json()
    assert first["count"] == 121 and len(first["items"]) == 50  # 120 + the fixture's unit
    third = admin_client.get("/api/v1/units?page=3").json()
    assert len(third["items"]) == 21


def test_unknown_api_url_is_a_json_404(admin_client: Client) -> None:
    response = admin_client.get("/api/v1/users/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_audit_api_lists_events_for_auditors(
    make_person: Callable[..., User], client_for: Callable[[User], Client], admin_client: Client, city: Congress
) -> None:
    admin_client.post(
        "/api/v1/units", {"congress_id": city.pk, "name": "市教育局", "kind": "court"}, content_type="application/json"
    )
    auditor = make_person(Role.AUDITOR)
    response = client_for(auditor).get("/api/v1/audit/events?action=unit.")
    assert response.status_code == 200
    assert [item["action"] for item in response.json()["items"]] == ["unit.created"]
    bad = client_for(auditor).get("/api/v1/audit/events?date_from=yesterday")
    assert bad.status_code == 400 and bad.json()["field"] == "date_from"
