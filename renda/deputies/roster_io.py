"""The roster in and out of Excel: the template, the checked import (row by row), and the export.

``parse`` reads a workbook (``check_rows`` checks rows from any source) and saves nothing;
its report has, per row, the errors naming the column, in the shape of the suggestions
import (``renda.suggestions.importing``). ``roster_import`` then saves everything in one
transaction with bulk inserts (logins, profiles, terms, deputy roles) and one audit event,
all or nothing, unless the user chooses to import only the valid rows.

A row whose phone is already a login without a profile (e.g. an account the administrator
made) is attached to that login. The export is masked unless the managing staff ask for
phone and ID numbers in clear, which is audited.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from renda.accounts.models import User
from renda.core import crypto, sheets
from renda.core.audit import audit_record
from renda.core.errors import DomainError, InvalidInput, NotPermitted
from renda.core.sheets import SheetReport, SheetRow
from renda.deputies import permissions
from renda.deputies.actions import roster as actions
from renda.deputies.models import DeputyProfile, DeputyStatus, DeputyTerm, Gender, Occupation, Party
from renda.organizations.models import Congress, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

MAX_ROWS = 5000
MAX_FILE_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COL_NAME = "姓名"
COL_GENDER = "性别"
COL_ETHNICITY = "民族"
COL_BIRTH = "出生日期"
COL_PARTY = "政治面貌"
COL_OCCUPATION = "职业构成"
COL_EMPLOYER = "工作单位"
COL_TITLE = "职务职称"
COL_PHONE = "手机号"
COL_ID = "身份证号"
COL_CARD = "代表证号"
COL_TERM = "届次"
COL_DELEGATION = "代表团"
COL_ELECTORAL_UNIT = "选举单位"
COL_STARTS = "任期开始"
COL_ENDS = "任期结束"

TEMPLATE_COLUMNS: tuple[str, ...] = (
    COL_NAME,
    COL_GENDER,
    COL_ETHNICITY,
    COL_BIRTH,
    COL_PARTY,
    COL_OCCUPATION,
    COL_EMPLOYER,
    COL_TITLE,
    COL_PHONE,
    COL_ID,
    COL_CARD,
    COL_TERM,
    COL_DELEGATION,
    COL_ELECTORAL_UNIT,
    COL_STARTS,
    COL_ENDS,
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    COL_NAME,
    COL_GENDER,
    COL_PARTY,
    COL_OCCUPATION,
    COL_PHONE,
    COL_ID,
    COL_TERM,
    COL_STARTS,
)
# The action's field → the column that holds it, so an action's refusal lands on the right column.
COLUMN_OF_FIELD = {
    "name": COL_NAME,
    "gender": COL_GENDER,
    "ethnicity": COL_ETHNICITY,
    "birth_date": COL_BIRTH,
    "party": COL_PARTY,
    "occupation": COL_OCCUPATION,
    "employer": COL_EMPLOYER,
    "title": COL_TITLE,
    "phone": COL_PHONE,
    "id_number": COL_ID,
    "card_number": COL_CARD,
    "term_number": COL_TERM,
    "delegation": COL_DELEGATION,
    "electoral_unit": COL_ELECTORAL_UNIT,
    "starts_on": COL_STARTS,
    "ends_on": COL_ENDS,
}

TEMPLATE_DISPOSITION = "attachment; filename=\"deputy-roster-template.xlsx\"; filename*=UTF-8''" + quote(
    "代表名册导入模板.xlsx"
)


@dataclass
class RosterRow(SheetRow):
    """One data row: what it says, what it resolves to, and what is wrong with it (``RowError`` per column)."""

    name: str = ""
    card_number: str = ""
    person: actions.PersonData | None = None
    term: actions.TermData | None = None
    user: User | None = None


class RosterReport(SheetReport[RosterRow]):
    """The checked rows of one roster sheet (``renda.core.sheets``)."""


@dataclass(frozen=True)
class ImportResult:
    profiles: int
    new_accounts: int
    terms: int
    roles: int
    skipped_rows: list[int]


# --- the template ---


def template_workbook() -> bytes:
    """An empty sheet with the header row, one example row and drop-down lists for the coded columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 — a new workbook always has one sheet
    sheet.title = "代表名册"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    example_birth = dt.date(1975, 6, 1)
    sheet.append(
        [
            "（姓名）",
            str(Gender.FEMALE.label),
            "汉族",
            example_birth,
            str(Party.CPC.label),
            str(Occupation.PROFESSIONAL.label),
            "市第一人民医院",
            "主任医师",
            "13912345678",
            actions.make_id_number(region="110105", birth_date=example_birth, sequence=12, gender=Gender.FEMALE),
            "17001",
            17,
            "（代表团名称）",
            "（选举单位）",
            dt.date(2022, 1, 1),
            None,
        ]
    )
    for column in (COL_BIRTH, COL_STARTS, COL_ENDS):
        sheet.cell(row=2, column=TEMPLATE_COLUMNS.index(column) + 1).number_format = "yyyy-mm-dd"
    for column in (COL_PHONE, COL_ID, COL_CARD):
        sheet.cell(row=2, column=TEMPLATE_COLUMNS.index(column) + 1).number_format = "@"
    for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
        width = {COL_ID: 22, COL_EMPLOYER: 24, COL_TITLE: 16, COL_DELEGATION: 18, COL_PHONE: 14}.get(column, 11)
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    for column, choices in ((COL_GENDER, Gender), (COL_PARTY, Party), (COL_OCCUPATION, Occupation)):
        letter = sheet.cell(row=1, column=TEMPLATE_COLUMNS.index(column) + 1).column_letter
        validation = DataValidation(
            type="list", formula1='"' + ",".join(str(label) for label in choices.labels) + '"', allow_blank=True
        )
        validation.error = f"请从列表中选择{column}"
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- reading the file ---


