"""The handling unit's side of opinions (部门接单): its queue, and accept / return / reply.

``unit_queue`` has four tabs — 待接单, 办理中, 已答复, 已逾期 — each with its count, sorted by the
deadline, nearest first, so an officer with 40 items due sees what is urgent first; overdue rows are
red and say by how many days. The buttons sit on the opinion's page (``views.staff.opinion_detail``)
and post here; a refusal comes back on that page with the action's message and status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from renda.accounts.models import User
from renda.core.errors import DomainError
from renda.opinions import actions, permissions, queues
from renda.opinions.models import Dispatch, Opinion
from renda.opinions.views.staff import ReplyForm, ReturnForm, form_step, render_detail, status_of

PAGE_SIZE = 30
DUE_SOON_DAYS = 2


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _unit_item(user: User, opinion_id: int) -> Opinion:
    """The opinion, for an officer or head of a unit: 404 if the unit never had it."""
    if permissions.acting_unit(user) is None:
        raise PermissionDenied
    return permissions.get_visible_opinion(user, opinion_id)


def _row(dispatch: Dispatch, now: dt.datetime, today: dt.date) -> dict[str, Any]:
    live = dispatch.state in (Dispatch.State.PENDING, Dispatch.State.ACCEPTED)
    days_left = (timezone.localdate(dispatch.due_at) - today).days
    return {
        "dispatch": dispatch,
        "opinion": dispatch.opinion,
        "live": live,
        "overdue": live and dispatch.due_at < now,
        "due_soon": live and dispatch.due_at >= now and days_left <= DUE_SOON_DAYS,
        "days_left": days_left,
        "days_over": max(-days_left, 1),
        "late_reply": dispatch.replied_at is not None and dispatch.replied_at > dispatch.due_at,
    }


@login_required
@require_GET
def unit_queue(request: HttpRequest) -> HttpResponse:
    unit = permissions.acting_unit(_user(request))
    if unit is None:
        raise PermissionDenied
    tab = request.GET.get("tab", "pending")
    if tab not in queues.UNIT_TABS:
        tab = "pending"
    now = timezone.now()
    today = timezone.localdate(now)
    counts = queues.unit_counts(unit, now)
    page = Paginator(queues.unit_dispatches(unit, tab, now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "opinions/unit_queue.html",
        {
            "unit": unit,
            "tab": tab,
            "tabs": [{"key": key, "label": label, "count": counts[key]} for key, label in queues.UNIT_TABS.items()],
            "page": page,
            "rows": [_row(dispatch, now, today) for dispatch in page.object_list],
            "query_string": f"tab={tab}",
        },
    )


@login_required
@require_POST
def unit_accept(request: HttpRequest, opinion_id: int) -> HttpResponse:
    user = _user(request)
    opinion = _unit_item(user, opinion_id)
    try:
        actions.dispatch_accept(actor=user, opinion=opinion)
    except DomainError as error:
        opinion.refresh_from_db()
        return render_detail(request, opinion, status=status_of(error), error_message=error.message)
    messages.success(request, gettext("已接单，请在办理期限内答复"))
    return redirect("opinions:opinion_detail", opinion_id=opinion.pk)


@login_required
@require_POST
def unit_return(request: HttpRequest, opinion_id: int) -> HttpResponse:
    """Not ours (退回): back to triage with the reason."""
    user = _user(request)
    opinion = _unit_item(user, opinion_id)
    return form_step(
        request,
        opinion,
        name="return",
        form=ReturnForm(request.POST),
        act=lambda data: actions.dispatch_return(actor=user, opinion=opinion, reason=data["reason"]),
        done=gettext("已退回，等待重新分流"),
        then=reverse("opinions:unit_queue"),
    )


@login_required
@require_POST
def unit_reply(request: HttpRequest, opinion_id: int) -> HttpResponse:
    user = _user(request)
    opinion = _unit_item(user, opinion_id)
    return form_step(
        request,
        opinion,
        name="reply",
        form=ReplyForm(request.POST),
        act=lambda data: actions.dispatch_reply(actor=user, opinion=opinion, text=data["text"]),
        done=gettext("已答复，将由联络站、代表或工作机构反馈群众"),
    )


urlpatterns: list[URLPattern] = [
    path("unit/", unit_queue, name="unit_queue"),
    path("<int:opinion_id>/accept/", unit_accept, name="unit_accept"),
    path("<int:opinion_id>/return/", unit_return, name="unit_return"),
    path("<int:opinion_id>/reply/", unit_reply, name="unit_reply"),
]
