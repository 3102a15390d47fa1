"""The lead deputy rates the answer; dissatisfaction starts re-handling by itself (§1.5 steps 8–10)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidTransition, NotPermitted
from renda.core.todo import todo_close
from renda.suggestions import permissions
from renda.suggestions.actions._common import TEXT_MAX, due_text, lock, notify, record, unit_people
from renda.suggestions.actions.review import TODO_EVALUATE, _create_assignments
from renda.suggestions.models import (
    REPLYING_ROLES,
    AssignmentStatus,
    Evaluation,
    Rating,
    Status,
    Suggestion,
)

if TYPE_CHECKING:
    from renda.accounts.models import User

# Re-handling happens once; the second answer closes the item whatever its rating (§1.5 step 9).
MAX_ROUNDS = 2


@transaction.atomic
def suggestion_evaluate(
    *, actor: User, suggestion: Suggestion, process_rating: str, result_rating: str, comment: str = ""
) -> Evaluation:
    """Rate the answer on process and result. 不满意 on either starts re-handling (in the first round)."""
    if not permissions.is_lead_deputy(actor, suggestion):
        raise NotPermitted("只有领衔代表可以评价答复")
    suggestion = lock(suggestion)
    if suggestion.evaluations.filter(round=suggestion.round).exists():
        raise InvalidTransition("本轮答复已经评价过，不能重复评价", code="already_evaluated", field="status")
    if suggestion.status != Status.REPLIED:
        raise InvalidTransition(
            f"建议当前状态为“{suggestion.get_status_display()}”，不能评价", code="invalid_state", field="status"
        )
    process_rating = clean_choice(process_rating, Rating.values, field="process_rating", label="办理过程评价")
    result_rating = clean_choice(result_rating, Rating.values, field="result_rating", label="办理结果评价")
    comment = clean_text(comment, field="comment", label="意见", max_length=TEXT_MAX, required=False)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                suggestion=suggestion,
                round=suggestion.round,
                deputy=actor,
                process_rating=process_rating,
                result_rating=result_rating,
                comment=comment,
            )
    except IntegrityError:
        raise InvalidTransition("本轮答复已经评价过，不能重复评价", code="already_evaluated") from None
    now = timezone.now()
    suggestion.process_rating, suggestion.result_rating, suggestion.evaluated_at = process_rating, result_rating, now
    todo_close(target=suggestion, kind=TODO_EVALUATE, actor=actor)
    record(
        actor,
        "evaluated",
        suggestion,
        round=suggestion.round,
        process=process_rating,
        result=result_rating,
    )
    if evaluation.is_dissatisfied and suggestion.round < MAX_ROUNDS:
        _start_rehandling(actor, suggestion)
    else:
        suggestion.status = Status.CLOSED
        suggestion.closed_at = now
        suggestion.save()
        record(actor, "closed", suggestion, round=suggestion.round)
    return evaluation


def _start_rehandling(actor: User, suggestion: Suggestion) -> None:
    """二次办理: the same replying units answer again, within the re-handling deadline."""
    previous = list(
        suggestion.assignments.filter(
            round=suggestion.round, status=AssignmentStatus.ACTIVE, role__in=list(REPLYING_ROLES)
        ).select_related("unit")
    )
    suggestion.round += 1
    suggestion.status = Status.REHANDLING
    suggestion.was_rehandled = True
    suggestion.save()
    pairs = [(assignment.unit, assignment.role) for assignment in previous]
    assignments = _create_assignments(
        actor, suggestion, pairs, round_number=suggestion.round, rule="suggestion_rehandling"
    )
    suggestion.due_at = max(assignment.due_at for assignment in assignments)
    suggestion.save(update_fields=["due_at", "updated_at"])
    record(
        None,
        "rehandling_started",
        suggestion,
        round=suggestion.round,
        units=[assignment.unit.name for assignment in assignments],
        due=timezone.localdate(suggestion.due_at).isoformat(),
    )
    for assignment in assignments:
        notify(
            unit_people(assignment.unit),
            "suggestion.rehandling",
            suggestion,
            unit=assignment.unit.name,
            due=due_text(assignment.due_at),
        )
