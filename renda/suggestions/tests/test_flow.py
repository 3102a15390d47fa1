"""The whole statutory loop through the actions, including re-handling (§1.5)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from renda.core.models import AuditEvent, TodoItem, TodoStatus
from renda.suggestions import actions
from renda.suggestions.models import Status
from renda.suggestions.tests.conftest import SuggestionWorld, drive


def test_full_loop_with_rehandling(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "replied")
    assert suggestion.status == Status.REPLIED
    assert suggestion.number == f"{suggestion.year}-0001"
    assert suggestion.replied_on_time is True
    assert suggestion.result_category == "A"
    assert TodoItem.objects.filter(kind="suggestion.evaluate", assignee_user=sw.deputy, status="open").exists()

    actions.suggestion_evaluate(
        actor=sw.deputy, suggestion=suggestion, process_rating="satisfied", result_rating="dissatisfied"
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REHANDLING
    assert suggestion.round == 2 and suggestion.was_rehandled
    second = suggestion.assignments.get(round=2)
    assert second.unit == sw.lead_unit
    # One month by default, from today.
    assert timezone.localdate(second.due_at) >= timezone.localdate() + dt.timedelta(days=27)
    assert TodoItem.objects.filter(kind="suggestion.reply", target_id=str(second.pk), status=TodoStatus.OPEN).exists()

    actions.communication_add(
        actor=sw.lead_officer,
        assignment=second,
        kind="phone",
        date=timezone.localdate(),
        participants="代表",
        content="再次沟通",
    )
    reply = actions.reply_prepare(actor=sw.lead_officer, assignment=second, category="A", text="已开工。")
    actions.reply_approve(actor=sw.lead_head, reply=reply)
    actions.suggestion_evaluate(
        actor=sw.deputy, suggestion=suggestion, process_rating="satisfied", result_rating="satisfied"
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Status.CLOSED
    assert suggestion.result_rating == "satisfied"
    timeline = list(
        AuditEvent.objects.filter(target_type="suggestions.suggestion", target_id=str(suggestion.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert timeline[0] == "suggestion.created"
    assert "suggestion.rehandling_started" in timeline and timeline[-1] == "suggestion.closed"
