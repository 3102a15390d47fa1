"""Excel exports of the ledger (建议台账) and of the statistics.

Workbooks are written by openpyxl in write-only mode to an anonymous temporary file and
sent as a ``FileResponse``. The ledger's rows are streamed from the database in chunks of
2,000 (``values_list`` + ``iterator``) with one more query per chunk for the units, so
memory stays flat however many items a year has.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from renda.suggestions.models import Category, Cosigner, CosignerStatus, Phase, Rating, Status, Suggestion
from renda.suggestions.stats import FIGURES, RATES, Row, Statistics, lead_unit_names

CHUNK = 2000

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LEDGER_FIELDS = (
    "pk",
    "number",
    "title",
    "category",
    "phase",
    "lead_deputy__full_name",
    "delegation__name",
    "cosigner_count",
    "status",
    "first_assigned_at",
    "due_at",
    "first_replied_at",
    "replied_on_time",
    "result_category",
    "process_rating",
    "result_rating",
    "was_rehandled",
    "is_key",
    "is_public",
    "lead_deputy__username",
)


def ledger_header() -> list[str]:
    return [
        _("编号"),
        _("标题"),
        _("类别"),
        _("提出时间(会议/闭会)"),
        _("领衔代表"),
        _("代表团"),
        _("联名人数"),
        _("状态"),
        _("主办单位"),
        _("交办时间"),
        _("答复期限"),
        _("答复时间"),
        _("是否按时"),
        _("办理结果分类"),
        _("过程评价"),
        _("结果评价"),
        _("二次办理"),
        _("重点督办"),
        _("公开"),
    ]


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write the local wall time.
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ledger_rows(items: QuerySet[Suggestion]) -> Iterator[list[Any]]:
    """The ledger's rows in the order of ``items``, streamed: two queries per 2,000 items."""
    confirmed = (
        Cosigner.objects.filter(suggestion=OuterRef("pk"), status=CosignerStatus.CONFIRMED)
        .order_by()
        .values("suggestion")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = items.annotate(
        cosigner_count=Coalesce(Subquery(confirmed, output_field=IntegerField()), Value(0))
    ).values_list(*LEDGER_FIELDS)
    # Labels are translated once per export, not once per cell.
    categories = {value: str(label) for value, label in Category.choices}
    phases = {value: str(label) for value, label in Phase.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    ratings = {value: str(label) for value, label in Rating.choices}
    yes_no: dict[bool | None, str] = {True: _("是"), False: _("否"), None: ""}
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK)):
        units = lead_unit_names([row[0] for row in chunk])
        for (
            pk,
            number,
            title,
            category,
            phase,
            deputy,
            delegation,
            cosigner_count,
            status,
            assigned_at,
            due_at,
            replied_at,
            on_time,
            result_category,
            process_rating,
            result_rating,
            rehandled,
            is_key,
            is_public,
            username,
        ) in chunk:
            yield [
                number,
                title,
                categories.get(category, category),
                phases.get(phase, phase),
                deputy or username,
                delegation or "",
                cosigner_count,
                statuses.get(status, status),
                units.get(pk, ""),
                _local(assigned_at),
                _local(due_at),
                _local(replied_at),
                yes_no[on_time],
                result_category,
                ratings.get(process_rating, process_rating),
                ratings.get(result_rating, result_rating),
                yes_no[rehandled],
                yes_no[is_key],
                yes_no[is_public],
            ]


def _response(workbook: Workbook, filename: str) -> FileResponse:
    # Deleted when closed: FileResponse closes it once the file is sent.
    handle: IO[bytes] = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def ledger_workbook(items: QuerySet[Suggestion]) -> Workbook:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("建议台账"))
    sheet.append(ledger_header())
    for row in ledger_rows(items):
        sheet.append(row)
    return workbook


def ledger_response(items: QuerySet[Suggestion], filename: str = "") -> FileResponse:
    filename = filename or f"{_('建议台账')}-{timezone.localdate():%Y%m%d}.xlsx"
    return _response(ledger_workbook(items), filename)


def _rate_cells(row: Row) -> list[Any]:
    cells: list[Any] = []
    for rate in row.rates:
        cells += [rate.numerator, rate.denominator, rate.rate]
    return cells


def _breakdown(workbook: Workbook, title: str, first: str, rows: list[Row]) -> None:
    sheet = workbook.create_sheet(title)
    header = [first, *[str(label) for label, _q in FIGURES.values()]]
    for label, _numerator, _denominator in RATES.values():
        header += [f"{label} {_('分子')}", f"{label} {_('分母')}", f"{label}（%）"]
    sheet.append(header)
    for row in rows:
        sheet.append([row.label, *[row.counts[name] for name in FIGURES], *_rate_cells(row)])


def stats_workbook(statistics: Statistics, scope_text: str) -> Workbook:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("统计"))
    sheet.append([_("代表建议办理统计"), scope_text])
    sheet.append([])
    sheet.append([_("指标"), _("件数")])
    for _name, label, count in statistics.total.figures():
        sheet.append([label, count])
    sheet.append([])
    sheet.append([_("比率"), _("分子"), _("分母"), _("比率（%）")])
    for rate in statistics.total.rates:
        sheet.append([rate.label, rate.numerator, rate.denominator, rate.rate])
    sheet.append([])
    sheet.append([_("满意率按每件建议最近一次评价的办理结果评价计算。")])
    _breakdown(workbook, _("按承办单位"), _("承办单位"), statistics.by_unit)
    _breakdown(workbook, _("按类别"), _("类别"), statistics.by_category)
    return workbook


def stats_response(statistics: Statistics, scope_text: str) -> FileResponse:
    filename = f"{_('建议办理统计')}-{timezone.localdate():%Y%m%d}.xlsx"
    return _response(stats_workbook(statistics, scope_text), filename)
