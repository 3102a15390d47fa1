"""The 交办机构's side: review, assignment, disputes, extensions, key supervision, disclosure (§1.5–1.6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from renda.core.checks import clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import TodoItem, TodoStatus
from renda.core.todo import todo_open
from renda.organizations.models import CONGRESS_UNIT_KINDS, Congress, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role
from renda.suggestions import permissions
from renda.suggestions.actions._common import (
    NOTE_MAX,
    TERMINAL_STATES,
    deadline,
    due_text,
    link,
    lock,
    notify,
    record,
    require_state,
    unit_people,
)
from renda.suggestions.models import (
    REPLYING_ROLES,
    Assignment,
    AssignmentStatus,
    Dispute,
    Extension,
    HandlingRole,
    Phase,
    RequestStatus,
    Status,
    Suggestion,
)

if TYPE_CHECKING:
    from renda.accounts.models import User

# Kinds of to-do this process opens for units; the action that fulfils each closes it.
TODO_SIGN_FOR = "suggestion.sign_for"
TODO_REPLY = "suggestion.reply"
TODO_OPINION = "suggestion.opinion"
TODO_APPROVE = "suggestion.approve_reply"
TODO_EVALUATE = "suggestion.evaluate"

# Bodies that cannot handle an item: a delegation or a liaison station answers nothing.
NON_HANDLING_KINDS = frozenset({UnitKind.DELEGATION, UnitKind.LIAISON_STATION})


def _require_staff(actor: User, suggestion: Suggestion) -> None:
    if not permissions.can_manage(actor, suggestion):
        raise NotPermitted("只有本级人大的建议交办机构可以进行此操作")


# --- review ---


def _next_sequence(congress: Congress, year: int) -> int:
    # Lock the congress row so two registrations in one congress never take the same number.
    Congress.objects.select_for_update().filter(pk=congress.pk).first()
    current = Suggestion.objects.filter(congress=congress, year=year).aggregate(top=Max("sequence"))["top"]
    return (current or 0) + 1


@transaction.atomic
def suggestion_register(*, actor: User, suggestion: Suggestion, is_complex: bool = False, note: str = "") -> Suggestion:
    """立案: the item is admissible; it gets its number and waits for assignment."""
    _require_staff(actor, suggestion)
    suggestion = lock(suggestion)
    require_state(suggestion, {Status.SUBMITTED}, "立案")
    note = clean_text(note, field="note", label="审核意见", max_length=NOTE_MAX, required=False)
    suggestion.sequence = _next_sequence(suggestion.congress, suggestion.year)
    suggestion.number = f"{suggestion.year}-{suggestion.sequence:04d}"
    suggestion.status = Status.REGISTERED
    suggestion.registered_at = timezone.now()
    suggestion.is_complex = is_complex
    suggestion.review_note = note
    suggestion.save()
    record(actor, "registered", suggestion, number=suggestion.number, is_complex=is_complex)
    return suggestion


@transaction.atomic
def suggestion_return(*, actor: User, suggestion: Suggestion, note: str) -> Suggestion:
    """退回修改: the lead deputy revises and submits again."""
    _require_staff(actor, suggestion)
    suggestion = lock(suggestion)
    require_state(suggestion, {Status.SUBMITTED}, "退回修改")
    note = clean_text(note, field="note", label="退回意见", max_length=NOTE_MAX)
    suggestion.status = Status.RETURNED
    suggestion.review_note = note
    suggestion.save(update_fields=["status", "review_note", "updated_at"])
    record(actor, "returned", suggestion, note=note)
    notify([suggestion.lead_deputy], "suggestion.returned", suggestion, note=note)
    return suggestion


@transaction.atomic
def suggestion_refuse(*, actor: User, suggestion: Suggestion, reason: str) -> Suggestion:
    """不予立案 (inadmissible content, §1.4): the reason is recorded and the deputy told."""
    _require_staff(actor, suggestion)
    suggestion = lock(suggestion)
    require_state(suggestion, {Status.SUBMITTED}, "不予立案")
    reason = clean_text(reason, field="reason", label="不予立案理由", max_length=NOTE_MAX)
    suggestion.status = Status.NOT_REGISTERED
    suggestion.review_note = reason
    suggestion.save(update_fields=["status", "review_note", "updated_at"])
    record(actor, "not_registered", suggestion, reason=reason)
    notify([suggestion.lead_deputy], "suggestion.not_registered", suggestion, note=reason)
    return suggestion


@transaction.atomic
def suggestion_merge(*, actor: User, suggestion: Suggestion, into: Suggestion, note: str = "") -> Suggestion:
    """并案: an identical item joins another; its deputy still receives the answer (§1.5)."""
    _require_staff(actor, suggestion)
    if into.pk == suggestion.pk:
        raise InvalidInput("不能与自身并案", code="invalid", field="into")
    if into.congress_id != suggestion.congress_id:
        raise InvalidInput("只能并入本级人大的建议", code="wrong_congress", field="into")
    suggestion = lock(suggestion)
    into = lock(into)
    require_state(suggestion, {Status.SUBMITTED, Status.REGISTERED}, "并案")
    if into.status in TERMINAL_STATES or into.status in {Status.DRAFT, Status.SUBMITTED, Status.RETURNED}:
        raise InvalidInput(
            f"被并入的建议须已立案且未办结（现为“{into.get_status_display()}”）", code="invalid_state", field="into"
        )
    suggestion.status = Status.MERGED
    suggestion.merged_into = into
    suggestion.review_note = clean_text(note, field="note", label="并案说明", max_length=NOTE_MAX, required=False)
    suggestion.save(update_fields=["status", "merged_into", "review_note", "updated_at"])
    record(actor, "merged", suggestion, into=into.pk, into_number=into.number)
    record(actor, "merge_received", into, merged=suggestion.pk)
    notify([suggestion.lead_deputy], "suggestion.merged", suggestion)
    return suggestion


# --- assignment ---


@dataclass(frozen=True)
class Plan:
    """Who handles an item: one lead plus co-handlers (主办+会办), or several parallel units (分办)."""

    lead: Unit | None = None
    co: Sequence[Unit] = field(default_factory=tuple)
    parallel: Sequence[Unit] = field(default_factory=tuple)

    def roles(self) -> list[tuple[Unit, str]]:
        pairs: list[tuple[Unit, str]] = []
        if self.lead is not None:
            pairs.append((self.lead, HandlingRole.LEAD))
        pairs += [(unit, HandlingRole.CO) for unit in self.co]
        pairs += [(unit, HandlingRole.PARALLEL) for unit in self.parallel]
        return pairs


def _check_plan(plan: Plan, congress: Congress) -> list[tuple[Unit, str]]:
    if plan.lead is None and not plan.parallel:
        raise InvalidInput("请指定一个主办单位，或至少一个分办单位", code="required", field="lead_unit")
    if plan.lead is not None and plan.parallel:
        raise InvalidInput(
            "主办与分办不能同时使用：请选择主办（可加会办）或分办", code="invalid", field="parallel_units"
        )
    if plan.co and plan.lead is None:
        raise InvalidInput("会办单位须配合主办单位，请先指定主办单位", code="required", field="lead_unit")
    pairs = plan.roles()
    seen: set[int] = set()
    for unit, role in pairs:
        field_name = {"lead": "lead_unit", "co": "co_units", "parallel": "parallel_units"}[role]
        if unit.congress_id != congress.pk:
            raise InvalidInput(f"“{unit.name}”不属于本级人大，不能交办", code="wrong_congress", field=field_name)
        if not unit.is_active or unit.kind in NON_HANDLING_KINDS:
            raise InvalidInput(f"“{unit.name}”不能作为承办单位", code="invalid_unit", field=field_name)
        if unit.pk in seen:
            raise InvalidInput(f"“{unit.name}”重复出现", code="duplicate", field=field_name)
        seen.add(unit.pk)
    return pairs


def _reply_start(suggestion: Suggestion, day: dt.date) -> dt.date:
    """When the reply period starts: the assignment day, or the session's close where the congress counts so."""
    counted_from = suggestion.congress.setting("suggestion_due_counted_from")
    if counted_from == "session_close" and suggestion.phase == Phase.SESSION and suggestion.session is not None:
        return suggestion.session.closes_on
    return day


