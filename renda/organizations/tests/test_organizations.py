from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from renda.accounts.models import User
from renda.core.models import AuditEvent
from renda.organizations.config import SETTINGS, default_settings
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


def test_every_congress_starts_with_the_domain_defaults(city: Congress) -> None:
    assert city.setting("motion_cosigner_threshold") == 10
    assert city.setting("suggestion_due_months") == 3
    assert city.setting("suggestion_complex_due_months") == 6
    assert city.setting("suggestion_rehandling_due_months") == 1
    assert city.setting("opinion_due_working_days") == 5
    assert city.setting("livelihood_candidates") == 13 and city.setting("livelihood_slots") == 10
    assert city.setting("law_exam_pass_mark") == 60
    assert city.setting("suggestion_reply_categories")["A"] == "已经解决或基本解决"
    assert {spec.key for spec in SETTINGS} == set(default_settings())


def test_admin_changes_a_setting_for_one_congress_only(
    admin_client: Client, city: Congress, district: Congress
) -> None:
    page = admin_client.get(f"/manage/congresses/{city.pk}/")
    form = page.context["settings_form"]
    data = {"form": "settings"}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    data["suggestion_due_months"] = "4"
    response = admin_client.post(f"/manage/congresses/{city.pk}/", data)
    assert response.status_code == 302
    city.refresh_from_db()
    district.refresh_from_db()
    assert city.setting("suggestion_due_months") == 4
    assert district.setting("suggestion_due_months") == 3
    event = AuditEvent.objects.get(action="congress.settings_changed")
    assert event.summary["changed"] == {"suggestion_due_months": {"from": 3, "to": 4}}


