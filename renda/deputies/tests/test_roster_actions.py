"""The roster's actions: ID check digits, profiles and their logins, terms, status changes, masking and unmasking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.accounts.models import User
from renda.core import crypto
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent
from renda.deputies.actions import roster as actions
from renda.deputies.models import DeputyProfile, DeputyStatus, DeputyTerm
from renda.organizations.models import Congress, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role
from renda.tests_support import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def acting(user: User, role: str | None = None) -> User:
    assignments = user.role_assignments.filter(is_active=True)
    if role is not None:
        assignments = assignments.filter(role=role)
    user.active_assignment = assignments.select_related("unit", "congress").first()
    return user


@pytest.fixture
def delegation(city: Congress) -> Unit:
    return factories.UnitFactory(congress=city, name="东湖区代表团", short_name="东湖团", kind=UnitKind.DELEGATION)


@pytest.fixture
def staff(make_person: Callable[..., User]) -> User:
    return acting(make_person(Role.COMMITTEE_STAFF))


@pytest.fixture
def leader(make_person: Callable[..., User]) -> User:
    return acting(make_person(Role.LEADER))


_sequence = iter(range(1, 10_000))


def person_fields(**overrides: Any) -> dict[str, Any]:
    """Valid fields for ``profile_create``: a consistent ID number, birth date and gender, a fresh phone."""
    number = next(_sequence)
    gender = overrides.pop("gender", "female")
    born = overrides.pop("birth_date", dt.date(1978, 3, 9))
    fields: dict[str, Any] = {
        "name": f"代表{number}",
        "gender": gender,
        "ethnicity": "汉族",
        "birth_date": born,
        "party": "cpc",
        "occupation": "professional",
        "employer": "市第一人民医院",
        "title": "主任医师",
        "phone": f"147{number:08d}",  # factories use 138…
        "id_number": actions.make_id_number(region="110105", birth_date=born, sequence=number, gender=gender),
        "card_number": f"C{number:05d}",
    }
    fields.update(overrides)
    return fields


def make_profile(actor: User, congress: Congress, *, term: bool = True, **overrides: Any) -> DeputyProfile:
    fields = person_fields(**overrides)
    if term:
        fields.setdefault("term_number", 17)
        fields.setdefault("starts_on", dt.date(2022, 1, 1))
    return actions.profile_create(actor=actor, congress=congress, **fields)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# --- the ID number ---


def test_id_number_check_digit() -> None:
    assert actions.validate_id_number("11010519491231002X") == "11010519491231002X"
    assert actions.validate_id_number(" 11010519491231002x ") == "11010519491231002X"
    with pytest.raises(InvalidInput) as wrong:
        actions.validate_id_number("110105194912310021")
    assert wrong.value.field == "id_number"
    assert wrong.value.code == "invalid_id_check_digit"
    assert "校验码" in wrong.value.message


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("1101051949123100", "invalid_id_number"),
        ("11010519490231002X", "invalid_id_number"),  # 31 February
        ("1101051949123100AX", "invalid_id_number"),
    ],
)
def test_id_number_format(value: str, code: str) -> None:
    with pytest.raises(InvalidInput) as error:
        actions.validate_id_number(value)
    assert (error.value.code, error.value.field) == (code, "id_number")


def test_generated_id_numbers_are_valid_and_masked() -> None:
    number = actions.make_id_number(region="320102", birth_date=dt.date(1990, 12, 1), sequence=7, gender="male")
    assert actions.validate_id_number(number) == number
    assert actions.id_gender(number) == "male"
    assert actions.mask_id_number("11010519491231002X") == "110***********002X"
    assert actions.mask_phone("13912345678") == "139****5678"


def test_phone_validation() -> None:
    assert actions.validate_phone("+86 139-1234-5678") == "13912345678"
    with pytest.raises(InvalidInput) as error:
        actions.validate_phone("12345")
    assert error.value.field == "phone"


# --- profiles ---


@pytest.mark.django_db
def test_profile_create_makes_login_profile_term_and_role(staff: User, city: Congress, delegation: Unit) -> None:
    fields = person_fields(card_number="A0001")
    profile = actions.profile_create(
        actor=staff, congress=city, **fields, term_number=17, delegation=delegation, starts_on=dt.date(2022, 1, 1)
    )
    user = profile.user
    assert user.username == "a0001"
    assert user.phone == fields["phone"]
    assert user.full_name == fields["name"]
    assert not user.has_usable_password()  # deputies log in by SMS code
    assert fields["id_number"] not in profile.id_number_encrypted
    assert crypto.decrypt(profile.id_number_encrypted) == fields["id_number"]
    assert profile.id_number_digest == crypto.digest(fields["id_number"])
    assert profile.id_number_masked == fields["id_number"][:3] + "*" * 11 + fields["id_number"][-4:]
    term = profile.terms.get()
    assert (term.congress, term.term_number, term.delegation, term.status) == (city, 17, delegation, "in_office")
    assert RoleAssignment.objects.get(user=user, congress=city, role=Role.DEPUTY).unit == delegation
    (event,) = events("deputies.profile_created")
    assert event.summary["new_account"] is True
    assert fields["id_number"] not in str(event.summary) and fields["phone"] not in str(event.summary)


@pytest.mark.django_db
def test_profile_create_attaches_existing_login_by_phone(staff: User, city: Congress) -> None:
    existing = factories.UserFactory(phone="13800001111", full_name="")
    profile = make_profile(staff, city, phone="13800001111")
    assert profile.user == existing
    existing.refresh_from_db()
    assert existing.full_name == profile.name


@pytest.mark.django_db
def test_profile_create_refuses_duplicates_naming_the_field(staff: User, city: Congress) -> None:
    first = person_fields()
    actions.profile_create(actor=staff, congress=city, **first)
    again = person_fields(id_number=first["id_number"], birth_date=first["birth_date"])
    with pytest.raises(InvalidInput) as same_id:
        actions.profile_create(actor=staff, congress=city, **again)
    assert same_id.value.field == "id_number"
    with pytest.raises(InvalidInput) as same_card:
        actions.profile_create(actor=staff, congress=city, **person_fields(card_number=first["card_number"]))
    assert same_card.value.field == "card_number"
    assert DeputyProfile.objects.count() == 1


@pytest.mark.django_db
def test_profile_create_checks_gender_and_birth_date_against_id(staff: User, city: Congress) -> None:
    fields = person_fields(gender="male")
    fields["gender"] = "female"
    with pytest.raises(InvalidInput) as gender:
        actions.profile_create(actor=staff, congress=city, **fields)
    assert gender.value.field == "gender"
    fields = person_fields(birth_date=dt.date(1980, 1, 1))
    fields["birth_date"] = dt.date(1981, 1, 1)
    with pytest.raises(InvalidInput) as born:
        actions.profile_create(actor=staff, congress=city, **fields)
    assert born.value.field == "birth_date"


@pytest.mark.django_db
def test_profile_create_only_by_staff_of_the_congress(leader: User, city: Congress, other_city: Congress) -> None:
    users_before = User.objects.count()
    with pytest.raises(NotPermitted):
        actions.profile_create(actor=leader, congress=city, **person_fields())
    other_staff = acting(factories.UserFactory())
    RoleAssignment.objects.create(
        user=other_staff,
        congress=other_city,
        role=Role.COMMITTEE_STAFF,
        unit=factories.UnitFactory(congress=other_city),
    )
    acting(other_staff)
    with pytest.raises(NotPermitted):
        actions.profile_create(actor=other_staff, congress=city, **person_fields())
    assert DeputyProfile.objects.count() == 0
    assert User.objects.count() == users_before + 1  # only the other city's staff member
    assert not events("deputies.profile_created")


@pytest.mark.django_db
def test_profile_update_syncs_login_and_audits_field_names(staff: User, city: Congress) -> None:
    profile = make_profile(staff, city)
    new_id = actions.make_id_number(region="440305", birth_date=dt.date(1978, 3, 9), sequence=900, gender="female")
    actions.profile_update(actor=staff, profile=profile, phone="13700002222", name="改名", id_number=new_id)
    profile.refresh_from_db()
    profile.user.refresh_from_db()
    assert (profile.user.phone, profile.user.full_name) == ("13700002222", "改名")
    assert profile.id_number_masked == "440***********" + new_id[-4:]
    (event,) = events("deputies.profile_updated")
    assert sorted(event.summary["fields"]) == ["id_number", "name", "phone"]
    assert "13700002222" not in str(event.summary)


@pytest.mark.django_db
def test_photo_images_only(staff: User, city: Congress) -> None:
    profile = make_profile(staff, city)
    actions.photo_set(actor=staff, profile=profile, upload=SimpleUploadedFile("me.png", PNG, "image/png"))
    assert profile.photo.name.endswith(".png")
    with pytest.raises(InvalidInput) as error:
        actions.photo_set(actor=staff, profile=profile, upload=SimpleUploadedFile("me.jpg", b"#!/bin/sh", "image/jpeg"))
    assert error.value.field == "photo"


# --- terms ---


@pytest.mark.django_db
def test_term_overlap_at_the_same_level_is_refused(staff: User, city: Congress) -> None:
    profile = make_profile(staff, city)  # 17th term from 2022-01-01, open-ended
    earlier = actions.term_add(
        actor=staff,
        profile=profile,
        congress=city,
        term_number=16,
        starts_on=dt.date(2017, 1, 1),
        ends_on=dt.date(2021, 12, 31),
    )
    assert earlier.status == "in_office"
    with pytest.raises(InvalidInput) as overlap:
        actions.term_add(
            actor=staff, profile=profile, congress=city, term_number=18, starts_on=dt.date(2026, 1, 1), ends_on=None
        )
    assert overlap.value.field == "starts_on"
    assert overlap.value.code == "term_overlap"
    with pytest.raises(InvalidInput) as inside:
        actions.term_add(
            actor=staff,
            profile=profile,
            congress=city,
            term_number=15,
            starts_on=dt.date(2015, 1, 1),
            ends_on=dt.date(2017, 6, 1),
        )
    assert inside.value.field == "starts_on"
    assert profile.terms.count() == 2
    assert len(events("deputies.term_added")) == 1


@pytest.mark.django_db
def test_term_in_office_keeps_the_deputy_role_active(staff: User, city: Congress, delegation: Unit) -> None:
    profile = make_profile(staff, city, term=False)
    RoleAssignment.objects.create(user=profile.user, congress=city, role=Role.DEPUTY, unit=delegation, is_active=False)
    actions.term_add(
        actor=staff,
        profile=profile,
        congress=city,
        term_number=17,
        delegation=delegation,
        starts_on=dt.date(2022, 1, 1),
    )
    assert RoleAssignment.objects.get(user=profile.user, congress=city, role=Role.DEPUTY).is_active


# --- status changes ---


@pytest.mark.django_db
def test_status_change_deactivates_role_and_is_audited(staff: User, city: Congress) -> None:
    profile = make_profile(staff, city)
    term = profile.terms.get()
    actions.status_change(actor=staff, term=term, status="resigned", on=dt.date(2024, 3, 1), reason="工作调动")
    term.refresh_from_db()
    assert (term.status, term.status_on, term.status_reason) == ("resigned", dt.date(2024, 3, 1), "工作调动")
    assert not RoleAssignment.objects.get(user=profile.user, congress=city, role=Role.DEPUTY).is_active
    (event,) = events("deputies.status_changed")
    assert event.summary["to"] == "resigned" and event.summary["reason"] == "工作调动"
    with pytest.raises(InvalidTransition):
        actions.status_change(actor=staff, term=term, status="recalled", on=dt.date(2024, 4, 1), reason="x")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        ("in_office", dt.date(2024, 1, 1), "x", "status"),
        ("recalled", None, "x", "on"),
        ("recalled", dt.date(2020, 1, 1), "x", "on"),
        ("recalled", dt.date(2024, 1, 1), " ", "reason"),
    ],
)
def test_status_change_input(staff: User, city: Congress, case: tuple[str, dt.date | None, str, str]) -> None:
    status, on, reason, field = case
    term = make_profile(staff, city).terms.get()
    with pytest.raises(InvalidInput) as error:
        actions.status_change(actor=staff, term=term, status=status, on=on, reason=reason)
    assert error.value.field == field
    term.refresh_from_db()
    assert term.status == DeputyStatus.IN_OFFICE
    assert not events("deputies.status_changed")


@pytest.mark.django_db
def test_status_change_refused_to_leaders(staff: User, leader: User, city: Congress) -> None:
    term = make_profile(staff, city).terms.get()
    with pytest.raises(NotPermitted):
        actions.status_change(actor=leader, term=term, status="resigned", on=dt.date(2024, 1, 1), reason="x")
    assert DeputyTerm.objects.get(pk=term.pk).status == "in_office"


# --- unmasking ---


@pytest.mark.django_db
def test_unmask_for_staff_is_audited_without_the_value(staff: User, city: Congress) -> None:
    fields = person_fields()
    profile = actions.profile_create(
        actor=staff, congress=city, **fields, term_number=17, starts_on=dt.date(2022, 1, 1)
    )
    assert actions.unmask(actor=staff, profile=profile, field="phone") == fields["phone"]
    assert actions.unmask(actor=staff, profile=profile, field="id_number") == fields["id_number"]
    unmasked = events("deputies.unmasked")
    assert [event.summary for event in unmasked] == [{"field": "phone"}, {"field": "id_number"}]
    with pytest.raises(InvalidInput):
        actions.unmask(actor=staff, profile=profile, field="birth_date")


@pytest.mark.django_db
def test_unmask_refused_to_leaders_and_the_deputy(staff: User, leader: User, city: Congress) -> None:
    profile = make_profile(staff, city)
    deputy = acting(profile.user, Role.DEPUTY)
    for actor in (leader, deputy):
        with pytest.raises(NotPermitted):
            actions.unmask(actor=actor, profile=profile, field="id_number")
    assert not events("deputies.unmasked")
