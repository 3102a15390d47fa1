"""API for the deputies' suggestions: every step of the workflow the pages offer, with the same permissions.

Endpoints are thin: a permission fetcher (404 when the caller may not see the item), the ids
in the body turned into objects (an unknown id is a 400 naming the field), then the action,
which checks permission and state itself (403 "not you", 409 "not now").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db.models import F, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput, NotPermitted
from renda.organizations.models import Congress, CongressSession, Unit
from renda.suggestions import actions, permissions
from renda.suggestions.actions._common import BODY_MAX, NOTE_MAX, REPLY_MAX, TEXT_MAX, TITLE_MAX
from renda.suggestions.models import (
    HANDLING_STATES,
    Assignment,
    AssignmentStatus,
    Attachment,
    CommunicationLog,
    Dispute,
    Extension,
    Reply,
    ReplyStatus,
    RequestStatus,
    Suggestion,
)
from renda.suggestions.models import (
    Status as SuggestionStatus,
)
from renda.suggestions.timeline import timeline_for

router = Router(tags=["代表建议 Suggestions"])

# An item is "due soon" in the unit's queue when its deadline is this close.
DUE_SOON_DAYS = 7
QUEUE_TABS = ("unsigned", "handling", "due_soon", "overdue", "replied")


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


@contextmanager
def _fields(**names: str) -> Iterator[None]:
    """Report an action's field under the name the API client sent (``lead_unit`` → ``lead_unit_id``)."""
    try:
        yield
    except DomainError as error:
        if error.field in names:
            error.field = names[error.field]
        raise


# --- resolving ids from the body ---


def _unit(unit_id: int | None, *, field: str) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput("所选单位不存在", code="unknown_unit", field=field)
    return unit


def _units(unit_ids: Sequence[int], *, field: str) -> list[Unit]:
    units = {unit.pk: unit for unit in Unit.objects.filter(pk__in=unit_ids)}
    missing = [pk for pk in unit_ids if pk not in units]
    if missing:
        raise InvalidInput(f"所选单位不存在（编号 {missing[0]}）", code="unknown_unit", field=field)
    return [units[pk] for pk in unit_ids]


def _person(user_id: int | None, *, field: str) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InvalidInput("所选人员不存在", code="unknown_user", field=field)
    return user


def _session(session_id: int | None) -> CongressSession | None:
    if session_id is None:
        return None
    session = CongressSession.objects.filter(pk=session_id).first()
    if session is None:
        raise InvalidInput("所选会议不存在", code="unknown_session", field="session_id")
    return session


# --- fetchers: 404 for whoever may not see the object, 403 for a viewer who may not act ---


def _staff_item(actor: User, suggestion_id: int) -> Suggestion:
    suggestion = permissions.get_suggestion_for_view(actor, suggestion_id)
    if not permissions.can_manage(actor, suggestion):
        raise NotPermitted("只有本级人大的建议交办机构可以进行此操作")
    return suggestion


def _lead_item(actor: User, suggestion_id: int, doing: str) -> Suggestion:
    suggestion = permissions.get_suggestion_for_view(actor, suggestion_id)
    if not permissions.is_lead_deputy(actor, suggestion):
        raise NotPermitted(f"只有领衔代表可以{doing}")
    return suggestion


def _internal(user: User, suggestion: Suggestion) -> bool:
    return permissions.can_view_suggestion(user, suggestion) and permissions.sees_internal_handling(user, suggestion)


def _dispute(user: User, dispute_id: int) -> Dispute:
    dispute = Dispute.objects.select_related("assignment__suggestion__congress", "assignment__unit").filter(
        pk=dispute_id
    )
    found = dispute.first()
    if found is None or not _internal(user, found.assignment.suggestion):
        raise Http404
    return found


def _extension(user: User, extension_id: int) -> Extension:
    found = (
        Extension.objects.select_related("assignment__suggestion__congress", "assignment__unit")
        .filter(pk=extension_id)
        .first()
    )
    if found is None or not _internal(user, found.assignment.suggestion):
        raise Http404
    return found


def _may_see_reply(user: User, reply: Reply) -> bool:
    suggestion = reply.assignment.suggestion
    if reply.status == ReplyStatus.SENT:
        return permissions.can_view_suggestion(user, suggestion)
    return _internal(user, suggestion)


def _reply(user: User, reply_id: int) -> Reply:
    reply = (
        Reply.objects.select_related("assignment__suggestion__congress", "assignment__unit").filter(pk=reply_id).first()
    )
    if reply is None or not _may_see_reply(user, reply):
        raise Http404
    return reply


# --- output ---


class _SuggestionFields(Schema):
    id: int
    congress_id: int
    year: int
    number: str
    title: str
    category: str
    phase: str
    status: str
    lead_deputy_id: int
    lead_deputy_name: str
    is_key: bool
    is_public: bool
    round: int
    due_at: dt.datetime | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None


class SuggestionSummaryOut(_SuggestionFields):
    @staticmethod
    def resolve_lead_deputy_name(obj: Suggestion) -> str:
        return obj.lead_deputy.display_name


class CosignerOut(Schema):
    deputy_id: int
    deputy_name: str
    status: str
    invited_at: dt.datetime
    responded_at: dt.datetime | None


class AssignmentOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    role: str
    round: int
    status: str
    assigned_at: dt.datetime
    due_at: dt.datetime
    original_due_at: dt.datetime
    dispute_until: dt.datetime | None
    signed_at: dt.datetime | None
    opinion: str
    opinion_sent_at: dt.datetime | None
    replied_at: dt.datetime | None
    replied_on_time: bool | None


class CommunicationOut(Schema):
    id: int
    assignment_id: int
    unit_name: str
    kind: str
    date: dt.date
    participants: str
    content: str
    recorded_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    url: str


class ReplyOut(Schema):
    id: int
    assignment_id: int
    unit_id: int
    unit_name: str
    round: int
    category: str
    text: str
    contact_person: str
    contact_phone: str
    status: str
    drafted_at: dt.datetime
    approval_note: str
    sent_at: dt.datetime | None
    on_time: bool | None
    attachments: list[AttachmentOut]


class EvaluationOut(Schema):
    id: int
    round: int
    deputy_id: int
    process_rating: str
    result_rating: str
    comment: str
    created_at: dt.datetime


class DisputeOut(Schema):
    id: int
    assignment_id: int
    suggestion_id: int
    suggestion_number: str
    suggestion_title: str
    unit_id: int
    unit_name: str
    reason: str
    suggested_unit_id: int | None
    raised_at: dt.datetime
    status: str
    decision_note: str
    decided_at: dt.datetime | None


class ExtensionOut(Schema):
    id: int
    assignment_id: int
    suggestion_id: int
    suggestion_number: str
    suggestion_title: str
    unit_id: int
    unit_name: str
    current_due_at: dt.datetime
    requested_due: dt.date
    reason: str
    requested_at: dt.datetime
    status: str
    decision_note: str
    decided_at: dt.datetime | None


class SuggestionOut(_SuggestionFields):
    session_id: int | None
    body: str
    delegation_id: int | None
    registered_at: dt.datetime | None
    review_note: str
    merged_into_id: int | None
    is_complex: bool
    supervising_unit_id: int | None
    supervising_leader_id: int | None
    first_assigned_at: dt.datetime | None
    first_replied_at: dt.datetime | None
    replied_on_time: bool | None
    result_category: str
    has_communication: bool
    was_rehandled: bool
    process_rating: str
    result_rating: str
    evaluated_at: dt.datetime | None
    closed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    cosigners: list[CosignerOut]
    assignments: list[AssignmentOut]
    communications: list[CommunicationOut]
    replies: list[ReplyOut]
    evaluations: list[EvaluationOut]
    disputes: list[DisputeOut]
    extensions: list[ExtensionOut]


def _attachment_url(attachment: Attachment) -> str:
    return f"/api/v1/suggestions/attachments/{attachment.pk}"


def reply_out(reply: Reply) -> ReplyOut:
    assignment = reply.assignment
    return ReplyOut(
        id=reply.pk,
        assignment_id=assignment.pk,
        unit_id=assignment.unit_id,
        unit_name=assignment.unit.name,
        round=assignment.round,
        category=reply.category,
        text=reply.text,
        contact_person=reply.contact_person,
        contact_phone=reply.contact_phone,
        status=reply.status,
        drafted_at=reply.drafted_at,
        approval_note=reply.approval_note,
        sent_at=reply.sent_at,
        on_time=reply.on_time,
        attachments=[
            AttachmentOut(
                id=a.pk, name=a.name, size=a.size, content_type=a.content_type, sha256=a.sha256, url=_attachment_url(a)
            )
            for a in reply.attachments.all()
        ],
    )


def assignment_out(assignment: Assignment, *, internal: bool = True) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.pk,
        unit_id=assignment.unit_id,
        unit_name=assignment.unit.name,
        role=assignment.role,
        round=assignment.round,
        status=assignment.status,
        assigned_at=assignment.assigned_at,
        due_at=assignment.due_at,
        original_due_at=assignment.original_due_at,
        dispute_until=assignment.dispute_until,
        signed_at=assignment.signed_at,
        # A co-handling unit's opinion goes to the lead unit, not to the deputy.
        opinion=assignment.opinion if internal else "",
        opinion_sent_at=assignment.opinion_sent_at,
        replied_at=assignment.replied_at,
        replied_on_time=assignment.replied_on_time,
    )


def communication_out(log: CommunicationLog) -> CommunicationOut:
    return CommunicationOut(
        id=log.pk,
        assignment_id=log.assignment_id,
        unit_name=log.assignment.unit.name,
        kind=log.kind,
        date=log.date,
        participants=log.participants,
        content=log.content,
        recorded_at=log.recorded_at,
    )


def dispute_out(dispute: Dispute) -> DisputeOut:
    assignment = dispute.assignment
    return DisputeOut(
        id=dispute.pk,
        assignment_id=assignment.pk,
        suggestion_id=assignment.suggestion_id,
        suggestion_number=assignment.suggestion.number,
        suggestion_title=assignment.suggestion.title,
        unit_id=assignment.unit_id,
        unit_name=assignment.unit.name,
        reason=dispute.reason,
        suggested_unit_id=dispute.suggested_unit_id,
        raised_at=dispute.raised_at,
        status=dispute.status,
        decision_note=dispute.decision_note,
        decided_at=dispute.decided_at,
    )


