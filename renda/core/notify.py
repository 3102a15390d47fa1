"""Notifications: the in-app inbox always, e-mail and SMS when the person has them and wants them.

Each message is self-contained: it names the item, the deadline and the link.
A message about an object is sent only to someone allowed to see that object:
every app registers a visibility predicate for the models it notifies about,
and an object without one is never described in a message.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from renda.core.errors import InvalidInput
from renda.core.models import DeliveryStatus, Notification

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress

logger = logging.getLogger("renda.notify")

# event → (subject, body). Placeholders: title, due, days, link, unit, and any extra context keys.
TEMPLATES: dict[str, tuple[str, str]] = {
    "todo.assigned": ("【新待办】{title}", "您有一项新的待办事项“{title}”，办理期限 {due}。请登录平台办理：{link}"),
    "todo.reminder": (
        "【待办提醒】{title}（还剩 {days} 天）",
        "待办事项“{title}”将于 {due} 到期，还剩 {days} 天。请及时办理：{link}",
    ),
    "todo.overdue_unit_head": (
        "【超期提醒】{unit}：{title}",
        "贵单位（{unit}）的待办事项“{title}”已于 {due} 到期，目前仍未办结，请督促办理：{link}",
    ),
    "todo.overdue_supervisor": (
        "【超期督办】{unit}：{title}",
        "{unit}的待办事项“{title}”已于 {due} 到期，超期 {days} 天仍未办结，请予督办：{link}",
    ),
}

_visibility: dict[str, Callable[[Any, Any], bool]] = {}


def register_templates(templates: dict[str, tuple[str, str]]) -> None:
    """An app adds its own events (in ``AppConfig.ready``); an event name is never reused for another text."""
    for event, texts in templates.items():
        if TEMPLATES.get(event, texts) != texts:
            raise ValueError(f"notification event {event!r} is already registered with other texts")
        TEMPLATES[event] = texts


def register_visibility(model: type[models.Model], predicate: Callable[[Any, Any], bool]) -> None:
    """Declare who may read about objects of ``model`` (usually the app's own ``can_view_*``)."""
    _visibility[f"{model._meta.app_label}.{model._meta.model_name}"] = predicate


def may_receive(recipient: User, target: models.Model | None) -> bool:
    if target is None:
        return True
    predicate = _visibility.get(f"{target._meta.app_label}.{target._meta.model_name}")
    return predicate is not None and bool(predicate(recipient, target))


def format_due(due_at: dt.datetime | None) -> str:
    if due_at is None:
        return "（无期限）"
    return timezone.localtime(due_at).strftime("%Y年%m月%d日 %H:%M")


def absolute_link(path: str) -> str:
    return f"{settings.RENDA_BASE_URL.rstrip('/')}{path}" if path.startswith("/") else path


def in_quiet_hours(moment: dt.datetime) -> bool:
    start, end = settings.RENDA_SMS_QUIET_HOURS
    hour = timezone.localtime(moment).hour
    return (hour >= start or hour < end) if start > end else start <= hour < end


def quiet_hours_end(moment: dt.datetime) -> dt.datetime:
    local = timezone.localtime(moment)
    _start, end = settings.RENDA_SMS_QUIET_HOURS
    candidate = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    return candidate


def plan_channels(
    notification: Notification,
    *,
    email: str,
    phone: str | None,
    by_email: bool,
    by_sms: bool,
    now: dt.datetime,
) -> None:
    """Queue each channel the person wants; without an address it stays in the inbox; SMS waits out quiet hours."""
    if by_email:
        notification.email_status = DeliveryStatus.QUEUED if email else DeliveryStatus.SKIPPED
    if by_sms:
        notification.sms_status = DeliveryStatus.QUEUED if phone else DeliveryStatus.SKIPPED
        if phone and in_quiet_hours(now):
            notification.sms_send_after = quiet_hours_end(now)


def notify_send(
    *,
    recipient: User,
    event: str,
    context: dict[str, Any],
    target: models.Model | None = None,
    congress: Congress | None = None,
) -> Notification | None:
    """Put a message in the inbox and queue its e-mail and SMS. Returns None when the recipient may not see it."""
    if event not in TEMPLATES:
        raise InvalidInput(f"未知的通知类型：{event}", code="invalid_choice", field="event")
    if not recipient.is_active:
        logger.info("Notification %s to inactive user %s not sent", event, recipient.pk)
        return None
    if not may_receive(recipient, target):
        logger.warning("Notification %s to user %s withheld: recipient may not see the target", event, recipient.pk)
        return None
    subject_template, body_template = TEMPLATES[event]
    values = {**context, "link": absolute_link(str(context.get("link", "")))}
    now = timezone.now()
    notification = Notification(
        recipient=recipient,
        congress=congress,
        event=event,
        subject=subject_template.format(**values)[:200],
        body=body_template.format(**values),
        url=str(context.get("link", "")),
    )
    plan_channels(
        notification,
        email=recipient.email,
        phone=recipient.phone,
        by_email=recipient.notify_by_email,
        by_sms=recipient.notify_by_sms,
        now=now,
    )
    notification.save()
    if DeliveryStatus.SKIPPED in (notification.email_status, notification.sms_status):
        logger.info(
            "Notification %s for user %s stays in the inbox only for channels without an address",
            notification.pk,
            recipient.pk,
        )
    _queue_delivery(notification)
    return notification


def _queue_delivery(notification: Notification) -> None:
    from renda.core import tasks

    pk = notification.pk
    if notification.email_status == DeliveryStatus.QUEUED:
        transaction.on_commit(lambda: tasks.deliver_email.delay(pk))
    if notification.sms_status == DeliveryStatus.QUEUED and notification.sms_send_after is None:
        transaction.on_commit(lambda: tasks.deliver_sms.delay(pk))


def _claim(notification_id: int, field: str) -> bool:
    """Take a queued channel for sending. Only one worker wins, so a message is never sent twice."""
    claimed = Notification.objects.filter(pk=notification_id, **{field: DeliveryStatus.QUEUED}).update(
        **{field: DeliveryStatus.SENDING}
    )
    return claimed == 1


def _release(notification_id: int, field: str, status: str = DeliveryStatus.QUEUED) -> None:
    Notification.objects.filter(pk=notification_id, **{field: DeliveryStatus.SENDING}).update(**{field: status})


def deliver_email(notification_id: int) -> str:
    """Send one notification by e-mail. Raises on failure so the job is retried."""
    if not _claim(notification_id, "email_status"):
        return str(Notification.objects.values_list("email_status", flat=True).get(pk=notification_id))
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        send_mail(
            notification.subject,
            notification.body,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient.email],
            fail_silently=False,
        )
    except Exception:
        _release(notification_id, "email_status")
        raise
    _release(notification_id, "email_status", DeliveryStatus.SENT)
    return DeliveryStatus.SENT


