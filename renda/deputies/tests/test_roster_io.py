"""The roster's Excel import (row report, all-or-nothing, valid-only), export (masked/unmasked) and composition."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from renda.accounts.models import User
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.models import AuditEvent
from renda.deputies import composition, roster_io
from renda.deputies.actions import roster as actions
from renda.deputies.models import DeputyProfile, DeputyTerm
from renda.deputies.tests import test_roster_actions as support
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.tests_support import factories

# The shared fixtures of the roster tests (pytest finds them by these names).
staff = support.staff
leader = support.leader
delegation = support.delegation


def sheet_row(**overrides: Any) -> list[object]:
    """A valid row of the template's columns."""
    fields = support.person_fields()
    values: dict[str, object] = {
        roster_io.COL_NAME: fields["name"],
        roster_io.COL_GENDER: "女",
        roster_io.COL_ETHNICITY: "汉族",
        roster_io.COL_BIRTH: None,
        roster_io.COL_PARTY: "中共党员",
        roster_io.COL_OCCUPATION: "专业技术人员",
        roster_io.COL_EMPLOYER: fields["employer"],
        roster_io.COL_TITLE: fields["title"],
        roster_io.COL_PHONE: fields["phone"],
        roster_io.COL_ID: fields["id_number"],
        roster_io.COL_CARD: fields["card_number"],
        roster_io.COL_TERM: 17,
        roster_io.COL_DELEGATION: "东湖区代表团",
        roster_io.COL_ELECTORAL_UNIT: "",
        roster_io.COL_STARTS: dt.date(2022, 1, 1),
        roster_io.COL_ENDS: None,
    }
    values.update(overrides)
    return [values[column] for column in roster_io.TEMPLATE_COLUMNS]


def workbook(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(roster_io.TEMPLATE_COLUMNS))
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


@pytest.mark.django_db
def test_template_has_the_header(staff: User) -> None:
    sheet = load_workbook(io.BytesIO(roster_io.template_workbook())).worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(roster_io.TEMPLATE_COLUMNS)


@pytest.mark.django_db
def test_import_creates_logins_profiles_terms_roles_with_one_audit_event(
    staff: User, city: Congress, delegation: Unit
) -> None:
    existing = factories.UserFactory(phone="13600000001")
    data = workbook(sheet_row(), sheet_row(**{roster_io.COL_PHONE: "13600000001"}), sheet_row())
    report = roster_io.parse(data, congress=city)
    assert (report.valid, report.invalid) == (3, 0)
    result = roster_io.roster_import(actor=staff, congress=city, report=report, valid_only=False)
    assert (result.profiles, result.new_accounts, result.terms, result.roles) == (3, 2, 3, 3)
    assert DeputyProfile.objects.filter(user=existing).exists()
    assert DeputyTerm.objects.filter(congress=city, term_number=17, delegation=delegation).count() == 3
    assert RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, unit=delegation, is_active=True).count() == 3
    (event,) = AuditEvent.objects.filter(action="deputies.roster_imported")
    assert event.summary["profiles"] == 3 and event.summary["new_accounts"] == 2
    for profile in DeputyProfile.objects.all():
        assert profile.id_number_masked.count("*") == 11


@pytest.mark.django_db
def test_bad_rows_are_reported_and_nothing_is_saved(staff: User, city: Congress, delegation: Unit) -> None:
    good = sheet_row()
    wrong_digit = sheet_row(**{roster_io.COL_ID: "110105194912310021", roster_io.COL_DELEGATION: "不存在的团"})
    duplicate_phone = sheet_row(**{roster_io.COL_PHONE: good[roster_io.TEMPLATE_COLUMNS.index(roster_io.COL_PHONE)]})
    report = roster_io.parse(workbook(good, wrong_digit, duplicate_phone), congress=city)
    assert (report.valid, report.invalid) == (1, 2)
    errors = {row.row: {(error.column, error.message) for error in row.errors} for row in report.invalid_rows}
    assert (roster_io.COL_ID, "身份证号校验码不正确，请核对是否有数字录错") in errors[3]
    assert (roster_io.COL_DELEGATION, "本级人大没有名为“不存在的团”的代表团") in errors[3]
    assert (roster_io.COL_PHONE, "与第 2 行的手机号重复") in errors[4]
    users_before = User.objects.count()
    with pytest.raises(InvalidInput) as refused:
        roster_io.roster_import(actor=staff, congress=city, report=report, valid_only=False)
    assert refused.value.field == "file"
    assert DeputyProfile.objects.count() == 0
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.filter(action="deputies.roster_imported").exists()

    result = roster_io.roster_import(actor=staff, congress=city, report=report, valid_only=True)
    assert result.profiles == 1 and result.skipped_rows == [3, 4]
    assert DeputyProfile.objects.count() == 1


