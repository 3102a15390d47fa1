"""Celery tasks. Each retries on failure; after the last retry it is recorded as a FailedJob for staff."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task

logger = logging.getLogger("renda.tasks")

MAX_RETRIES = 3


class RecordedTask(Task):  # type: ignore[type-arg]
    """A task whose final failure is written down where staff see it, never silently lost."""

    autoretry_for = (Exception,)
    max_retries = MAX_RETRIES
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        from renda.core.models import FailedJob
        from renda.core.notify import mark_delivery_failed

        FailedJob.objects.create(
            task_name=self.name,
            arguments=list(args or []),
            error=f"{type(exc).__name__}: {exc}"[:2000],
            retries=self.request.retries,
        )
        if self.name.endswith(("deliver_email", "deliver_sms")) and args:
            mark_delivery_failed(int(args[0]), "email" if self.name.endswith("email") else "sms")
        logger.error("Task %s failed for good after %s retries: %s", self.name, self.request.retries, exc)


@shared_task(base=RecordedTask, name="renda.core.tasks.deliver_email")
def deliver_email(notification_id: int) -> str:
    from renda.core.notify import deliver_email as deliver

    return deliver(notification_id)


@shared_task(base=RecordedTask, name="renda.core.tasks.deliver_sms")
def deliver_sms(notification_id: int) -> str:
    from renda.core.notify import deliver_sms as deliver

    return deliver(notification_id)


@shared_task(name="renda.core.tasks.deliver_batch")
def deliver_batch(email_ids: list[int], sms_ids: list[int]) -> dict[str, int]:
    """Deliver a batch; a message that fails goes on as its own task, with its own retries and record."""
    from renda.core.notify import deliver_email as send_email
    from renda.core.notify import deliver_sms as send_sms

    handed_on = 0
    for pk in email_ids:
        try:
            send_email(pk)
        except Exception:
            handed_on += 1
            deliver_email.delay(pk)
    for pk in sms_ids:
        try:
            send_sms(pk)
        except Exception:
            handed_on += 1
            deliver_sms.delay(pk)
    return {"emails": len(email_ids), "sms": len(sms_ids), "handed_to_retry": handed_on}


@shared_task(base=RecordedTask, name="renda.core.tasks.run_periodic_jobs")
def run_periodic_jobs() -> dict[str, int]:
    from renda.core.jobs import run_periodic_jobs as run

    report = run()
    return {
        "reminders": report.reminders,
        "escalated_to_heads": report.escalated_to_heads,
        "escalated_to_supervisors": report.escalated_to_supervisors,
        "sms_released": report.sms_released,
    }
