"""The unit's side and the relay back (§3.1 steps 3–4): accept (接单) or return, reply, relay to the citizen.

In a cluster handled as one (``cluster_dispatch``), the unit's acceptance, return and reply on one
opinion carry over to the others of the cluster it holds in the same state, so every citizen gets
the answer; each opinion still gets its own audit event.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from renda.core import crypto
from renda.core.checks import clean_text
from renda.core.errors import InvalidTransition, NotPermitted
from renda.core.models import AuditEvent
from renda.core.notify import absolute_link, format_due
from renda.core.todo import todo_close
from renda.opinions import permissions
from renda.opinions.actions._common import (
    REASON_MAX,
    REPLY_MAX,
    TODO_HANDLE,
    TODO_RELAY,
    TODO_TRIAGE,
    lock,
    notify,
    open_triage_side_todo,
    record,
    require_state,
    short,
    station_people,
    tracking_link,
    triage_unit,
    unit_people,
)
from renda.opinions.models import UNIT_STATES, Dispatch, Opinion, Status
from renda.opinions.notices import CITIZEN_RELAY_SMS
from renda.organizations.models import RoleAssignment
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

logger = logging.getLogger("renda.opinions")


# --- who is told, and who owns the next duty ---


def triage_people(opinion: Opinion) -> list[User]:
    """Who triages (and relays for) the opinion: its station's staff, its deputy, or the congress's triage staff."""
    from renda.accounts.models import User

    if opinion.station is not None:
        return station_people(opinion.station.unit_id)
    if opinion.deputy is not None:
        return [opinion.deputy.user]
    unit = triage_unit(opinion.congress)
    if unit is None:
        return []
    ids = RoleAssignment.objects.filter(unit=unit, role=Role.COMMITTEE_STAFF, is_active=True).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


# --- the unit ---


def _live_dispatch(opinion: Opinion) -> Dispatch:
    dispatch = (
        Dispatch.objects.select_for_update()
        .filter(opinion=opinion, state__in=[Dispatch.State.PENDING, Dispatch.State.ACCEPTED])
        .first()
    )
    if dispatch is None:  # pragma: no cover - the status says there is one (UNIT_STATES)
        raise InvalidTransition("该意见没有正在办理的派单", code="no_dispatch", field="status")
    return dispatch


def _check_unit(actor: User, opinion: Opinion, allowed: set[str], doing: str) -> tuple[Opinion, Dispatch]:
    unit = permissions.acting_unit(actor)
    if unit is None:
        raise NotPermitted(f"只有承办单位可以{doing}")
    # Whose it is, and in which state, is read under the lock: the caller's copy may be stale.
    opinion = lock(opinion)
    if opinion.unit_id != unit.pk:
        raise NotPermitted(f"只有承办单位可以{doing}")
    require_state(opinion, allowed, doing)
    return opinion, _live_dispatch(opinion)


def handled_as_one(opinion: Opinion) -> bool:
    return opinion.cluster is not None and opinion.cluster.handled_as_one


def _siblings(opinion: Opinion, states: set[str]) -> list[Opinion]:
    """The other opinions of a cluster handled as one that the same unit holds in the same state."""
    if not handled_as_one(opinion) or opinion.unit is None:
        return []
    return list(
        Opinion.objects.select_for_update()
        .filter(cluster=opinion.cluster, unit=opinion.unit, status__in=list(states))
        .exclude(pk=opinion.pk)
        .select_related("congress")
        .order_by("pk")
    )


def _accept_one(actor: User, opinion: Opinion, dispatch: Dispatch, now: dt.datetime) -> None:
    dispatch.state, dispatch.accepted_at = Dispatch.State.ACCEPTED, now
    dispatch.save(update_fields=["state", "accepted_at"])
    opinion.status = Status.ACCEPTED
    opinion.save(update_fields=["status"])
    record(actor, "accepted", opinion, round=opinion.round, unit=dispatch.unit_id)


@transaction.atomic
def dispatch_accept(*, actor: User, opinion: Opinion) -> Opinion:
    """The unit takes the item on (接单)."""
    opinion, dispatch = _check_unit(actor, opinion, {Status.DISPATCHED}, "接单")
    now = timezone.now()
    _accept_one(actor, opinion, dispatch, now)
    for sibling in _siblings(opinion, {Status.DISPATCHED}):
        _accept_one(actor, sibling, _live_dispatch(sibling), now)
    return opinion


def _return_one(actor: User, opinion: Opinion, dispatch: Dispatch, reason: str) -> None:
    dispatch.state, dispatch.return_reason = Dispatch.State.RETURNED, reason
    dispatch.save(update_fields=["state", "return_reason"])
    todo_close(target=dispatch, kind=TODO_HANDLE, actor=actor, status="cancelled")
    unit_name = dispatch.unit.name
    opinion.status, opinion.unit, opinion.due_at = Status.RECEIVED, None, None
    opinion.save(update_fields=["status", "unit", "due_at"])
    open_triage_side_todo(opinion, kind=TODO_TRIAGE, title=f"重新分流群众意见：{short(opinion.text)}")
    notify(triage_people(opinion), "opinion.returned", opinion, unit=unit_name, reason=reason)
    record(actor, "returned", opinion, round=opinion.round, unit=dispatch.unit_id, reason=reason[:200])


@transaction.atomic
def dispatch_return(*, actor: User, opinion: Opinion, reason: str) -> Opinion:
    """Not this unit's matter: back to triage with the reason (退回)."""
    opinion, dispatch = _check_unit(actor, opinion, set(UNIT_STATES), "退回")
    reason = clean_text(reason, field="reason", label="退回理由", max_length=REASON_MAX)
    siblings = _siblings(opinion, set(UNIT_STATES))
    _return_one(actor, opinion, dispatch, reason)
    for sibling in siblings:
        _return_one(actor, sibling, _live_dispatch(sibling), reason)
    cluster = opinion.cluster
    if cluster is not None and cluster.handled_as_one:
        # Returned, the group is no longer handled as one: staff decide again.
        cluster.handled_as_one = False
        cluster.save(update_fields=["handled_as_one"])
    return opinion


