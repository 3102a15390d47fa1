"""The handling unit's pages: its incoming queue, its panel on the item page, its buttons, the 答复函.

Officers and the head act for the unit (``permissions.acting_unit``). The views are thin:
a fetcher (404 for anyone who is not the assigned unit), then one action. A refused action
is shown on the unit's handling page with its Chinese message and the action's status
(400 bad input, 403 not you, 409 not now); a success goes back to the item page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrPromise

from renda.accounts.models import User
from renda.core.errors import DomainError, NotPermitted
from renda.core.views import add_domain_error
from renda.organizations.models import Unit
from renda.suggestions import actions, letters, permissions
from renda.suggestions.actions._common import NOTE_MAX, REPLY_MAX, TEXT_MAX
from renda.suggestions.models import (
    HANDLING_STATES,
    Assignment,
    AssignmentStatus,
    CommunicationKind,
    Dispute,
    Extension,
    HandlingRole,
    Reply,
    ReplyStatus,
    RequestStatus,
    Status,
    Suggestion,
)

DUE_SOON_DAYS = 7
QUEUE_PAGE_SIZE = 30

# The queue's tabs: key → label. "todo" (everything still to do, most urgent first) is the default.
QUEUE_TABS: dict[str, StrPromise] = {
    "todo": _("全部待办"),
    "unsigned": _("待签收"),
    "handling": _("办理中"),
    "due_soon": _("即将到期"),
    "overdue": _("已超期"),
    "replied": _("已答复"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the queue ---


def _done() -> Q:
    # A replying unit is done once its reply is sent; a co-handling unit once its opinion is sent.
    return Q(replied_at__isnull=False) | Q(opinion_sent_at__isnull=False)


def _tab_filters(now: dt.datetime) -> dict[str, Q]:
    open_ = Q(replied_at__isnull=True, opinion_sent_at__isnull=True, suggestion__status__in=list(HANDLING_STATES))
    return {
        "todo": open_,
        "unsigned": open_ & Q(signed_at__isnull=True),
        "handling": open_ & Q(signed_at__isnull=False),
        "due_soon": open_ & Q(due_at__gte=now, due_at__lt=now + dt.timedelta(days=DUE_SOON_DAYS)),
        "overdue": open_ & Q(due_at__lt=now),
        "replied": _done(),
    }


def queue_assignments(unit: Unit) -> QuerySet[Assignment]:
    """The unit's active assignments on each item's current round (index ``assignment_unit_queue``)."""
    return Assignment.objects.filter(unit=unit, status=AssignmentStatus.ACTIVE, round=F("suggestion__round")).exclude(
        suggestion__status=Status.WITHDRAWN
    )


def queue_counts(unit: Unit, now: dt.datetime) -> dict[str, int]:
    """Every tab's count in one aggregate query."""
    filters = _tab_filters(now)
    counts = queue_assignments(unit).aggregate(**{key: Count("pk", filter=q) for key, q in filters.items()})
    return {key: int(counts[key] or 0) for key in filters}


def queue_page_rows(unit: Unit, tab: str, now: dt.datetime) -> QuerySet[Assignment]:
    pending_reply = Reply.objects.filter(assignment=OuterRef("pk"), status=ReplyStatus.PENDING_APPROVAL)
    returned_reply = Reply.objects.filter(assignment=OuterRef("pk"), status=ReplyStatus.RETURNED)
    pending_dispute = Dispute.objects.filter(assignment=OuterRef("pk"), status=RequestStatus.PENDING)
    pending_extension = Extension.objects.filter(assignment=OuterRef("pk"), status=RequestStatus.PENDING)
    order = ["-due_at", "-pk"] if tab == "replied" else ["due_at", "pk"]
    return (
        queue_assignments(unit)
        .filter(_tab_filters(now)[tab])
        .select_related("suggestion")
        .only(
            "pk",
            "role",
            "due_at",
            "signed_at",
            "replied_at",
            "replied_on_time",
            "opinion_sent_at",
            "suggestion__id",
            "suggestion__number",
            "suggestion__title",
            "suggestion__status",
            "suggestion__is_key",
            "suggestion__round",
        )
        .annotate(
            has_pending_reply=Exists(pending_reply),
            has_returned_reply=Exists(returned_reply),
            has_pending_dispute=Exists(pending_dispute),
            has_pending_extension=Exists(pending_extension),
        )
        .order_by(*order)
    )


