"""Importing citizens' opinions from other platforms' exports: a 12345 hotline CSV or Excel file (issue #6 point 1).

``parse`` reads the file (an .xlsx workbook, or a CSV in UTF-8 or GBK, detected), finds the columns
by the header names the common 12345 exports use (``COLUMN_ALIASES``) and checks every row against
the congress without saving anything. The result has the same shape as the suggestions import
(``renda.core.sheets.SheetReport``, rows with ``RowError(column, message)``), so the
report page and the API answer look alike.

``opinions_import`` then creates the opinions through ``opinion_submit`` (source 12345 or another
platform, the platform's ticket number as ``external_id``, the call time as ``received_at``), in
one transaction: nothing is saved if a row is wrong, unless the user chose to import only the
valid rows. A ticket already imported is skipped, so importing a file twice adds nothing.

The columns (first row; the first matching name wins, ``*`` before a name is ignored):

========== ============================================================ ========
field      header names accepted                                        required
========== ============================================================ ========
工单编号   工单编号, 工单号, 受理编号, 编号, 流水号                     yes
来电时间   来电时间, 受理时间, 登记时间, 创建时间, 来件时间, 反映时间   yes
诉求内容   诉求内容, 反映内容, 来电内容, 问题描述, 工单内容, 内容       yes
所属区域   所属区域, 所属区县, 区域, 区县, 所属街道, 街道               no
诉求地址   诉求地址, 事发地址, 事发地点, 详细地址, 地址                 no
联系人     联系人, 来电人, 市民姓名, 姓名                               no
联系电话   联系电话, 来电号码, 手机号码, 手机号, 电话                   no
诉求类别   诉求类别, 类别, 分类                                         no
========== ============================================================ ========

A 所属区域 names a district or township of the congress's tree (its name, short name, or its name
without "人民代表大会"). A 诉求类别 that is one of our categories (label or code) is kept; any other
platform's category is left blank for triage. A phone must be a mobile number (the action's rule);
a masked number (with ``*``) is dropped, since it cannot reach the citizen.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from renda.core import sheets
from renda.core.audit import audit_record
from renda.core.errors import DomainError, InvalidInput, NotPermitted
from renda.core.sheets import RowError, SheetReport, SheetRow
from renda.deputies.actions.roster import validate_phone
from renda.opinions import permissions
from renda.opinions.actions import opinion_submit
from renda.opinions.actions._common import ADDRESS_MAX, NAME_MAX, TEXT_MAX, TEXT_MIN
from renda.opinions.actions.intake import EXTERNAL_ID_MAX, IMPORTED_SOURCES
from renda.opinions.models import Category, Opinion, Source
from renda.organizations.models import Congress, congress_subtree_ids

if TYPE_CHECKING:
    from renda.accounts.models import User

__all__ = [
    "COLUMN_ALIASES",
    "OpinionImportReport",
    "OpinionRow",
    "RowError",
    "opinions_import",
    "parse",
    "read_upload",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = sheets.MAX_ROWS

COL_EXTERNAL_ID = "工单编号"
COL_RECEIVED_AT = "来电时间"
COL_TEXT = "诉求内容"
COL_AREA = "所属区域"
COL_ADDRESS = "诉求地址"
COL_NAME = "联系人"
COL_PHONE = "联系电话"
COL_CATEGORY = "诉求类别"

# The column a field is read from: the header names of the common 12345 exports, first match wins.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    COL_EXTERNAL_ID: ("工单编号", "工单号", "受理编号", "编号", "流水号"),
    COL_RECEIVED_AT: ("来电时间", "受理时间", "登记时间", "创建时间", "来件时间", "反映时间"),
    COL_TEXT: ("诉求内容", "反映内容", "来电内容", "问题描述", "工单内容", "内容"),
    COL_AREA: ("所属区域", "所属区县", "区域", "区县", "所属街道", "街道"),
    COL_ADDRESS: ("诉求地址", "事发地址", "事发地点", "详细地址", "地址"),
    COL_NAME: ("联系人", "来电人", "市民姓名", "姓名"),
    COL_PHONE: ("联系电话", "来电号码", "手机号码", "手机号", "电话"),
    COL_CATEGORY: ("诉求类别", "类别", "分类"),
}
REQUIRED_COLUMNS: tuple[str, ...] = (COL_EXTERNAL_ID, COL_RECEIVED_AT, COL_TEXT)

CATEGORY_BY_TEXT = {**{str(label): value for value, label in Category.choices}, **{v: v for v in Category.values}}

_DATETIME_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?$"
)
CONGRESS_SUFFIX = "人民代表大会"


@dataclass
class OpinionRow(SheetRow):
    """One data row of the file: what it says, what it resolves to, and what is wrong with it."""

    external_id: str = ""
    received_at: dt.datetime | None = None
    text: str = ""
    area: Congress | None = None
    area_name: str = ""
    address: str = ""
    category: str = ""
    citizen_name: str = ""
    citizen_phone: str = ""
    already_imported: bool = False

    @property
    def summary(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 40 else text[:39] + "…"


@dataclass
class OpinionImportReport(SheetReport[OpinionRow]):
    """The shared report, plus the rows already imported (valid, skipped) and the source they come in as."""

    source: str = Source.HOTLINE_12345
    encoding: str = ""

    @property
    def opinion_rows(self) -> list[OpinionRow]:
        return self.rows

    @property
    def new_rows(self) -> list[OpinionRow]:
        return [row for row in self.opinion_rows if row.ok and not row.already_imported]

    @property
    def skipped(self) -> int:
        return sum(1 for row in self.opinion_rows if row.ok and row.already_imported)

    @property
    def new(self) -> int:
        return len(self.new_rows)


# --- reading the file ---


def read_upload(file: bytes | IO[bytes] | Any) -> bytes:
    """The upload's content, refusing anything over the size limit before reading it all."""
    return sheets.read_upload(file, max_bytes=MAX_FILE_BYTES, empty_message="请选择要导入的文件（.csv 或 .xlsx）")