def _open_unit_todos(assignment: Assignment, *, sign_for: bool = True) -> None:
    suggestion = assignment.suggestion
    common = {
        "congress": suggestion.congress,
        "url": link(suggestion),
        "target": assignment,
        "unit": assignment.unit,
        "supervising_unit": suggestion.supervising_unit,
    }
    start = timezone.localdate(assignment.assigned_at)
    if sign_for:
        todo_open(
            kind=TODO_SIGN_FOR,
            title=f"签收建议：{suggestion.title}",
            due_at=deadline("suggestion_sign_for", start=start, congress=suggestion.congress),
            **common,  # type: ignore[arg-type]
        )
    if assignment.role == HandlingRole.CO:
        todo_open(
            kind=TODO_OPINION,
            title=f"提出会办意见：{suggestion.title}",
            due_at=deadline("suggestion_cohandler_opinion", start=start, congress=suggestion.congress),
            **common,  # type: ignore[arg-type]
        )
    else:
        prefix = "二次办理" if assignment.round > 1 else "答复建议"
        todo_open(kind=TODO_REPLY, title=f"{prefix}：{suggestion.title}", due_at=assignment.due_at, **common)  # type: ignore[arg-type]


def _create_assignments(
    actor: User, suggestion: Suggestion, pairs: list[tuple[Unit, str]], *, round_number: int, rule: str
) -> list[Assignment]:
    now = timezone.now()
    day = timezone.localdate(now)
    due = deadline(
        rule, start=_reply_start(suggestion, day) if round_number == 1 else day, congress=suggestion.congress
    )
    dispute_until = (
        deadline("suggestion_dispute_window", start=day, congress=suggestion.congress) if round_number == 1 else None
    )
    created = []
    for unit, role in pairs:
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    suggestion=suggestion,
                    unit=unit,
                    role=role,
                    round=round_number,
                    assigned_at=now,
                    assigned_by=actor,
                    due_at=due,
                    original_due_at=due,
                    dispute_until=dispute_until,
                    # A unit re-handling its own item has signed for it already.
                    signed_at=now if round_number > 1 else None,
                )
        except IntegrityError:
            raise InvalidTransition("该建议已经交办给这个单位", code="already_assigned") from None
        _open_unit_todos(assignment, sign_for=round_number == 1)
        created.append(assignment)
    return created