def _row_state(row: Assignment, now: dt.datetime, today: dt.date) -> dict[str, Any]:
    """What the unit sees about one row: where it stands and how many days are left."""
    done = row.replied_at is not None or row.opinion_sent_at is not None
    days_left = (timezone.localdate(row.due_at) - today).days
    if row.replied_at is not None:
        status = _("已答复") if row.replied_on_time is not False else _("已答复（超期）")
    elif row.opinion_sent_at is not None:
        status = _("已提交会办意见")
    elif row.signed_at is None:
        status = _("待签收")
    elif getattr(row, "has_pending_reply", False):
        status = _("答复待负责人审签")
    elif getattr(row, "has_returned_reply", False):
        status = _("答复被退回修改")
    else:
        status = _("办理中")
    notes = []
    if not done and getattr(row, "has_pending_dispute", False):
        notes.append(_("异议待处理"))
    if not done and getattr(row, "has_pending_extension", False):
        notes.append(_("延期待审批"))
    return {
        "assignment": row,
        "suggestion": row.suggestion,
        "status": status,
        "notes": notes,
        "done": done,
        "overdue": not done and row.due_at < now,
        "due_soon": not done and now <= row.due_at < now + dt.timedelta(days=DUE_SOON_DAYS),
        "days_left": days_left,
        "days_over": -days_left,
    }