@pytest.mark.django_db
def test_rows_already_on_the_roster_are_refused(staff: User, city: Congress, delegation: Unit) -> None:
    fields = support.person_fields()
    actions.profile_create(actor=staff, congress=city, **fields)
    row = sheet_row(**{roster_io.COL_ID: fields["id_number"], roster_io.COL_CARD: fields["card_number"]})
    report = roster_io.parse(workbook(row), congress=city)
    columns = {error.column for error in report.rows[0].errors}
    assert {roster_io.COL_ID, roster_io.COL_CARD} <= columns


@pytest.mark.django_db
def test_unreadable_files_and_missing_columns(staff: User, city: Congress) -> None:
    with pytest.raises(InvalidInput) as not_excel:
        roster_io.parse(b"name,phone\n", congress=city)
    assert not_excel.value.field == "file"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "手机号"])
    sheet.append(["张三", "13900000000"])
    output = io.BytesIO()
    book.save(output)
    with pytest.raises(InvalidInput) as missing:
        roster_io.parse(output.getvalue(), congress=city)
    assert "缺少" in missing.value.message


@pytest.mark.django_db
def test_import_only_by_staff(leader: User, city: Congress, delegation: Unit) -> None:
    report = roster_io.parse(workbook(sheet_row()), congress=city)
    with pytest.raises(NotPermitted):
        roster_io.roster_import(actor=leader, congress=city, report=report, valid_only=False)
    assert DeputyProfile.objects.count() == 0


@pytest.mark.django_db
def test_export_is_masked_unless_staff_ask_and_that_is_audited(staff: User, leader: User, city: Congress) -> None:
    fields = support.person_fields()
    actions.profile_create(actor=staff, congress=city, **fields, term_number=17, starts_on=dt.date(2022, 1, 1))
    profiles = roster_io.roster_profiles(city)
    masked = load_workbook(io.BytesIO(roster_io.roster_export(actor=leader, congress=city, profiles=profiles)))
    values = [str(cell.value) for row in masked.worksheets[0].iter_rows() for cell in row]
    assert fields["phone"] not in values and fields["id_number"] not in values
    assert actions.mask_phone(fields["phone"]) in values
    assert not AuditEvent.objects.filter(action="deputies.roster_exported_unmasked").exists()
    with pytest.raises(NotPermitted):
        roster_io.roster_export(actor=leader, congress=city, profiles=profiles, unmasked=True)
    clear = load_workbook(
        io.BytesIO(roster_io.roster_export(actor=staff, congress=city, profiles=profiles, unmasked=True))
    )
    values = [str(cell.value) for row in clear.worksheets[0].iter_rows() for cell in row]
    assert fields["phone"] in values and fields["id_number"] in values
    assert AuditEvent.objects.filter(action="deputies.roster_exported_unmasked").count() == 1


@pytest.mark.django_db
def test_unmasked_export_imports_again(staff: User, city: Congress, other_city: Congress) -> None:
    actions.profile_create(
        actor=staff, congress=city, **support.person_fields(), term_number=17, starts_on=dt.date(2022, 1, 1)
    )
    data = roster_io.roster_export(actor=staff, congress=city, profiles=roster_io.roster_profiles(city), unmasked=True)
    report = roster_io.parse(data, congress=other_city)
    # The same person is already on the roster: refused by ID number, card number and phone, nothing else.
    assert {error.column for error in report.rows[0].errors} == {
        roster_io.COL_ID,
        roster_io.COL_CARD,
        roster_io.COL_PHONE,
    }


# --- composition ---


@pytest.mark.django_db
def test_composition_counts_and_percentages(staff: User, city: Congress) -> None:
    on = dt.date(2025, 6, 30)
    support.make_profile(staff, city, gender="female", birth_date=dt.date(1992, 1, 1), party="cpc")  # 33
    support.make_profile(
        staff, city, gender="male", birth_date=dt.date(1980, 7, 1), party="cndca", occupation="worker"
    )  # 44
    support.make_profile(
        staff, city, gender="male", birth_date=dt.date(1960, 6, 30), party="non_party", ethnicity="回族"
    )  # 65
    leaving = support.make_profile(staff, city, gender="male", birth_date=dt.date(1955, 1, 1), party="cpc")
    actions.status_change(
        actor=staff, term=leaving.terms.get(), status="resigned", on=dt.date(2025, 1, 1), reason="辞职"
    )
    result = composition.compute(city, on)
    assert result.total == 3
    assert (result.figure("gender", "female").count, str(result.figure("gender", "female").percent)) == (1, "33.3")
    assert result.figure("gender", "male").count == 2
    assert [result.figure("age", key).count for key in ("le35", "36_45", "46_55", "56_65", "gt65")] == [1, 1, 0, 1, 0]
    assert result.figure("party", "cpc").count == 1
    assert (result.figure("party", "non_cpc").count, str(result.figure("party", "non_cpc").percent)) == (2, "66.7")
    assert result.figure("party", "cndca").indent
    assert result.figure("ethnicity", "minority").count == 1
    assert result.figure("occupation", "worker").count == 1
    # Before the resignation took effect, the fourth deputy was in office.
    assert composition.compute(city, dt.date(2024, 12, 31)).total == 4
    assert composition.compute(city, dt.date(2021, 12, 31)).total == 0
