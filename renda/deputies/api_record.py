"""API of the duty record (履职档案): the same fetchers and actions as the pages.

A deputy lists and reports their own entries (multipart, with evidence files) and withdraws a
pending one; staff of the congress list their deputies' entries, verify or reject, add entries
and record meeting attendance; leaders read. The annual report and evidence files download
through the same permission checks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from renda.accounts.models import User
from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies import permissions
from renda.deputies.actions import record as actions
from renda.deputies.annual_report import build_annual_report, report_filename
from renda.deputies.models import DeputyProfile, DutyEntry, DutyEvidence, EntryKind, EntryStatus
from renda.organizations.permissions import acting_role

router = Router(tags=["人大代表"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# --- schemas ---


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    url: str = Field(..., description="经权限校验的下载地址")


class EntryOut(Schema):
    id: int
    profile_id: int
    profile_name: str
    congress_id: int
    term_id: int | None
    date: dt.date
    kind: str = Field(..., description="履职类型，见 EntryKind")
    kind_label: str
    title: str
    detail: str
    hours: Decimal | None = Field(None, description="时长（小时）")
    source: str = Field(..., description="system 系统记录 / self 代表自报 / staff 工作人员登记")
    status: str = Field(..., description="pending 待核实 / verified 已核实 / rejected 未通过")
    reject_reason: str
    verified_by: str
    verified_at: dt.datetime | None
    created_at: dt.datetime
    evidence: list[EvidenceOut]


class EntrySummaryOut(Schema):
    id: int
    profile_id: int
    profile_name: str = Field(..., alias="profile.name")
    date: dt.date
    kind: str
    kind_label: str
    title: str
    hours: Decimal | None
    source: str
    status: str
    evidence_count: int

    @staticmethod
    def resolve_kind_label(obj: DutyEntry) -> str:
        return str(obj.get_kind_display())


def _evidence_url(item: DutyEvidence) -> str:
    return f"/api/v1/deputies/evidence/{item.pk}"


def entry_out(entry: DutyEntry) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        profile_id=entry.profile_id,
        profile_name=entry.profile.name,
        congress_id=entry.congress_id,
        term_id=entry.term_id,
        date=entry.date,
        kind=entry.kind,
        kind_label=str(entry.get_kind_display()),
        title=entry.title,
        detail=entry.detail,
        hours=entry.hours,
        source=entry.source,
        status=entry.status,
        reject_reason=entry.reject_reason,
        verified_by=entry.verified_by.display_name if entry.verified_by is not None else "",
        verified_at=entry.verified_at,
        created_at=entry.created_at,
        evidence=[
            EvidenceOut(
                id=item.pk,
                name=item.name,
                size=item.size,
                content_type=item.content_type,
                sha256=item.sha256,
                url=_evidence_url(item),
            )
            for item in entry.evidence.all()
        ],
    )


def _filtered(entries: QuerySet[DutyEntry], *, kind: str, status: str, year: int | None) -> QuerySet[DutyEntry]:
    if kind:
        if kind not in EntryKind.values:
            raise InvalidInput("履职类型的取值无效", code="invalid_choice", field="kind")
        entries = entries.filter(kind=kind)
    if status:
        if status not in EntryStatus.values:
            raise InvalidInput("状态的取值无效", code="invalid_choice", field="status")
        entries = entries.filter(status=status)
    if year is not None:
        entries = entries.filter(date__year=year)
    return entries.select_related("profile").annotate(evidence_count=Count("evidence")).order_by("-date", "-pk")


# --- reading ---


@router.get(
    "/deputies/entries",
    response=list[EntrySummaryOut],
    summary="履职记录列表（代表：本人的；工作机构和领导：本级人大代表的）",
)
@paginate(LimitOffsetPagination)
def list_entries(
    request: HttpRequest,
    profile_id: int | None = None,
    kind: str = "",
    status: str = "",
    year: int | None = None,
) -> QuerySet[DutyEntry]:
    user = _user(request)
    own = permissions.own_profile(user)
    reader = permissions.reader_congress_id(user)
    if own is not None:
        if profile_id is not None and profile_id != own.pk:
            raise Http404
        entries = DutyEntry.objects.filter(profile=own)
    elif reader is not None:
        entries = DutyEntry.objects.filter(congress_id=reader)
        if profile_id is not None:
            entries = entries.filter(profile_id=profile_id)
    else:
        raise NotPermitted("只有代表本人、人大代表工作机构和领导可以查看履职记录")
    return _filtered(entries, kind=kind, status=status, year=year)


@router.get(
    "/deputies/profiles/{int:profile_id}/entries",
    response=list[EntrySummaryOut],
    summary="某位代表的履职档案（本人、本级人大代表工作机构和领导）",
)
@paginate(LimitOffsetPagination)
def list_profile_entries(
    request: HttpRequest, profile_id: int, kind: str = "", status: str = "", year: int | None = None
) -> QuerySet[DutyEntry]:
    user = _user(request)
    profile = permissions.get_readable_profile(user, profile_id)
    return _filtered(permissions.visible_entries(user, profile), kind=kind, status=status, year=year)


@router.get("/deputies/entries/{int:entry_id}", response=EntryOut, summary="履职记录详情")
def get_entry(request: HttpRequest, entry_id: int) -> EntryOut:
    return entry_out(permissions.get_entry_for_view(_user(request), entry_id))


@router.get(
    "/deputies/evidence/{int:evidence_id}",
    summary="下载佐证材料（与记录相同的权限）",
    openapi_extra={
        "responses": {200: {"description": "图片或 PDF 文件", "content": {"image/*": {}, "application/pdf": {}}}}
    },
)
def download_evidence(request: HttpRequest, evidence_id: int) -> FileResponse:
    item = permissions.get_evidence_for_view(_user(request), evidence_id)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type or None)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/deputies/profiles/{int:profile_id}/report.docx",
    summary="年度履职报告（Word）",
    description="year 默认为今年。只汇总已核实的记录。",
    openapi_extra={"responses": {200: {"description": "Word 文件", "content": {DOCX: {}}}}},
)
def download_annual_report(request: HttpRequest, profile_id: int, year: int | None = None) -> HttpResponse:
    from django.utils import timezone

    user = _user(request)
    profile = permissions.get_readable_profile(user, profile_id)
    if year is not None and not 1949 <= year <= 2100:
        raise InvalidInput("年度须为四位数字，例如 2026", code="invalid", field="year")
    year = year or timezone.localdate().year
    content = build_annual_report(profile=profile, year=year, entries=permissions.visible_entries(user, profile))
    response = HttpResponse(content, content_type=DOCX)
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename=\"report.docx\"; filename*=UTF-8''{quote(report_filename(profile, year))}"
    )
    return response


# --- the deputy's side ---


@router.post(
    "/deputies/entries",
    response={201: EntryOut},
    summary="登记履职活动（代表本人，multipart，可附佐证材料）",
    description=(
        "multipart/form-data：kind（inspection、research、law_inspection、contact_citizens、practical_deed、other）、"
        "date（YYYY-MM-DD，不晚于今天且在任期内）、title、detail、hours；uploads 为图片或 PDF，"
        "每个不超过 10 MB，最多 9 个；任何一个文件不合格则整条登记不保存。"
    ),
)
def self_report(
    request: HttpRequest,
    *,
    kind: Form[str | None] = None,
    date: Form[dt.date | None] = None,
    title: Form[str | None] = None,
    detail: Form[str | None] = None,
    hours: Form[Decimal | None] = None,
    uploads: File[list[UploadedFile] | None] = None,
) -> Status[EntryOut]:
    actor = _user(request)
    # Permission first: a refused caller learns nothing about the files, and nothing is read or saved.
    if permissions.own_profile(actor) is None:
        raise NotPermitted("只有人大代表本人可以登记履职活动")
    entry = actions.entry_self_report(
        actor=actor,
        kind=kind or "",
        date=date,
        title=title or "",
        detail=detail or "",
        hours=hours,
        uploads=list(uploads or []),
    )
    return Status(201, entry_out(entry))


@router.post("/deputies/entries/{int:entry_id}/withdraw", response=EntryOut, summary="撤回待核实的自报记录（代表本人）")
def withdraw_entry(request: HttpRequest, entry_id: int) -> EntryOut:
    actor = _user(request)
    entry = permissions.get_entry_for_view(actor, entry_id)
    out = entry_out(entry)
    actions.entry_withdraw(actor=actor, entry=entry)
    return out


# --- the staff's side ---


class RejectIn(Schema):
    reason: str = Field(..., max_length=actions.REASON_MAX, description="未通过原因")


class BatchIn(Schema):
    entry_ids: list[int] = Field(..., description="要核实的待核实记录")


class BatchOut(Schema):
    verified: int


class StaffEntryIn(Schema):
    kind: str
    date: dt.date
    title: str = Field(..., max_length=actions.TITLE_MAX)
    detail: str = Field("", max_length=actions.DETAIL_MAX)
    hours: Decimal | None = None


class AttendanceIn(Schema):
    kind: str = Field(..., description="attend_session 出席代表大会 / attend_sc 列席常委会会议")
    title: str = Field(..., max_length=actions.TITLE_MAX)
    date: dt.date
    linked_key: str = Field(..., max_length=actions.LINKED_KEY_MAX, description="会议标识，同一会议重复登记只补充")
    attended_ids: list[int] = Field(default_factory=list, description="出席（列席）代表的档案 id")
    absent_ids: list[int] = Field(default_factory=list, description="缺席代表的档案 id")


class AttendanceOut(Schema):
    attended: int
    absent: int


@router.post("/deputies/entries/{int:entry_id}/verify", response=EntryOut, summary="核实（本级人大代表工作机构）")
def verify_entry(request: HttpRequest, entry_id: int) -> EntryOut:
    actor = _user(request)
    entry = actions.entry_verify(actor=actor, entry=permissions.get_entry_for_view(actor, entry_id))
    return entry_out(entry)


@router.post("/deputies/entries/{int:entry_id}/reject", response=EntryOut, summary="退回（须说明原因）")
def reject_entry(request: HttpRequest, entry_id: int, payload: RejectIn) -> EntryOut:
    actor = _user(request)
    entry = permissions.get_entry_for_view(actor, entry_id)
    return entry_out(actions.entry_reject(actor=actor, entry=entry, reason=payload.reason))


@router.post("/deputies/entries/verify-batch", response=BatchOut, summary="批量核实")
def verify_batch(request: HttpRequest, payload: BatchIn) -> BatchOut:
    actor = _user(request)
    assignment = acting_role(actor)
    if assignment is None or not permissions.can_record_for(actor, assignment.congress_id):
        raise NotPermitted("只有本级人大代表工作机构可以核实履职登记")
    entries = list(
        DutyEntry.objects.filter(pk__in=payload.entry_ids, congress_id=assignment.congress_id).select_related(
            "profile", "congress"
        )
    )
    if len(entries) != len(set(payload.entry_ids)):
        raise InvalidInput("所选记录不存在或不属于本级人大", code="unknown_entry", field="entry_ids")
    return BatchOut(verified=actions.entry_verify_batch(actor=actor, entries=entries))


@router.post(
    "/deputies/profiles/{int:profile_id}/entries",
    response={201: EntryOut},
    summary="代为登记履职活动（工作机构，登记即核实）",
)
def staff_add_entry(request: HttpRequest, profile_id: int, payload: StaffEntryIn) -> Status[EntryOut]:
    actor = _user(request)
    profile = permissions.get_readable_profile(actor, profile_id)
    entry = actions.entry_staff_add(
        actor=actor,
        profile=profile,
        kind=payload.kind,
        date=payload.date,
        title=payload.title,
        detail=payload.detail,
        hours=payload.hours,
    )
    return Status(201, entry_out(entry))


@router.post("/deputies/attendance", response=AttendanceOut, summary="登记会议出勤（出席、列席、缺席）")
def record_attendance(request: HttpRequest, payload: AttendanceIn) -> AttendanceOut:
    actor = _user(request)
    assignment = acting_role(actor)
    if assignment is None or not permissions.can_record_for(actor, assignment.congress_id):
        raise NotPermitted("只有本级人大代表工作机构可以登记会议出勤")
    wanted = set(payload.attended_ids) | set(payload.absent_ids)
    profiles = {profile.pk: profile for profile in DeputyProfile.objects.filter(pk__in=wanted)}
    if len(profiles) != len(wanted):
        raise InvalidInput("所选代表不存在", code="unknown_profile", field="attended_ids")
    result = actions.attendance_record(
        actor=actor,
        congress=assignment.congress,
        kind=payload.kind,
        title=payload.title,
        date=payload.date,
        attended=[profiles[pk] for pk in dict.fromkeys(payload.attended_ids)],
        absent=[profiles[pk] for pk in dict.fromkeys(payload.absent_ids)],
        linked_key=payload.linked_key,
    )
    return AttendanceOut(attended=result.attended, absent=result.absent)
