"""The handling unit's side: sign for, contest, ask for time, talk to the deputy, give an opinion, reply."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from renda.core.calendar import due_date
from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.todo import todo_close, todo_open
from renda.suggestions import permissions, search
from renda.suggestions.actions._common import (
    NOTE_MAX,
    REPLY_MAX,
    TEXT_MAX,
    deadline,
    deputies_answered,
    link,
    lock,
    notify,
    record,
    require_state,
)
from renda.suggestions.actions.review import TODO_APPROVE, TODO_EVALUATE, TODO_OPINION, TODO_REPLY, TODO_SIGN_FOR
from renda.suggestions.models import (
    HANDLING_STATES,
    REPLYING_ROLES,
    Assignment,
    AssignmentStatus,
    Attachment,
    CommunicationKind,
    CommunicationLog,
    Dispute,
    Extension,
    HandlingRole,
    Reply,
    ReplyStatus,
    RequestStatus,
    Status,
    Suggestion,
)

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Unit

ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {".pdf", ".ofd", ".doc", ".docx", ".jpg", ".jpeg", ".png", ".xls", ".xlsx"}


def _require_unit(actor: User, assignment: Assignment) -> None:
    if not permissions.can_handle(actor, assignment):
        raise NotPermitted("只有承办单位可以进行此操作")


def _current(assignment: Assignment, suggestion: Suggestion) -> None:
    if assignment.status != AssignmentStatus.ACTIVE or assignment.round != suggestion.round:
        raise InvalidTransition("该交办已不是当前有效的交办", code="invalid_state", field="assignment")


@transaction.atomic
def assignment_sign(*, actor: User, assignment: Assignment) -> Assignment:
    """签收 within the configured working days; the item is then in handling."""
    _require_unit(actor, assignment)
    suggestion = lock(assignment.suggestion)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _current(assignment, suggestion)
    require_state(suggestion, HANDLING_STATES, "签收")
    if assignment.signed_at is not None:
        raise InvalidTransition("已经签收", code="already_signed")
    assignment.signed_at = timezone.now()
    assignment.signed_by = actor
    assignment.save(update_fields=["signed_at", "signed_by"])
    todo_close(target=assignment, kind=TODO_SIGN_FOR, actor=actor)
    if suggestion.status == Status.ASSIGNED:
        suggestion.status = Status.IN_HANDLING
        suggestion.save(update_fields=["status", "updated_at"])
    record(actor, "signed", suggestion, unit=assignment.unit.name)
    return assignment


@transaction.atomic
def dispute_raise(*, actor: User, assignment: Assignment, reason: str, suggested_unit: Unit | None = None) -> Dispute:
    """A unit contests its assignment, within the dispute window after assignment."""
    _require_unit(actor, assignment)
    suggestion = lock(assignment.suggestion)
    _current(assignment, suggestion)
    require_state(suggestion, HANDLING_STATES, "提出交办异议")
    reason = clean_text(reason, field="reason", label="异议理由", max_length=TEXT_MAX)
    if assignment.dispute_until is None or timezone.now() > assignment.dispute_until:
        raise InvalidTransition("已超过交办异议期，不能再提出异议", code="dispute_window_closed", field="reason")
    if assignment.replied_at is not None or assignment.opinion_sent_at is not None:
        raise InvalidTransition("已经答复或提出会办意见，不能再提出异议", code="invalid_state")
    if assignment.disputes.filter(status=RequestStatus.PENDING).exists():
        raise InvalidTransition("已有待处理的异议", code="already_pending")
    if suggested_unit is not None and suggested_unit.congress_id != suggestion.congress_id:
        raise InvalidInput("建议改交的单位不属于本级人大", code="wrong_congress", field="suggested_unit")
    dispute = Dispute.objects.create(
        assignment=assignment, reason=reason, suggested_unit=suggested_unit, raised_by=actor
    )
    record(actor, "disputed", suggestion, unit=assignment.unit.name, reason=reason)
    return dispute


@transaction.atomic
def extension_request(*, actor: User, assignment: Assignment, requested_due: dt.date, reason: str) -> Extension:
    """A replying unit asks for more time, no later than the congress's extension cap allows."""
    _require_unit(actor, assignment)
    if assignment.role not in REPLYING_ROLES:
        raise NotPermitted("会办单位不能申请延期，请由主办单位申请")
    suggestion = lock(assignment.suggestion)
    _current(assignment, suggestion)
    require_state(suggestion, HANDLING_STATES, "申请延期")
    reason = clean_text(reason, field="reason", label="延期理由", max_length=TEXT_MAX)
    if assignment.replied_at is not None:
        raise InvalidTransition("已经答复，不需要延期", code="invalid_state")
    if assignment.extensions.filter(status=RequestStatus.PENDING).exists():
        raise InvalidTransition("已有待审批的延期申请", code="already_pending")
    current_due = timezone.localdate(assignment.due_at)
    if requested_due <= current_due:
        raise InvalidInput(
            f"延期后的期限须晚于现在的期限（{current_due:%Y年%m月%d日}）", code="invalid", field="requested_due"
        )
    cap = due_date(
        "suggestion_extension_cap", start=timezone.localdate(assignment.original_due_at), congress=suggestion.congress
    )
    if requested_due > cap:
        raise InvalidInput(f"延期最迟只能到 {cap:%Y年%m月%d日}", code="beyond_cap", field="requested_due")
    extension = Extension.objects.create(
        assignment=assignment, requested_due=requested_due, reason=reason, requested_by=actor
    )
    record(actor, "extension_requested", suggestion, unit=assignment.unit.name, requested_due=requested_due.isoformat())
    return extension