def deliver_sms(notification_id: int) -> str:
    """Send one notification by SMS, unless quiet hours hold it back. Raises on failure so it is retried."""
    from renda.accounts.sms import SmsNotConfigured, sms_send

    now = timezone.now()
    if in_quiet_hours(now):
        Notification.objects.filter(pk=notification_id, sms_status=DeliveryStatus.QUEUED).update(
            sms_send_after=quiet_hours_end(now)
        )
        return str(Notification.objects.values_list("sms_status", flat=True).get(pk=notification_id))
    if not _claim(notification_id, "sms_status"):
        return str(Notification.objects.values_list("sms_status", flat=True).get(pk=notification_id))
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not notification.recipient.phone:
        _release(notification_id, "sms_status", DeliveryStatus.SKIPPED)
        return DeliveryStatus.SKIPPED
    try:
        sms_send(notification.recipient.phone, f"【人大履职平台】{notification.body}")
    except SmsNotConfigured:
        # No gateway: the message stays in the inbox; saying "sent" would be untrue.
        _release(notification_id, "sms_status", DeliveryStatus.SKIPPED)
        return DeliveryStatus.SKIPPED
    except Exception:
        _release(notification_id, "sms_status")
        raise
    _release(notification_id, "sms_status", DeliveryStatus.SENT)
    Notification.objects.filter(pk=notification_id).update(sms_send_after=None)
    return DeliveryStatus.SENT


def mark_delivery_failed(notification_id: int, channel: str) -> None:
    field = "email_status" if channel == "email" else "sms_status"
    Notification.objects.filter(pk=notification_id).update(**{field: DeliveryStatus.FAILED})


def inbox_for(user: User) -> models.QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise InvalidInput("不能标记他人的通知", code="forbidden")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def preferences_update(*, user: User, by_email: bool, by_sms: bool) -> User:
    from renda.core.audit import audit_record

    user.notify_by_email = by_email
    user.notify_by_sms = by_sms
    user.save(update_fields=["notify_by_email", "notify_by_sms"])
    audit_record(
        actor=user, action="notify.preferences_changed", target=user, summary={"email": by_email, "sms": by_sms}
    )
    return user


@transaction.atomic
def failed_job_retry(*, actor: User, job: Any) -> Any:
    """Queue a failed job again and mark the record resolved."""
    from celery import current_app

    from renda.core import tasks  # registers the task names with the app
    from renda.core.audit import audit_record

    del tasks

    if job.resolved_at is not None:
        raise InvalidInput("该任务已处理", code="already_resolved")
    job.resolved_at = timezone.now()
    job.save(update_fields=["resolved_at"])
    audit_record(actor=actor, action="job.retried", target=job, summary={"task": job.task_name})
    name, arguments = job.task_name, list(job.arguments)
    if name.endswith(("deliver_email", "deliver_sms")) and arguments:
        field = "email_status" if name.endswith("email") else "sms_status"
        Notification.objects.filter(pk=arguments[0]).update(**{field: DeliveryStatus.QUEUED})
    transaction.on_commit(lambda: current_app.tasks[name].delay(*arguments))
    return job
