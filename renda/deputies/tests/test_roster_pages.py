"""The roster's pages and API: who sees what (masked), unmasking by POST, the forms, import and export."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from renda.accounts.models import User
from renda.conftest import login_client
from renda.core.models import AuditEvent
from renda.deputies import roster_io
from renda.deputies.models import DeputyProfile, DeputyTerm
from renda.deputies.tests import test_roster_actions as support
from renda.deputies.tests.test_roster_io import sheet_row, workbook
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role

# The shared fixtures of the roster tests (pytest finds them by these names).
staff = support.staff
leader = support.leader
delegation = support.delegation


@pytest.fixture
def profile(staff: User, city: Congress, delegation: Unit) -> DeputyProfile:
    return support.make_profile(staff, city, delegation=delegation, name="王秀英", card_number="D0042")


@pytest.fixture
def other_profile(staff: User, city: Congress) -> DeputyProfile:
    return support.make_profile(staff, city, name="李建国")


def deputy_client(profile: DeputyProfile) -> Client:
    return login_client(profile.user)


# --- the list ---


@pytest.mark.django_db
def test_roster_list_for_staff_and_leaders_only(
    staff: User,
    leader: User,
    profile: DeputyProfile,
    other_profile: DeputyProfile,
    make_person: Callable[..., User],
) -> None:
    url = reverse("deputies:roster")
    for reader in (staff, leader):
        response = login_client(reader).get(url)
        assert response.status_code == 200
        assert "王秀英" in response.content.decode() and "李建国" in response.content.decode()
        assert profile.phone not in response.content.decode()
    assert deputy_client(profile).get(url).status_code == 403
    assert login_client(make_person(Role.CITIZEN)).get(url).status_code == 403
    found = login_client(staff).get(url, {"q": "D0042"}).content.decode()
    assert "王秀英" in found and "李建国" not in found
    assert (
        "李建国" not in login_client(staff).get(url, {"delegation": profile.terms.get().delegation_id}).content.decode()
    )


# --- a deputy's card ---


@pytest.mark.django_db
def test_deputy_sees_own_card_masked_without_unmask(profile: DeputyProfile, other_profile: DeputyProfile) -> None:
    client = deputy_client(profile)
    response = client.get(reverse("deputies:profile_detail", args=[profile.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert profile.id_number_masked in body and profile.phone[:3] + "****" in body
    assert profile.phone not in body
    assert 'data-testid="unmask-phone"' not in body
    assert client.get(reverse("deputies:profile_detail", args=[other_profile.pk])).status_code == 404
    assert client.get(reverse("deputies:profile_edit", args=[profile.pk])).status_code == 403


@pytest.mark.django_db
def test_staff_card_offers_unmask_and_unmask_is_audited(staff: User, profile: DeputyProfile) -> None:
    client = login_client(staff)
    page = client.get(reverse("deputies:profile_detail", args=[profile.pk])).content.decode()
    assert 'data-testid="unmask-phone"' in page and reverse("deputies:file", args=[profile.pk]) in page
    response = client.post(reverse("deputies:unmask", args=[profile.pk]), {"field": "phone"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert profile.phone in response.content.decode()
    (event,) = AuditEvent.objects.filter(action="deputies.unmasked")
    assert event.summary == {"field": "phone"}


@pytest.mark.django_db
def test_unmask_refused_to_leader_and_deputy(
    leader: User, profile: DeputyProfile, other_profile: DeputyProfile
) -> None:
    url = reverse("deputies:unmask", args=[profile.pk])
    assert login_client(leader).post(url, {"field": "id_number"}).status_code == 403
    assert deputy_client(profile).post(url, {"field": "id_number"}).status_code == 403
    assert deputy_client(other_profile).post(url, {"field": "id_number"}).status_code == 404
    assert not AuditEvent.objects.filter(action="deputies.unmasked").exists()


# --- the staff forms ---


@pytest.mark.django_db
def test_profile_create_page(staff: User, city: Congress, delegation: Unit) -> None:
    client = login_client(staff)
    fields = support.person_fields()
    data = {key: str(value) for key, value in fields.items()}
    data.update(term_number="17", starts_on="2022-01-01", delegation=str(delegation.pk))
    bad = {**data, "id_number": fields["id_number"][:17] + ("0" if fields["id_number"][17] != "0" else "1")}
    refused = client.post(reverse("deputies:profile_create"), bad)
    assert refused.status_code == 400
    assert "身份证号校验码不正确" in refused.content.decode()
    assert not DeputyProfile.objects.exists()
    response = client.post(reverse("deputies:profile_create"), data)
    profile = DeputyProfile.objects.get()
    assert response.status_code == 302 and response.url == reverse("deputies:profile_detail", args=[profile.pk])
    assert profile.terms.get().delegation == delegation


@pytest.mark.django_db
def test_term_status_page_deactivates_role(staff: User, profile: DeputyProfile, city: Congress) -> None:
    term = profile.terms.get()
    client = login_client(staff)
    assert client.get(reverse("deputies:term_status", args=[term.pk])).status_code == 200
    missing = client.post(reverse("deputies:term_status", args=[term.pk]), {"status": "recalled", "on": "2024-05-01"})
    assert missing.status_code == 400
    response = client.post(
        reverse("deputies:term_status", args=[term.pk]),
        {"status": "recalled", "on": "2024-05-01", "reason": "依法罢免"},
    )
    assert response.status_code == 302
    assert DeputyTerm.objects.get(pk=term.pk).status == "recalled"
    assert not RoleAssignment.objects.get(user=profile.user, congress=city, role=Role.DEPUTY).is_active


@pytest.mark.django_db
def test_profile_edit_page_keeps_masked_id(staff: User, profile: DeputyProfile) -> None:
    client = login_client(staff)
    url = reverse("deputies:profile_edit", args=[profile.pk])
    page = client.get(url).content.decode()
    assert profile.id_number_masked in page
    data = {
        "name": "王秀英",
        "gender": profile.gender,
        "ethnicity": "汉族",
        "birth_date": profile.birth_date.isoformat(),
        "party": profile.party,
        "occupation": "worker",
        "employer": "",
        "title": "",
        "phone": profile.phone,
        "id_number": profile.id_number_masked,
        "card_number": profile.card_number,
        "photo": SimpleUploadedFile("me.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "image/png"),
    }
    assert client.post(url, data).status_code == 302
    profile.refresh_from_db()
    assert profile.occupation == "worker" and profile.photo
    assert AuditEvent.objects.get(action="deputies.profile_updated").summary == {
        "fields": ["occupation", "employer", "title"]
    }


# --- import, export, template, composition ---


@pytest.mark.django_db
def test_import_page_report_then_valid_only(staff: User, city: Congress, delegation: Unit) -> None:
    client = login_client(staff)
    url = reverse("deputies:roster_import")
    data = workbook(sheet_row(), sheet_row(**{roster_io.COL_GENDER: "未知"}))
    upload = SimpleUploadedFile("名册.xlsx", data, roster_io.XLSX)
    report = client.post(url, {"step": "check", "file": upload})
    body = report.content.decode()
    assert report.status_code == 200
    assert "性别“未知”无效" in body and 'data-row="3"' in body
    token = report.context["token"]
    assert not DeputyProfile.objects.exists()
    refused = client.post(url, {"step": "import", "token": token})
    assert refused.status_code == 400 and not DeputyProfile.objects.exists()
    done = client.post(url, {"step": "import_valid", "token": token})
    assert done.status_code == 302
    assert DeputyProfile.objects.count() == 1


@pytest.mark.django_db
def test_template_and_export_pages(staff: User, leader: User, profile: DeputyProfile) -> None:
    template = login_client(staff).get(reverse("deputies:roster_template"))
    assert template.status_code == 200 and template["Content-Type"] == roster_io.XLSX
    export = login_client(leader).get(reverse("deputies:roster_export"))
    assert export.status_code == 200
    cells = [
        str(cell.value) for row in load_workbook(io.BytesIO(export.content)).worksheets[0].iter_rows() for cell in row
    ]
    assert profile.id_number_masked in cells
    assert login_client(leader).get(reverse("deputies:roster_export") + "?unmasked=1").status_code == 403
    assert login_client(staff).get(reverse("deputies:roster_export") + "?unmasked=1").status_code == 200
    assert AuditEvent.objects.filter(action="deputies.roster_exported_unmasked").count() == 1


@pytest.mark.django_db
def test_composition_page(leader: User, profile: DeputyProfile, other_profile: DeputyProfile) -> None:
    response = login_client(leader).get(reverse("deputies:composition"), {"on": "2025-01-01"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-key="female" data-count="2" data-percent="100.0"' in body
    assert login_client(leader).get(reverse("deputies:composition"), {"on": "x"}).status_code == 400
    assert deputy_client(profile).get(reverse("deputies:composition")).status_code == 403


# --- the API ---


@pytest.mark.django_db
def test_api_list_and_detail_are_masked(staff: User, profile: DeputyProfile, other_profile: DeputyProfile) -> None:
    client = login_client(staff)
    listing = client.get("/api/v1/deputies/profiles?q=王").json()
    assert [item["name"] for item in listing["items"]] == ["王秀英"]
    detail = client.get(f"/api/v1/deputies/profiles/{profile.pk}").json()
    assert detail["id_number_masked"] == profile.id_number_masked
    assert detail["phone_masked"] == profile.phone[:3] + "****" + profile.phone[-4:]
    assert profile.phone not in json.dumps(detail)
    assert detail["terms"][0]["in_office"] is True
    own = deputy_client(profile)
    assert own.get(f"/api/v1/deputies/profiles/{profile.pk}").status_code == 200
    assert own.get(f"/api/v1/deputies/profiles/{other_profile.pk}").status_code == 404
    assert own.get("/api/v1/deputies/profiles").status_code == 403


@pytest.mark.django_db
def test_api_create_update_unmask_status(staff: User, leader: User, city: Congress, delegation: Unit) -> None:
    client = login_client(staff)
    fields = support.person_fields()
    body = {key: str(value) for key, value in fields.items()}
    wrong = {**body, "id_number": "110105194912310021"}
    refused = client.post("/api/v1/deputies/profiles", wrong, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "id_number"
    body["term"] = {"term_number": 17, "starts_on": "2022-01-01", "delegation_id": delegation.pk}
    created = client.post("/api/v1/deputies/profiles", body, content_type="application/json")
    assert created.status_code == 201, created.content
    profile_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/deputies/profiles/{profile_id}", {"title": "院长"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["title"] == "院长"
    clear = client.post(
        f"/api/v1/deputies/profiles/{profile_id}/unmask", {"field": "id_number"}, content_type="application/json"
    )
    assert clear.json() == {"field": "id_number", "value": fields["id_number"]}
    denied = login_client(leader).post(
        f"/api/v1/deputies/profiles/{profile_id}/unmask", {"field": "id_number"}, content_type="application/json"
    )
    assert denied.status_code == 403
    term_id = created.json()["terms"][0]["id"]
    overlap = client.post(
        f"/api/v1/deputies/profiles/{profile_id}/terms",
        {"term_number": 18, "starts_on": "2025-01-01"},
        content_type="application/json",
    )
    assert overlap.status_code == 400 and overlap.json()["field"] == "starts_on"
    changed = client.post(
        f"/api/v1/deputies/terms/{term_id}/status",
        {"status": "terminated", "on": "2024-01-02", "reason": "迁出本行政区域"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["status"] == "terminated"
    again = client.post(
        f"/api/v1/deputies/terms/{term_id}/status",
        {"status": "resigned", "on": "2024-01-03", "reason": "x"},
        content_type="application/json",
    )
    assert again.status_code == 409


@pytest.mark.django_db
def test_api_import_dry_run_then_import(staff: User, leader: User, city: Congress, delegation: Unit) -> None:
    data = workbook(sheet_row(), sheet_row(**{roster_io.COL_ID: "110105194912310021"}))
    client = login_client(staff)
    dry = client.post("/api/v1/deputies/roster/import", {"file": SimpleUploadedFile("r.xlsx", data)})
    assert dry.status_code == 200
    assert (dry.json()["valid"], dry.json()["invalid"], dry.json()["imported"]) == (1, 1, 0)
    assert dry.json()["rows"][1]["errors"][0]["column"] == "身份证号"
    refused = client.post(
        "/api/v1/deputies/roster/import", {"file": SimpleUploadedFile("r.xlsx", data), "dry_run": "false"}
    )
    assert refused.status_code == 400 and not DeputyProfile.objects.exists()
    done = client.post(
        "/api/v1/deputies/roster/import",
        {"file": SimpleUploadedFile("r.xlsx", data), "dry_run": "false", "valid_only": "true"},
    )
    assert done.json()["imported"] == 1
    denied = login_client(leader).post("/api/v1/deputies/roster/import", {"file": SimpleUploadedFile("r.xlsx", data)})
    assert denied.status_code == 403


@pytest.mark.django_db
def test_api_composition_and_export(leader: User, profile: DeputyProfile) -> None:
    client = login_client(leader)
    result = client.get("/api/v1/deputies/composition?on=2025-01-01").json()
    assert result["total"] == 1
    gender = next(item for item in result["breakdowns"] if item["key"] == "gender")
    assert {figure["key"]: figure["count"] for figure in gender["figures"]} == {"female": 1, "male": 0}
    assert client.get("/api/v1/deputies/roster/export.xlsx").status_code == 200
    assert client.get("/api/v1/deputies/roster/export.xlsx?unmasked=true").status_code == 403
    assert dt.date.fromisoformat(result["on"]) == dt.date(2025, 1, 1)
