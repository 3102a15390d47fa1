"""Who may see the kernel's own pages: failed background jobs are for system administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from renda.core.models import FailedJob, Notification
from renda.organizations.permissions import acting_role, can_administer

if TYPE_CHECKING:
    from renda.accounts.models import User


def can_view_failed_jobs(user: User | None) -> bool:
    # Jobs belong to the whole installation, so only the administrator of a top congress (the city)
    # watches them; a township administrator must not read other congresses' job arguments.
    assignment = acting_role(user)
    return can_administer(user) and assignment is not None and assignment.congress.parent_id is None


def get_failed_job_for_admin(user: User | None, job_id: int) -> FailedJob:
    if not can_view_failed_jobs(user):
        raise Http404
    job = FailedJob.objects.filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def get_notification_for_recipient(user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise Http404
    return notification
