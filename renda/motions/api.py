"""API for motions (议案): thin adapters over the motion actions and permission fetchers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput, NotPermitted
from renda.motions import actions, permissions
from renda.motions.models import Motion, MotionStatus, ProposerKind
from renda.organizations.models import Congress, CongressSession, Unit
from renda.suggestions.actions._common import NOTE_MAX
from renda.suggestions.permissions import deputy_congress_id

router = Router(tags=["代表议案 Motions"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


@contextmanager
def _fields(**names: str) -> Iterator[None]:
    """Report an action's field under the name the API client sent (``session`` → ``session_id``)."""
    try:
        yield
    except DomainError as error:
        if error.field in names:
            error.field = names[error.field]
        raise


class CosignerOut(Schema):
    deputy_id: int
    deputy_name: str
    status: str
    invited_at: dt.datetime
    responded_at: dt.datetime | None


class MotionSummaryOut(Schema):
    id: int
    congress_id: int
    session_id: int
    number: str
    title: str
    proposer_kind: str
    lead_deputy_id: int
    status: str
    filed_at: dt.datetime | None


class MotionOut(Schema):
    id: int
    congress_id: int
    session_id: int
    session_name: str
    number: str
    title: str
    reason: str
    grounds: str
    plan: str
    proposer_kind: str
    lead_deputy_id: int
    lead_deputy_name: str
    delegation_id: int | None
    status: str
    status_label: str
    filed_at: dt.datetime | None
    committee_id: int | None
    decision_note: str
    decided_at: dt.datetime | None
    converted_suggestion_id: int | None
    voted_at: dt.datetime | None
    withdrawal_requested_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    confirmed_count: int = Field(..., description="领衔代表加已确认的联名代表人数")
    threshold: int = Field(..., description="本级人大规定的联名最低人数")
    cosigners: list[CosignerOut]


def motion_out(motion: Motion) -> MotionOut:
    motion = Motion.objects.select_related("session", "lead_deputy", "congress").get(pk=motion.pk)
    return MotionOut(
        id=motion.pk,
        congress_id=motion.congress_id,
        session_id=motion.session_id,
        session_name=motion.session.name,
        number=motion.number,
        title=motion.title,
        reason=motion.reason,
        grounds=motion.grounds,
        plan=motion.plan,
        proposer_kind=motion.proposer_kind,
        lead_deputy_id=motion.lead_deputy_id,
        lead_deputy_name=motion.lead_deputy.display_name,
        delegation_id=motion.delegation_id,
        status=motion.status,
        status_label=str(motion.get_status_display()),
        filed_at=motion.filed_at,
        committee_id=motion.committee_id,
        decision_note=motion.decision_note,
        decided_at=motion.decided_at,
        converted_suggestion_id=motion.converted_suggestion_id,
        voted_at=motion.voted_at,
        withdrawal_requested_at=motion.withdrawal_requested_at,
        withdrawn_at=motion.withdrawn_at,
        confirmed_count=actions.confirmed_count(motion),
        threshold=actions.threshold(motion.congress),
        cosigners=[
            CosignerOut(
                deputy_id=c.deputy_id,
                deputy_name=c.deputy.display_name,
                status=c.status,
                invited_at=c.invited_at,
                responded_at=c.responded_at,
            )
            for c in motion.cosigners.select_related("deputy")
        ],
    )


def _session(session_id: int | None) -> CongressSession | None:
    if session_id is None:
        return None
    session = CongressSession.objects.filter(pk=session_id).first()
    if session is None:
        raise InvalidInput("所选会议不存在", code="unknown_session", field="session_id")
    return session


@router.get(
    "/motions", response=list[MotionSummaryOut], summary="我可见的议案（代表：领衔或联名的；工作人员和领导：已提出的）"
)
@paginate(LimitOffsetPagination)
def list_motions(request: HttpRequest, status: str = "") -> QuerySet[Motion]:
    motions = permissions.motions_visible_to(_user(request))
    if status:
        if status not in MotionStatus.values:
            raise InvalidInput("状态的取值无效", code="invalid_choice", field="status")
        motions = motions.filter(status=status)
    return motions.order_by("-filed_at", "-pk")