def test_bad_setting_names_the_field_and_saves_nothing(admin_client: Client, admin_user: User, city: Congress) -> None:
    response = admin_client.patch(
        f"/api/v1/congresses/{city.pk}/settings",
        {"suggestion_due_months": 3, "law_exam_pass_mark": 500},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "law_exam_pass_mark"
    assert "不能大于 100" in response.json()["message"]
    city.refresh_from_db()
    assert city.settings == {}
    assert not AuditEvent.objects.filter(action="congress.settings_changed").exists()


def test_district_admin_sees_only_their_subtree(
    make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress, district: Congress
) -> None:
    township = Congress.objects.create(name="东湖街道人大工委", code="dh-1", level="township", parent=district)
    district_admin = make_person(Role.STAFF_ADMIN, congress=district)
    client = client_for(district_admin)
    response = client.get("/api/v1/congresses")
    assert {item["id"] for item in response.json()["items"]} == {district.pk, township.pk}
    assert client.get(f"/manage/congresses/{city.pk}/").status_code == 404
    assert client.get(f"/api/v1/congresses/{city.pk}").status_code == 404


def test_admin_creates_the_congress_tree_down_to_townships(admin_client: Client, city: Congress) -> None:
    response = admin_client.post(
        f"/api/v1/congresses/{city.pk}/children",
        {"name": "西山区人民代表大会", "code": "xishan"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["level"] == "district"
    district_id = response.json()["id"]
    township = admin_client.post(
        f"/api/v1/congresses/{district_id}/children",
        {"name": "枫林街道人大工委", "code": "xs-1"},
        content_type="application/json",
    )
    assert township.json()["level"] == "township"
    below = admin_client.post(
        f"/api/v1/congresses/{township.json()['id']}/children",
        {"name": "x", "code": "x"},
        content_type="application/json",
    )
    assert below.status_code == 403
    tree = admin_client.get("/manage/congresses/")
    assert [depth for _congress, depth in tree.context["rows"]] == [0, 1, 2]


def test_unit_parent_from_another_congress_is_refused(admin_client: Client, city: Congress, district: Congress) -> None:
    district_unit = Unit.objects.create(congress=district, name="东湖区政府办公室", kind="government_office")
    before = Unit.objects.count()
    response = admin_client.post(
        "/api/v1/units",
        {"congress_id": city.pk, "name": "市教育局", "kind": "government_department", "parent_id": district_unit.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"code": "wrong_congress", "message": "上级单位必须属于同一个人大", "field": "parent"}
    assert Unit.objects.count() == before


def test_unit_from_an_unadministered_congress_is_refused(
    admin_client: Client, other_unit: Unit, city: Congress
) -> None:
    response = admin_client.post(
        "/api/v1/units",
        {"congress_id": city.pk, "name": "市教育局", "kind": "government_department", "parent_id": other_unit.pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "parent_id"
    assert admin_client.get(f"/api/v1/units/{other_unit.pk}").status_code == 404
    assert admin_client.get(f"/manage/units/{other_unit.pk}/").status_code == 404


def test_unit_cannot_become_its_own_ancestor(admin_client: Client, city: Congress) -> None:
    parent = Unit.objects.create(congress=city, name="市人民政府办公室", kind="government_office")
    child = Unit.objects.create(congress=city, name="市教育局", kind="government_department", parent=parent)
    response = admin_client.patch(
        f"/api/v1/units/{parent.pk}", {"parent_id": child.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "cycle"
    parent.refresh_from_db()
    assert parent.parent_id is None


def test_admin_creates_a_user_with_a_role_through_the_page(admin_client: Client, city: Congress, unit: Unit) -> None:
    response = admin_client.post(
        "/manage/users/new/",
        {
            "username": "zhoujing",
            "full_name": "周静",
            "phone": "13700000001",
            "password": "Temp#Pass2026",
            "congress": city.pk,
            "role": Role.UNIT_OFFICER,
            "unit": unit.pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhoujing")
    assert user.must_change_password
    assert list(user.role_assignments.values_list("role", "unit_id")) == [(Role.UNIT_OFFICER, unit.pk)]
    assert AuditEvent.objects.filter(action__in=["account.created", "role.granted"]).count() == 2


def test_role_needing_a_unit_without_one_saves_nothing(admin_client: Client, city: Congress) -> None:
    before = User.objects.count()
    response = admin_client.post(
        "/manage/users/new/",
        {
            "username": "nounit",
            "full_name": "无单位",
            "password": "Temp#Pass2026",
            "congress": city.pk,
            "role": Role.UNIT_OFFICER,
        },
    )
    assert response.status_code == 400
    assert "必须指定所在单位" in response.content.decode()
    assert User.objects.count() == before


def test_weak_temporary_password_saves_nothing(admin_client: Client, city: Congress) -> None:
    response = admin_client.post(
        "/api/v1/users",
        {"username": "weak", "full_name": "弱", "password": "12345678", "congress_id": city.pk, "role": "deputy"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "new_password"
    assert not User.objects.filter(username="weak").exists()


def test_person_holds_roles_in_several_congresses_and_switches(
    make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress, district: Congress
) -> None:
    deputy = make_person(Role.DEPUTY)
    district_role = RoleAssignment.objects.create(user=deputy, congress=district, role=Role.DEPUTY)
    client = client_for(deputy)
    me = client.get("/api/v1/me").json()
    assert len(me["assignments"]) == 2
    assert me["active_assignment_id"] != district_role.pk
    response = client.post("/accounts/role/", {"assignment": district_role.pk})
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["active_assignment_id"] == district_role.pk
    event = AuditEvent.objects.get(action="account.role_switched")
    assert event.congress_id == district.pk


def test_cannot_switch_to_someone_elses_role(
    make_person: Callable[..., User], client_for: Callable[[User], Client], admin_user: User
) -> None:
    deputy = make_person(Role.DEPUTY)
    admin_role = admin_user.role_assignments.get()
    client = client_for(deputy)
    assert client.post("/accounts/role/", {"assignment": admin_role.pk}).status_code == 404
    assert (
        client.post("/api/v1/me/role", {"assignment_id": admin_role.pk}, content_type="application/json").status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action="account.role_switched").exists()


def test_admin_permissions_follow_the_active_role(
    make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress
) -> None:
    person = make_person(Role.DEPUTY)
    admin_role = RoleAssignment.objects.create(user=person, congress=city, role=Role.STAFF_ADMIN)
    deputy_role = person.role_assignments.get(role=Role.DEPUTY)
    client = client_for(person)
    client.post("/accounts/role/", {"assignment": deputy_role.pk})
    assert client.get("/manage/users/").status_code == 403
    client.post("/accounts/role/", {"assignment": admin_role.pk})
    assert client.get("/manage/users/").status_code == 200
    as_deputy = client.get("/api/v1/users", HTTP_X_RENDA_ROLE=str(deputy_role.pk))
    assert as_deputy.status_code == 403


def test_admin_unlocks_and_resets_a_password(admin_client: Client, make_person: Callable[..., User]) -> None:
    from django.utils import timezone

    deputy = make_person(Role.DEPUTY)
    User.objects.filter(pk=deputy.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=10))
    assert admin_client.post(f"/api/v1/users/{deputy.pk}/unlock").status_code == 200
    deputy.refresh_from_db()
    assert not deputy.is_locked()
    assert (
        admin_client.post(
            f"/api/v1/users/{deputy.pk}/password", {"new_password": "Reset#Pass2026"}, content_type="application/json"
        ).status_code
        == 200
    )
    deputy.refresh_from_db()
    assert deputy.must_change_password and deputy.check_password("Reset#Pass2026")


def test_admin_cannot_revoke_their_own_admin_role(admin_client: Client, admin_user: User) -> None:
    assignment = admin_user.role_assignments.get()
    response = admin_client.post(f"/api/v1/roles/{assignment.pk}/revoke")
    assert response.status_code == 400 and response.json()["code"] == "self_revoke"
    assignment.refresh_from_db()
    assert assignment.is_active


def test_demo_city_is_deterministic_and_complete() -> None:
    from django.db import transaction

    from renda.core.models import Installation
    from renda.organizations.demo import build_demo_city

    class Rollback(Exception):
        pass

    def snapshot() -> list[tuple[str, str, str | None]]:
        return list(User.objects.order_by("username").values_list("username", "full_name", "phone"))

    try:
        with transaction.atomic():
            build_demo_city(seed=7)
            first = snapshot()
            raise Rollback
    except Rollback:
        pass
    assert not Congress.objects.exists()
    build_demo_city(seed=7)
    assert snapshot() == first
    assert Congress.objects.filter(level="city").count() == 1
    assert Congress.objects.filter(level="district").count() == 6
    assert Congress.objects.filter(level="township").count() == 30
    assert RoleAssignment.objects.filter(role=Role.SC_MEMBER).count() == 35
    assert Unit.objects.filter(kind="government_department", congress__level="city").count() == 40
    assert RoleAssignment.objects.filter(role=Role.DEPUTY, congress__level="city").count() == 450
    assert (
        RoleAssignment.objects.filter(role=Role.DEPUTY, congress__level="city").values("unit").distinct().count() == 6
    )
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert Installation.is_demo_database()


def test_production_install_has_no_demo_accounts_and_first_admin_needs_a_strong_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from renda.core.models import Installation

    monkeypatch.setattr("sys.stdin", io.StringIO("weakpass\n"))
    with pytest.raises(CommandError, match="密码不符合要求"):
        call_command(
            "createadmin",
            "--username",
            "root",
            "--full-name",
            "管理员",
            "--congress-name",
            "某市人民代表大会",
            "--congress-code",
            "moushi",
            "--password-stdin",
        )
    assert not User.objects.exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("Very#Strong2026pass\n"))
    call_command(
        "createadmin",
        "--username",
        "root",
        "--full-name",
        "管理员",
        "--congress-name",
        "某市人民代表大会",
        "--congress-code",
        "moushi",
        "--password-stdin",
    )
    root = User.objects.get()
    assert root.role_assignments.get().role == Role.STAFF_ADMIN
    assert not Installation.is_demo_database()
    assert not User.objects.filter(username__in=["admin", "deputy", "citizen"]).exists()