class CountedPaginator(Paginator[Assignment]):
    """A paginator told its count by the tabs' aggregate, so a page costs one query, not two."""

    def __init__(self, object_list: QuerySet[Assignment], per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def _acting_unit_or_403(request: HttpRequest) -> Unit:
    unit = permissions.acting_unit(_user(request))
    if unit is None:
        raise PermissionDenied
    return unit


@login_required
@require_GET
def unit_queue(request: HttpRequest) -> HttpResponse:
    unit = _acting_unit_or_403(request)
    tab = request.GET.get("tab", "todo")
    if tab not in QUEUE_TABS:
        tab = "todo"
    now = timezone.now()
    today = timezone.localdate(now)
    counts = queue_counts(unit, now)
    paginator = CountedPaginator(queue_page_rows(unit, tab, now), QUEUE_PAGE_SIZE, count=counts[tab])
    page = paginator.get_page(request.GET.get("page"))
    rows = [_row_state(row, now, today) for row in page]
    tabs = [{"key": key, "label": label, "count": counts[key]} for key, label in QUEUE_TABS.items()]
    return render(
        request,
        "suggestions/unit_queue.html",
        {
            "unit": unit,
            "tab": tab,
            "tabs": tabs,
            "counts": counts,
            "page": page,
            "rows": rows,
            "query_string": f"tab={tab}",
        },
    )


# --- the forms behind the panel's buttons ---


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("异议理由"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    suggested_unit = forms.ModelChoiceField(
        label=_("建议改交单位（可不填）"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, assignment: Assignment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["suggested_unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.filter(congress_id=assignment.suggestion.congress_id, is_active=True)
            .exclude(pk=assignment.unit_id)
            .order_by("name")
        )


class ExtensionForm(forms.Form):
    requested_due = forms.DateField(label=_("申请延期至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("延期理由"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class CommunicationForm(forms.Form):
    kind = forms.ChoiceField(label=_("沟通方式"), choices=CommunicationKind.choices)
    date = forms.DateField(label=_("沟通日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    participants = forms.CharField(label=_("参加人员"), max_length=300)
    content = forms.CharField(label=_("沟通情况"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}))


class OpinionForm(forms.Form):
    text = forms.CharField(label=_("会办意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))


class ReplyForm(forms.Form):
    category = forms.ChoiceField(label=_("办理结果分类"))
    text = forms.CharField(label=_("答复内容"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 10}))
    contact_person = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args: Any, suggestion: Suggestion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories: dict[str, str] = suggestion.congress.setting("suggestion_reply_categories")
        choices = [("", "——")] + [(key, f"{key} — {label}") for key, label in categories.items()]
        self.fields["category"].choices = choices  # type: ignore[attr-defined]


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("审签意见（可不填）"), max_length=NOTE_MAX, required=False)


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("退回意见"), max_length=NOTE_MAX)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件（PDF、OFD、Word、Excel 或图片，20 MB 以内）"))


# --- the panel on the item page ---


def _panel(request: HttpRequest, assignment: Assignment, bound: dict[str, forms.Form] | None = None) -> dict[str, Any]:
    """Everything ``_unit_panel.html`` shows for the unit's assignment; ``bound`` replaces forms after a refusal."""
    user = _user(request)
    suggestion = assignment.suggestion
    bound = bound or {}
    now = timezone.now()
    in_handling = suggestion.status in HANDLING_STATES and assignment.round == suggestion.round
    replies_itself = assignment.role != HandlingRole.CO
    done = assignment.replied_at is not None or assignment.opinion_sent_at is not None
    replies = list(assignment.replies.select_related("drafted_by", "approved_by").prefetch_related("attachments"))
    open_reply = next((r for r in replies if r.status != ReplyStatus.SENT), None)
    sent_reply = next((r for r in replies if r.status == ReplyStatus.SENT), None)
    disputes = list(assignment.disputes.select_related("suggested_unit"))
    extensions = list(assignment.extensions.all())
    pending_dispute = any(d.status == RequestStatus.PENDING for d in disputes)
    pending_extension = any(e.status == RequestStatus.PENDING for e in extensions)
    communications = list(assignment.communications.select_related("recorded_by"))
    communication_required = bool(suggestion.congress.setting("suggestion_communication_required"))
    co_opinions: list[Assignment] = []
    if assignment.role == HandlingRole.LEAD:
        co_opinions = list(
            suggestion.assignments.filter(
                round=assignment.round, status=AssignmentStatus.ACTIVE, role=HandlingRole.CO
            ).select_related("unit")
        )
    can_dispute = (
        in_handling
        and not done
        and not pending_dispute
        and assignment.dispute_until is not None
        and now <= assignment.dispute_until
    )
    reply_initial: dict[str, Any] = {}
    if open_reply is not None:
        reply_initial = {
            "category": open_reply.category,
            "text": open_reply.text,
            "contact_person": open_reply.contact_person,
            "contact_phone": open_reply.contact_phone,
        }
    return {
        "unit_panel": {
            "assignment": assignment,
            "suggestion": suggestion,
            "is_head": permissions.can_approve_reply(user, assignment),
            "in_handling": in_handling,
            "replies_itself": replies_itself,
            "done": done,
            "overdue": not done and assignment.due_at < now,
            "days_left": (timezone.localdate(assignment.due_at) - timezone.localdate(now)).days,
            "can_sign": in_handling and assignment.signed_at is None,
            "can_dispute": can_dispute,
            "disputes": disputes,
            "can_extend": in_handling and replies_itself and not done and not pending_extension,
            "extensions": extensions,
            "can_communicate": in_handling,
            "communications": communications,
            "communication_required": communication_required,
            "communication_missing": communication_required and not communications,
            "can_opine": in_handling and not replies_itself and assignment.opinion_sent_at is None,
            "co_opinions": co_opinions,
            "can_reply": in_handling and replies_itself and assignment.replied_at is None,
            "open_reply": open_reply,
            "categories": suggestion.congress.setting("suggestion_reply_categories"),
            "sent_reply": sent_reply,
            "dispute_form": bound.get("dispute") or DisputeForm(assignment=assignment, prefix="dispute"),
            "extension_form": bound.get("extension") or ExtensionForm(prefix="extension"),
            "communication_form": bound.get("communicate")
            or CommunicationForm(prefix="communicate", initial={"date": timezone.localdate()}),
            "opinion_form": bound.get("opinion") or OpinionForm(prefix="opinion"),
            "reply_form": bound.get("reply") or ReplyForm(suggestion=suggestion, prefix="reply", initial=reply_initial),
            "approve_form": bound.get("approve") or ApproveForm(prefix="approve"),
            "return_form": bound.get("return") or ReturnForm(prefix="return"),
            "attachment_form": bound.get("attachment") or AttachmentForm(prefix="attachment"),
        }
    }


def panel_context(request: HttpRequest, suggestion: Suggestion) -> dict[str, Any]:
    """What `_unit_panel.html` needs on the item page: ``{"unit_panel": {...}}``, or ``{}`` for anyone else.

    The panel appears only for an officer or the head of a unit actively assigned to the item's current round.
    """
    assignment = permissions.unit_assignment(_user(request), suggestion)
    if assignment is None:
        return {}
    assignment.suggestion = suggestion
    return _panel(request, assignment)


# --- the buttons ---


def _refused(
    request: HttpRequest, assignment: Assignment, key: str, form: forms.Form, error: DomainError | None
) -> HttpResponse:
    """The unit's handling page with the refused form, its message and the action's status (never a redirect)."""
    if error is not None:
        add_domain_error(form, error)
        status = error.status_code if error.status_code < 500 else 400
    else:
        status = 400
    context = _panel(request, assignment, {key: form})
    context["error_message"] = error.message if error is not None else _("提交的内容有误，请按提示修改")
    context["refused_form"] = key
    return render(request, "suggestions/unit_handling.html", context, status=status)


def _done_redirect(request: HttpRequest, assignment: Assignment, message: str | StrPromise) -> HttpResponse:
    messages.success(request, message)
    return redirect("suggestions:detail", suggestion_id=assignment.suggestion_id)


def _fetch(request: HttpRequest, suggestion_assignment_id: int) -> Assignment:
    return permissions.get_assignment_for_unit(_user(request), suggestion_assignment_id)


def _fetch_reply(request: HttpRequest, reply_id: int) -> Reply:
    reply = (
        Reply.objects.filter(pk=reply_id)
        .select_related("assignment", "assignment__unit", "assignment__suggestion", "assignment__suggestion__congress")
        .first()
    )
    if reply is None or not permissions.can_handle(_user(request), reply.assignment):
        raise Http404
    return reply


@login_required
@require_POST
def handling_sign(request: HttpRequest, suggestion_assignment_id: int) -> HttpResponse:
    assignment = _fetch(request, suggestion_assignment_id)
    form = forms.Form(request.POST)
    try:
        actions.assignment_sign(actor=_user(request), assignment=assignment)
    except DomainError as error:
        return _refused(request, assignment, "sign", form, error)
    return _done_redirect(request, assignment, _("已签收，请抓紧办理"))


@login_required
@require_POST
def handling_dispute(request: HttpRequest, suggestion_assignment_id: int) -> HttpResponse:
    assignment = _fetch(request, suggestion_assignment_id)
    form = DisputeForm(request.POST, assignment=assignment, prefix="dispute")
    if not form.is_valid():
        return _refused(request, assignment, "dispute", form, None)
    try:
        actions.dispute_raise(
            actor=_user(request),
            assignment=assignment,
            reason=form.cleaned_data["reason"],
            suggested_unit=form.cleaned_data["suggested_unit"],
        )
    except DomainError as error:
        return _refused(request, assignment, "dispute", form, error)
    return _done_redirect(request, assignment, _("异议已提交，等待交办机构处理"))


@login_required
@require_POST
def handling_extension(request: HttpRequest, suggestion_assignment_id: int) -> HttpResponse:
    assignment = _fetch(request, suggestion_assignment_id)
    form = ExtensionForm(request.POST, prefix="extension")
    if not form.is_valid():
        return _refused(request, assignment, "extension", form, None)
    try:
        actions.extension_request(
            actor=_user(request),
            assignment=assignment,
            requested_due=form.cleaned_data["requested_due"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        return _refused(request, assignment, "extension", form, error)
    return _done_redirect(request, assignment, _("延期申请已提交，等待交办机构审批"))


@login_required
@require_POST
def handling_communicate(request: HttpRequest, suggestion_assignment_id: int) -> HttpResponse:
    assignment = _fetch(request, suggestion_assignment_id)
    form = CommunicationForm(request.POST, prefix="communicate")
    if not form.is_valid():
        return _refused(request, assignment, "communicate", form, None)
    try:
        actions.communication_add(actor=_user(request), assignment=assignment, **form.cleaned_data)
    except DomainError as error:
        return _refused(request, assignment, "communicate", form, error)
    return _done_redirect(request, assignment, _("沟通记录已保存"))


@login_required
@require_POST
def handling_opinion(request: HttpRequest, suggestion_assignment_id: int) -> HttpResponse:
    assignment = _fetch(request, suggestion_assignment_id)
    form = OpinionForm(request.POST, prefix="opinion")
    if not form.is_valid():
        return _refused(request, assignment, "opinion", form, None)
    try:
        actions.opinion_send(actor=_user(request), assignment=assignment, text=form.cleaned_data["text"])
    except DomainError as error:
        return _refused(request, assignment, "opinion", form, error)
    return _done_redirect(request, assignment, _("会办意见已送主办单位"))


@login_required
@require_POST
def handling_reply(request: HttpRequest, suggestion_assignment_id: int) -> HttpResponse:
    assignment = _fetch(request, suggestion_assignment_id)
    form = ReplyForm(request.POST, suggestion=assignment.suggestion, prefix="reply")
    user = _user(request)
    # Who may reply is checked before the form, so a co-handling unit learns "not you" rather than "fix the form".
    if not permissions.can_send_reply(user, assignment):
        form.is_valid()
        return _refused(
            request, assignment, "reply", form, NotPermitted(gettext("会办单位不能答复代表，请将会办意见送主办单位"))
        )
    if not form.is_valid():
        return _refused(request, assignment, "reply", form, None)
    try:
        actions.reply_prepare(actor=user, assignment=assignment, **form.cleaned_data)
    except DomainError as error:
        return _refused(request, assignment, "reply", form, error)
    return _done_redirect(request, assignment, _("答复已提交，等待单位负责人审签"))


@login_required
@require_POST
def reply_approve(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _fetch_reply(request, reply_id)
    form = ApproveForm(request.POST, prefix="approve")
    if not permissions.can_approve_reply(_user(request), reply.assignment):
        form.is_valid()
        return _refused(
            request, reply.assignment, "approve", form, NotPermitted(gettext("只有承办单位负责人可以审签答复"))
        )
    if not form.is_valid():
        return _refused(request, reply.assignment, "approve", form, None)
    try:
        actions.reply_approve(actor=_user(request), reply=reply, note=form.cleaned_data["note"])
    except DomainError as error:
        return _refused(request, reply.assignment, "approve", form, error)
    return _done_redirect(request, reply.assignment, _("答复已签发，已送达代表"))


@login_required
@require_POST
def reply_return(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _fetch_reply(request, reply_id)
    form = ReturnForm(request.POST, prefix="return")
    user = _user(request)
    if not permissions.can_approve_reply(user, reply.assignment):
        form.is_valid()
        return _refused(
            request, reply.assignment, "return", form, NotPermitted(gettext("只有承办单位负责人可以审签答复"))
        )
    if not form.is_valid():
        return _refused(request, reply.assignment, "return", form, None)
    try:
        actions.reply_return(actor=user, reply=reply, note=form.cleaned_data["note"])
    except DomainError as error:
        return _refused(request, reply.assignment, "return", form, error)
    return _done_redirect(request, reply.assignment, _("答复已退回经办人修改"))


@login_required
@require_POST
def reply_attachment_add(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _fetch_reply(request, reply_id)
    form = AttachmentForm(request.POST, request.FILES, prefix="attachment")
    user = _user(request)
    if not permissions.can_send_reply(user, reply.assignment):
        form.is_valid()
        return _refused(request, reply.assignment, "attachment", form, NotPermitted(gettext("会办单位不能答复代表")))
    if not form.is_valid():
        return _refused(request, reply.assignment, "attachment", form, None)
    try:
        actions.attachment_add(actor=user, reply=reply, upload=form.cleaned_data["file"])
    except DomainError as error:
        return _refused(request, reply.assignment, "attachment", form, error)
    return _done_redirect(request, reply.assignment, _("附件已上传"))


# --- the reply letter ---


def may_download_letter(user: User, reply: Reply) -> bool:
    """A sent reply: whoever may view the item. A draft: only the unit that wrote it and the 交办机构."""
    suggestion = reply.assignment.suggestion
    if not permissions.can_view_suggestion(user, suggestion):
        return False
    if reply.status == ReplyStatus.SENT:
        return True
    return permissions.can_handle(user, reply.assignment) or permissions.can_manage(user, suggestion)


@login_required
@require_GET
def reply_letter(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = (
        Reply.objects.filter(pk=reply_id)
        .select_related("assignment__unit", "assignment__suggestion__congress", "assignment__suggestion__lead_deputy")
        .first()
    )
    if reply is None or not may_download_letter(_user(request), reply):
        raise Http404
    response = HttpResponse(
        letters.reply_letter(reply),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = content_disposition_header(True, letters.letter_filename(reply))
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("unit/", unit_queue, name="unit_queue"),
    path("handling/<int:suggestion_assignment_id>/sign/", handling_sign, name="handling_sign"),
    path("handling/<int:suggestion_assignment_id>/dispute/", handling_dispute, name="handling_dispute"),
    path("handling/<int:suggestion_assignment_id>/extension/", handling_extension, name="handling_extension"),
    path("handling/<int:suggestion_assignment_id>/communicate/", handling_communicate, name="handling_communicate"),
    path("handling/<int:suggestion_assignment_id>/opinion/", handling_opinion, name="handling_opinion"),
    path("handling/<int:suggestion_assignment_id>/reply/", handling_reply, name="handling_reply"),
    path("replies/<int:reply_id>/approve/", reply_approve, name="reply_approve"),
    path("replies/<int:reply_id>/return/", reply_return, name="reply_return"),
    path("replies/<int:reply_id>/attachments/", reply_attachment_add, name="attachment_add"),
    path("replies/<int:reply_id>/letter.docx", reply_letter, name="reply_letter"),
]
