"""API for the audit trail: read-only, for auditors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from renda.core import notify, todo
from renda.core import permissions as core_permissions
from renda.core.audit_queries import audit_events_for, parse_filter
from renda.core.models import AuditEvent, FailedJob, Notification, TodoItem
from renda.organizations.permissions import can_view_audit

router = Router(tags=["审计 Audit"])


class AuditEventOut(Schema):
    sequence: int
    occurred_at: dt.datetime
    actor_label: str
    acting_role: str
    congress_id: int | None
    action: str
    target_type: str
    target_id: str
    target_label: str
    summary: dict[str, Any]
    ip_address: str | None
    event_hash: str
    hash_algorithm: str


@router.get("/audit/events", response=list[AuditEventOut], summary="审计事件（可筛选）")
@paginate(PageNumberPagination, page_size=50)
def list_events(  # noqa: PLR0917 - ninja maps each filter to a query parameter
    request: HttpRequest,
    action: str = "",
    actor: str = "",
    role: str = "",
    target_type: str = "",
    target_id: str = "",
    congress: str = "",
    date_from: str = "",
    date_to: str = "",
) -> QuerySet[AuditEvent]:
    user = request.user
    if not can_view_audit(user):  # type: ignore[arg-type]
        raise PermissionDenied
    audit_filter = parse_filter(
        {
            "action": action,
            "actor": actor,
            "role": role,
            "target_type": target_type,
            "target_id": target_id,
            "congress": congress,
            "date_from": date_from,
            "date_to": date_to,
        }
    )
    return audit_events_for(user, audit_filter)  # type: ignore[arg-type]


class TodoOut(Schema):
    id: int
    congress_id: int
    kind: str
    title: str
    assignee_user_id: int | None
    assignee_unit_id: int | None
    due_at: dt.datetime | None
    url: str
    status: str
    closed_at: dt.datetime | None
    overdue: bool

    @staticmethod
    def resolve_overdue(item: TodoItem) -> bool:
        return todo.is_overdue(item)


class TodoCountsOut(Schema):
    open: int
    overdue: int
    due_soon: int
    done: int


@router.get("/todo", response=list[TodoOut], summary="我的待办（本人及所在单位，跨业务）", tags=["待办 To-do"])
@paginate(PageNumberPagination, page_size=50)
def list_todo(request: HttpRequest, status: str = "open") -> QuerySet[TodoItem]:
    return todo.filter_bucket(todo.todos_for(request.user), status)  # type: ignore[arg-type]


@router.get("/todo/counts", response=TodoCountsOut, summary="待办计数", tags=["待办 To-do"])
def todo_counts(request: HttpRequest) -> TodoCountsOut:
    counts = todo.count_buckets(todo.todos_for(request.user))  # type: ignore[arg-type]
    return TodoCountsOut(open=counts.open, overdue=counts.overdue, due_soon=counts.due_soon, done=counts.done)


class NotificationOut(Schema):
    id: int
    event: str
    subject: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    email_status: str
    sms_status: str


@router.get("/inbox", response=list[NotificationOut], summary="我的通知", tags=["通知 Notifications"])
@paginate(PageNumberPagination, page_size=30)
def list_inbox(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    notifications = notify.inbox_for(request.user)  # type: ignore[arg-type]
    return notifications.filter(read_at__isnull=True) if unread else notifications


@router.post("/inbox/{notification_id}/read", response=NotificationOut, summary="标为已读", tags=["通知 Notifications"])
def read_notification(request: HttpRequest, notification_id: int) -> Notification:
    user = request.user
    notification = core_permissions.get_notification_for_recipient(user, notification_id)  # type: ignore[arg-type]
    return notify.notification_mark_read(user=user, notification=notification)  # type: ignore[arg-type]


class PreferencesIn(Schema):
    by_email: bool
    by_sms: bool


@router.get("/me/notification-preferences", response=PreferencesIn, summary="通知设置", tags=["通知 Notifications"])
def get_preferences(request: HttpRequest) -> PreferencesIn:
    user = request.user
    return PreferencesIn(by_email=user.notify_by_email, by_sms=user.notify_by_sms)  # type: ignore[union-attr]


@router.put("/me/notification-preferences", response=PreferencesIn, summary="修改通知设置", tags=["通知 Notifications"])
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> PreferencesIn:
    notify.preferences_update(user=request.user, by_email=payload.by_email, by_sms=payload.by_sms)  # type: ignore[arg-type]
    return payload


class FailedJobOut(Schema):
    id: int
    task_name: str
    arguments: list[Any]
    error: str
    retries: int
    failed_at: dt.datetime
    resolved_at: dt.datetime | None


@router.get("/jobs/failed", response=list[FailedJobOut], summary="失败的后台任务", tags=["后台任务 Jobs"])
@paginate(PageNumberPagination, page_size=50)
def list_failed_jobs(request: HttpRequest) -> QuerySet[FailedJob]:
    if not core_permissions.can_view_failed_jobs(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    return FailedJob.objects.all()


@router.post("/jobs/failed/{job_id}/retry", response=FailedJobOut, summary="重新排队", tags=["后台任务 Jobs"])
def retry_failed_job(request: HttpRequest, job_id: int) -> FailedJob:
    job = core_permissions.get_failed_job_for_admin(request.user, job_id)  # type: ignore[arg-type]
    return notify.failed_job_retry(actor=request.user, job=job)  # type: ignore[arg-type,no-any-return]