def _assign_one(actor: User, suggestion: Suggestion, pairs: list[tuple[Unit, str]]) -> list[Assignment]:
    suggestion = lock(suggestion)
    require_state(suggestion, {Status.REGISTERED}, "交办")
    rule = "suggestion_reply_complex" if suggestion.is_complex else "suggestion_reply"
    assignments = _create_assignments(actor, suggestion, pairs, round_number=1, rule=rule)
    suggestion.status = Status.ASSIGNED
    suggestion.first_assigned_at = assignments[0].assigned_at
    suggestion.due_at = assignments[0].due_at
    suggestion.save(update_fields=["status", "first_assigned_at", "due_at", "updated_at"])
    record(
        actor,
        "assigned",
        suggestion,
        units=[{"unit": unit.pk, "name": unit.name, "role": role} for unit, role in pairs],
        due=timezone.localdate(suggestion.due_at).isoformat(),
    )
    for assignment in assignments:
        notify(
            unit_people(assignment.unit),
            "suggestion.assigned",
            suggestion,
            unit=assignment.unit.name,
            role=assignment.get_role_display(),
            due=due_text(assignment.due_at),
        )
    names = "、".join(unit.name for unit, role in pairs if role in REPLYING_ROLES)
    notify(
        [suggestion.lead_deputy],
        "suggestion.assigned_to_deputy",
        suggestion,
        units=names,
        due=due_text(suggestion.due_at),
    )
    return assignments


@transaction.atomic
def suggestion_assign(*, actor: User, suggestion: Suggestion, plan: Plan) -> list[Assignment]:
    """交办 to a lead unit (plus co-handlers) or to parallel units, with the deadline the congress's rule gives."""
    _require_staff(actor, suggestion)
    pairs = _check_plan(plan, suggestion.congress)
    return _assign_one(actor, suggestion, pairs)