class MotionIn(Schema):
    congress_id: int | None = None
    session_id: int | None = None
    title: str = Field(..., max_length=actions.TITLE_MAX)
    reason: str = Field(..., max_length=actions.PART_MAX, description="案由")
    grounds: str = Field(..., max_length=actions.PART_MAX, description="案据")
    plan: str = Field(..., max_length=actions.PART_MAX, description="方案")
    proposer_kind: str = Field(ProposerKind.DEPUTIES, max_length=20, description="deputies（代表联名）或 delegation")


@router.post("/motions", response={201: MotionOut}, summary="起草议案（代表）")
def create_motion(request: HttpRequest, payload: MotionIn) -> Status[MotionOut]:
    actor = _user(request)
    congress_id = payload.congress_id or deputy_congress_id(actor)
    if congress_id is None or deputy_congress_id(actor) != congress_id:
        raise NotPermitted("只有本级人大代表可以提出议案")
    congress = Congress.objects.get(pk=congress_id)
    session = CongressSession.objects.filter(pk=payload.session_id).first() if payload.session_id else None
    if payload.session_id and session is None:
        raise InvalidInput("所选会议不存在", code="unknown_session", field="session_id")
    with _fields(session="session_id"):
        motion = actions.motion_create(
            actor=actor,
            congress=congress,
            session=session,
            title=payload.title,
            reason=payload.reason,
            grounds=payload.grounds,
            plan=payload.plan,
            proposer_kind=payload.proposer_kind,
        )
    return Status(201, motion_out(motion))


@router.get("/motions/{motion_id}", response=MotionOut, summary="议案详情")
def get_motion(request: HttpRequest, motion_id: int) -> MotionOut:
    return motion_out(permissions.get_motion_for_view(_user(request), motion_id))


class MotionPatch(Schema):
    session_id: int | None = None
    title: str | None = Field(None, max_length=actions.TITLE_MAX)
    reason: str | None = Field(None, max_length=actions.PART_MAX)
    grounds: str | None = Field(None, max_length=actions.PART_MAX)
    plan: str | None = Field(None, max_length=actions.PART_MAX)
    proposer_kind: str | None = Field(None, max_length=20)


@router.patch("/motions/{motion_id}", response=MotionOut, summary="修改议案草稿（领衔代表）")
def update_motion(request: HttpRequest, motion_id: int, payload: MotionPatch) -> MotionOut:
    actor = _user(request)
    motion = permissions.get_motion_for_view(actor, motion_id)
    if not permissions.is_lead_deputy(actor, motion):
        raise NotPermitted("只有领衔代表可以修改议案")
    session = _session(payload.session_id) if "session_id" in payload.model_fields_set else motion.session
    with _fields(session="session_id"):
        actions.motion_update(
            actor=actor,
            motion=motion,
            session=session,
            title=payload.title if payload.title is not None else motion.title,
            reason=payload.reason if payload.reason is not None else motion.reason,
            grounds=payload.grounds if payload.grounds is not None else motion.grounds,
            plan=payload.plan if payload.plan is not None else motion.plan,
            proposer_kind=payload.proposer_kind if payload.proposer_kind is not None else motion.proposer_kind,
        )
    return motion_out(motion)


class InviteIn(Schema):
    deputy_ids: list[int] = Field(default_factory=list, max_length=200)


@router.post("/motions/{motion_id}/cosigners", response={201: MotionOut}, summary="邀请联名代表（领衔代表）")
def invite_cosigners(request: HttpRequest, motion_id: int, payload: InviteIn) -> Status[MotionOut]:
    actor = _user(request)
    motion = permissions.get_motion_for_view(actor, motion_id)
    if not permissions.is_lead_deputy(actor, motion):
        raise NotPermitted("只有领衔代表可以邀请联名代表")
    found = {user.pk: user for user in User.objects.filter(pk__in=payload.deputy_ids)}
    missing = [pk for pk in payload.deputy_ids if pk not in found]
    if missing:
        raise InvalidInput(f"所选代表不存在（编号 {missing[0]}）", code="unknown_user", field="deputy_ids")
    with _fields(deputies="deputy_ids"):
        actions.cosigner_invite(actor=actor, motion=motion, deputies=[found[pk] for pk in payload.deputy_ids])
    return Status(201, motion_out(motion))


