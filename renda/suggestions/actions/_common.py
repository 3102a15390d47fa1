"""Helpers every suggestion action shares: input cleaning, locking, audit, to-dos and messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from renda.core.audit import audit_record
from renda.core.calendar import due_date, end_of_day
from renda.core.errors import InvalidTransition
from renda.core.notify import format_due, notify_send
from renda.organizations.models import RoleAssignment
from renda.organizations.roles import Role
from renda.suggestions.models import Status, Suggestion

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

# Field limits, shared with the forms and the API schemas.
TITLE_MAX = 100
BODY_MAX = 5000
NOTE_MAX = 500
TEXT_MAX = 2000
REPLY_MAX = 20000


def lock(suggestion: Suggestion) -> Suggestion:
    """Re-read the item under a row lock: concurrent actions on one item run one after the other."""
    return Suggestion.objects.select_for_update().get(pk=suggestion.pk)


def require_state(suggestion: Suggestion, allowed: Iterable[str], doing: str) -> None:
    if suggestion.status not in set(allowed):
        raise InvalidTransition(
            f"建议当前状态为“{suggestion.get_status_display()}”，不能{doing}", code="invalid_state", field="status"
        )


def record(actor: User | None, action: str, suggestion: Suggestion, **summary: Any) -> None:
    """The audit event; the item's timeline is read from these, so the target is always the item."""
    audit_record(
        actor=actor, action=f"suggestion.{action}", target=suggestion, congress=suggestion.congress, summary=summary
    )


def link(suggestion: Suggestion) -> str:
    return reverse("suggestions:detail", kwargs={"suggestion_id": suggestion.pk})


def label(suggestion: Suggestion) -> dict[str, Any]:
    return {"title": suggestion.title, "number": suggestion.number or "", "link": link(suggestion)}


def deadline(rule: str, *, start: dt.date, congress: Congress, amount: int | None = None) -> dt.datetime:
    return end_of_day(due_date(rule, start=start, congress=congress, amount=amount))


def today() -> dt.date:
    return timezone.localdate()


def notify(recipients: Iterable[User], event: str, suggestion: Suggestion, **context: Any) -> None:
    seen: set[int] = set()
    for recipient in recipients:
        if recipient.pk in seen:
            continue
        seen.add(recipient.pk)
        notify_send(
            recipient=recipient,
            event=event,
            context={**label(suggestion), **context},
            target=suggestion,
            congress=suggestion.congress,
        )


def unit_people(unit: Unit) -> list[User]:
    from renda.accounts.models import User

    ids = RoleAssignment.objects.filter(unit=unit, is_active=True, role__in=[Role.UNIT_OFFICER, Role.UNIT_HEAD]).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids, is_active=True))


def deputies_answered(suggestion: Suggestion) -> list[User]:
    """Who receives the answer: the lead, the confirmed co-signers, and the leads of items merged into it."""
    from renda.accounts.models import User
    from renda.suggestions.models import CosignerStatus

    cosigners = suggestion.cosigners.filter(status=CosignerStatus.CONFIRMED).values("deputy_id")
    merged = suggestion.merged_items.values("lead_deputy_id")
    return list(
        User.objects.filter(pk=suggestion.lead_deputy_id)
        | User.objects.filter(pk__in=cosigners)
        | User.objects.filter(pk__in=merged)
    )


def due_text(value: dt.datetime | None) -> str:
    return format_due(value)


TERMINAL_STATES = frozenset({Status.NOT_REGISTERED, Status.MERGED, Status.CLOSED, Status.WITHDRAWN})