@transaction.atomic
def suggestion_assign_batch(
    *, actor: User, congress: Congress, suggestions: Sequence[Suggestion], plan: Plan
) -> list[Assignment]:
    """The 交办会: many items to the same units at once. One invalid item stops the whole batch."""
    if not permissions.can_manage_congress(actor, congress):
        raise NotPermitted("只有本级人大的建议交办机构可以交办")
    if not suggestions:
        raise InvalidInput("请至少选择一件建议", code="required", field="suggestions")
    pairs = _check_plan(plan, congress)
    created: list[Assignment] = []
    for suggestion in suggestions:
        if suggestion.congress_id != congress.pk:
            raise InvalidInput(f"建议“{suggestion.title}”不属于本级人大", code="wrong_congress", field="suggestions")
        try:
            created += _assign_one(actor, suggestion, pairs)
        except InvalidTransition as error:
            raise InvalidTransition(
                f"{suggestion.number or suggestion.title}：{error.message}", code=error.code
            ) from None
    return created


# --- disputes and extensions ---


@transaction.atomic
def dispute_decide(*, actor: User, dispute: Dispute, approve: bool, note: str, new_unit: Unit | None = None) -> Dispute:
    """The 交办机构 decides a contested assignment. Approving moves the duty to another unit."""
    assignment = dispute.assignment
    suggestion = assignment.suggestion
    _require_staff(actor, suggestion)
    suggestion = lock(suggestion)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != RequestStatus.PENDING:
        raise InvalidTransition("该异议已经处理", code="already_decided")
    note = clean_text(note, field="note", label="处理意见", max_length=NOTE_MAX)
    if approve:
        if new_unit is None:
            raise InvalidInput("同意调整时须指定改交的单位", code="required", field="new_unit")
        _check_plan(Plan(lead=new_unit), suggestion.congress)
        if suggestion.assignments.filter(
            unit=new_unit, round=assignment.round, status=AssignmentStatus.ACTIVE
        ).exists():
            raise InvalidInput(f"“{new_unit.name}”已承办该建议", code="duplicate", field="new_unit")
        assignment.status = AssignmentStatus.WITHDRAWN
        assignment.save(update_fields=["status"])
        TodoItem.objects.filter(
            target_type="suggestions.assignment", target_id=str(assignment.pk), status=TodoStatus.OPEN
        ).update(status=TodoStatus.CANCELLED, closed_at=timezone.now(), closed_by=actor)
        rule = "suggestion_reply_complex" if suggestion.is_complex else "suggestion_reply"
        replacement = _create_assignments(
            actor, suggestion, [(new_unit, assignment.role)], round_number=assignment.round, rule=rule
        )[0]
        if assignment.role in REPLYING_ROLES:
            suggestion.due_at = replacement.due_at
            suggestion.save(update_fields=["due_at", "updated_at"])
        notify(
            unit_people(new_unit),
            "suggestion.assigned",
            suggestion,
            unit=new_unit.name,
            role=replacement.get_role_display(),
            due=due_text(replacement.due_at),
        )
    dispute.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    dispute.decision_note = note
    dispute.decided_by = actor
    dispute.decided_at = timezone.now()
    dispute.save()
    record(
        actor,
        "dispute_approved" if approve else "dispute_rejected",
        suggestion,
        unit=assignment.unit.name,
        new_unit=new_unit.name if approve and new_unit else "",
        note=note,
    )
    return dispute


def _sync_due(suggestion: Suggestion) -> None:
    """The item's deadline is the latest of its replying units' deadlines in the current round."""
    latest = suggestion.assignments.filter(
        round=suggestion.round, status=AssignmentStatus.ACTIVE, role__in=list(REPLYING_ROLES)
    ).aggregate(latest=Max("due_at"))["latest"]
    if latest is not None:
        suggestion.due_at = latest
        suggestion.save(update_fields=["due_at", "updated_at"])