def extension_out(extension: Extension) -> ExtensionOut:
    assignment = extension.assignment
    return ExtensionOut(
        id=extension.pk,
        assignment_id=assignment.pk,
        suggestion_id=assignment.suggestion_id,
        suggestion_number=assignment.suggestion.number,
        suggestion_title=assignment.suggestion.title,
        unit_id=assignment.unit_id,
        unit_name=assignment.unit.name,
        current_due_at=assignment.due_at,
        requested_due=extension.requested_due,
        reason=extension.reason,
        requested_at=extension.requested_at,
        status=extension.status,
        decision_note=extension.decision_note,
        decided_at=extension.decided_at,
    )


def suggestion_out(suggestion: Suggestion, user: User) -> SuggestionOut:
    internal = permissions.sees_internal_handling(user, suggestion)
    involved = internal or permissions.is_involved_deputy(user, suggestion)
    assignments = list(suggestion.assignments.select_related("unit", "suggestion"))
    replies = Reply.objects.filter(assignment__suggestion=suggestion).select_related("assignment__unit")
    if not internal:
        replies = replies.filter(status=ReplyStatus.SENT)
    communications: list[CommunicationOut] = []
    if involved:
        communications = [
            communication_out(log)
            for log in CommunicationLog.objects.filter(assignment__suggestion=suggestion).select_related(
                "assignment__unit"
            )
        ]
    disputes: list[DisputeOut] = []
    extensions: list[ExtensionOut] = []
    if internal:
        disputes = [
            dispute_out(d)
            for d in Dispute.objects.filter(assignment__suggestion=suggestion).select_related(
                "assignment__unit", "assignment__suggestion"
            )
        ]
        extensions = [
            extension_out(e)
            for e in Extension.objects.filter(assignment__suggestion=suggestion).select_related(
                "assignment__unit", "assignment__suggestion"
            )
        ]
    return SuggestionOut(
        id=suggestion.pk,
        congress_id=suggestion.congress_id,
        year=suggestion.year,
        number=suggestion.number,
        title=suggestion.title,
        category=suggestion.category,
        phase=suggestion.phase,
        status=suggestion.status,
        lead_deputy_id=suggestion.lead_deputy_id,
        lead_deputy_name=suggestion.lead_deputy.display_name,
        is_key=suggestion.is_key,
        is_public=suggestion.is_public,
        round=suggestion.round,
        due_at=suggestion.due_at,
        created_at=suggestion.created_at,
        submitted_at=suggestion.submitted_at,
        session_id=suggestion.session_id,
        body=suggestion.body,
        delegation_id=suggestion.delegation_id,
        registered_at=suggestion.registered_at,
        review_note=suggestion.review_note,
        merged_into_id=suggestion.merged_into_id,
        is_complex=suggestion.is_complex,
        supervising_unit_id=suggestion.supervising_unit_id,
        supervising_leader_id=suggestion.supervising_leader_id,
        first_assigned_at=suggestion.first_assigned_at,
        first_replied_at=suggestion.first_replied_at,
        replied_on_time=suggestion.replied_on_time,
        result_category=suggestion.result_category,
        has_communication=suggestion.has_communication,
        was_rehandled=suggestion.was_rehandled,
        process_rating=suggestion.process_rating,
        result_rating=suggestion.result_rating,
        evaluated_at=suggestion.evaluated_at,
        closed_at=suggestion.closed_at,
        withdrawn_at=suggestion.withdrawn_at,
        cosigners=[
            CosignerOut(
                deputy_id=c.deputy_id,
                deputy_name=c.deputy.display_name,
                status=c.status,
                invited_at=c.invited_at,
                responded_at=c.responded_at,
            )
            for c in suggestion.cosigners.select_related("deputy")
        ],
        assignments=[assignment_out(a, internal=internal) for a in assignments],
        communications=communications,
        replies=[reply_out(r) for r in replies.prefetch_related("attachments")],
        evaluations=[
            EvaluationOut(
                id=e.pk,
                round=e.round,
                deputy_id=e.deputy_id,
                process_rating=e.process_rating,
                result_rating=e.result_rating,
                comment=e.comment,
                created_at=e.created_at,
            )
            for e in suggestion.evaluations.all()
        ],
        disputes=disputes,
        extensions=extensions,
    )


def _detail(user: User, suggestion_id: int) -> SuggestionOut:
    return suggestion_out(permissions.get_suggestion_for_view(user, suggestion_id), user)


# --- the deputy's side ---


@router.get("/suggestions", response=list[SuggestionSummaryOut], summary="我可见的建议（按当前角色）")
@paginate(LimitOffsetPagination)
def list_suggestions(request: HttpRequest, status: str = "", year: int | None = None) -> QuerySet[Suggestion]:
    items = permissions.suggestions_visible_to(_user(request)).select_related("lead_deputy")
    if status:
        items = items.filter(status=status)
    if year is not None:
        items = items.filter(year=year)
    return items.order_by("-year", "-sequence", "-pk")