def read_upload(file: bytes | IO[bytes] | Any) -> bytes:
    """The upload's content, refusing anything over the size limit before reading it all."""
    return sheets.read_upload(file, max_bytes=MAX_FILE_BYTES, empty_message="请选择要导入的 Excel 文件（.xlsx）")


_text = sheets.cell_text


def _date(value: object, column: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if not text:
        return None
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise InvalidInput(f"{column}“{_text(value)}”无效，请写成 2022-01-01 的格式", code="invalid_date") from None


def _data_rows(sheet: Worksheet) -> Iterator[tuple[int, dict[str, object]]]:
    rows = sheet.iter_rows(values_only=True)
    return sheets.data_rows(rows, _header, empty_message="表格是空的，请使用导入模板填写", max_rows=MAX_ROWS)


def _header(cells: Sequence[object]) -> dict[str, int]:
    return sheets.named_columns(cells, REQUIRED_COLUMNS)


# --- checking rows ---


def _check_row(row: RosterRow, values: dict[str, object], congress: Congress, delegations: dict[str, Unit]) -> None:
    """Every column's own check, by the same functions the actions use; one message per column at most."""
    row.name = _text(values.get(COL_NAME))
    row.card_number = _text(values.get(COL_CARD))
    try:
        birth = _date(values.get(COL_BIRTH), COL_BIRTH)
    except InvalidInput as error:
        row.error(COL_BIRTH, error.message)
        birth = None
    fields = {
        "name": values.get(COL_NAME),
        "gender": _text(values.get(COL_GENDER)),
        "ethnicity": _text(values.get(COL_ETHNICITY)),
        "party": _text(values.get(COL_PARTY)),
        "occupation": _text(values.get(COL_OCCUPATION)),
        "employer": _text(values.get(COL_EMPLOYER)),
        "title": _text(values.get(COL_TITLE)),
        "phone": _text(values.get(COL_PHONE)),
        "id_number": _text(values.get(COL_ID)),
        "card_number": row.card_number,
    }
    # check_person stops at the first error; check each column alone first, so the report lists them all.
    singles: tuple[tuple[str, Callable[[], object]], ...] = (
        ("name", lambda: actions.check_text(fields["name"], field="name", label="姓名", max_length=60, required=True)),
        ("gender", lambda: actions.check_choice(fields["gender"], Gender, field="gender", label="性别")),
        ("party", lambda: actions.check_choice(fields["party"], Party, field="party", label="政治面貌")),
        (
            "occupation",
            lambda: actions.check_choice(fields["occupation"], Occupation, field="occupation", label="职业构成"),
        ),
        ("phone", lambda: actions.validate_phone(fields["phone"])),
        ("id_number", lambda: actions.validate_id_number(fields["id_number"])),
    )
    for _name, check in singles:
        try:
            check()
        except DomainError as error:
            row.error(COLUMN_OF_FIELD.get(error.field or "", COL_NAME), error.message)
    if row.ok:
        try:
            row.person = actions.check_person(birth_date=birth, **fields)
        except DomainError as error:
            row.error(COLUMN_OF_FIELD.get(error.field or "", COL_NAME), error.message)
    delegation_name = _text(values.get(COL_DELEGATION))
    delegation = delegations.get(delegation_name) if delegation_name else None
    if delegation_name and delegation is None:
        row.error(COL_DELEGATION, f"本级人大没有名为“{delegation_name}”的代表团")
    dates: dict[str, dt.date | None] = {}
    for column in (COL_STARTS, COL_ENDS):
        try:
            dates[column] = _date(values.get(column), column)
        except InvalidInput as error:
            row.error(column, error.message)
    if len(dates) < 2:
        return
    try:
        row.term = actions.check_term(
            congress=congress,
            term_number=_text(values.get(COL_TERM)),
            delegation=delegation,
            electoral_unit=_text(values.get(COL_ELECTORAL_UNIT)),
            starts_on=dates[COL_STARTS],
            ends_on=dates[COL_ENDS],
        )
    except DomainError as error:
        row.error(COLUMN_OF_FIELD.get(error.field or "", COL_TERM), error.message)


def _check_duplicates(rows: list[RosterRow]) -> None:
    """Within the sheet, and against the roster and the logins: one ID, card number and phone per person."""
    firsts: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.person is None:
            continue
        for column, value in (
            (COL_ID, row.person.id_number),
            (COL_CARD, row.card_number),
            (COL_PHONE, row.person.phone),
        ):
            if not value:
                continue
            first = firsts.setdefault((column, value), row.row)
            if first != row.row:
                row.error(column, f"与第 {first} 行的{column}重复")
    people = [row for row in rows if row.person is not None]
    digests = {crypto.digest(row.person.id_number): row for row in people if row.person is not None}
    for digest, name in DeputyProfile.objects.filter(id_number_digest__in=list(digests)).values_list(
        "id_number_digest", "name"
    ):
        digests[digest].error(COL_ID, f"该身份证号已在代表名册中（{name}）")
    cards = {row.card_number for row in people if row.card_number}
    taken_cards = set(DeputyProfile.objects.filter(card_number__in=cards).values_list("card_number", flat=True))
    for row in people:
        if row.card_number in taken_cards:
            row.error(COL_CARD, f"代表证号“{row.card_number}”已被使用")
    phones = {row.person.phone: row for row in people if row.person is not None}
    accounts = User.objects.filter(phone__in=list(phones)).select_related("deputy_profile")
    for account in accounts:
        row = phones[account.phone or ""]
        if hasattr(account, "deputy_profile"):
            row.error(COL_PHONE, f"该手机号已是代表“{account.deputy_profile.name}”的账号")
        else:
            row.user = account


def check_rows(rows: Iterable[tuple[int, dict[str, object]]], *, congress: Congress) -> RosterReport:
    """Check rows of column → value (from a sheet, or built in code); saves nothing."""
    delegations = {
        name: unit
        for unit in Unit.objects.filter(congress=congress, kind=UnitKind.DELEGATION)
        for name in {unit.name, unit.short_name}
        if name
    }
    checked: list[RosterRow] = []
    for number, values in rows:
        row = RosterRow(row=number)
        _check_row(row, values, congress, delegations)
        checked.append(row)
    if not checked:
        raise InvalidInput("表格中没有数据行", code="empty", field="file")
    _check_duplicates(checked)
    return RosterReport(congress=congress, rows=checked)


def parse(file: bytes | IO[bytes] | Any, *, congress: Congress) -> RosterReport:
    """Read the sheet and check every row; saves nothing. A file that cannot be read is InvalidInput("file")."""
    return check_rows(_data_rows(sheets.open_xlsx(read_upload(file))), congress=congress)


# --- the import (one transaction, bulk inserts) ---


@transaction.atomic
def roster_import(*, actor: User, congress: Congress, report: RosterReport, valid_only: bool) -> ImportResult:
    """Put the sheet's deputies on the roster: all rows, or — if chosen — only the valid ones."""
    if not permissions.can_manage_roster(actor, congress):
        raise NotPermitted("只有本级人大代表工作机构可以导入代表名册")
    if report.congress.pk != congress.pk:
        raise InvalidInput("校验结果不属于该人大，请重新上传", code="wrong_congress", field="file")
    if report.invalid and not valid_only:
        raise InvalidInput(
            f"有 {report.invalid} 行存在错误，未导入任何数据。请改正后重新上传，或选择“只导入有效行”",
            code="invalid_rows",
            field="file",
        )
    rows = report.valid_rows
    if not rows:
        raise InvalidInput("没有可以导入的有效行", code="empty", field="file")
    taken = set(
        User.objects.filter(username__in=[row.card_number.lower() for row in rows if row.card_number]).values_list(
            "username", flat=True
        )
    )
    new_users: list[User] = []
    for row in rows:
        assert row.person is not None and row.term is not None  # noqa: S101 — a valid row is fully checked
        if row.user is None:
            username = actions.new_username(row.person.card_number, taken)
            taken.add(username)
            row.user = actions.new_account(row.person, username)
            new_users.append(row.user)
    User.objects.bulk_create(new_users, batch_size=500)
    if new_users and new_users[0].pk is None:  # a backend that does not return ids from a bulk insert
        ids = dict(
            User.objects.filter(username__in=[user.username for user in new_users]).values_list("username", "pk")
        )
        for user in new_users:
            user.pk = ids[user.username]
    profiles = [actions.profile_from(row.person, row.user) for row in rows if row.person and row.user]
    DeputyProfile.objects.bulk_create(profiles, batch_size=500)
    if profiles and profiles[0].pk is None:
        ids = dict(
            DeputyProfile.objects.filter(user__in=[profile.user_id for profile in profiles]).values_list(
                "user_id", "pk"
            )
        )
        for profile in profiles:
            profile.pk = ids[profile.user_id]
    terms = [
        DeputyTerm(
            profile=profile,
            congress=congress,
            term_number=row.term.term_number,
            delegation=row.term.delegation,
            electoral_unit=row.term.electoral_unit,
            starts_on=row.term.starts_on,
            ends_on=row.term.ends_on,
        )
        for row, profile in zip(rows, profiles, strict=True)
        if row.term is not None
    ]
    DeputyTerm.objects.bulk_create(terms, batch_size=500)
    roles = _keep_roles(congress, [term for term in terms if actions.is_current(term)])
    result = ImportResult(
        profiles=len(profiles),
        new_accounts=len(new_users),
        terms=len(terms),
        roles=roles,
        skipped_rows=[row.row for row in report.invalid_rows],
    )
    audit_record(
        actor=actor,
        action="deputies.roster_imported",
        target=congress,
        congress=congress,
        summary={
            "profiles": result.profiles,
            "new_accounts": result.new_accounts,
            "terms": result.terms,
            "roles": result.roles,
            "skipped_rows": result.skipped_rows,
        },
    )
    return result


def _keep_roles(congress: Congress, terms: list[DeputyTerm]) -> int:
    """The deputy role for each term in office: created, or reactivated; returns how many changed."""
    user_ids = {term.profile.user_id for term in terms}
    existing = {
        (assignment.user_id, assignment.unit_id): assignment
        for assignment in RoleAssignment.objects.filter(congress=congress, role=Role.DEPUTY, user_id__in=user_ids)
    }
    created: list[RoleAssignment] = []
    reactivate: list[int] = []
    for term in terms:
        found = existing.get((term.profile.user_id, term.delegation_id))
        if found is None:
            created.append(
                RoleAssignment(user_id=term.profile.user_id, congress=congress, role=Role.DEPUTY, unit=term.delegation)
            )
        elif not found.is_active:
            reactivate.append(found.pk)
    RoleAssignment.objects.bulk_create(created, batch_size=500)
    RoleAssignment.objects.filter(pk__in=reactivate).update(is_active=True)
    return len(created) + len(reactivate)


# --- the export ---


def roster_profiles(
    congress: Congress,
    *,
    q: str = "",
    delegation: Unit | None = None,
    status: str = "",
    occupation: str = "",
) -> QuerySet[DeputyProfile]:
    """The profiles with a term in ``congress``, filtered; shared by the page and the API."""
    terms = DeputyTerm.objects.filter(profile=OuterRef("pk"), congress=congress)
    if delegation is not None:
        terms = terms.filter(delegation=delegation)
    if status:
        terms = terms.filter(status=status)
    profiles = DeputyProfile.objects.filter(Exists(terms))
    if q:
        profiles = profiles.filter(Q(name__icontains=q) | Q(card_number__iexact=q))
    if occupation:
        profiles = profiles.filter(occupation=occupation)
    return profiles.order_by("name", "pk")


def export_rows(profiles: QuerySet[DeputyProfile], congress: Congress, *, unmasked: bool) -> Iterator[list[object]]:
    """One row per profile, in the template's columns (so an unmasked export imports again)."""
    terms: dict[int, DeputyTerm] = {}
    for term in (
        DeputyTerm.objects.filter(congress=congress, profile__in=profiles)
        .select_related("delegation")
        .order_by("profile_id", "-starts_on")
    ):
        terms.setdefault(term.profile_id, term)
    for profile in profiles.order_by("name", "pk"):
        current = terms.get(profile.pk)
        yield [
            profile.name,
            profile.get_gender_display(),
            profile.ethnicity,
            profile.birth_date,
            profile.get_party_display(),
            profile.get_occupation_display(),
            profile.employer,
            profile.title,
            profile.phone if unmasked else actions.mask_phone(profile.phone),
            crypto.decrypt(profile.id_number_encrypted) if unmasked else profile.id_number_masked,
            profile.card_number,
            current.term_number if current else None,
            (current.delegation.name if current.delegation else "") if current else "",
            current.electoral_unit if current else "",
            current.starts_on if current else None,
            current.ends_on if current else None,
            (current.get_status_display() if current.status != DeputyStatus.IN_OFFICE else "") if current else "",
        ]


def export_workbook(profiles: QuerySet[DeputyProfile], congress: Congress, *, unmasked: bool) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("代表名册")
    sheet.append([*TEMPLATE_COLUMNS, "状态变更"])
    for row in export_rows(profiles, congress, unmasked=unmasked):
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export_disposition(congress: Congress, *, unmasked: bool) -> str:
    suffix = "（含完整信息）" if unmasked else ""
    name = f"{congress.short_name or congress.name}代表名册{suffix}-{timezone.localdate():%Y%m%d}.xlsx"
    return "attachment; filename=\"deputy-roster.xlsx\"; filename*=UTF-8''" + quote(name)


@transaction.atomic
def roster_export(
    *, actor: User, congress: Congress, profiles: QuerySet[DeputyProfile], unmasked: bool = False
) -> bytes:
    """The roster as .xlsx, masked; with phone and ID numbers in clear only for the managing staff, audited."""
    if not permissions.can_read_roster(actor, congress):
        raise NotPermitted("只有本级人大的工作机构和领导可以导出代表名册")
    if unmasked and not permissions.can_unmask_roster(actor, congress):
        raise NotPermitted("只有本级人大代表工作机构可以导出完整的手机号和身份证号")
    data = export_workbook(profiles, congress, unmasked=unmasked)
    if unmasked:
        audit_record(
            actor=actor,
            action="deputies.roster_exported_unmasked",
            target=congress,
            congress=congress,
            summary={"profiles": profiles.count()},
        )
    return data
