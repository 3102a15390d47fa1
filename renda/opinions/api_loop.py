"""API for the closed loop of citizens' opinions: list and detail per role, and every triage, unit and relay step.

Endpoints are thin: a permission fetcher (404 when the caller may not see the opinion), ids in the
body turned into objects (an unknown id is a 400 naming the field), then the action, which checks
permission and state itself (403 "not you", 409 "not now"). The citizen's contact is always shown
masked; the triage staff and the handling unit read it in clear through the audited ``contact``
endpoint. The tracking code (the citizen's key to rate and erase) is shown to the triage side only.
The citizen's own steps (rate, reopen, erase by tracking code) are in ``api_public``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies.models import DeputyProfile, Station
from renda.opinions import actions, permissions
from renda.opinions.actions._common import (
    ADDRESS_MAX,
    ANSWER_MAX,
    NAME_MAX,
    REASON_MAX,
    REPLY_MAX,
    TEXT_MAX,
)
from renda.opinions.models import Dispatch, Opinion, OpinionAttachment, OpinionRating
from renda.organizations.models import Congress, Unit

if TYPE_CHECKING:
    from renda.accounts.models import User

router = Router(tags=["群众意见 Opinions"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# --- output ---


class DispatchOut(Schema):
    id: int
    round: int
    unit_id: int
    unit_name: str
    state: str
    due_at: dt.datetime
    dispatched_at: dt.datetime
    accepted_at: dt.datetime | None
    return_reason: str
    reply: str
    replied_at: dt.datetime | None


class RatingOut(Schema):
    round: int
    rating: str
    comment: str
    reopened: bool
    created_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class OpinionSummaryOut(Schema):
    id: int
    congress_id: int
    source: str
    status: str
    category: str
    level: str
    text: str = Field(..., description="意见内容（原文，显示时须转义）")
    area_id: int | None
    station_id: int | None
    deputy_id: int | None
    unit_id: int | None
    round: int
    due_at: dt.datetime | None
    received_at: dt.datetime
    cluster_id: int | None


class OpinionOut(OpinionSummaryOut):
    tracking_code: str = Field(..., description="查询码：仅分流人员可见，其他角色为空")
    address: str
    is_complex: bool
    citizen_name_masked: str = Field(..., description="群众姓名（脱敏）")
    citizen_phone_masked: str = Field(..., description="联系电话（脱敏）")
    phone_verified: bool
    erased: bool = Field(..., description="个人信息已按申请删除")
    can_unmask: bool = Field(..., description="当前角色可查看联系方式明文（留痕）")
    can_triage: bool
    can_handle: bool
    on_spot_answer: str
    refuse_reason: str
    redirect_channel: str
    converted_suggestion_id: int | None
    triaged_at: dt.datetime | None
    replied_at: dt.datetime | None
    replied_on_time: bool | None
    rating: str
    reopen_count: int
    closed_at: dt.datetime | None
    dispatches: list[DispatchOut]
    ratings: list[RatingOut]
    attachments: list[AttachmentOut]


def _dispatch_out(dispatch: Dispatch) -> DispatchOut:
    return DispatchOut(
        id=dispatch.pk,
        round=dispatch.round,
        unit_id=dispatch.unit_id,
        unit_name=dispatch.unit.name,
        state=dispatch.state,
        due_at=dispatch.due_at,
        dispatched_at=dispatch.dispatched_at,
        accepted_at=dispatch.accepted_at,
        return_reason=dispatch.return_reason,
        reply=dispatch.reply,
        replied_at=dispatch.replied_at,
    )


def _detail(user: User, opinion_id: int) -> OpinionOut:
    opinion = permissions.get_visible_opinion(user, opinion_id)
    triage = permissions.can_triage(user, opinion)
    return OpinionOut(
        id=opinion.pk,
        congress_id=opinion.congress_id,
        source=opinion.source,
        status=opinion.status,
        category=opinion.category,
        level=opinion.level,
        text=opinion.text,
        area_id=opinion.area_id,
        station_id=opinion.station_id,
        deputy_id=opinion.deputy_id,
        unit_id=opinion.unit_id,
        round=opinion.round,
        due_at=opinion.due_at,
        received_at=opinion.received_at,
        cluster_id=opinion.cluster_id,
        tracking_code=opinion.tracking_code if triage else "",
        address=opinion.address,
        is_complex=opinion.is_complex,
        citizen_name_masked=opinion.citizen_name_masked,
        citizen_phone_masked=opinion.citizen_phone_masked,
        phone_verified=opinion.phone_verified,
        erased=opinion.erased_at is not None,
        can_unmask=opinion.erased_at is None and permissions.can_see_contact(user, opinion),
        can_triage=triage,
        can_handle=permissions.can_handle(user, opinion),
        on_spot_answer=opinion.on_spot_answer,
        refuse_reason=opinion.refuse_reason,
        redirect_channel=opinion.redirect_channel,
        converted_suggestion_id=opinion.converted_suggestion_id,
        triaged_at=opinion.triaged_at,
        replied_at=opinion.replied_at,
        replied_on_time=opinion.replied_on_time,
        rating=opinion.rating,
        reopen_count=opinion.reopen_count,
        closed_at=opinion.closed_at,
        dispatches=[_dispatch_out(item) for item in Dispatch.objects.filter(opinion=opinion).select_related("unit")],
        ratings=[
            RatingOut(
                round=item.round,
                rating=item.rating,
                comment=item.comment,
                reopened=item.reopened,
                created_at=item.created_at,
            )
            for item in OpinionRating.objects.filter(opinion=opinion)
        ],
        attachments=[
            AttachmentOut(id=item.pk, name=item.name, size=item.size, content_type=item.content_type)
            for item in OpinionAttachment.objects.filter(opinion=opinion)
        ],
    )


# --- resolving ids from the body ---


def _unit(unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).select_related("congress").first()
    if unit is None:
        raise InvalidInput("所选单位不存在", code="unknown_unit", field="unit_id")
    return unit


def _deputy(deputy_id: int | None) -> DeputyProfile | None:
    if deputy_id is None:
        return None
    deputy = DeputyProfile.objects.filter(pk=deputy_id).select_related("user").first()
    if deputy is None:
        raise InvalidInput("所选代表不存在", code="unknown_deputy", field="deputy_id")
    return deputy


def _station(station_id: int | None) -> Station | None:
    if station_id is None:
        return None
    station = Station.objects.filter(pk=station_id).select_related("unit", "unit__congress").first()
    if station is None:
        raise InvalidInput("所选联络站不存在", code="unknown_station", field="station_id")
    return station


def _congress(congress_id: int | None, *, field: str) -> Congress | None:
    if congress_id is None:
        return None
    congress = Congress.objects.filter(pk=congress_id).first()
    if congress is None:
        raise InvalidInput("所选人大或区域不存在", code="unknown_congress", field=field)
    return congress


def _triage_item(actor: User, opinion_id: int, doing: str) -> Opinion:
    """The opinion for a triage step: 404 if the caller may not see it, 403 if they see it but do not triage it."""
    opinion = permissions.get_visible_opinion(actor, opinion_id)
    if not permissions.can_triage(actor, opinion):
        raise NotPermitted(f"只有分流人员可以{doing}")
    return opinion


# --- reading ---


@router.get("/opinions", response=list[OpinionSummaryOut], summary="我可见的群众意见（按当前角色）")
@paginate(LimitOffsetPagination)
def list_opinions(request: HttpRequest, status: str = "", source: str = "", category: str = "") -> QuerySet[Opinion]:
    items = permissions.opinions_visible_to(_user(request))
    if status:
        items = items.filter(status=status)
    if source:
        items = items.filter(source=source)
    if category:
        items = items.filter(category=category)
    return items.order_by("-received_at", "-pk")


@router.get("/opinions/{int:opinion_id}", response=OpinionOut, summary="群众意见详情（联系方式脱敏）")
def get_opinion(request: HttpRequest, opinion_id: int) -> OpinionOut:
    return _detail(_user(request), opinion_id)


class ContactOut(Schema):
    name: str
    phone: str


@router.post(
    "/opinions/{int:opinion_id}/contact",
    response=ContactOut,
    summary="查看群众联系方式明文（分流人员、承办单位；留痕）",
)
def unmask_contact(request: HttpRequest, opinion_id: int) -> ContactOut:
    actor = _user(request)
    opinion = permissions.get_visible_opinion(actor, opinion_id)
    contact = actions.contact_unmask(actor=actor, opinion=opinion)
    return ContactOut(name=contact.name, phone=contact.phone)


# --- intake by station staff or a deputy (代表点单) ---


class EntryIn(Schema):
    text: str = Field(..., max_length=TEXT_MAX + 100, description="意见内容，10–2000 字")
    source: str = Field("", description="reception（接待日登记）或 deputy_visit（代表走访收集）；默认按角色")
    station_id: int | None = None
    deputy_id: int | None = None
    area_id: int | None = None
    address: str = Field("", max_length=ADDRESS_MAX + 50)
    citizen_name: str = Field("", max_length=NAME_MAX + 20, description="群众姓名（经本人同意）")
    citizen_phone: str = Field("", max_length=30, description="联系电话（经本人同意）")
    category: str = ""


@router.post("/opinions/entries", response={201: OpinionOut}, summary="登记群众意见（联络站工作人员、代表）")
def enter_opinion(request: HttpRequest, payload: EntryIn) -> Status[OpinionOut]:
    actor = _user(request)
    opinion = actions.opinion_enter(
        actor=actor,
        text=payload.text,
        source=payload.source,
        station=_station(payload.station_id),
        deputy=_deputy(payload.deputy_id),
        area=_congress(payload.area_id, field="area_id"),
        address=payload.address,
        citizen_name=payload.citizen_name,
        citizen_phone=payload.citizen_phone,
        category=payload.category,
    )
    return Status(201, _detail(actor, opinion.pk))


# --- triage ---


class AnswerIn(Schema):
    answer: str = Field(..., max_length=ANSWER_MAX + 100, description="当场答复内容")


@router.post("/opinions/{int:opinion_id}/answer", response=OpinionOut, summary="当场答复（分流）")
def answer_on_spot(request: HttpRequest, opinion_id: int, payload: AnswerIn) -> OpinionOut:
    actor = _user(request)
    opinion = _triage_item(actor, opinion_id, "当场答复")
    actions.triage_answer_on_spot(actor=actor, opinion=opinion, answer=payload.answer)
    return _detail(actor, opinion_id)


class RefuseIn(Schema):
    reason: str = Field(..., max_length=REASON_MAX + 100, description="不予受理理由")
    channel: str = Field(..., description="建议途径：诉讼、仲裁、行政复议、信访、其他")


@router.post("/opinions/{int:opinion_id}/refuse", response=OpinionOut, summary="不予受理并告知途径（分流）")
def refuse(request: HttpRequest, opinion_id: int, payload: RefuseIn) -> OpinionOut:
    actor = _user(request)
    opinion = _triage_item(actor, opinion_id, "不予受理")
    actions.triage_refuse(actor=actor, opinion=opinion, reason=payload.reason, channel=payload.channel)
    return _detail(actor, opinion_id)


class GradeIn(Schema):
    level: str = Field(..., description="L1 乡镇街道、L2 县区、L3 市级部门")
    category: str
    unit_id: int
    is_complex: bool = Field(False, description="复杂事项（办理期限 10 个工作日）")


@router.post("/opinions/{int:opinion_id}/grade", response=OpinionOut, summary="分级派单（分流）")
def grade(request: HttpRequest, opinion_id: int, payload: GradeIn) -> OpinionOut:
    actor = _user(request)
    opinion = _triage_item(actor, opinion_id, "分级派单")
    actions.triage_grade(
        actor=actor,
        opinion=opinion,
        level=payload.level,
        category=payload.category,
        unit=_unit(payload.unit_id),
        is_complex=payload.is_complex,
    )
    return _detail(actor, opinion_id)


class ConvertIn(Schema):
    deputy_id: int | None = Field(None, description="代表档案编号；代表本人转化时可省略")
    title: str = Field(..., max_length=200, description="建议标题")


class ConvertOut(Schema):
    opinion: OpinionOut
    suggestion_id: int


@router.post("/opinions/{int:opinion_id}/convert", response=ConvertOut, summary="转为代表建议草稿（分流）")
def convert(request: HttpRequest, opinion_id: int, payload: ConvertIn) -> ConvertOut:
    actor = _user(request)
    opinion = _triage_item(actor, opinion_id, "转为代表建议")
    suggestion = actions.triage_convert(
        actor=actor, opinion=opinion, deputy=_deputy(payload.deputy_id), title=payload.title
    )
    return ConvertOut(opinion=_detail(actor, opinion_id), suggestion_id=suggestion.pk)


class ClusterDispatchOut(Schema):
    cluster_id: int
    opinion_ids: list[int]


@router.post(
    "/opinion-clusters/{int:cluster_id}/dispatch",
    response=ClusterDispatchOut,
    summary="相似意见合并办理：派同一单位（工作机构）",
)
def dispatch_cluster(request: HttpRequest, cluster_id: int, payload: GradeIn) -> ClusterDispatchOut:
    from renda.insight.models import Cluster

    actor = _user(request)
    congress_id = permissions.triage_congress_id(actor)
    if congress_id is None:
        raise Http404
    cluster = Cluster.objects.filter(pk=cluster_id, congress_id=congress_id).first()
    if cluster is None:
        raise Http404
    dispatches = actions.cluster_dispatch(
        actor=actor,
        cluster=cluster,
        level=payload.level,
        category=payload.category,
        unit=_unit(payload.unit_id),
        is_complex=payload.is_complex,
    )
    return ClusterDispatchOut(cluster_id=cluster.pk, opinion_ids=[item.opinion_id for item in dispatches])


# --- the unit ---


@router.post("/opinions/{int:opinion_id}/accept", response=OpinionOut, summary="接单（承办单位）")
def accept(request: HttpRequest, opinion_id: int) -> OpinionOut:
    actor = _user(request)
    opinion = permissions.get_visible_opinion(actor, opinion_id)
    actions.dispatch_accept(actor=actor, opinion=opinion)
    return _detail(actor, opinion_id)


class ReturnIn(Schema):
    reason: str = Field(..., max_length=REASON_MAX + 100, description="退回理由")


@router.post("/opinions/{int:opinion_id}/return", response=OpinionOut, summary="退回重新分流（承办单位）")
def return_dispatch(request: HttpRequest, opinion_id: int, payload: ReturnIn) -> OpinionOut:
    actor = _user(request)
    opinion = permissions.get_visible_opinion(actor, opinion_id)
    actions.dispatch_return(actor=actor, opinion=opinion, reason=payload.reason)
    return _detail(actor, opinion_id)


class ReplyIn(Schema):
    text: str = Field(..., max_length=REPLY_MAX + 100, description="答复内容")


@router.post("/opinions/{int:opinion_id}/reply", response=OpinionOut, summary="答复（承办单位）")
def reply(request: HttpRequest, opinion_id: int, payload: ReplyIn) -> OpinionOut:
    actor = _user(request)
    opinion = permissions.get_visible_opinion(actor, opinion_id)
    actions.dispatch_reply(actor=actor, opinion=opinion, text=payload.text)
    return _detail(actor, opinion_id)


# --- back to the citizen ---


@router.post(
    "/opinions/{int:opinion_id}/relay", response=OpinionOut, summary="向群众反馈答复（联络站、代表、工作机构）"
)
def relay(request: HttpRequest, opinion_id: int) -> OpinionOut:
    actor = _user(request)
    opinion = permissions.get_visible_opinion(actor, opinion_id)
    actions.reply_relay(actor=actor, opinion=opinion)
    return _detail(actor, opinion_id)


@router.post(
    "/opinions/{int:opinion_id}/erase",
    response=OpinionOut,
    summary="按群众申请删除个人信息（分流人员；意见保留）",
)
def erase(request: HttpRequest, opinion_id: int) -> OpinionOut:
    actor = _user(request)
    opinion = permissions.get_visible_opinion(actor, opinion_id)
    actions.personal_data_erase(actor=actor, opinion=opinion, via_tracking_code=False)
    return _detail(actor, opinion_id)