class SuggestionIn(Schema):
    congress_id: int | None = None
    title: str = Field(..., max_length=TITLE_MAX)
    body: str = Field(..., max_length=BODY_MAX)
    category: str = Field(..., max_length=20)
    phase: str = Field("recess", max_length=10)
    session_id: int | None = None


@router.post("/suggestions", response={201: SuggestionOut}, summary="起草建议（代表）")
def create_suggestion(request: HttpRequest, payload: SuggestionIn) -> Status[SuggestionOut]:
    actor = _user(request)
    congress_id = payload.congress_id or permissions.deputy_congress_id(actor)
    if congress_id is None:
        raise NotPermitted("只有本级人大代表可以提出建议")
    congress = Congress.objects.filter(pk=congress_id).first()
    if congress is None:
        raise InvalidInput("所选人大不存在", code="unknown_congress", field="congress_id")
    if permissions.deputy_congress_id(actor) != congress.pk:
        raise NotPermitted("只有本级人大代表可以提出建议")
    with _fields(session="session_id"):
        suggestion = actions.suggestion_create(
            actor=actor,
            congress=congress,
            title=payload.title,
            body=payload.body,
            category=payload.category,
            phase=payload.phase,
            session=_session(payload.session_id),
        )
    return Status(201, suggestion_out(suggestion, actor))


class TimelineEntryOut(Schema):
    action: str
    label: str
    occurred_at: dt.datetime
    actor: str
    detail: str
    internal: bool


@router.get("/suggestions/{int:suggestion_id}/timeline", response=list[TimelineEntryOut], summary="建议的办理过程")
def get_timeline(request: HttpRequest, suggestion_id: int) -> list[TimelineEntryOut]:
    user = _user(request)
    suggestion = permissions.get_suggestion_for_view(user, suggestion_id)
    return [
        TimelineEntryOut(
            action=entry.action,
            label=entry.label,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            detail=entry.detail,
            internal=entry.internal,
        )
        for entry in timeline_for(user, suggestion)
    ]


class InviteIn(Schema):
    deputy_ids: list[int] = Field(default_factory=list, max_length=100)


@router.post(
    "/suggestions/{int:suggestion_id}/cosigners", response={201: list[CosignerOut]}, summary="邀请联名代表（领衔代表）"
)
def invite_cosigners(request: HttpRequest, suggestion_id: int, payload: InviteIn) -> Status[list[CosignerOut]]:
    actor = _user(request)
    suggestion = _lead_item(actor, suggestion_id, "邀请联名代表")
    found = {user.pk: user for user in User.objects.filter(pk__in=payload.deputy_ids)}
    missing = [pk for pk in payload.deputy_ids if pk not in found]
    if missing:
        raise InvalidInput(f"所选代表不存在（编号 {missing[0]}）", code="unknown_user", field="deputy_ids")
    with _fields(deputies="deputy_ids"):
        invited = actions.cosigner_invite(
            actor=actor, suggestion=suggestion, deputies=[found[pk] for pk in payload.deputy_ids]
        )
    return Status(
        201,
        [
            CosignerOut(
                deputy_id=c.deputy_id,
                deputy_name=c.deputy.display_name,
                status=c.status,
                invited_at=c.invited_at,
                responded_at=c.responded_at,
            )
            for c in invited
        ],
    )


@router.post(
    "/suggestions/{int:suggestion_id}/cosigners/{int:user_id}/remove",
    response=SuggestionOut,
    summary="取消联名邀请（领衔代表）",
)
def remove_cosigner(request: HttpRequest, suggestion_id: int, user_id: int) -> SuggestionOut:
    actor = _user(request)
    suggestion = _lead_item(actor, suggestion_id, "取消联名邀请")
    deputy = User.objects.filter(pk=user_id).first()
    if deputy is None:
        raise InvalidInput("该代表不存在", code="unknown_user", field="user_id")
    with _fields(deputy="user_id"):
        actions.cosigner_remove(actor=actor, suggestion=suggestion, deputy=deputy)
    return _detail(actor, suggestion_id)


class CosignIn(Schema):
    accept: bool


@router.post("/suggestions/{int:suggestion_id}/cosign", response=SuggestionOut, summary="确认或谢绝联名（受邀代表）")
def respond_cosign(request: HttpRequest, suggestion_id: int, payload: CosignIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = permissions.get_suggestion_for_view(actor, suggestion_id)
    actions.cosigner_respond(actor=actor, suggestion=suggestion, accept=payload.accept)
    return _detail(actor, suggestion_id)


@router.post("/suggestions/{int:suggestion_id}/submit", response=SuggestionOut, summary="提交建议（领衔代表）")
def submit_suggestion(request: HttpRequest, suggestion_id: int) -> SuggestionOut:
    actor = _user(request)
    suggestion = permissions.get_suggestion_for_view(actor, suggestion_id)
    actions.suggestion_submit(actor=actor, suggestion=suggestion)
    return _detail(actor, suggestion_id)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=200)


