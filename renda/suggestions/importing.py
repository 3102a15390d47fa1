"""Importing suggestions from the Excel sheets the session secretariat keeps (issue #4 point 6).

``parse`` reads a workbook and checks every row against the congress (its sessions and its
deputies) without saving anything; the result is an ``ImportReport`` with, per row, the errors
naming the column. ``suggestions_import`` then creates the items, all or nothing, unless the
user chooses to import only the valid rows. The items came in on paper at the session, so they
start in the review queue (待审核) with their co-signers already confirmed (signed on paper).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from django.db import transaction
from django.utils import timezone

from renda.core import sheets
from renda.core.audit import audit_record
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.sheets import SheetReport, SheetRow
from renda.organizations.models import CongressSession, RoleAssignment, UnitKind
from renda.organizations.roles import Role
from renda.suggestions import permissions, search
from renda.suggestions.actions._common import BODY_MAX, TITLE_MAX, record
from renda.suggestions.models import (
    Category,
    Cosigner,
    CosignerStatus,
    Phase,
    Status,
    Suggestion,
)

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = sheets.MAX_ROWS
EMPTY_SHEET = "表格是空的，请使用导入模板填写"

COL_TITLE = "标题"
COL_BODY = "内容"
COL_CATEGORY = "类别"
COL_PHASE = "提出时间"
COL_SESSION = "会议"
COL_LEAD = "领衔代表"
COL_LEAD_PHONE = "领衔代表手机号"
COL_COSIGNERS = "联名代表"
COL_DATE = "提交日期"

TEMPLATE_COLUMNS: tuple[str, ...] = (
    COL_TITLE,
    COL_BODY,
    COL_CATEGORY,
    COL_PHASE,
    COL_SESSION,
    COL_LEAD,
    COL_LEAD_PHONE,
    COL_COSIGNERS,
    COL_DATE,
)
REQUIRED_COLUMNS: tuple[str, ...] = (COL_TITLE, COL_BODY, COL_CATEGORY, COL_PHASE, COL_LEAD)

# The values a sheet may use: the Chinese labels, or the codes the API uses.
CATEGORY_BY_TEXT = {**{str(label): value for value, label in Category.choices}, **{v: v for v in Category.values}}
PHASE_BY_TEXT = {**{str(label): value for value, label in Phase.choices}, **{v: v for v in Phase.values}}

_COSIGNER_SPLIT = re.compile(r"[、，,；;\n]+")
_NAME_WITH_PHONE = re.compile(r"^(?P<name>.+?)\s*[（(]\s*(?P<phone>[\d\s+-]+)\s*[)）]$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass
class ImportRow(SheetRow):
    """One data row of the sheet: what it says, what it resolves to, and what is wrong with it."""

    title: str = ""
    body: str = ""
    category: str = ""
    phase: str = ""
    session: CongressSession | None = None
    lead: User | None = None
    lead_name: str = ""
    cosigners: list[User] = field(default_factory=list)
    submitted_on: dt.date | None = None


class ImportReport(SheetReport[ImportRow]):
    """The checked rows of one sheet (``renda.core.sheets``)."""


# --- the template ---

TEMPLATE_DISPOSITION = "attachment; filename=\"suggestion-import-template.xlsx\"; filename*=UTF-8''" + quote(
    "代表建议导入模板.xlsx"
)


def template_workbook() -> bytes:
    """An empty sheet with the header row, one example row and drop-down lists for 类别 and 提出时间."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "代表建议"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        [
            "关于加快老旧小区加装电梯的建议",
            "我市老旧小区多为多层住宅，没有电梯，老年居民上下楼困难。建议简化审批、加大补贴，加快加装电梯。",
            str(Category.URBAN.label),
            str(Phase.RECESS.label),
            "",
            "（代表姓名）",
            "",
            "（联名代表姓名，用顿号分隔）",
            timezone.localdate(),
        ]
    )
    sheet.cell(row=2, column=TEMPLATE_COLUMNS.index(COL_DATE) + 1).number_format = "yyyy-mm-dd"
    widths = {COL_TITLE: 30, COL_BODY: 60, COL_SESSION: 36, COL_LEAD_PHONE: 16, COL_COSIGNERS: 30, COL_DATE: 14}
    for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths.get(column, 12)
    for column, choices in ((COL_CATEGORY, Category.choices), (COL_PHASE, Phase.choices)):
        letter = sheet.cell(row=1, column=TEMPLATE_COLUMNS.index(column) + 1).column_letter
        validation = DataValidation(
            type="list", formula1='"' + ",".join(str(label) for _value, label in choices) + '"', allow_blank=True
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


def _header(cells: Sequence[object]) -> dict[str, int]:
    return sheets.named_columns(cells, REQUIRED_COLUMNS)


# --- resolving names ---


class _Deputies:
    """The congress's active deputies by name, to resolve the names written in the sheet."""

    def __init__(self, congress: Congress) -> None:
        self.by_name: dict[str, list[User]] = defaultdict(list)
        seen: set[int] = set()
        assignments = RoleAssignment.objects.filter(
            congress=congress, role=Role.DEPUTY, is_active=True, user__is_active=True
        ).select_related("user")
        for assignment in assignments:
            user = assignment.user
            if user.pk in seen:
                continue
            seen.add(user.pk)
            self.by_name[user.display_name.strip()].append(user)

    def resolve(self, name: str, phone: str, *, hint: str) -> tuple[User | None, str]:
        """The one deputy meant, or why there is none. ``hint`` says how to add a phone number."""
        candidates = self.by_name.get(name, [])
        if phone:
            digits = re.sub(r"\D", "", phone)
            matches = [user for user in candidates if re.sub(r"\D", "", user.phone or "") == digits]
            if not matches:
                return None, f"没有找到姓名为“{name}”、手机号为 {phone} 的本级人大代表"
            return matches[0], ""
        if not candidates:
            return None, f"没有找到名为“{name}”的本级人大代表"
        if len(candidates) > 1:
            return None, f"有 {len(candidates)} 位本级代表同名“{name}”，{hint}"
        return candidates[0], ""


def _sessions(congress: Congress) -> dict[str, CongressSession]:
    return {session.name.strip(): session for session in CongressSession.objects.filter(congress=congress)}


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_TEXT.match(_text(value))
    if match is None:
        raise ValueError(value)
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


# --- checking rows ---


def _check_text(row: ImportRow, column: str, value: object, max_length: int) -> str:
    text = _text(value)
    if not text:
        row.error(column, f"{column}不能为空")
    elif len(text) > max_length:
        row.error(column, f"{column}不能超过 {max_length} 个字（现为 {len(text)} 个字）")
    return text


def _check_choices(row: ImportRow, values: dict[str, object], sessions: dict[str, CongressSession]) -> None:
    category = _text(values.get(COL_CATEGORY))
    row.category = CATEGORY_BY_TEXT.get(category, "")
    if not category:
        row.error(COL_CATEGORY, "类别不能为空")
    elif not row.category:
        row.error(COL_CATEGORY, f"类别“{category}”无效，应为：" + "、".join(str(label) for label in Category.labels))
    phase = _text(values.get(COL_PHASE))
    row.phase = PHASE_BY_TEXT.get(phase, "")
    if not phase:
        row.error(COL_PHASE, "提出时间不能为空")
    elif not row.phase:
        row.error(COL_PHASE, f"提出时间“{phase}”无效，应为“会议期间”或“闭会期间”")
    session_name = _text(values.get(COL_SESSION))
    if session_name:
        row.session = sessions.get(session_name)
        if row.session is None:
            row.error(COL_SESSION, f"本级人大没有名为“{session_name}”的会议")
    elif row.phase == Phase.SESSION:
        row.error(COL_SESSION, "会议期间提出的建议须填写会议名称")


def _check_people(row: ImportRow, values: dict[str, object], deputies: _Deputies) -> None:
    row.lead_name = _text(values.get(COL_LEAD))
    phone = _text(values.get(COL_LEAD_PHONE))
    if not row.lead_name:
        row.error(COL_LEAD, "领衔代表不能为空")
    else:
        row.lead, message = deputies.resolve(row.lead_name, phone, hint="请在“领衔代表手机号”列填写手机号以区分")
        if message:
            row.error(COL_LEAD_PHONE if phone and row.lead is None else COL_LEAD, message)
    seen: set[int] = set()
    for part in _COSIGNER_SPLIT.split(_text(values.get(COL_COSIGNERS))):
        entry = part.strip()
        if not entry:
            continue
        match = _NAME_WITH_PHONE.match(entry)
        name, phone = (match.group("name").strip(), match.group("phone")) if match else (entry, "")
        deputy, message = deputies.resolve(name, phone, hint=f"请写成“{name}（手机号）”以区分")
        if deputy is None:
            row.error(COL_COSIGNERS, message)
        elif row.lead is not None and deputy.pk == row.lead.pk:
            row.error(COL_COSIGNERS, f"领衔代表“{name}”不能同时作为联名代表")
        elif deputy.pk in seen:
            row.error(COL_COSIGNERS, f"联名代表“{name}”重复")
        else:
            seen.add(deputy.pk)
            row.cosigners.append(deputy)


def _check_date(row: ImportRow, value: object) -> None:
    if _text(value) == "":
        return
    try:
        row.submitted_on = _date(value)
    except ValueError:
        row.error(COL_DATE, f"提交日期“{_text(value)}”无效，请写成 2026-01-12 的格式")
        return
    if row.submitted_on is not None and row.submitted_on > timezone.localdate():
        row.error(COL_DATE, "提交日期不能晚于今天")


def _check_duplicates(congress: Congress, rows: list[ImportRow]) -> None:
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        if not row.title or not row.lead_name:
            continue
        key = (row.title, str(row.lead.pk) if row.lead is not None else row.lead_name)
        if key in first:
            row.error(COL_TITLE, f"与第 {first[key]} 行重复（标题和领衔代表相同）")
        else:
            first[key] = row.row
    leads = {row.lead.pk for row in rows if row.lead is not None}
    existing = set(
        Suggestion.objects.filter(congress=congress, lead_deputy_id__in=leads)
        .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
        .values_list("title", "lead_deputy_id")
    )
    for row in rows:
        if row.lead is not None and (row.title, row.lead.pk) in existing:
            row.error(COL_TITLE, "系统中已有该代表领衔的同名建议（可能已经导入过）")


def parse(file: bytes | IO[bytes] | Any, *, congress: Congress) -> ImportReport:
    """Read the sheet and check every row; saves nothing. A file that cannot be read is InvalidInput("file")."""
    sheet = sheets.open_xlsx(read_upload(file))
    deputies = _Deputies(congress)
    sessions = _sessions(congress)
    rows: list[ImportRow] = []
    lines = sheets.data_rows(sheet.iter_rows(values_only=True), _header, empty_message=EMPTY_SHEET, max_rows=MAX_ROWS)
    for number, values in lines:
        row = ImportRow(row=number)
        row.title = _check_text(row, COL_TITLE, values.get(COL_TITLE), TITLE_MAX)
        row.body = _check_text(row, COL_BODY, values.get(COL_BODY), BODY_MAX)
        _check_choices(row, values, sessions)
        _check_people(row, values, deputies)
        _check_date(row, values.get(COL_DATE))
        rows.append(row)
    if not rows:
        raise InvalidInput("表格中没有数据行", code="empty", field="file")
    _check_duplicates(congress, rows)
    return ImportReport(congress=congress, rows=rows)


# --- the action ---


def _delegations(congress: Congress, leads: Iterable[int]) -> dict[int, Unit]:
    """Each lead deputy's delegation (as ``drafting._delegation_of``), in one query."""
    found: dict[int, Unit] = {}
    for assignment in (
        RoleAssignment.objects.filter(
            congress=congress,
            user_id__in=set(leads),
            role=Role.DEPUTY,
            is_active=True,
            unit__kind=UnitKind.DELEGATION,
        )
        .select_related("unit")
        .order_by("pk")
    ):
        found.setdefault(assignment.user_id, assignment.unit)  # type: ignore[arg-type]
    return found


def _submitted_at(row: ImportRow, now: dt.datetime) -> dt.datetime:
    if row.submitted_on is None or row.submitted_on == timezone.localdate(now):
        return now
    return timezone.make_aware(dt.datetime.combine(row.submitted_on, dt.time(12, 0)))


@transaction.atomic
def suggestions_import(*, actor: User, congress: Congress, report: ImportReport, valid_only: bool) -> list[Suggestion]:
    """Create the sheet's items in the review queue (待审核), all or — if chosen — only the valid rows."""
    if not permissions.can_manage_congress(actor, congress):
        raise NotPermitted("只有本级交办机构可以导入建议")
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
    now = timezone.now()
    delegations = _delegations(congress, (row.lead.pk for row in rows if row.lead is not None))
    created: list[Suggestion] = []
    cosigners: list[Cosigner] = []
    for row in rows:
        assert row.lead is not None  # noqa: S101 — a valid row has resolved its lead deputy
        submitted_at = _submitted_at(row, now)
        suggestion = Suggestion.objects.create(
            congress=congress,
            session=row.session,
            phase=row.phase,
            year=(
                row.session.opens_on.year
                if row.session is not None
                else (row.submitted_on or timezone.localdate(now)).year
            ),
            title=row.title,
            body=row.body,
            category=row.category,
            lead_deputy=row.lead,
            delegation=delegations.get(row.lead.pk),
            status=Status.SUBMITTED,
            submitted_at=submitted_at,
        )
        cosigners += [
            Cosigner(suggestion=suggestion, deputy=deputy, status=CosignerStatus.CONFIRMED, responded_at=submitted_at)
            for deputy in row.cosigners
        ]
        created.append(suggestion)
    Cosigner.objects.bulk_create(cosigners)
    for suggestion, row in zip(created, rows, strict=True):
        search.index_suggestion(suggestion)
        record(actor, "imported", suggestion, title=suggestion.title, row=row.row, cosigners=len(row.cosigners))
    audit_record(
        actor=actor,
        action="suggestion.import_finished",
        target=congress,
        congress=congress,
        summary={"imported": len(created), "skipped_rows": [row.row for row in report.invalid_rows]},
    )
    return created