@transaction.atomic
def extension_decide(*, actor: User, extension: Extension, approve: bool, note: str) -> Extension:
    """The 交办机构 approves or refuses more time, with a reason; the deputy is told of an approval."""
    assignment = extension.assignment
    suggestion = assignment.suggestion
    _require_staff(actor, suggestion)
    suggestion = lock(suggestion)
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != RequestStatus.PENDING:
        raise InvalidTransition("该延期申请已经处理", code="already_decided")
    note = clean_text(note, field="note", label="审批意见", max_length=NOTE_MAX)
    extension.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    extension.decision_note = note
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.save()
    if approve:
        from renda.core.calendar import end_of_day

        assignment.due_at = end_of_day(extension.requested_due)
        assignment.save(update_fields=["due_at"])
        TodoItem.objects.filter(
            target_type="suggestions.assignment", target_id=str(assignment.pk), kind=TODO_REPLY, status=TodoStatus.OPEN
        ).update(due_at=assignment.due_at, last_reminder_days=None, escalation_level=0)
        _sync_due(suggestion)
        notify(
            [suggestion.lead_deputy],
            "suggestion.extension_approved",
            suggestion,
            unit=assignment.unit.name,
            due=due_text(assignment.due_at),
            note=note,
        )
    record(
        actor,
        "extension_approved" if approve else "extension_rejected",
        suggestion,
        unit=assignment.unit.name,
        requested_due=extension.requested_due.isoformat(),
        note=note,
    )
    return extension


# --- flags ---


@transaction.atomic
def key_supervision_set(
    *,
    actor: User,
    suggestion: Suggestion,
    is_key: bool,
    supervising_unit: Unit | None = None,
    supervising_leader: User | None = None,
) -> Suggestion:
    """重点督办, chosen by the 主任会议: a supervising committee, a supervising leader, or both."""
    _require_staff(actor, suggestion)
    suggestion = lock(suggestion)
    if suggestion.status in {Status.DRAFT, Status.SUBMITTED, Status.RETURNED} or suggestion.status in {
        Status.NOT_REGISTERED,
        Status.MERGED,
        Status.WITHDRAWN,
    }:
        raise InvalidTransition("只有已立案的建议可以列为重点督办", code="invalid_state", field="status")
    if is_key:
        if supervising_unit is None and supervising_leader is None:
            raise InvalidInput("重点督办须指定督办的专门委员会或领导", code="required", field="supervising_unit")
        if supervising_unit is not None and (
            supervising_unit.congress_id != suggestion.congress_id or supervising_unit.kind not in CONGRESS_UNIT_KINDS
        ):
            raise InvalidInput(
                "督办机构须为本级人大的专门委员会或工作机构", code="invalid_unit", field="supervising_unit"
            )
        if (
            supervising_leader is not None
            and not RoleAssignment.objects.filter(
                user=supervising_leader,
                congress=suggestion.congress,
                role__in=[Role.LEADER, Role.SC_MEMBER],
                is_active=True,
            ).exists()
        ):
            raise InvalidInput("督办领导须为本级人大常委会领导或组成人员", code="invalid", field="supervising_leader")
    else:
        supervising_unit = supervising_leader = None
    suggestion.is_key = is_key
    suggestion.supervising_unit = supervising_unit
    suggestion.supervising_leader = supervising_leader
    suggestion.save(update_fields=["is_key", "supervising_unit", "supervising_leader", "updated_at"])
    TodoItem.objects.filter(
        target_type="suggestions.assignment",
        target_id__in=[str(pk) for pk in suggestion.assignments.values_list("pk", flat=True)],
        status=TodoStatus.OPEN,
    ).update(supervising_unit=supervising_unit)
    record(
        actor,
        "key_set" if is_key else "key_cleared",
        suggestion,
        unit=supervising_unit.name if supervising_unit else "",
        leader=supervising_leader.display_name if supervising_leader else "",
    )
    return suggestion


@transaction.atomic
def disclosure_set(*, actor: User, suggestion: Suggestion, is_public: bool) -> Suggestion:
    """Whether the item and its replies appear on the public portal (办理情况向社会公开)."""
    _require_staff(actor, suggestion)
    suggestion = lock(suggestion)
    if suggestion.status in {Status.DRAFT, Status.WITHDRAWN}:
        raise InvalidTransition("草稿或已撤回的建议不能公开", code="invalid_state", field="status")
    suggestion.is_public = is_public
    suggestion.save(update_fields=["is_public", "updated_at"])
    record(actor, "disclosed" if is_public else "undisclosed", suggestion)
    return suggestion