@transaction.atomic
def communication_add(
    *,
    actor: User,
    assignment: Assignment,
    kind: str,
    date: dt.date,
    participants: str,
    content: str,
) -> CommunicationLog:
    """联系沟通 with the deputy: how, when, who, and what was said."""
    _require_unit(actor, assignment)
    suggestion = lock(assignment.suggestion)
    _current(assignment, suggestion)
    require_state(suggestion, HANDLING_STATES, "记录沟通情况")
    kind = clean_choice(kind, CommunicationKind.values, field="kind", label="沟通方式")
    participants = clean_text(participants, field="participants", label="参加人员", max_length=300)
    content = clean_text(content, field="content", label="沟通情况", max_length=3000)
    if not isinstance(date, dt.date):
        raise InvalidInput("沟通日期无效", code="invalid", field="date")
    if date > timezone.localdate():
        raise InvalidInput("沟通日期不能晚于今天", code="invalid", field="date")
    if suggestion.submitted_at is not None and date < timezone.localdate(suggestion.submitted_at):
        raise InvalidInput("沟通日期不能早于建议提交日期", code="invalid", field="date")
    log = CommunicationLog.objects.create(
        assignment=assignment, kind=kind, date=date, participants=participants, content=content, recorded_by=actor
    )
    if not suggestion.has_communication:
        suggestion.has_communication = True
        suggestion.save(update_fields=["has_communication", "updated_at"])
    record(actor, "communicated", suggestion, unit=assignment.unit.name, kind=kind, date=date.isoformat())
    return log


@transaction.atomic
def opinion_send(*, actor: User, assignment: Assignment, text: str) -> Assignment:
    """A co-handling unit sends its written opinion to the lead unit (§1.5, within a month by default)."""
    _require_unit(actor, assignment)
    if assignment.role != HandlingRole.CO:
        raise NotPermitted("只有会办单位提出会办意见")
    suggestion = lock(assignment.suggestion)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _current(assignment, suggestion)
    require_state(suggestion, HANDLING_STATES, "提出会办意见")
    text = clean_text(text, field="text", label="会办意见", max_length=5000)
    if assignment.opinion_sent_at is not None:
        raise InvalidTransition("会办意见已经提交", code="already_sent")
    assignment.opinion = text
    assignment.opinion_sent_at = timezone.now()
    if assignment.signed_at is None:
        assignment.signed_at, assignment.signed_by = assignment.opinion_sent_at, actor
        todo_close(target=assignment, kind=TODO_SIGN_FOR, actor=actor)
    assignment.save(update_fields=["opinion", "opinion_sent_at", "signed_at", "signed_by"])
    todo_close(target=assignment, kind=TODO_OPINION, actor=actor)
    record(actor, "opinion_sent", suggestion, unit=assignment.unit.name)
    return assignment