@router.post(
    "/suggestions/{int:suggestion_id}/withdraw", response=SuggestionOut, summary="撤回建议（领衔代表，答复前）"
)
def withdraw_suggestion(request: HttpRequest, suggestion_id: int, payload: WithdrawIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = permissions.get_suggestion_for_view(actor, suggestion_id)
    actions.suggestion_withdraw(actor=actor, suggestion=suggestion, reason=payload.reason)
    return _detail(actor, suggestion_id)


class EvaluationIn(Schema):
    process_rating: str = Field(..., max_length=20)
    result_rating: str = Field(..., max_length=20)
    comment: str = Field("", max_length=TEXT_MAX)


@router.post(
    "/suggestions/{int:suggestion_id}/evaluation", response={201: SuggestionOut}, summary="评价答复（领衔代表）"
)
def evaluate_suggestion(request: HttpRequest, suggestion_id: int, payload: EvaluationIn) -> Status[SuggestionOut]:
    actor = _user(request)
    suggestion = permissions.get_suggestion_for_view(actor, suggestion_id)
    actions.suggestion_evaluate(
        actor=actor,
        suggestion=suggestion,
        process_rating=payload.process_rating,
        result_rating=payload.result_rating,
        comment=payload.comment,
    )
    return Status(201, _detail(actor, suggestion_id))


# --- the 交办机构 (staff) ---


class RegisterIn(Schema):
    is_complex: bool = False
    note: str = Field("", max_length=NOTE_MAX)


@router.post("/suggestions/{int:suggestion_id}/register", response=SuggestionOut, summary="立案（交办机构）")
def register_suggestion(request: HttpRequest, suggestion_id: int, payload: RegisterIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = _staff_item(actor, suggestion_id)
    actions.suggestion_register(actor=actor, suggestion=suggestion, is_complex=payload.is_complex, note=payload.note)
    return _detail(actor, suggestion_id)


class NoteIn(Schema):
    note: str = Field("", max_length=NOTE_MAX)


@router.post("/suggestions/{int:suggestion_id}/return", response=SuggestionOut, summary="退回修改（交办机构）")
def return_suggestion(request: HttpRequest, suggestion_id: int, payload: NoteIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = _staff_item(actor, suggestion_id)
    actions.suggestion_return(actor=actor, suggestion=suggestion, note=payload.note)
    return _detail(actor, suggestion_id)


class RefuseIn(Schema):
    reason: str = Field("", max_length=NOTE_MAX)


@router.post("/suggestions/{int:suggestion_id}/refuse", response=SuggestionOut, summary="不予立案（交办机构）")
def refuse_suggestion(request: HttpRequest, suggestion_id: int, payload: RefuseIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = _staff_item(actor, suggestion_id)
    actions.suggestion_refuse(actor=actor, suggestion=suggestion, reason=payload.reason)
    return _detail(actor, suggestion_id)


class MergeIn(Schema):
    into_id: int
    note: str = Field("", max_length=NOTE_MAX)


@router.post("/suggestions/{int:suggestion_id}/merge", response=SuggestionOut, summary="并案（交办机构）")
def merge_suggestion(request: HttpRequest, suggestion_id: int, payload: MergeIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = _staff_item(actor, suggestion_id)
    into = Suggestion.objects.filter(pk=payload.into_id).first()
    if into is None:
        raise InvalidInput("被并入的建议不存在", code="unknown_suggestion", field="into_id")
    with _fields(into="into_id"):
        actions.suggestion_merge(actor=actor, suggestion=suggestion, into=into, note=payload.note)
    return _detail(actor, suggestion_id)


class PlanIn(Schema):
    lead_unit_id: int | None = None
    co_unit_ids: list[int] = Field(default_factory=list, max_length=50)
    parallel_unit_ids: list[int] = Field(default_factory=list, max_length=50)


PLAN_FIELDS = {"lead_unit": "lead_unit_id", "co_units": "co_unit_ids", "parallel_units": "parallel_unit_ids"}


def _plan(payload: PlanIn) -> actions.Plan:
    return actions.Plan(
        lead=_unit(payload.lead_unit_id, field="lead_unit_id"),
        co=_units(payload.co_unit_ids, field="co_unit_ids"),
        parallel=_units(payload.parallel_unit_ids, field="parallel_unit_ids"),
    )


@router.post("/suggestions/{int:suggestion_id}/assign", response=SuggestionOut, summary="交办承办单位（交办机构）")
def assign_suggestion(request: HttpRequest, suggestion_id: int, payload: PlanIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = _staff_item(actor, suggestion_id)
    plan = _plan(payload)
    with _fields(**PLAN_FIELDS):
        actions.suggestion_assign(actor=actor, suggestion=suggestion, plan=plan)
    return _detail(actor, suggestion_id)


class BatchPlanIn(PlanIn):
    congress_id: int
    suggestion_ids: list[int] = Field(default_factory=list, max_length=1000)


class BatchOut(Schema):
    assigned: int
    suggestion_ids: list[int]


@router.post("/suggestions/assign-batch", response=BatchOut, summary="批量交办（交办会，交办机构）")
def assign_batch(request: HttpRequest, payload: BatchPlanIn) -> BatchOut:
    actor = _user(request)
    congress = Congress.objects.filter(pk=payload.congress_id).first()
    if congress is None:
        raise InvalidInput("所选人大不存在", code="unknown_congress", field="congress_id")
    if not permissions.can_manage_congress(actor, congress):
        raise NotPermitted("只有本级人大的建议交办机构可以交办")
    if len(set(payload.suggestion_ids)) != len(payload.suggestion_ids):
        raise InvalidInput("所选建议有重复", code="duplicate", field="suggestion_ids")
    found = {s.pk: s for s in Suggestion.objects.filter(pk__in=payload.suggestion_ids, congress=congress)}
    missing = [pk for pk in payload.suggestion_ids if pk not in found]
    if missing:
        raise InvalidInput(f"所选建议不存在（编号 {missing[0]}）", code="unknown_suggestion", field="suggestion_ids")
    plan = _plan(payload)
    with _fields(suggestions="suggestion_ids", **PLAN_FIELDS):
        created = actions.suggestion_assign_batch(
            actor=actor, congress=congress, suggestions=[found[pk] for pk in payload.suggestion_ids], plan=plan
        )
    return BatchOut(assigned=len(created), suggestion_ids=list(payload.suggestion_ids))


class KeyIn(Schema):
    is_key: bool
    supervising_unit_id: int | None = None
    supervising_leader_id: int | None = None


@router.post("/suggestions/{int:suggestion_id}/key", response=SuggestionOut, summary="设置重点督办（交办机构）")
def set_key(request: HttpRequest, suggestion_id: int, payload: KeyIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = _staff_item(actor, suggestion_id)
    unit = _unit(payload.supervising_unit_id, field="supervising_unit_id")
    leader = _person(payload.supervising_leader_id, field="supervising_leader_id")
    with _fields(supervising_unit="supervising_unit_id", supervising_leader="supervising_leader_id"):
        actions.key_supervision_set(
            actor=actor, suggestion=suggestion, is_key=payload.is_key, supervising_unit=unit, supervising_leader=leader
        )
    return _detail(actor, suggestion_id)


class DisclosureIn(Schema):
    is_public: bool


@router.post("/suggestions/{int:suggestion_id}/disclosure", response=SuggestionOut, summary="设置是否公开（交办机构）")
def set_disclosure(request: HttpRequest, suggestion_id: int, payload: DisclosureIn) -> SuggestionOut:
    actor = _user(request)
    suggestion = _staff_item(actor, suggestion_id)
    actions.disclosure_set(actor=actor, suggestion=suggestion, is_public=payload.is_public)
    return _detail(actor, suggestion_id)


class DisputeDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=NOTE_MAX)
    new_unit_id: int | None = None


@router.post("/suggestions/disputes/{int:dispute_id}/decide", response=DisputeOut, summary="处理交办异议（交办机构）")
def decide_dispute(request: HttpRequest, dispute_id: int, payload: DisputeDecisionIn) -> DisputeOut:
    actor = _user(request)
    dispute = _dispute(actor, dispute_id)
    if not permissions.can_manage(actor, dispute.assignment.suggestion):
        raise NotPermitted("只有本级人大的建议交办机构可以进行此操作")
    new_unit = _unit(payload.new_unit_id, field="new_unit_id")
    with _fields(new_unit="new_unit_id", lead_unit="new_unit_id"):
        decided = actions.dispute_decide(
            actor=actor, dispute=dispute, approve=payload.approve, note=payload.note, new_unit=new_unit
        )
    return dispute_out(decided)


class ExtensionDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=NOTE_MAX)


@router.post(
    "/suggestions/extensions/{int:extension_id}/decide", response=ExtensionOut, summary="审批延期申请（交办机构）"
)
def decide_extension(request: HttpRequest, extension_id: int, payload: ExtensionDecisionIn) -> ExtensionOut:
    actor = _user(request)
    extension = _extension(actor, extension_id)
    decided = actions.extension_decide(actor=actor, extension=extension, approve=payload.approve, note=payload.note)
    decided.assignment.refresh_from_db()
    return extension_out(decided)


class RequestsOut(Schema):
    disputes: list[DisputeOut]
    extensions: list[ExtensionOut]


@router.get("/suggestions/requests", response=RequestsOut, summary="待决定的交办异议与延期申请（交办机构）")
def pending_requests(request: HttpRequest, congress_id: int | None = None) -> RequestsOut:
    actor = _user(request)
    if congress_id is None:
        congress_id = permissions.staff_congress_id(actor)
        if congress_id is None:
            raise NotPermitted("只有建议交办机构可以查看待处理的申请")
    congress = Congress.objects.filter(pk=congress_id).first()
    if congress is None:
        raise Http404
    if not permissions.can_manage_congress(actor, congress):
        raise NotPermitted("只有本级人大的建议交办机构可以查看待处理的申请")
    related = ("assignment__unit", "assignment__suggestion")
    disputes = Dispute.objects.filter(
        assignment__suggestion__congress=congress, status=RequestStatus.PENDING
    ).select_related(*related)
    extensions = Extension.objects.filter(
        assignment__suggestion__congress=congress, status=RequestStatus.PENDING
    ).select_related(*related)
    return RequestsOut(
        disputes=[dispute_out(d) for d in disputes.order_by("raised_at", "pk")],
        extensions=[extension_out(e) for e in extensions.order_by("requested_at", "pk")],
    )


# --- the handling unit ---


class QueueItemOut(Schema):
    assignment_id: int
    suggestion_id: int
    number: str
    title: str
    suggestion_status: str
    role: str
    round: int
    assigned_at: dt.datetime
    due_at: dt.datetime
    dispute_until: dt.datetime | None
    signed_at: dt.datetime | None
    opinion_sent_at: dt.datetime | None
    replied_at: dt.datetime | None
    is_key: bool


@router.get("/suggestions/unit-queue", response=list[QueueItemOut], summary="本单位当前轮次的承办建议（承办单位）")
def unit_queue(request: HttpRequest, tab: str = "") -> list[QueueItemOut]:
    """Tabs: unsigned 待签收, handling 办理中, due_soon 即将到期, overdue 已逾期, replied 已答复; empty for all."""
    actor = _user(request)
    unit = permissions.acting_unit(actor)
    if unit is None:
        raise NotPermitted("只有承办单位可以查看承办队列")
    if tab and tab not in QUEUE_TABS:
        raise InvalidInput("不存在的分类", code="invalid_choice", field="tab")
    items = (
        Assignment.objects.filter(unit=unit, status=AssignmentStatus.ACTIVE, round=F("suggestion__round"))
        .exclude(suggestion__status=SuggestionStatus.WITHDRAWN)
        .select_related("suggestion")
    )
    done = Q(replied_at__isnull=False) | Q(opinion_sent_at__isnull=False)
    open_items = items.exclude(done).filter(suggestion__status__in=list(HANDLING_STATES))
    now = timezone.now()
    if tab == "unsigned":
        items = open_items.filter(signed_at__isnull=True)
    elif tab == "handling":
        items = open_items.filter(signed_at__isnull=False)
    elif tab == "due_soon":
        items = open_items.filter(due_at__gte=now, due_at__lte=now + dt.timedelta(days=DUE_SOON_DAYS))
    elif tab == "overdue":
        items = open_items.filter(due_at__lt=now)
    elif tab == "replied":
        items = items.filter(done)
    return [
        QueueItemOut(
            assignment_id=a.pk,
            suggestion_id=a.suggestion_id,
            number=a.suggestion.number,
            title=a.suggestion.title,
            suggestion_status=a.suggestion.status,
            role=a.role,
            round=a.round,
            assigned_at=a.assigned_at,
            due_at=a.due_at,
            dispute_until=a.dispute_until,
            signed_at=a.signed_at,
            opinion_sent_at=a.opinion_sent_at,
            replied_at=a.replied_at,
            is_key=a.suggestion.is_key,
        )
        for a in items.order_by("due_at", "pk")[:500]
    ]


@router.post(
    "/suggestions/handling/{int:suggestion_assignment_id}/sign", response=AssignmentOut, summary="签收（承办单位）"
)
def sign_assignment(request: HttpRequest, suggestion_assignment_id: int) -> AssignmentOut:
    actor = _user(request)
    assignment = permissions.get_assignment_for_unit(actor, suggestion_assignment_id)
    return assignment_out(actions.assignment_sign(actor=actor, assignment=assignment))


class DisputeIn(Schema):
    reason: str = Field("", max_length=TEXT_MAX)
    suggested_unit_id: int | None = None


@router.post(
    "/suggestions/handling/{int:suggestion_assignment_id}/dispute",
    response={201: DisputeOut},
    summary="提出交办异议（承办单位）",
)
def raise_dispute(request: HttpRequest, suggestion_assignment_id: int, payload: DisputeIn) -> Status[DisputeOut]:
    actor = _user(request)
    assignment = permissions.get_assignment_for_unit(actor, suggestion_assignment_id)
    unit = _unit(payload.suggested_unit_id, field="suggested_unit_id")
    with _fields(suggested_unit="suggested_unit_id"):
        dispute = actions.dispute_raise(actor=actor, assignment=assignment, reason=payload.reason, suggested_unit=unit)
    return Status(201, dispute_out(dispute))


class ExtensionIn(Schema):
    requested_due: dt.date
    reason: str = Field("", max_length=TEXT_MAX)


@router.post(
    "/suggestions/handling/{int:suggestion_assignment_id}/extension",
    response={201: ExtensionOut},
    summary="申请延期答复（主办或分办单位）",
)
def request_extension(
    request: HttpRequest, suggestion_assignment_id: int, payload: ExtensionIn
) -> Status[ExtensionOut]:
    actor = _user(request)
    assignment = permissions.get_assignment_for_unit(actor, suggestion_assignment_id)
    extension = actions.extension_request(
        actor=actor, assignment=assignment, requested_due=payload.requested_due, reason=payload.reason
    )
    return Status(201, extension_out(extension))


class CommunicationIn(Schema):
    kind: str = Field(..., max_length=10)
    date: dt.date
    participants: str = Field("", max_length=300)
    content: str = Field("", max_length=3000)


@router.post(
    "/suggestions/handling/{int:suggestion_assignment_id}/communications",
    response={201: CommunicationOut},
    summary="记录与代表的沟通（承办单位）",
)
def add_communication(
    request: HttpRequest, suggestion_assignment_id: int, payload: CommunicationIn
) -> Status[CommunicationOut]:
    actor = _user(request)
    assignment = permissions.get_assignment_for_unit(actor, suggestion_assignment_id)
    log = actions.communication_add(
        actor=actor,
        assignment=assignment,
        kind=payload.kind,
        date=payload.date,
        participants=payload.participants,
        content=payload.content,
    )
    return Status(201, communication_out(log))


class OpinionIn(Schema):
    text: str = Field("", max_length=5000)


@router.post(
    "/suggestions/handling/{int:suggestion_assignment_id}/opinion",
    response=AssignmentOut,
    summary="提交会办意见（会办单位）",
)
def send_opinion(request: HttpRequest, suggestion_assignment_id: int, payload: OpinionIn) -> AssignmentOut:
    actor = _user(request)
    assignment = permissions.get_assignment_for_unit(actor, suggestion_assignment_id)
    return assignment_out(actions.opinion_send(actor=actor, assignment=assignment, text=payload.text))


class ReplyIn(Schema):
    category: str = Field("", max_length=4)
    text: str = Field("", max_length=REPLY_MAX)
    contact_person: str = Field("", max_length=40)
    contact_phone: str = Field("", max_length=30)


@router.post(
    "/suggestions/handling/{int:suggestion_assignment_id}/reply",
    response=ReplyOut,
    summary="拟写答复并送单位负责人审签（主办或分办单位）",
)
def prepare_reply(request: HttpRequest, suggestion_assignment_id: int, payload: ReplyIn) -> ReplyOut:
    actor = _user(request)
    assignment = permissions.get_assignment_for_unit(actor, suggestion_assignment_id)
    reply = actions.reply_prepare(
        actor=actor,
        assignment=assignment,
        category=payload.category,
        text=payload.text,
        contact_person=payload.contact_person,
        contact_phone=payload.contact_phone,
    )
    return reply_out(reply)


@router.post("/suggestions/replies/{int:reply_id}/approve", response=ReplyOut, summary="审签并发出答复（单位负责人）")
def approve_reply(request: HttpRequest, reply_id: int, payload: NoteIn) -> ReplyOut:
    actor = _user(request)
    reply = _reply(actor, reply_id)
    return reply_out(actions.reply_approve(actor=actor, reply=reply, note=payload.note))


@router.post("/suggestions/replies/{int:reply_id}/return", response=ReplyOut, summary="退回答复修改（单位负责人）")
def return_reply(request: HttpRequest, reply_id: int, payload: NoteIn) -> ReplyOut:
    actor = _user(request)
    reply = _reply(actor, reply_id)
    return reply_out(actions.reply_return(actor=actor, reply=reply, note=payload.note))


@router.post(
    "/suggestions/replies/{int:reply_id}/attachments",
    response={201: AttachmentOut},
    summary="上传答复附件（主办或分办单位，multipart 字段 file）",
)
def add_attachment(
    request: HttpRequest, reply_id: int, file: File[UploadedFile | None] = None
) -> Status[AttachmentOut]:
    actor = _user(request)
    reply = _reply(actor, reply_id)
    if not permissions.can_send_reply(actor, reply.assignment):
        raise NotPermitted("只有承办单位可以上传答复附件")
    if file is None:
        raise InvalidInput("请选择要上传的文件", code="required", field="file")
    attachment = actions.attachment_add(actor=actor, reply=reply, upload=file)
    return Status(
        201,
        AttachmentOut(
            id=attachment.pk,
            name=attachment.name,
            size=attachment.size,
            content_type=attachment.content_type,
            sha256=attachment.sha256,
            url=_attachment_url(attachment),
        ),
    )


@router.get("/suggestions/attachments/{int:attachment_id}", summary="下载答复附件")
def download_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    user = _user(request)
    attachment = (
        Attachment.objects.select_related("reply__assignment__suggestion__congress").filter(pk=attachment_id).first()
    )
    if attachment is None or not _may_see_reply(user, attachment.reply):
        raise Http404
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )


# Ids are "int:" converters so that "/suggestions/search" and the other apps' routes under /suggestions/ are not
# taken for an item; the item itself comes last all the same.


@router.get("/suggestions/{int:suggestion_id}", response=SuggestionOut, summary="建议详情")
def get_suggestion(request: HttpRequest, suggestion_id: int) -> SuggestionOut:
    return _detail(_user(request), suggestion_id)


class SuggestionPatch(Schema):
    title: str | None = Field(None, max_length=TITLE_MAX)
    body: str | None = Field(None, max_length=BODY_MAX)
    category: str | None = Field(None, max_length=20)
    phase: str | None = Field(None, max_length=10)
    session_id: int | None = None


@router.patch("/suggestions/{int:suggestion_id}", response=SuggestionOut, summary="修改草稿或退回的建议（领衔代表）")
def update_suggestion(request: HttpRequest, suggestion_id: int, payload: SuggestionPatch) -> SuggestionOut:
    actor = _user(request)
    suggestion = _lead_item(actor, suggestion_id, "修改建议")
    session = _session(payload.session_id) if "session_id" in payload.model_fields_set else suggestion.session
    with _fields(session="session_id"):
        actions.suggestion_update(
            actor=actor,
            suggestion=suggestion,
            title=payload.title if payload.title is not None else suggestion.title,
            body=payload.body if payload.body is not None else suggestion.body,
            category=payload.category if payload.category is not None else suggestion.category,
            phase=payload.phase if payload.phase is not None else suggestion.phase,
            session=session,
        )
    return _detail(actor, suggestion_id)