def decode_csv(data: bytes) -> tuple[str, str]:
    """The CSV's text and its encoding: UTF-8 (with or without BOM), else GBK (read as its superset GB18030)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), "GBK" if encoding == "gb18030" else "UTF-8"
        except UnicodeDecodeError:
            continue
    raise InvalidInput("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件", code="invalid_file", field="file")


def _xlsx_rows(data: bytes) -> Iterator[Sequence[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    except Exception as error:  # a broken zip or XML can raise almost anything; all mean "not an .xlsx"
        raise InvalidInput(
            "文件不是有效的 Excel 文件，请上传 .xlsx 或 .csv 格式", code="invalid_file", field="file"
        ) from error
    yield from rows


def _csv_rows(text: str) -> Iterator[Sequence[object]]:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise InvalidInput(f"CSV 文件格式有误：{error}", code="invalid_file", field="file") from error


def _raw_rows(data: bytes) -> tuple[Iterator[Sequence[object]], str]:
    if data.startswith(b"PK"):
        return _xlsx_rows(data), "xlsx"
    if data[:8].startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput(
            "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传", code="invalid_file", field="file"
        )
    text, encoding = decode_csv(data)
    if "\x00" in text:
        raise InvalidInput("文件不是有效的 CSV 或 Excel 文件", code="invalid_file", field="file")
    return _csv_rows(text), encoding


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _header(cells: Sequence[object]) -> dict[str, int]:
    """Each field's column index, found by the names in ``COLUMN_ALIASES``."""
    names: dict[str, int] = {}
    for index, value in enumerate(cells):
        name = _text(value).lstrip("*＊\ufeff").strip()
        if name and name not in names:
            names[name] = index
    columns: dict[str, int] = {}
    for field, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in names and names[alias] not in columns.values():
                columns[field] = names[alias]
                break
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        accepted = "、".join(COLUMN_ALIASES[missing[0]])
        raise InvalidInput(
            f"文件缺少“{missing[0]}”列（第一行须为列名，可用：{accepted}）", code="missing_column", field="file"
        )
    return columns


def _data_rows(rows: Iterator[Sequence[object]]) -> Iterator[tuple[int, dict[str, object]]]:
    return sheets.data_rows(rows, _header, empty_message="文件是空的", max_rows=MAX_ROWS)


# --- checking rows ---


class _Areas:
    """The districts and townships of the congress's tree, by every name a file may use for them."""

    def __init__(self, congress: Congress) -> None:
        self.by_name: dict[str, Congress] = {}
        for area in Congress.objects.filter(pk__in=congress_subtree_ids([congress.pk]), is_active=True):
            for name in (area.name, area.short_name, area.name.removesuffix(CONGRESS_SUFFIX)):
                if name.strip():
                    self.by_name.setdefault(name.strip(), area)

    def resolve(self, name: str) -> Congress | None:
        return self.by_name.get(name) or self.by_name.get(name.removesuffix(CONGRESS_SUFFIX))


def _received_at(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(0, 0))
    else:
        match = _DATETIME_TEXT.match(_text(value))
        if match is None:
            raise ValueError(value)
        year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
        moment = dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 — made aware just below
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _check_text(row: OpinionRow, values: dict[str, object]) -> None:
    row.text = _text(values.get(COL_TEXT))
    if not row.text:
        row.error(COL_TEXT, "诉求内容不能为空")
    elif len(row.text) < TEXT_MIN:
        row.error(COL_TEXT, f"诉求内容至少 {TEXT_MIN} 个字（现为 {len(row.text)} 个字）")
    elif len(row.text) > TEXT_MAX:
        row.error(COL_TEXT, f"诉求内容不能超过 {TEXT_MAX} 个字（现为 {len(row.text)} 个字）")


def _check_ticket(row: OpinionRow, values: dict[str, object]) -> None:
    row.external_id = _text(values.get(COL_EXTERNAL_ID))
    if not row.external_id:
        row.error(COL_EXTERNAL_ID, "工单编号不能为空")
    elif len(row.external_id) > EXTERNAL_ID_MAX:
        row.error(COL_EXTERNAL_ID, f"工单编号不能超过 {EXTERNAL_ID_MAX} 个字符")
    raw = values.get(COL_RECEIVED_AT)
    if _text(raw) == "":
        row.error(COL_RECEIVED_AT, "来电时间不能为空")
        return
    try:
        row.received_at = _received_at(raw)
    except ValueError:
        row.error(COL_RECEIVED_AT, f"来电时间“{_text(raw)}”无效，请写成 2026-01-12 09:30 的格式")
        return
    if row.received_at > timezone.now() + dt.timedelta(minutes=5):
        row.error(COL_RECEIVED_AT, "来电时间不能晚于现在")