def _categories(suggestion: Suggestion) -> dict[str, str]:
    mapping: dict[str, str] = suggestion.congress.setting("suggestion_reply_categories")
    return mapping


@transaction.atomic
def reply_prepare(
    *,
    actor: User,
    assignment: Assignment,
    category: str,
    text: str,
    contact_person: str = "",
    contact_phone: str = "",
) -> Reply:
    """The unit drafts its reply and sends it to the unit head for approval (审签)."""
    _require_unit(actor, assignment)
    if not permissions.can_send_reply(actor, assignment):
        raise NotPermitted("会办单位不能答复代表，请将会办意见送主办单位")
    suggestion = lock(assignment.suggestion)
    _current(assignment, suggestion)
    require_state(suggestion, HANDLING_STATES, "答复")
    category = clean_choice(category, _categories(suggestion), field="category", label="办理结果分类")
    text = clean_text(text, field="text", label="答复内容", max_length=REPLY_MAX)
    contact_person = clean_text(contact_person, field="contact_person", label="联系人", max_length=40, required=False)
    contact_phone = clean_text(contact_phone, field="contact_phone", label="联系电话", max_length=30, required=False)
    if assignment.replied_at is not None:
        raise InvalidTransition("本单位已经答复", code="already_replied")
    if suggestion.congress.setting("suggestion_communication_required") and not assignment.communications.exists():
        raise InvalidInput("答复前须先填写与代表的沟通记录", code="communication_required", field="communication")
    reply = (
        assignment.replies.select_for_update()
        .filter(status__in=[ReplyStatus.PENDING_APPROVAL, ReplyStatus.RETURNED])
        .first()
    )
    if reply is None:
        reply = Reply(assignment=assignment, drafted_by=actor)
    reply.category, reply.text = category, text
    reply.contact_person, reply.contact_phone = contact_person, contact_phone
    reply.status = ReplyStatus.PENDING_APPROVAL
    reply.drafted_by = actor
    reply.save()
    if assignment.signed_at is None:
        assignment.signed_at, assignment.signed_by = timezone.now(), actor
        assignment.save(update_fields=["signed_at", "signed_by"])
        todo_close(target=assignment, kind=TODO_SIGN_FOR, actor=actor)
    todo_close(target=assignment, kind=TODO_APPROVE, actor=actor)
    todo_open(
        congress=suggestion.congress,
        kind=TODO_APPROVE,
        title=f"审签答复：{suggestion.title}",
        due_at=assignment.due_at,
        url=link(suggestion),
        target=assignment,
        unit=assignment.unit,
    )
    if suggestion.status == Status.ASSIGNED:
        suggestion.status = Status.IN_HANDLING
        suggestion.save(update_fields=["status", "updated_at"])
    record(actor, "reply_drafted", suggestion, unit=assignment.unit.name, category=category)
    return reply


@transaction.atomic
def reply_return(*, actor: User, reply: Reply, note: str) -> Reply:
    """The unit head sends the draft back to the officer."""
    assignment = reply.assignment
    if not permissions.can_approve_reply(actor, assignment):
        raise NotPermitted("只有承办单位负责人可以审签答复")
    suggestion = lock(assignment.suggestion)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != ReplyStatus.PENDING_APPROVAL:
        raise InvalidTransition("该答复不在待审签状态", code="invalid_state")
    reply.status = ReplyStatus.RETURNED
    reply.approval_note = clean_text(note, field="note", label="退回意见", max_length=NOTE_MAX)
    reply.save(update_fields=["status", "approval_note"])
    todo_close(target=assignment, kind=TODO_APPROVE, actor=actor)
    record(actor, "reply_returned", suggestion, unit=assignment.unit.name, note=reply.approval_note)
    notify([reply.drafted_by], "suggestion.reply_returned", suggestion, note=reply.approval_note)
    return reply


def _round_replied(suggestion: Suggestion) -> bool:
    pending = suggestion.assignments.filter(
        round=suggestion.round, status=AssignmentStatus.ACTIVE, role__in=list(REPLYING_ROLES), replied_at__isnull=True
    )
    return not pending.exists()


