"""API for the staff and unit lists of opinions: triage queue, ledger, import, export, the unit's queue.

The same lists as the pages (``queues``), the same import (``importing``) and export (``exports``).
Contacts are always masked here; the clear name and phone come through the audited ``contact``
endpoint of ``api_loop``, and the unmasked export is a POST for the triage staff only, on the record.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from renda.core.errors import InvalidInput, NotPermitted
from renda.opinions import exports, importing, permissions, queues
from renda.opinions.models import UNIT_STATES, Dispatch, Opinion, Source
from renda.opinions.queues import analysis_of, suggestion_text
from renda.organizations.models import Congress

if TYPE_CHECKING:
    from renda.accounts.models import User

router = Router(tags=["群众意见 Opinions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# --- output ---


class SuggestionOut(Schema):
    category: str
    level: str
    unit_id: int | None
    unit_name: str
    confidence: float = Field(..., description="置信度（0–1）")
    model_version: int = Field(..., description="模型版本；0 表示关键词规则")
    text: str = Field(..., description="建议的文字说明，如“建议：市住建局（L3，城建与物业）置信度 82% · 模型 v3”")


class QueueItemOut(Schema):
    id: int
    source: str
    text: str = Field(..., description="意见内容（原文，显示时须转义）")
    received_at: dt.datetime
    area_id: int | None
    address: str
    station_id: int | None
    deputy_id: int | None
    cluster_id: int | None
    cluster_size: int
    suggestion: SuggestionOut | None = Field(None, description="分流建议，仅供参考，不会自动派单")

    @staticmethod
    def resolve_cluster_size(obj: Opinion) -> int:
        return obj.cluster.size if obj.cluster is not None else 0

    @staticmethod
    def resolve_suggestion(obj: Opinion) -> SuggestionOut | None:
        analysis = analysis_of(obj)
        if analysis is None:
            return None
        return SuggestionOut(
            category=analysis.suggested_category,
            level=analysis.suggested_level,
            unit_id=analysis.suggested_unit_id,
            unit_name=analysis.suggested_unit.name if analysis.suggested_unit is not None else "",
            confidence=analysis.confidence,
            model_version=analysis.model_version,
            text=suggestion_text(analysis),
        )


class LedgerItemOut(Schema):
    id: int
    source: str
    status: str
    category: str
    level: str
    text: str
    area_id: int | None
    unit_id: int | None
    round: int
    due_at: dt.datetime | None
    overdue: bool = Field(..., description="单位办理中且已超过期限")
    replied_at: dt.datetime | None
    replied_on_time: bool | None
    rating: str
    received_at: dt.datetime
    external_id: str
    citizen_name_masked: str = Field(..., description="群众姓名（脱敏）")
    citizen_phone_masked: str = Field(..., description="联系电话（脱敏）")

    @staticmethod
    def resolve_overdue(obj: Opinion) -> bool:
        return obj.status in UNIT_STATES and obj.due_at is not None and obj.due_at < timezone.now()


class LedgerQuery(Schema):
    status: str = Field("", description="状态")
    source: str = Field("", description="来源")
    category: str = Field("", description="类别")
    area: int | None = Field(None, description="区域（下级人大编号）")
    unit: int | None = Field(None, description="承办单位编号")
    overdue: bool = Field(False, description="只看逾期（单位办理中且超过期限）")
    received_from: dt.date | None = Field(None, description="收到日期自（含）")
    received_to: dt.date | None = Field(None, description="收到日期至（含）")


def _filters(query: LedgerQuery) -> queues.LedgerFilters:
    values = {key: "" if value is None else str(value) for key, value in query.dict().items()}
    values["overdue"] = "1" if query.overdue else ""
    return queues.parse_filters(values)


# --- triage ---


@router.get(
    "/opinions/triage-queue",
    response=list[QueueItemOut],
    summary="待分流的群众意见（等待最久的在前），附分流建议",
)
@paginate(LimitOffsetPagination)
def triage_queue(request: HttpRequest, source: str = "") -> QuerySet[Opinion]:
    user = _user(request)
    if not queues.can_use_triage_queue(user):
        raise NotPermitted("只有分流人员（工作机构、联络站、代表）可以查看待分流队列")
    return queues.triage_items(user, source=source)


# --- ledger and export ---


@router.get("/opinions/ledger", response=list[LedgerItemOut], summary="群众意见台账（按条件筛选，联系方式脱敏）")
@paginate(LimitOffsetPagination)
def ledger(
    request: HttpRequest,
    *,
    status: str = "",
    source: str = "",
    category: str = "",
    area: int | None = None,
    unit: int | None = None,
    overdue: bool = False,
    received_from: str = "",
    received_to: str = "",
) -> QuerySet[Opinion]:
    # Plain parameters (not a Query schema): the paginated view's annotations are read outside this module.
    user = _user(request)
    if not queues.can_read_ledger(user):
        raise NotPermitted("只有本级人大工作机构人员和领导可以查看台账")
    query = {
        "status": status,
        "source": source,
        "category": category,
        "area": "" if area is None else str(area),
        "unit": "" if unit is None else str(unit),
        "overdue": "1" if overdue else "",
        "received_from": received_from,
        "received_to": received_to,
    }
    return queues.ledger_items(user, queues.parse_filters(query))


@router.get(
    "/opinions/ledger.xlsx",
    summary="导出台账（Excel，联系方式脱敏；承办单位导出本单位的意见）",
    openapi_extra={"responses": {200: {"description": "Excel 文件", "content": {XLSX: {}}}}},
)
def export(request: HttpRequest, filters: Query[LedgerQuery]) -> FileResponse:
    user = _user(request)
    if not queues.can_export(user):
        raise NotPermitted("您无权导出群众意见")
    return exports.response(queues.ledger_items(user, _filters(filters)), unmasked=False)


@router.post(
    "/opinions/ledger-unmasked.xlsx",
    summary="导出含联系方式的台账（仅分流人员，留痕）",
    openapi_extra={"responses": {200: {"description": "Excel 文件", "content": {XLSX: {}}}}},
)
def export_unmasked(request: HttpRequest, filters: Query[LedgerQuery]) -> FileResponse:
    user = _user(request)
    congress_id = permissions.triage_congress_id(user)
    if congress_id is None:
        raise NotPermitted("只有本级人大工作机构人员可以导出含联系方式的台账")
    parsed = _filters(filters)
    items = queues.ledger_items(user, parsed).filter(congress_id=congress_id)
    congress = Congress.objects.get(pk=congress_id)
    exports.opinions_export_unmasked(actor=user, congress=congress, filters=parsed.as_query(), count=items.count())
    return exports.response(items, unmasked=True)


# --- import ---


class RowErrorOut(Schema):
    column: str
    message: str


class RowOut(Schema):
    row: int
    external_id: str
    ok: bool
    already_imported: bool = Field(..., description="该工单编号已导入过，导入时跳过")
    errors: list[RowErrorOut]


class ImportOut(Schema):
    encoding: str = Field(..., description="文件编码：xlsx、UTF-8 或 GBK")
    rows: list[RowOut]
    new: int = Field(..., description="可导入的新工单数")
    skipped: int = Field(..., description="已导入过而跳过的行数")
    invalid: int
    imported: list[int] = Field(..., description="本次导入生成的意见编号（dry_run 时为空）")


@router.post(
    "/opinions/import",
    response=ImportOut,
    summary="导入 12345 热线等平台的工单（CSV/Excel）：默认只校验（dry_run），返回逐行校验结果",
    description=(
        "multipart/form-data：file 为 .csv（UTF-8 或 GBK，自动识别）或 .xlsx；列名见 docs（工单编号、来电时间、"
        "诉求内容、所属区域、诉求地址、联系人、联系电话、诉求类别）。source 为 hotline_12345（默认）或 "
        "other_platform。dry_run=true 只校验不保存；dry_run=false 时，只要有一行错误就不导入任何数据，除非 "
        "valid_only=true（只导入有效行）。已导入过的工单编号跳过。"
    ),
)
def import_opinions(
    request: HttpRequest,
    source: Form[str] = Source.HOTLINE_12345,
    dry_run: Form[bool] = True,
    valid_only: Form[bool] = False,
    file: File[UploadedFile | None] = None,
) -> ImportOut:
    # Permission first: a refused caller learns nothing about the file, and nothing is read or saved.
    user = _user(request)
    congress_id = permissions.triage_congress_id(user)
    if congress_id is None:
        raise NotPermitted("只有本级人大工作机构人员可以导入群众意见")
    if file is None:
        raise InvalidInput("请上传要导入的文件（.csv 或 .xlsx）", code="required", field="file")
    congress = Congress.objects.get(pk=congress_id)
    report = importing.parse(file, congress=congress, source=source)
    imported: list[int] = []
    if not dry_run:
        created = importing.opinions_import(actor=user, congress=congress, report=report, valid_only=valid_only)
        imported = [opinion.pk for opinion in created]
    return ImportOut(
        encoding=report.encoding,
        rows=[
            RowOut(
                row=row.row,
                external_id=row.external_id,
                ok=row.ok,
                already_imported=row.already_imported,
                errors=[RowErrorOut(column=error.column, message=error.message) for error in row.errors],
            )
            for row in report.opinion_rows
        ],
        new=report.new,
        skipped=report.skipped,
        invalid=report.invalid,
        imported=imported,
    )


# --- the unit's queue ---


class UnitItemOut(Schema):
    dispatch_id: int
    opinion_id: int
    round: int
    state: str = Field(..., description="pending 待接单 / accepted 办理中 / replied 已答复")
    due_at: dt.datetime
    overdue: bool
    text: str
    area_id: int | None
    replied_at: dt.datetime | None


class UnitQueueOut(Schema):
    unit_id: int
    tab: str
    counts: dict[str, int] = Field(..., description="各栏数量：pending、handling、replied、overdue")
    items: list[UnitItemOut]


@router.get(
    "/opinions/unit-queue",
    response=UnitQueueOut,
    summary="承办单位的群众意见：待接单、办理中、已答复、已逾期（按期限排列，最急的在前）",
)
def unit_queue(request: HttpRequest, tab: str = "pending", limit: int = 100, offset: int = 0) -> UnitQueueOut:
    unit = permissions.acting_unit(_user(request))
    if unit is None:
        raise NotPermitted("只有承办单位人员可以查看承办队列")
    if tab not in queues.UNIT_TABS:
        raise InvalidInput("栏目无效，应为 pending、handling、replied 或 overdue", code="invalid_choice", field="tab")
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    now = timezone.now()
    dispatches = queues.unit_dispatches(unit, tab, now)[offset : offset + limit]
    live = {Dispatch.State.PENDING, Dispatch.State.ACCEPTED}
    return UnitQueueOut(
        unit_id=unit.pk,
        tab=tab,
        counts=queues.unit_counts(unit, now),
        items=[
            UnitItemOut(
                dispatch_id=item.pk,
                opinion_id=item.opinion_id,
                round=item.round,
                state=item.state,
                due_at=item.due_at,
                overdue=item.state in live and item.due_at < now,
                text=item.opinion.text,
                area_id=item.opinion.area_id,
                replied_at=item.replied_at,
            )
            for item in dispatches
        ],
    )