def _check_place(row: OpinionRow, values: dict[str, object], areas: _Areas) -> None:
    row.area_name = _text(values.get(COL_AREA))
    if row.area_name:
        row.area = areas.resolve(row.area_name)
        if row.area is None:
            row.error(COL_AREA, f"本级人大辖区内没有名为“{row.area_name}”的区域")
    row.address = _text(values.get(COL_ADDRESS))
    if len(row.address) > ADDRESS_MAX:
        row.error(COL_ADDRESS, f"诉求地址不能超过 {ADDRESS_MAX} 个字（现为 {len(row.address)} 个字）")
    row.category = CATEGORY_BY_TEXT.get(_text(values.get(COL_CATEGORY)), "")


def _check_contact(row: OpinionRow, values: dict[str, object]) -> None:
    row.citizen_name = _text(values.get(COL_NAME))
    if len(row.citizen_name) > NAME_MAX:
        row.error(COL_NAME, f"联系人不能超过 {NAME_MAX} 个字")
    phone = _text(values.get(COL_PHONE))
    if not phone or "*" in phone:
        return  # a masked number cannot reach the citizen: it is not kept
    try:
        row.citizen_phone = validate_phone(phone)
    except InvalidInput:
        row.error(COL_PHONE, f"联系电话“{phone}”无效，须为 11 位手机号码（如 13912345678），或留空")


def _check_duplicates(congress: Congress, source: str, rows: list[OpinionRow]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        if not row.external_id:
            continue
        if row.external_id in first:
            row.error(COL_EXTERNAL_ID, f"与第 {first[row.external_id]} 行工单编号重复")
        else:
            first[row.external_id] = row.row
    existing = set(
        Opinion.objects.filter(congress=congress, source=source, external_id__in=list(first)).values_list(
            "external_id", flat=True
        )
    )
    for row in rows:
        if row.external_id in existing:
            row.already_imported = True


def parse(
    file: bytes | IO[bytes] | Any, *, congress: Congress, source: str = Source.HOTLINE_12345
) -> OpinionImportReport:
    """Read the file and check every row; saves nothing. A file that cannot be read is InvalidInput("file")."""
    if source not in IMPORTED_SOURCES:
        raise InvalidInput("来源只能是 12345 热线或其他平台", code="invalid_choice", field="source")
    raw, encoding = _raw_rows(read_upload(file))
    areas = _Areas(congress)
    rows: list[OpinionRow] = []
    for number, values in _data_rows(raw):
        row = OpinionRow(row=number)
        _check_ticket(row, values)
        _check_text(row, values)
        _check_place(row, values, areas)
        _check_contact(row, values)
        rows.append(row)
    if not rows:
        raise InvalidInput("文件中没有数据行", code="empty", field="file")
    _check_duplicates(congress, source, rows)
    return OpinionImportReport(congress=congress, rows=rows, source=source, encoding=encoding)


# --- the action ---


@transaction.atomic
def opinions_import(*, actor: User, congress: Congress, report: OpinionImportReport, valid_only: bool) -> list[Opinion]:
    """Create the file's new opinions, all or — if chosen — only the valid rows; tickets already imported are skipped."""
    if not permissions.can_triage_congress(actor, congress.pk):
        raise NotPermitted("只有本级人大工作机构人员可以导入群众意见")
    if report.congress.pk != congress.pk:
        raise InvalidInput("校验结果不属于该人大，请重新上传", code="wrong_congress", field="file")
    if report.invalid and not valid_only:
        raise InvalidInput(
            f"有 {report.invalid} 行存在错误，未导入任何数据。请改正后重新上传，或选择“只导入有效行”",
            code="invalid_rows",
            field="file",
        )
    created: list[Opinion] = []
    for row in report.new_rows:
        try:
            opinion = opinion_submit(
                actor=actor,
                congress=congress,
                text=row.text,
                source=report.source,
                area=row.area,
                address=row.address,
                citizen_name=row.citizen_name,
                citizen_phone=row.citizen_phone,
                category=row.category,
                received_at=row.received_at,
                external_id=row.external_id,
            )
        except DomainError as error:
            # Checked already; this is a race (the same ticket imported meanwhile): nothing of the file is kept.
            raise InvalidInput(
                f"第 {row.row} 行：{error.message}。未导入任何数据，请重新上传", code=error.code, field="file"
            ) from error
        created.append(opinion)
    audit_record(
        actor=actor,
        action="opinion.import_finished",
        target=congress,
        congress=congress,
        summary={
            "source": report.source,
            "imported": len(created),
            "already_imported": report.skipped,
            "skipped_rows": [row.row for row in report.invalid_rows],
        },
    )
    return created