def _worst_category(suggestion: Suggestion) -> str:
    """The item's result: the lead's category, or among parallel units the least favourable one."""
    categories = Reply.objects.filter(
        assignment__suggestion=suggestion,
        assignment__round=suggestion.round,
        assignment__status=AssignmentStatus.ACTIVE,
        status=ReplyStatus.SENT,
    ).values_list("category", flat=True)
    return max(categories, default="")


@transaction.atomic
def reply_approve(*, actor: User, reply: Reply, note: str = "") -> Reply:
    """The unit head approves (签发): the reply is sent to the deputies and counted, on time or late."""
    assignment = reply.assignment
    if not permissions.can_approve_reply(actor, assignment):
        raise NotPermitted("只有承办单位负责人可以审签答复")
    suggestion = lock(assignment.suggestion)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    _current(assignment, suggestion)
    require_state(suggestion, HANDLING_STATES, "答复")
    if reply.status != ReplyStatus.PENDING_APPROVAL:
        raise InvalidTransition("该答复不在待审签状态", code="invalid_state")
    now = timezone.now()
    reply.status = ReplyStatus.SENT
    reply.approved_by = actor
    reply.approval_note = clean_text(note, field="note", label="审签意见", max_length=NOTE_MAX, required=False)
    reply.sent_at = now
    reply.on_time = now <= assignment.due_at
    reply.save()
    assignment.replied_at, assignment.replied_on_time = now, reply.on_time
    assignment.save(update_fields=["replied_at", "replied_on_time"])
    todo_close(target=assignment, kind=TODO_APPROVE, actor=actor)
    todo_close(target=assignment, kind=TODO_REPLY, actor=actor)
    record(actor, "replied", suggestion, unit=assignment.unit.name, category=reply.category, on_time=reply.on_time)
    if _round_replied(suggestion):
        _mark_replied(actor, suggestion, now)
    search.index_suggestion(suggestion)
    notify(deputies_answered(suggestion), "suggestion.replied", suggestion, unit=assignment.unit.name)
    return reply


def _mark_replied(actor: User, suggestion: Suggestion, now: dt.datetime) -> None:
    suggestion.status = Status.REPLIED
    suggestion.result_category = _worst_category(suggestion)
    if suggestion.round == 1:
        replying = suggestion.assignments.filter(round=1, status=AssignmentStatus.ACTIVE, role__in=list(REPLYING_ROLES))
        suggestion.first_replied_at = now
        suggestion.replied_on_time = not replying.filter(
            Q(replied_on_time=False) | Q(replied_on_time__isnull=True)
        ).exists()
    suggestion.save()
    todo_open(
        congress=suggestion.congress,
        kind=TODO_EVALUATE,
        title=f"评价建议答复：{suggestion.title}",
        due_at=deadline("suggestion_evaluation", start=timezone.localdate(now), congress=suggestion.congress),
        url=link(suggestion),
        target=suggestion,
        user=suggestion.lead_deputy,
    )


@transaction.atomic
def attachment_add(*, actor: User, reply: Reply, upload: UploadedFile[bytes]) -> Attachment:
    """Attach a file (such as the sealed PDF) to a reply that has not been sent yet."""
    assignment = reply.assignment
    _require_unit(actor, assignment)
    if not permissions.can_send_reply(actor, assignment):
        raise NotPermitted("会办单位不能答复代表")
    suggestion = lock(assignment.suggestion)
    if reply.status == ReplyStatus.SENT:
        raise InvalidTransition("答复已经发出，不能再添加附件", code="invalid_state")
    name = (upload.name or "").rsplit("/", 1)[-1].strip()
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if not name or suffix not in ATTACHMENT_TYPES:
        raise InvalidInput("附件须为 PDF、OFD、Word、Excel 或图片文件", code="invalid_type", field="file")
    if upload.size is None or upload.size > ATTACHMENT_MAX_BYTES:
        raise InvalidInput("附件不能超过 20 MB", code="too_large", field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    attachment = Attachment(
        reply=reply,
        name=name[:120],
        size=upload.size,
        content_type=(upload.content_type or "application/octet-stream")[:100],
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    upload.seek(0)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    record(actor, "attachment_added", suggestion, unit=assignment.unit.name, name=attachment.name)
    return attachment
