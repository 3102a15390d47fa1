"""Periodic jobs: reminders before a due date, escalation when overdue, held SMS.

They work on sets, not one item at a time, so a scan over a million open items
stays within a minute. Each item records which reminder it already got, so a
job that runs twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from renda.core.models import DeliveryStatus, Notification, TodoItem, TodoStatus
from renda.core.notify import TEMPLATES, absolute_link, format_due, in_quiet_hours, plan_channels
from renda.core.todo import UNIT_DUTY_ROLES
from renda.organizations.models import RoleAssignment
from renda.organizations.roles import Role

logger = logging.getLogger("renda.jobs")
BATCH = 2000


@dataclass
class JobReport:
    reminders: int = 0
    escalated_to_heads: int = 0
    escalated_to_supervisors: int = 0
    sms_released: int = 0
    notification_ids: list[int] = field(default_factory=list)
    # Name of each registered process job → what it returned (or "failed: …").
    process_jobs: dict[str, Any] = field(default_factory=dict)


# --- jobs of the processes (scores, model retraining, spike alerts, monthly reports...) ---

PeriodicJob = Callable[[dt.datetime], Any]
_PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def register_periodic_job(name: str, job: PeriodicJob) -> None:
    """Run ``job(now)`` on every scheduler interval (Celery beat or the in-process thread).

    A job decides for itself whether there is anything to do at ``now`` (once a day,
    on the 1st of the month...) and must be idempotent: the scheduler may call it
    often, and twice for the same moment. One job failing does not stop the others.
    """
    existing = _PERIODIC_JOBS.get(name)
    if existing is not None and existing is not job:
        raise ValueError(f"a periodic job named {name!r} is already registered")
    _PERIODIC_JOBS[name] = job


def _run_process_jobs(now: dt.datetime, report: JobReport) -> None:
    for name, job in sorted(_PERIODIC_JOBS.items()):
        try:
            report.process_jobs[name] = job(now)
        except Exception as exc:  # one process's failure must not stop reminders or the other jobs
            logger.exception("Periodic job %s failed", name)
            report.process_jobs[name] = f"failed: {exc.__class__.__name__}"


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    phone: str | None
    notify_by_email: bool
    notify_by_sms: bool


def _people_by_unit(unit_ids: set[int], roles: tuple[str, ...]) -> dict[int, list[Person]]:
    """Everyone carrying a unit's duties through one of ``roles``: the same rule as ``todo.can_view_todo``."""
    result: dict[int, list[Person]] = defaultdict(list)
    if not unit_ids:
        return result
    rows = RoleAssignment.objects.filter(
        unit_id__in=unit_ids, role__in=roles, is_active=True, user__is_active=True
    ).values_list("unit_id", "user_id", "user__email", "user__phone", "user__notify_by_email", "user__notify_by_sms")
    for unit_id, user_id, email, phone, by_email, by_sms in rows:
        result[unit_id].append(Person(user_id, email, phone, by_email, by_sms))
    return result


def _people_by_id(user_ids: set[int]) -> dict[int, Person]:
    from renda.accounts.models import User

    rows = User.objects.filter(pk__in=user_ids, is_active=True).values_list(
        "pk", "email", "phone", "notify_by_email", "notify_by_sms"
    )
    return {row[0]: Person(*row) for row in rows}


def _message(person: Person, item: TodoItem, event: str, context: dict[str, Any], now: dt.datetime) -> Notification:
    subject_template, body_template = TEMPLATES[event]
    values = {
        "title": item.title,
        "due": format_due(item.due_at),
        "link": absolute_link(item.url or "/todo/"),
        **context,
    }
    notification = Notification(
        recipient_id=person.id,
        congress_id=item.congress_id,
        event=event,
        subject=subject_template.format(**values)[:200],
        body=body_template.format(**values),
        url=item.url or "/todo/",
    )
    plan_channels(
        notification,
        email=person.email,
        phone=person.phone,
        by_email=person.notify_by_email,
        by_sms=person.notify_by_sms,
        now=now,
    )
    return notification


def _deliver_later(notifications: list[Notification]) -> None:
    """Store the messages; once the transaction commits, one task delivers the whole batch."""
    created = Notification.objects.bulk_create(notifications, batch_size=BATCH)
    emails = [item.pk for item in created if item.pk and item.email_status == DeliveryStatus.QUEUED]
    sms = [
        item.pk for item in created if item.pk and item.sms_status == DeliveryStatus.QUEUED and not item.sms_send_after
    ]
    if emails or sms:
        transaction.on_commit(lambda: _enqueue(emails, sms))


def _enqueue(emails: list[int], sms: list[int]) -> None:
    """One message on the broker per batch: the scan never waits for mail or SMS servers."""
    from renda.core import tasks

    if emails or sms:
        tasks.deliver_batch.delay(emails, sms)


def _recipients(
    items: list[TodoItem], unit_roles: tuple[str, ...]
) -> tuple[dict[int, list[Person]], dict[int, Person]]:
    by_unit = _people_by_unit({item.assignee_unit_id for item in items if item.assignee_unit_id}, unit_roles)
    by_user = _people_by_id({item.assignee_user_id for item in items if item.assignee_user_id})
    return by_unit, by_user