def _reply_one(actor: User, opinion: Opinion, dispatch: Dispatch, text: str, now: dt.datetime) -> None:
    dispatch.state, dispatch.reply, dispatch.replied_by, dispatch.replied_at = Dispatch.State.REPLIED, text, actor, now
    dispatch.save(update_fields=["state", "reply", "replied_by", "replied_at"])
    todo_close(target=dispatch, kind=TODO_HANDLE, actor=actor)
    opinion.status, opinion.replied_at = Status.REPLIED, now
    opinion.replied_on_time = now <= dispatch.due_at
    opinion.save(update_fields=["status", "replied_at", "replied_on_time"])
    open_triage_side_todo(opinion, kind=TODO_RELAY, title=f"向群众反馈答复：{short(opinion.text)}")
    notify(triage_people(opinion), "opinion.replied", opinion, unit=dispatch.unit.name)
    record(actor, "replied", opinion, round=opinion.round, unit=dispatch.unit_id, on_time=opinion.replied_on_time)


@transaction.atomic
def dispatch_reply(*, actor: User, opinion: Opinion, text: str) -> Opinion:
    """The unit answers (答复); on time if before the round's due date."""
    opinion, dispatch = _check_unit(actor, opinion, {Status.ACCEPTED}, "答复")
    text = clean_text(text, field="text", label="答复内容", max_length=REPLY_MAX)
    now = timezone.now()
    siblings = _siblings(opinion, {Status.ACCEPTED})
    _reply_one(actor, opinion, dispatch, text, now)
    for sibling in siblings:
        _reply_one(actor, sibling, _live_dispatch(sibling), text, now)
    return opinion


# --- the relay back to the citizen ---


def citizen_phone(opinion: Opinion) -> str:
    if opinion.erased_at is not None or not opinion.citizen_phone_encrypted:
        return ""
    return crypto.decrypt(opinion.citizen_phone_encrypted)


