"""Excel export of the opinions ledger (群众意见台账), masked by default (issue #6 point 3).

The workbook is written by openpyxl in write-only mode to an anonymous temporary file and sent as a
``FileResponse``; rows are streamed from the database in chunks (``values_list`` + ``iterator``), so
memory stays flat however many opinions a year has.

The citizen's name and phone are written masked. An unmasked export (names and phones in clear, and
the tracking codes) is for the triage staff of the congress only, and is an audited action
(``opinions_export_unmasked`` → ``opinion.export_unmasked`` on the congress, with the filters and the
row count); everyone else is refused.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from renda.core import crypto
from renda.core.audit import audit_record
from renda.core.errors import NotPermitted
from renda.opinions import permissions
from renda.opinions.models import Category, Level, Opinion, Rating, Source, Status

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress

CHUNK = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIELDS = (
    "pk",
    "tracking_code",
    "external_id",
    "received_at",
    "source",
    "station__unit__name",
    "deputy__name",
    "area__name",
    "address",
    "text",
    "category",
    "level",
    "status",
    "unit__name",
    "round",
    "due_at",
    "replied_at",
    "replied_on_time",
    "rating",
    "reopen_count",
    "closed_at",
    "citizen_name_masked",
    "citizen_phone_masked",
    "citizen_name_encrypted",
    "citizen_phone_encrypted",
    "erased_at",
)


def header(*, unmasked: bool) -> list[str]:
    columns = [
        _("序号"),
        _("外部编号"),
        _("收到时间"),
        _("来源"),
        _("联络站"),
        _("代表"),
        _("区域"),
        _("地点"),
        _("意见内容"),
        _("类别"),
        _("分级"),
        _("状态"),
        _("承办单位"),
        _("办理轮次"),
        _("办理期限"),
        _("答复时间"),
        _("是否按时"),
        _("群众评价"),
        _("重新办理次数"),
        _("办结时间"),
        _("群众姓名"),
        _("联系电话"),
    ]
    if unmasked:
        columns.append(_("查询码"))
    return columns


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write the local wall time.
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def _clear(token: str) -> str:
    return crypto.decrypt(token) if token else ""


def _cell_text(text: str) -> str:
    # A cell starting with = + - @ would be read as a formula by Excel: quote it (CSV/formula injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def rows(items: QuerySet[Opinion], *, unmasked: bool) -> Iterator[list[Any]]:
    """The ledger's rows in the order of ``items``, streamed in chunks of 2,000."""
    sources = {value: str(label) for value, label in Source.choices}
    categories = {value: str(label) for value, label in Category.choices}
    levels = {value: str(label) for value, label in Level.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    ratings = {value: str(label) for value, label in Rating.choices}
    yes_no: dict[bool | None, str] = {True: _("是"), False: _("否"), None: ""}
    erased = _("（已删除）")
    for number, values in enumerate(items.values_list(*FIELDS).iterator(chunk_size=CHUNK), start=1):
        (
            _pk,
            tracking_code,
            external_id,
            received_at,
            source,
            station,
            deputy,
            area,
            address,
            text,
            category,
            level,
            status,
            unit,
            round_,
            due_at,
            replied_at,
            on_time,
            rating,
            reopen_count,
            closed_at,
            name_masked,
            phone_masked,
            name_encrypted,
            phone_encrypted,
            erased_at,
        ) = values
        if erased_at is not None:
            name, phone = erased, erased
        elif unmasked:
            name, phone = _clear(name_encrypted), _clear(phone_encrypted)
        else:
            name, phone = name_masked, phone_masked
        row = [
            number,
            _cell_text(external_id),
            _local(received_at),
            sources.get(source, source),
            station or "",
            deputy or "",
            area or "",
            _cell_text(address),
            _cell_text(text),
            categories.get(category, category),
            levels.get(level, level),
            statuses.get(status, status),
            unit or "",
            round_,
            _local(due_at),
            _local(replied_at),
            yes_no[on_time],
            ratings.get(rating, rating),
            reopen_count,
            _local(closed_at),
            _cell_text(name),
            phone,
        ]
        if unmasked:
            row.append(tracking_code)
        yield row


def workbook(items: QuerySet[Opinion], *, unmasked: bool = False) -> Workbook:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("群众意见台账"))
    sheet.append(header(unmasked=unmasked))
    for row in rows(items, unmasked=unmasked):
        sheet.append(row)
    return book


def response(items: QuerySet[Opinion], *, unmasked: bool = False) -> FileResponse:
    suffix = _("（含联系方式）") if unmasked else ""
    filename = f"{_('群众意见台账')}{suffix}-{timezone.localdate():%Y%m%d}.xlsx"
    # Deleted when closed: FileResponse closes it once the file is sent.
    handle: IO[bytes] = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook(items, unmasked=unmasked).save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def can_export_unmasked(user: User | None, congress_id: int) -> bool:
    """Only the triage staff of the congress (its committee staff) may export names and phones in clear."""
    return permissions.can_triage_congress(user, congress_id)


@transaction.atomic
def opinions_export_unmasked(*, actor: User, congress: Congress, filters: dict[str, str], count: int) -> None:
    """Allow an export with names and phones in clear: the triage staff only, and it is on the record."""
    if not can_export_unmasked(actor, congress.pk):
        raise NotPermitted("只有本级人大工作机构人员可以导出含联系方式的台账")
    audit_record(
        actor=actor,
        action="opinion.export_unmasked",
        target=congress,
        congress=congress,
        summary={"filters": {key: value for key, value in filters.items() if value}, "rows": count},
    )