class CosignIn(Schema):
    accept: bool


@router.post("/motions/{motion_id}/cosign", response=MotionOut, summary="确认或谢绝联名（受邀代表）")
def respond_cosign(request: HttpRequest, motion_id: int, payload: CosignIn) -> MotionOut:
    actor = _user(request)
    motion = permissions.get_motion_for_view(actor, motion_id)
    actions.cosigner_respond(actor=actor, motion=motion, accept=payload.accept)
    return motion_out(motion)


@router.post(
    "/motions/{motion_id}/file",
    response=MotionOut,
    summary="提出议案（领衔代表）；截止时间后提出的转作建议处理",
)
def file_motion(request: HttpRequest, motion_id: int) -> MotionOut:
    actor = _user(request)
    motion = permissions.get_motion_for_view(actor, motion_id)
    return motion_out(actions.motion_file(actor=actor, motion=motion))


class DecisionIn(Schema):
    decision: str = Field(..., max_length=20, description="list | refer | not_list | convert")
    note: str = Field("", max_length=NOTE_MAX)
    committee_id: int | None = Field(None, description="交专门委员会审议时必填")
    category: str = Field("", max_length=20, description="转作建议时的类别，默认 other")


@router.post("/motions/{motion_id}/decision", response=MotionOut, summary="记录主席团的决定（工作人员）")
def decide_motion(request: HttpRequest, motion_id: int, payload: DecisionIn) -> MotionOut:
    actor = _user(request)
    motion = permissions.get_motion_for_view(actor, motion_id)
    committee = Unit.objects.filter(pk=payload.committee_id).first() if payload.committee_id else None
    if payload.committee_id and committee is None and permissions.can_decide(actor, motion):
        raise InvalidInput("所选专门委员会不存在", code="unknown_unit", field="committee_id")
    with _fields(committee="committee_id"):
        actions.motion_decide(
            actor=actor,
            motion=motion,
            decision=payload.decision,
            note=payload.note,
            committee=committee,
            category=payload.category,
        )
    return motion_out(motion)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=NOTE_MAX, description="撤回理由")


@router.post(
    "/motions/{motion_id}/withdraw",
    response=MotionOut,
    summary="撤回议案草稿，或申请撤回已提出的议案（领衔代表）",
)
def withdraw_motion(request: HttpRequest, motion_id: int, payload: WithdrawIn) -> MotionOut:
    actor = _user(request)
    motion = permissions.get_motion_for_view(actor, motion_id)
    return motion_out(actions.motion_withdraw(actor=actor, motion=motion, reason=payload.reason))


class WithdrawAgreeIn(Schema):
    agree: bool = True
    note: str = Field("", max_length=NOTE_MAX)


@router.post("/motions/{motion_id}/withdraw/agree", response=MotionOut, summary="主席团同意或不同意撤回（工作人员）")
def agree_withdrawal(request: HttpRequest, motion_id: int, payload: WithdrawAgreeIn) -> MotionOut:
    actor = _user(request)
    motion = permissions.get_motion_for_view(actor, motion_id)
    return motion_out(
        actions.motion_withdraw_agreed(actor=actor, motion=motion, agree=payload.agree, note=payload.note)
    )


class VoteIn(Schema):
    result: str = Field(..., max_length=20, description="adopted | rejected")
    note: str = Field("", max_length=NOTE_MAX)


@router.post("/motions/{motion_id}/vote", response=MotionOut, summary="记录大会表决结果（工作人员）")
def record_vote(request: HttpRequest, motion_id: int, payload: VoteIn) -> MotionOut:
    actor = _user(request)
    motion = permissions.get_motion_for_view(actor, motion_id)
    return motion_out(actions.motion_record_vote(actor=actor, motion=motion, result=payload.result, note=payload.note))
