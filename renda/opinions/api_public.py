"""API: the citizen's side of opinions — submit (logged in), and follow, rate, reopen or erase by tracking code.

Anonymous submission is the portal form only (it carries the captcha and the SMS check); through the
API an opinion is submitted by a logged-in client (session or personal token), e.g. the citizen app
or an integration, under that account. Everything by tracking code needs no login, as on the
tracking page: the code is the key. Wrong codes and wrong phone digits are counted and limited (429).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from renda.accounts.models import User
from renda.core import crypto, throttle
from renda.core.errors import InvalidInput, InvalidTransition
from renda.core.notify import absolute_link
from renda.core.throttle import TooManyRequests
from renda.opinions import permissions, phone_codes
from renda.opinions.actions import MAX_REOPENINGS, opinion_rate, opinion_submit
from renda.opinions.actions._common import ADDRESS_MAX, COMMENT_MAX, NAME_MAX, TEXT_MAX
from renda.opinions.models import Rating
from renda.opinions.tracking import Tracking, erase_by_code, find_by_code, tracking_for
from renda.opinions.views.public import SUBMIT_LIMITS, resolve_addressee
from renda.organizations.models import Congress

router = Router(tags=["群众意见（群众端） Opinions: citizens"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _ip_hash(request: HttpRequest) -> str:
    return throttle.request_ip_hash(request)


class SubmissionIn(Schema):
    text: str = Field(..., max_length=TEXT_MAX + 100, description="意见内容，10–2000 字")
    congress_id: int | None = Field(None, description="提交给哪一级人大；不填则按联络站码、代表码或默认的市人大")
    station_code: str = Field("", max_length=40, description="联络站码（联络站二维码中的 station 参数）")
    deputy_code: str = Field("", max_length=40, description="代表码（代表二维码中的 deputy 参数）")
    area_id: int | None = Field(None, description="问题所在的区县或乡镇街道人大")
    address: str = Field("", max_length=ADDRESS_MAX + 50, description="具体地点")
    citizen_name: str = Field("", max_length=NAME_MAX + 20, description="称呼（选填，仅办理人员可见）")
    citizen_phone: str = Field(
        "", max_length=30, description="手机号（选填）；与登录账号的手机号一致时视为已验证，否则记为未验证"
    )


class SubmittedOut(Schema):
    tracking_code: str = Field(..., description="查询码")
    tracking_url: str = Field(..., description="查询办理进度的网址")
    status: str


class StepOut(Schema):
    label: str
    state: str = Field(..., description="done 已完成 / current 当前 / todo 未到")


class AnswerOut(Schema):
    round: int
    unit_name: str
    text: str
    replied_at: dt.datetime | None
    rating: str
    comment: str
    reopened: bool


class TrackingOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    steps: list[StepOut]
    received_at: dt.datetime
    text: str
    address: str
    addressed_to: str = Field(..., description="联络站或代表")
    unit_name: str = Field(..., description="承办单位")
    due_at: dt.datetime | None
    outcome: str = Field(..., description="当场答复、不予受理理由等")
    redirect_channel: str
    answers: list[AnswerOut]
    can_rate: bool
    can_reopen: bool
    has_phone: bool = Field(..., description="留过手机号：删除个人信息时须提供后四位")
    erased: bool


def _tracking_out(tracking: Tracking) -> TrackingOut:
    opinion = tracking.opinion
    return TrackingOut(
        tracking_code=tracking.code,
        status=tracking.status,
        status_label=tracking.status_label,
        steps=[StepOut(label=step.label, state=step.state) for step in tracking.steps],
        received_at=opinion.received_at,
        text=opinion.text,
        address=opinion.address,
        addressed_to=tracking.addressed_to,
        unit_name=tracking.unit_name,
        due_at=tracking.due_at,
        outcome=tracking.outcome,
        redirect_channel=tracking.redirect_channel,
        answers=[
            AnswerOut(
                round=answer.round,
                unit_name=answer.unit_name,
                text=answer.text,
                replied_at=answer.replied_at,
                rating=answer.rating,
                comment=answer.comment,
                reopened=answer.reopened,
            )
            for answer in tracking.answers
        ],
        can_rate=tracking.can_rate,
        can_reopen=tracking.can_reopen,
        has_phone=tracking.has_phone,
        erased=tracking.erased,
    )


def _citizen_or_none(user: User) -> User | None:
    return user if permissions.is_citizen(user) else None


@router.post(
    "/opinions/submissions",
    response={201: SubmittedOut},
    summary="提交群众意见（须登录；匿名提交请使用门户网页表单）",
)
def submit_opinion(request: HttpRequest, payload: SubmissionIn) -> Status[SubmittedOut]:
    user = _user(request)
    keys = [f"opinions:submit:user:{user.pk}"]
    if any(throttle.exceeded(key, limit, window) for key in keys for limit, window in SUBMIT_LIMITS):
        raise TooManyRequests("提交过于频繁，请稍后再试（每 10 分钟最多 5 条，每天最多 20 条）")
    query = {"station": payload.station_code, "deputy": payload.deputy_code}
    addressee = resolve_addressee(query)
    congress = addressee.congress
    if payload.congress_id is not None and addressee.station is None and addressee.deputy is None:
        congress = Congress.objects.filter(pk=payload.congress_id, is_active=True).first()
        if congress is None:
            raise InvalidInput("所选人大不存在", code="not_found", field="congress_id")
    if congress is None:
        raise InvalidInput("请选择人大", code="required", field="congress_id")
    if (payload.station_code or payload.deputy_code) and addressee.notice:
        raise InvalidInput(
            addressee.notice, code="unknown_code", field="station_code" if payload.station_code else "deputy_code"
        )
    area = None
    if payload.area_id is not None:
        area = Congress.objects.filter(pk=payload.area_id).first()
        if area is None:
            raise InvalidInput("所选区域不存在", code="not_found", field="area_id")
    phone = phone_codes.clean_phone(payload.citizen_phone) if payload.citizen_phone.strip() else ""
    opinion = opinion_submit(
        actor=user,
        congress=congress,
        text=payload.text,
        source=addressee.source,
        station=addressee.station,
        deputy=addressee.deputy,
        area=area,
        address=payload.address,
        citizen_name=payload.citizen_name,
        citizen_phone=phone,
        phone_verified=bool(phone) and phone == (user.phone or ""),
        ip_hash=_ip_hash(request),
    )
    if phone:
        keys.append(f"opinions:submit:phone:{crypto.digest(phone)}")
    for key in keys:
        for limit, window in SUBMIT_LIMITS:
            throttle.hit(key, limit, window)
    url = absolute_link(reverse("portal:opinion_status", kwargs={"code": opinion.tracking_code}))
    return Status(201, SubmittedOut(tracking_code=opinion.tracking_code, tracking_url=url, status=opinion.status))


@router.get("/opinion-tracking/{code}", response=TrackingOut, auth=None, summary="凭查询码查看办理进度（无须登录）")
def track(request: HttpRequest, code: str) -> TrackingOut:
    return _tracking_out(tracking_for(find_by_code(code, ip_hash=_ip_hash(request))))


class RatingIn(Schema):
    rating: str = Field(..., description="satisfied 满意 / basically_satisfied 基本满意 / dissatisfied 不满意")
    comment: str = Field("", max_length=COMMENT_MAX + 100)
    reopen: bool = Field(False, description="不满意时要求重新办理")


@router.post(
    "/opinion-tracking/{code}/rating", response=TrackingOut, auth=None, summary="评价办理结果（凭查询码，无须登录）"
)
def rate(request: HttpRequest, code: str, payload: RatingIn) -> TrackingOut:
    opinion = find_by_code(code, ip_hash=_ip_hash(request))
    opinion_rate(
        opinion=opinion,
        rating=payload.rating,
        comment=payload.comment,
        reopen=payload.reopen,
        actor=_citizen_or_none(_user(request)),
    )
    return _tracking_out(tracking_for(permissions.get_by_tracking_code(opinion.tracking_code)))


class ReopenIn(Schema):
    comment: str = Field("", max_length=COMMENT_MAX + 100, description="不满意的原因")


@router.post(
    "/opinion-tracking/{code}/reopen",
    response=TrackingOut,
    auth=None,
    summary="不满意并要求重新办理（凭查询码，无须登录）",
)
def reopen(request: HttpRequest, code: str, payload: ReopenIn) -> TrackingOut:
    opinion = find_by_code(code, ip_hash=_ip_hash(request))
    if opinion.reopen_count >= MAX_REOPENINGS:
        # Asked for in so many words: refuse rather than close it as a plain rating would.
        raise InvalidTransition(
            f"该意见已重新办理 {MAX_REOPENINGS} 次，不能再要求重新办理，请直接评价", code="reopen_limit", field="reopen"
        )
    opinion_rate(
        opinion=opinion,
        rating=Rating.DISSATISFIED,
        comment=payload.comment,
        reopen=True,
        actor=_citizen_or_none(_user(request)),
    )
    return _tracking_out(tracking_for(permissions.get_by_tracking_code(opinion.tracking_code)))


class ErasureIn(Schema):
    phone_digits: str = Field("", max_length=10, description="留言时所留手机号的后四位（留过手机号时必填）")


@router.post(
    "/opinion-tracking/{code}/erasure",
    response=TrackingOut,
    auth=None,
    summary="删除我的个人信息（凭查询码，无须登录）",
)
def erase(request: HttpRequest, code: str, payload: ErasureIn) -> TrackingOut:
    opinion = find_by_code(code, ip_hash=_ip_hash(request))
    erase_by_code(opinion=opinion, phone_digits=payload.phone_digits, actor=_citizen_or_none(_user(request)))
    return _tracking_out(tracking_for(permissions.get_by_tracking_code(opinion.tracking_code)))
