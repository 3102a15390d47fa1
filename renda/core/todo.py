"""The to-do list: processes open and close duties here; people read one list across every role.

``todo_open`` and ``todo_close`` are called from inside a process's own action
(which writes the audit event), so they write none themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from renda.core.errors import InvalidInput
from renda.core.models import TodoItem, TodoStatus
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

DUE_SOON_DAYS = 7
SUPERVISOR_LEVEL = 2  # escalation_level once the supervising staff have been told

# Roles through which a person carries their unit's duties.
UNIT_DUTY_ROLES = (Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.COMMITTEE_STAFF, Role.STATION_STAFF)


def _target_key(target: models.Model) -> tuple[str, str]:
    return f"{target._meta.app_label}.{target._meta.model_name}", str(target.pk)


def todo_open(
    *,
    congress: Congress,
    kind: str,
    title: str,
    due_at: dt.datetime | None,
    url: str = "",
    target: models.Model | None = None,
    user: User | None = None,
    unit: Unit | None = None,
    supervising_unit: Unit | None = None,
) -> TodoItem:
    """Record a duty. It needs an owner: a person, a unit, or both."""
    if user is None and unit is None:
        raise InvalidInput("待办事项必须指定承办人或承办单位", code="required", field="assignee")
    if unit is not None and unit.congress_id != congress.pk:
        raise InvalidInput("承办单位不属于该人大", code="wrong_congress", field="assignee_unit")
    if not title.strip() or len(title) > 200:
        raise InvalidInput("待办事项名称须为 1–200 个字", code="invalid", field="title")
    if due_at is not None and timezone.is_naive(due_at):
        raise InvalidInput("期限必须带时区", code="invalid", field="due_at")
    target_type, target_id = _target_key(target) if target is not None else ("", "")
    return TodoItem.objects.create(
        congress=congress,
        kind=kind,
        title=title.strip(),
        due_at=due_at,
        url=url,
        target_type=target_type,
        target_id=target_id,
        assignee_user=user,
        assignee_unit=unit,
        supervising_unit=supervising_unit,
    )


def todo_close(*, target: models.Model, kind: str, actor: User | None, status: str = TodoStatus.DONE) -> int:
    """The action that fulfils a duty closes its open items. Returns how many were closed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("todo_close must run inside the fulfilling action's transaction")
    target_type, target_id = _target_key(target)
    return TodoItem.objects.filter(
        target_type=target_type, target_id=target_id, kind=kind, status=TodoStatus.OPEN
    ).update(status=status, closed_at=timezone.now(), closed_by=actor)


def duty_unit_ids(user: User) -> list[int]:
    """Units whose duties the person carries through any of their active roles."""
    return list(
        user.role_assignments.filter(
            is_active=True,
            role__in=UNIT_DUTY_ROLES,
            unit__isnull=False,
            unit__is_active=True,
            congress__is_active=True,
        ).values_list("unit_id", flat=True)
    )


def todos_for(user: User) -> QuerySet[TodoItem]:
    """One list across all processes and roles: the person's own duties and their units' duties."""
    units = duty_unit_ids(user)
    return TodoItem.objects.filter(
        Q(assignee_user=user)
        | Q(assignee_unit_id__in=units)
        | Q(supervising_unit_id__in=units, escalation_level__gte=SUPERVISOR_LEVEL)
    )


def can_view_todo(user: User, item: TodoItem) -> bool:
    # The person who owns it.
    if item.assignee_user_id == user.pk:
        return True
    units = set(duty_unit_ids(user))
    # Someone carrying the duties of the owning unit (its officers and its head).
    if item.assignee_unit_id in units:
        return True
    # Staff of the body that supervises it, once it is escalated to them.
    return (
        item.supervising_unit_id is not None
        and item.supervising_unit_id in units
        and item.escalation_level >= SUPERVISOR_LEVEL
    )


@dataclass(frozen=True)
class TodoCounts:
    open: int
    overdue: int
    due_soon: int
    done: int


BUCKETS = ("open", "overdue", "due_soon", "done")


def filter_bucket(items: QuerySet[TodoItem], bucket: str, now: dt.datetime | None = None) -> QuerySet[TodoItem]:
    now = now or timezone.now()
    if bucket not in BUCKETS:
        raise InvalidInput("状态只能是 open、overdue、due_soon 或 done", code="invalid_choice", field="status")
    if bucket == "done":
        return items.exclude(status=TodoStatus.OPEN).order_by("-closed_at", "-pk")
    # Earliest deadline first on every database; items without a deadline last.
    open_items = items.filter(status=TodoStatus.OPEN).order_by(models.F("due_at").asc(nulls_last=True), "pk")
    if bucket == "overdue":
        return open_items.filter(due_at__lt=now)
    if bucket == "due_soon":
        return open_items.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=DUE_SOON_DAYS))
    return open_items


def count_buckets(items: QuerySet[TodoItem], now: dt.datetime | None = None) -> TodoCounts:
    now = now or timezone.now()
    soon = now + dt.timedelta(days=DUE_SOON_DAYS)
    open_filter = Q(status=TodoStatus.OPEN)
    counts = items.aggregate(
        open=models.Count("pk", filter=open_filter),
        overdue=models.Count("pk", filter=open_filter & Q(due_at__lt=now)),
        due_soon=models.Count("pk", filter=open_filter & Q(due_at__gte=now, due_at__lt=soon)),
        done=models.Count("pk", filter=~open_filter),
    )
    return TodoCounts(**counts)


def is_overdue(item: TodoItem, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return item.status == TodoStatus.OPEN and item.due_at is not None and item.due_at < now
