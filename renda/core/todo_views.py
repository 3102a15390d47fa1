"""Pages for the to-do list, the notification inbox, notification preferences and failed jobs."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from renda.accounts.models import User
from renda.core import notify, permissions, todo
from renda.core.models import FailedJob
from renda.core.views import perform


class PreferencesForm(forms.Form):
    by_email = forms.BooleanField(label=_("通过电子邮件接收通知"), required=False)
    by_sms = forms.BooleanField(label=_("通过短信接收通知"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        from django.conf import settings

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        start, end = settings.RENDA_SMS_QUIET_HOURS
        self.fields["by_sms"].help_text = _("每天 %(start)02d:00 至 %(end)02d:00 不发送短信，到点后补发。") % {
            "start": start,
            "end": end,
        }


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def todo_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    bucket = request.GET.get("status", "open")
    if bucket not in todo.BUCKETS:
        bucket = "open"
    items = todo.todos_for(user)
    now = timezone.now()
    page = Paginator(
        todo.filter_bucket(items, bucket, now).select_related("assignee_unit", "assignee_user"), 50
    ).get_page(request.GET.get("page"))
    for item in page:
        item.is_overdue_now = todo.is_overdue(item, now)  # type: ignore[attr-defined]
    return render(
        request,
        "core/todo_list.html",
        {
            "page": page,
            "bucket": bucket,
            "counts": todo.count_buckets(items, now),
            "now": now,
            "query_string": f"status={bucket}",
        },
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(notify.inbox_for(_user(request)), 30).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = _user(request)
    notification = permissions.get_notification_for_recipient(user, notification_id)
    notify.notification_mark_read(user=user, notification=notification)
    if notification.url.startswith("/") and request.POST.get("open"):
        return redirect(notification.url)
    return redirect("inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PreferencesForm(
        request.POST or None, initial={"by_email": user.notify_by_email, "by_sms": user.notify_by_sms}
    )
    if request.method == "POST" and form.is_valid():
        notify.preferences_update(user=user, by_email=form.cleaned_data["by_email"], by_sms=form.cleaned_data["by_sms"])
        messages.success(request, _("通知设置已保存"))
        return redirect("notification_preferences")
    return render(
        request, "core/preferences.html", {"form": form, "has_email": bool(user.email), "has_phone": bool(user.phone)}
    )


@login_required
def failed_jobs(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_failed_jobs(_user(request)):
        raise PermissionDenied
    page = Paginator(FailedJob.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "core/failed_jobs.html", {"page": page})


@login_required
@require_POST
def failed_job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    user = _user(request)
    job = permissions.get_failed_job_for_admin(user, job_id)
    perform(request, lambda: notify.failed_job_retry(actor=user, job=job), success=_("已重新排队"))
    return redirect("failed_jobs")
