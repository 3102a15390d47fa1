"""Helpers every opinion action shares: input cleaning, locking, audit, links, messages and the people to tell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from renda.core.audit import audit_record
from renda.core.calendar import due_date, end_of_day
from renda.core.errors import InvalidTransition
from renda.core.notify import notify_send
from renda.core.todo import todo_open
from renda.opinions.models import Opinion
from renda.organizations.models import RoleAssignment
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

# Field limits, shared with the forms and the API schemas.
TEXT_MIN = 10
TEXT_MAX = 2000
NAME_MAX = 30
ADDRESS_MAX = 200
ANSWER_MAX = 3000
REASON_MAX = 500
REPLY_MAX = 5000
COMMENT_MAX = 1000
MAX_UPLOADS = 6
UPLOAD_MAX_BYTES = 10 * 1024 * 1024

# To-do kinds (core.todo): one duty per step, closed by the action that fulfils it.
TODO_TRIAGE = "opinion.triage"
TODO_HANDLE = "opinion.handle"
TODO_RELAY = "opinion.relay"


def mask_name(name: str) -> str:
    """``张*``/``张**``: the family name only."""
    if not name:
        return ""
    return (name[0] + "*" * min(len(name) - 1, 4)) if len(name) > 1 else "*"


def lock(opinion: Opinion) -> Opinion:
    """Re-read the opinion under a row lock: concurrent actions on one opinion run one after the other."""
    return Opinion.objects.select_for_update().select_related("congress").get(pk=opinion.pk)


def require_state(opinion: Opinion, allowed: Iterable[str], doing: str) -> None:
    if opinion.status not in set(allowed):
        raise InvalidTransition(
            f"意见当前状态为“{opinion.get_status_display()}”，不能{doing}", code="invalid_state", field="status"
        )


def record(actor: User | None, action: str, opinion: Opinion, **summary: Any) -> None:
    """The audit event; the opinion's timeline is read from these, so the target is always the opinion."""
    audit_record(actor=actor, action=f"opinion.{action}", target=opinion, congress=opinion.congress, summary=summary)


def link(opinion: Opinion) -> str:
    """The staff page of the opinion (built by the staff pages; the path is fixed by the URL design)."""
    try:
        return reverse("opinions:opinion_detail", kwargs={"opinion_id": opinion.pk})
    except NoReverseMatch:
        return f"/opinions/{opinion.pk}/"


def tracking_link(opinion: Opinion) -> str:
    """The citizen's tracking page, reached with the code alone."""
    try:
        return reverse("portal:opinion_status", kwargs={"code": opinion.tracking_code})
    except NoReverseMatch:
        return f"/portal/opinions/track/{opinion.tracking_code}/"


def short(text: str, length: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def deadline(rule: str, *, start: dt.date, congress: Congress) -> dt.datetime:
    return end_of_day(due_date(rule, start=start, congress=congress))


def today() -> dt.date:
    return timezone.localdate()


def unit_people(unit: Unit) -> list[User]:
    from renda.accounts.models import User

    ids = RoleAssignment.objects.filter(unit=unit, is_active=True, role__in=[Role.UNIT_OFFICER, Role.UNIT_HEAD]).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids, is_active=True))


def station_people(unit_id: int) -> list[User]:
    from renda.accounts.models import User

    ids = RoleAssignment.objects.filter(unit_id=unit_id, is_active=True, role=Role.STATION_STAFF).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def triage_unit(congress: Congress) -> Unit | None:
    """The unit whose committee staff keep the congress's triage queue: the first that holds an active role."""
    assignment = (
        RoleAssignment.objects.filter(
            congress=congress, role=Role.COMMITTEE_STAFF, is_active=True, unit__isnull=False, unit__is_active=True
        )
        .select_related("unit")
        .order_by("unit__sort_order", "unit__pk")
        .first()
    )
    return assignment.unit if assignment is not None else None


def label(opinion: Opinion) -> dict[str, Any]:
    return {"code": opinion.tracking_code, "summary": short(opinion.text), "link": link(opinion)}


def notify(recipients: Iterable[User], event: str, opinion: Opinion, **context: Any) -> None:
    seen: set[int] = set()
    for recipient in recipients:
        if recipient.pk in seen:
            continue
        seen.add(recipient.pk)
        notify_send(
            recipient=recipient,
            event=event,
            context={**label(opinion), **context},
            target=opinion,
            congress=opinion.congress,
        )


def open_triage_side_todo(opinion: Opinion, *, kind: str, title: str) -> None:
    """A duty for whoever triages the opinion: its station, its deputy or the congress's triage unit."""
    owner_unit: Unit | None = None
    owner_user: User | None = None
    congress = opinion.congress
    if opinion.station is not None:
        owner_unit = opinion.station.unit
        congress = owner_unit.congress
    elif opinion.deputy is not None:
        owner_user = opinion.deputy.user
    else:
        owner_unit = triage_unit(opinion.congress)
    if owner_unit is None and owner_user is None:
        return
    todo_open(
        congress=congress,
        kind=kind,
        title=title,
        due_at=None,
        url=link(opinion),
        target=opinion,
        user=owner_user,
        unit=owner_unit,
    )