def _batches(items: QuerySet[TodoItem]) -> Iterator[list[TodoItem]]:
    """Walk a queryset in primary-key order, BATCH rows at a time, even while the loop updates those rows."""
    last_pk = 0
    while True:
        batch = list(items.filter(pk__gt=last_pk).order_by("pk")[:BATCH])
        if not batch:
            return
        last_pk = batch[-1].pk
        yield batch


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Remind owners 7 and 1 days (RENDA_REMINDER_DAYS) before the due date, once per threshold."""
    now = now or timezone.now()
    sent = 0
    for days in sorted(settings.RENDA_REMINDER_DAYS):
        candidates = TodoItem.objects.filter(
            Q(last_reminder_days__isnull=True) | Q(last_reminder_days__gt=days),
            status=TodoStatus.OPEN,
            due_at__gt=now,
            due_at__lte=now + dt.timedelta(days=days),
        )
        for batch in _batches(candidates):
            by_unit, by_user = _recipients(batch, tuple(UNIT_DUTY_ROLES))
            messages: list[Notification] = []
            for item in batch:
                left = (item.due_at or now) - now
                remaining = max(1, left.days + (1 if left.seconds else 0))
                people = list(by_unit.get(item.assignee_unit_id or 0, []))
                if item.assignee_user_id in by_user:
                    people.append(by_user[item.assignee_user_id])  # type: ignore[index]
                seen: set[int] = set()
                for person in people:
                    if person.id in seen:
                        continue
                    seen.add(person.id)
                    messages.append(_message(person, item, "todo.reminder", {"days": remaining}, now))
            with transaction.atomic():
                _deliver_later(messages)
                TodoItem.objects.filter(pk__in=[item.pk for item in batch]).update(last_reminder_days=days)
            sent += len(messages)
    return sent


def escalate_overdue(now: dt.datetime | None = None) -> tuple[int, int]:
    """Overdue items: tell the unit head at once; tell the supervising staff after a few days more."""
    now = now or timezone.now()
    to_heads = to_supervisors = 0
    level_one = TodoItem.objects.filter(
        status=TodoStatus.OPEN, due_at__lt=now, escalation_level=0, assignee_unit__isnull=False
    ).select_related("assignee_unit")
    for batch in _batches(level_one):
        heads = _people_by_unit({item.assignee_unit_id for item in batch if item.assignee_unit_id}, (Role.UNIT_HEAD,))
        messages = [
            _message(person, item, "todo.overdue_unit_head", {"unit": item.assignee_unit.name}, now)  # type: ignore[union-attr]
            for item in batch
            for person in heads.get(item.assignee_unit_id or 0, [])
        ]
        with transaction.atomic():
            _deliver_later(messages)
            TodoItem.objects.filter(pk__in=[item.pk for item in batch]).update(escalation_level=1)
        to_heads += len(messages)

    threshold = now - dt.timedelta(days=settings.RENDA_ESCALATE_SUPERVISOR_DAYS)
    level_two = TodoItem.objects.filter(
        status=TodoStatus.OPEN, due_at__lt=threshold, escalation_level=1, supervising_unit__isnull=False
    ).select_related("assignee_unit")
    for batch in _batches(level_two):
        staff = _people_by_unit(
            {item.supervising_unit_id for item in batch if item.supervising_unit_id}, (Role.COMMITTEE_STAFF,)
        )
        messages = []
        for item in batch:
            unit_name = item.assignee_unit.name if item.assignee_unit else ""
            overdue_days = (now - (item.due_at or now)).days
            messages += [
                _message(person, item, "todo.overdue_supervisor", {"unit": unit_name, "days": overdue_days}, now)
                for person in staff.get(item.supervising_unit_id or 0, [])
            ]
        with transaction.atomic():
            _deliver_later(messages)
            TodoItem.objects.filter(pk__in=[item.pk for item in batch]).update(escalation_level=2)
        to_supervisors += len(messages)
    return to_heads, to_supervisors


# A queued message older than this whose task was lost (a worker crash) is queued again.
STALE_AFTER = dt.timedelta(hours=1)


def pending_delivery_ids(now: dt.datetime | None = None) -> tuple[list[int], list[int]]:
    """E-mail whose task was lost, and SMS whose quiet hours are over (claimed here, so queued once)."""
    now = now or timezone.now()
    emails = list(
        Notification.objects.filter(email_status=DeliveryStatus.QUEUED, created_at__lt=now - STALE_AFTER).values_list(
            "pk", flat=True
        )[:BATCH]
    )
    sms: list[int] = []
    if not in_quiet_hours(now):
        held = Notification.objects.filter(
            Q(sms_send_after__lte=now) | Q(sms_send_after__isnull=True, created_at__lt=now - STALE_AFTER),
            sms_status=DeliveryStatus.QUEUED,
        )
        sms = list(held.values_list("pk", flat=True)[:BATCH])
        Notification.objects.filter(pk__in=sms).update(sms_send_after=None)
    return emails, sms


def run_periodic_jobs(now: dt.datetime | None = None) -> JobReport:
    """Everything the scheduler runs each interval: Celery beat in production, a thread under `make run`."""
    now = now or timezone.now()
    report = JobReport()
    report.reminders = send_due_reminders(now)
    report.escalated_to_heads, report.escalated_to_supervisors = escalate_overdue(now)
    emails, sms = pending_delivery_ids(now)
    _enqueue(emails, sms)
    report.sms_released = len(sms)
    _run_process_jobs(now, report)
    logger.info("Periodic jobs: %s", report)
    return report