def _send_sms_later(phone: str, message: str) -> None:
    from renda.accounts.sms import SmsNotConfigured, sms_send

    def send() -> None:
        try:
            sms_send(phone, message)
        except SmsNotConfigured:
            logger.warning("Relay SMS not sent: no SMS gateway configured")

    transaction.on_commit(send)


def _relay_one(actor: User, opinion: Opinion) -> bool:
    opinion.status = Status.RELAYED
    opinion.save(update_fields=["status"])
    todo_close(target=opinion, kind=TODO_RELAY, actor=actor)
    phone = citizen_phone(opinion)
    if phone:
        _send_sms_later(
            phone, CITIZEN_RELAY_SMS.format(code=opinion.tracking_code, link=absolute_link(tracking_link(opinion)))
        )
    record(actor, "relayed", opinion, round=opinion.round, sms=bool(phone))
    return bool(phone)


@transaction.atomic
def reply_relay(*, actor: User, opinion: Opinion) -> Opinion:
    """The station, the deputy or the staff pass the answer on to the citizen (反馈群众), by SMS when there is a phone."""
    if not permissions.can_relay(actor, opinion):
        raise NotPermitted("只有分流人员可以向群众反馈答复")
    opinion = lock(opinion)
    require_state(opinion, {Status.REPLIED}, "反馈群众")
    _relay_one(actor, opinion)
    if handled_as_one(opinion):
        for sibling in (
            Opinion.objects.select_for_update(of=("self",))
            .filter(cluster=opinion.cluster, status=Status.REPLIED)
            .exclude(pk=opinion.pk)
            .select_related("congress", "station", "deputy")
        ):
            if permissions.can_relay(actor, sibling):
                _relay_one(actor, sibling)
    return opinion


# --- overdue ---


def overdue_dispatches(now: dt.datetime | None = None, *, congress: Congress | None = None) -> QuerySet[Dispatch]:
    """Live dispatches past their due date."""
    now = now or timezone.now()
    items = Dispatch.objects.filter(state__in=[Dispatch.State.PENDING, Dispatch.State.ACCEPTED], due_at__lt=now)
    if congress is not None:
        items = items.filter(opinion__congress=congress)
    return items


def overdue_flag(now: dt.datetime | None = None) -> int:
    """Periodic job: audit ``opinion.overdue`` once per overdue round and tell the unit; returns how many were flagged.

    The reminders and escalation of the unit's duty run in ``core.jobs`` (the duty carries the due date and
    the supervising triage unit); this records the fact on the opinion's timeline once.
    """
    now = now or timezone.now()
    flagged = 0
    dispatches = overdue_dispatches(now).select_related("opinion", "opinion__congress", "unit").order_by("pk")
    batch: list[Dispatch] = []
    for dispatch in dispatches.iterator(chunk_size=500):
        batch.append(dispatch)
        if len(batch) == 500:
            flagged += _flag_batch(batch)
            batch = []
    if batch:
        flagged += _flag_batch(batch)
    return flagged


def _flag_batch(batch: list[Dispatch]) -> int:
    """Flag the dispatches of ``batch`` not flagged before (one query to know which were)."""
    done = set(
        AuditEvent.objects.filter(
            action="opinion.overdue",
            target_type="opinions.opinion",
            target_id__in=[str(dispatch.opinion_id) for dispatch in batch],
        ).values_list("summary__dispatch", flat=True)
    )
    flagged = 0
    for dispatch in batch:
        if dispatch.pk in done:
            continue
        with transaction.atomic():
            _flag_one(dispatch, dispatch.opinion)
        flagged += 1
    return flagged


def _flag_one(dispatch: Dispatch, opinion: Opinion) -> None:
    unit: Unit = dispatch.unit
    notify(unit_people(unit), "opinion.overdue", opinion, unit=unit.name, due=format_due(dispatch.due_at))
    record(None, "overdue", opinion, dispatch=dispatch.pk, round=dispatch.round, unit=unit.pk)
