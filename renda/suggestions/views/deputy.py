"""The deputy's phone-first pages, and the item page every role shares.

Thin adapters: ``permissions`` finds the item (404 for anyone who may not see it), a role
that sees it but may not act gets 403, and the named actions in ``actions`` do every change;
their refusals are shown on the page with their status (400 bad input, 409 not now).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrPromise

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput, NotPermitted
from renda.core.views import render_form_error
from renda.organizations.models import Congress, CongressSession, RoleAssignment
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role
from renda.suggestions import actions, permissions
from renda.suggestions.actions._common import BODY_MAX, TEXT_MAX, TITLE_MAX
from renda.suggestions.actions.drafting import EDITABLE_STATES
from renda.suggestions.actions.evaluation import MAX_ROUNDS
from renda.suggestions.models import (
    HANDLING_STATES,
    WITHDRAWABLE_STATES,
    Assignment,
    AssignmentStatus,
    Attachment,
    Category,
    CommunicationLog,
    Cosigner,
    CosignerStatus,
    Phase,
    Rating,
    Reply,
    ReplyStatus,
    Status,
    Suggestion,
)
from renda.suggestions.timeline import timeline_for
from renda.suggestions.views import staff, unit

SEARCH_LIMIT = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _deputy_congress(user: User) -> Congress:
    """The congress the person acts in as a deputy now; anyone else may not use the deputy's pages."""
    assignment = acting_role(user)
    if assignment is None or assignment.role != Role.DEPUTY:
        raise PermissionDenied
    return assignment.congress


def _lead_item(request: HttpRequest, suggestion_id: int) -> Suggestion:
    """The item, for its lead deputy only: 404 if the person may not see it, 403 if they see but do not lead it."""
    user = _user(request)
    suggestion = permissions.get_suggestion_for_view(user, suggestion_id)
    if not permissions.is_lead_deputy(user, suggestion):
        raise PermissionDenied
    return suggestion


def _button(request: HttpRequest, action: Callable[[], object], *, success: str | StrPromise) -> None:
    """Run the action behind a button; "not you" is a 403, any other refusal the next page's message."""
    try:
        action()
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, error.message)
        return
    messages.success(request, success)


# --- forms ---


class SuggestionForm(forms.Form):
    """The fields only; the action checks them and names the field at fault (in Chinese)."""

    title = forms.CharField(
        label=_("标题"), required=False, widget=forms.TextInput(attrs={"maxlength": TITLE_MAX, "autocomplete": "off"})
    )
    body = forms.CharField(
        label=_("内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": BODY_MAX}),
        help_text=_("写明问题、原因和具体建议，不超过 5000 字。"),
    )
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", "—"), *Category.choices])
    phase = forms.ChoiceField(label=_("提出时间"), required=False, choices=Phase.choices, initial=Phase.RECESS)
    session = forms.ModelChoiceField(
        label=_("会议"),
        required=False,
        queryset=CongressSession.objects.none(),
        empty_label="—",
        help_text=_("会议期间提出的建议须选择会议。"),
    )

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField[CongressSession] = self.fields["session"]  # type: ignore[assignment]
        field.queryset = CongressSession.objects.filter(congress=congress)
        field.error_messages["invalid_choice"] = _("所选会议无效")
        for name in ("category", "phase"):
            self.fields[name].error_messages["invalid_choice"] = _("%(label)s的取值无效") % {
                "label": self.fields[name].label
            }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "category": data["category"],
            "phase": data["phase"],
            "session": data["session"],
        }


class EvaluationForm(forms.Form):
    process_rating = forms.ChoiceField(
        label=_("办理过程"), required=False, choices=Rating.choices, widget=forms.RadioSelect
    )
    result_rating = forms.ChoiceField(
        label=_("办理结果"), required=False, choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("process_rating", "result_rating"):
            self.fields[name].error_messages["invalid_choice"] = _("%(label)s评价的取值无效") % {
                "label": self.fields[name].label
            }


# --- my suggestions ---


@login_required
def my_suggestions(request: HttpRequest) -> HttpResponse:
    """我的建议: invitations awaiting an answer first, then what the deputy leads and co-signs."""
    user = _user(request)
    congress = _deputy_congress(user)
    invitations = (
        Cosigner.objects.filter(
            deputy=user,
            status=CosignerStatus.INVITED,
            suggestion__congress=congress,
            suggestion__status__in=list(EDITABLE_STATES),
        )
        .select_related("suggestion", "suggestion__lead_deputy")
        .order_by("-invited_at")
    )
    led = Suggestion.objects.filter(congress=congress, lead_deputy=user)
    confirmed = Cosigner.objects.filter(deputy=user, status=CosignerStatus.CONFIRMED).values("suggestion_id")
    cosigned = Suggestion.objects.filter(congress=congress, pk__in=confirmed)
    context = {
        "invitations": invitations,
        "led": _cards(led),
        "cosigned": _cards(cosigned),
        "now": timezone.now(),
        "handling_states": [str(state) for state in HANDLING_STATES],
    }
    return render(request, "suggestions/deputy_mine.html", context)


def _cards(items: QuerySet[Suggestion]) -> list[Suggestion]:
    return list(items.select_related("lead_deputy").order_by("-updated_at", "-pk"))


# --- drafting ---


def _form_page(
    request: HttpRequest, form: SuggestionForm, suggestion: Suggestion | None, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "suggestion": suggestion}
    return render(request, "suggestions/deputy_form.html", context, status=status)


@login_required
def suggestion_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress = _deputy_congress(user)
    if request.method != "POST":
        return _form_page(request, SuggestionForm(congress=congress), None)
    form = SuggestionForm(request.POST, congress=congress)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    try:
        suggestion = actions.suggestion_create(actor=user, congress=congress, **form.values())
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        return render_form_error(request, "suggestions/deputy_form.html", {"form": form, "suggestion": None}, error)
    messages.success(request, _("建议草稿已保存。可以邀请联名代表，或直接提交。"))
    return redirect("suggestions:detail", suggestion_id=suggestion.pk)


@login_required
def suggestion_edit(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """The lead deputy edits a draft or a returned item; in any other state the page says why not."""
    user = _user(request)
    suggestion = _lead_item(request, suggestion_id)
    congress = suggestion.congress
    if request.method != "POST":
        initial = {
            "title": suggestion.title,
            "body": suggestion.body,
            "category": suggestion.category,
            "phase": suggestion.phase,
            "session": suggestion.session_id,
        }
        return _form_page(request, SuggestionForm(initial=initial, congress=congress), suggestion)
    form = SuggestionForm(request.POST, congress=congress)
    if not form.is_valid():
        return _form_page(request, form, suggestion, status=400)
    try:
        actions.suggestion_update(actor=user, suggestion=suggestion, **form.values())
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        context = {"form": form, "suggestion": suggestion}
        return render_form_error(request, "suggestions/deputy_form.html", context, error)
    messages.success(request, _("修改已保存。"))
    return redirect("suggestions:detail", suggestion_id=suggestion.pk)


def _deputies_of(congress: Congress) -> QuerySet[User]:
    ids = RoleAssignment.objects.filter(congress=congress, role=Role.DEPUTY, is_active=True).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True)


def _cosigners_page(
    request: HttpRequest, suggestion: Suggestion, *, error: DomainError | None = None, status: int = 200
) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:40]
    editable = suggestion.status in EDITABLE_STATES
    matches: list[User] = []
    if query and editable:
        taken = suggestion.cosigners.exclude(status=CosignerStatus.DECLINED).values("deputy_id")
        matches = list(
            _deputies_of(suggestion.congress)
            .filter(Q(full_name__icontains=query) | Q(username__iexact=query))
            .exclude(pk=suggestion.lead_deputy_id)
            .exclude(pk__in=taken)
            .order_by("full_name", "pk")[:SEARCH_LIMIT]
        )
    context = {
        "suggestion": suggestion,
        "cosigners": suggestion.cosigners.select_related("deputy"),
        "editable": editable,
        "query": query,
        "matches": matches,
        "error": error,
    }
    return render(request, "suggestions/deputy_cosigners.html", context, status=status)


@login_required
def cosigners(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """The lead deputy finds deputies of the same congress by name, invites them, or takes an invitation back."""
    user = _user(request)
    suggestion = _lead_item(request, suggestion_id)
    if request.method != "POST":
        return _cosigners_page(request, suggestion)
    operation = request.POST.get("op", "")
    try:
        if operation == "remove":
            deputy = _deputies_of(suggestion.congress).filter(pk=_int(request.POST.get("deputy")) or 0).first()
            if deputy is None:
                raise _invalid("该代表不在联名名单中", field="deputy")
            actions.cosigner_remove(actor=user, suggestion=suggestion, deputy=deputy)
            messages.success(request, _("已取消对%(name)s的联名邀请。") % {"name": deputy.display_name})
        else:
            ids = [_int(value) for value in request.POST.getlist("deputies")]
            chosen = list(User.objects.filter(pk__in=[pk for pk in ids if pk is not None]))
            if len(chosen) != len(ids):
                raise _invalid("所选代表无效", field="deputies")
            actions.cosigner_invite(actor=user, suggestion=suggestion, deputies=chosen)
            messages.success(request, _("已发出联名邀请，代表确认后计入联名。"))
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        return _cosigners_page(request, suggestion, error=error, status=error.status_code)
    return redirect("suggestions:cosigners", suggestion_id=suggestion.pk)


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _invalid(message: str, *, field: str) -> DomainError:
    return InvalidInput(message, code="invalid", field=field)


@login_required
@require_POST
def cosign(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """An invited deputy confirms the co-signature (having read the content) or declines."""
    user = _user(request)
    suggestion = permissions.get_suggestion_for_view(user, suggestion_id)
    accept = request.POST.get("accept") == "1"
    _button(
        request,
        lambda: actions.cosigner_respond(actor=user, suggestion=suggestion, accept=accept),
        success=_("已确认联名。") if accept else _("已谢绝联名。"),
    )
    if request.POST.get("next") == "mine":
        return redirect("suggestions:mine")
    return redirect("suggestions:detail", suggestion_id=suggestion.pk)


@login_required
@require_POST
def submit(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user = _user(request)
    suggestion = _lead_item(request, suggestion_id)
    _button(
        request,
        lambda: actions.suggestion_submit(actor=user, suggestion=suggestion),
        success=_("建议已提交，等待交办机构审核。"),
    )
    return redirect("suggestions:detail", suggestion_id=suggestion.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user = _user(request)
    suggestion = _lead_item(request, suggestion_id)
    reason = request.POST.get("reason", "")
    _button(
        request,
        lambda: actions.suggestion_withdraw(actor=user, suggestion=suggestion, reason=reason),
        success=_("建议已撤回。"),
    )
    return redirect("suggestions:detail", suggestion_id=suggestion.pk)


# --- evaluation ---


def _evaluated_this_round(suggestion: Suggestion) -> bool:
    return suggestion.evaluations.filter(round=suggestion.round).exists()


@login_required
def evaluate(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """征询意见表: the lead deputy rates process and result; 不满意 on either starts re-handling."""
    user = _user(request)
    suggestion = _lead_item(request, suggestion_id)
    form = EvaluationForm(request.POST if request.method == "POST" else None)

    def page(status: int = 200, error: DomainError | None = None) -> HttpResponse:
        context = {
            "suggestion": suggestion,
            "form": form,
            "open": suggestion.status == Status.REPLIED and not _evaluated_this_round(suggestion),
            "can_rehandle": suggestion.round < MAX_ROUNDS,
            "replies": _sent_replies(suggestion),
            "error": error,
        }
        if error is not None:
            return render_form_error(request, "suggestions/deputy_evaluate.html", context, error)
        return render(request, "suggestions/deputy_evaluate.html", context, status=status)

    if request.method != "POST":
        return page()
    if not form.is_valid():
        return page(400)
    try:
        evaluation = actions.suggestion_evaluate(
            actor=user,
            suggestion=suggestion,
            process_rating=form.cleaned_data["process_rating"],
            result_rating=form.cleaned_data["result_rating"],
            comment=form.cleaned_data["comment"],
        )
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        suggestion.refresh_from_db()
        return page(error=error)
    suggestion.refresh_from_db()
    if suggestion.status == Status.REHANDLING:
        messages.success(request, _("评价已提交。因您对答复不满意，建议已转入二次办理。"))
    elif evaluation.is_dissatisfied:
        messages.success(request, _("评价已提交，建议已办结。"))
    else:
        messages.success(request, _("评价已提交，建议已办结。感谢您的评价。"))
    return redirect("suggestions:detail", suggestion_id=suggestion.pk)


# --- the item page ---


def _sent_replies(suggestion: Suggestion) -> list[dict[str, Any]]:
    categories: dict[str, str] = suggestion.congress.setting("suggestion_reply_categories") or {}
    replies = (
        Reply.objects.filter(assignment__suggestion=suggestion, status=ReplyStatus.SENT)
        .select_related("assignment__unit")
        .prefetch_related("attachments")
        .order_by("assignment__round", "sent_at", "pk")
    )
    return [{"reply": reply, "category_label": categories.get(reply.category, "")} for reply in replies]


def _rounds(suggestion: Suggestion, internal: bool) -> list[dict[str, Any]]:
    assignments = suggestion.assignments.select_related("unit").order_by("round", "role", "pk")
    if not internal:
        assignments = assignments.filter(status=AssignmentStatus.ACTIVE)
    rounds: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        rounds.setdefault(assignment.round, []).append(assignment)
    return [{"round": number, "assignments": rows} for number, rows in sorted(rounds.items())]


@login_required
def suggestion_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user = _user(request)
    suggestion = permissions.get_suggestion_for_view(user, suggestion_id)
    internal = permissions.sees_internal_handling(user, suggestion)
    involved = permissions.is_involved_deputy(user, suggestion) and permissions.deputy_congress_id(user) is not None
    is_lead = permissions.is_lead_deputy(user, suggestion)
    cosigner_rows = list(suggestion.cosigners.select_related("deputy"))
    my_invitation = next(
        (
            row
            for row in cosigner_rows
            if row.deputy_id == user.pk and row.status == CosignerStatus.INVITED and involved
        ),
        None,
    )
    editable = suggestion.status in EDITABLE_STATES
    communications: list[CommunicationLog] = []
    if internal or involved:
        communications = list(
            CommunicationLog.objects.filter(assignment__suggestion=suggestion)
            .select_related("assignment__unit")
            .order_by("date", "pk")
        )
    opinions: list[Assignment] = []
    if internal:
        opinions = list(
            suggestion.assignments.filter(opinion_sent_at__isnull=False).select_related("unit").order_by("round", "pk")
        )
    context: dict[str, Any] = {
        "suggestion": suggestion,
        "cosigners": cosigner_rows,
        "my_invitation": my_invitation if editable else None,
        "internal": internal,
        "involved": involved,
        "is_lead": is_lead,
        "overdue": suggestion.due_at is not None
        and suggestion.status in HANDLING_STATES
        and suggestion.due_at < timezone.now(),
        "rounds": _rounds(suggestion, internal),
        "communications": communications,
        "replies": _sent_replies(suggestion),
        "opinions": opinions,
        "evaluations": list(suggestion.evaluations.order_by("round")),
        "can_edit": is_lead and editable,
        "can_submit": is_lead and editable,
        "can_withdraw": is_lead and suggestion.status in WITHDRAWABLE_STATES,
        "can_evaluate": is_lead and suggestion.status == Status.REPLIED and not _evaluated_this_round(suggestion),
        "pending_cosigners": sum(1 for row in cosigner_rows if row.status == CosignerStatus.INVITED),
        "timeline": timeline_for(user, suggestion),
        "show_staff_panel": False,
        "show_unit_panel": False,
    }
    if permissions.can_manage(user, suggestion):
        context.update(staff.panel_context(request, suggestion))
        context["show_staff_panel"] = True
    if permissions.unit_assignment(user, suggestion) is not None:
        context.update(unit.panel_context(request, suggestion))
        context["show_unit_panel"] = True
    return render(request, "suggestions/detail.html", context)


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """A reply's file: anyone who may see the item gets those of sent replies; drafts' only internally."""
    user = _user(request)
    attachment = Attachment.objects.filter(pk=attachment_id).select_related("reply__assignment").first()
    if attachment is None:
        raise Http404
    suggestion = permissions.get_suggestion_for_view(user, attachment.reply.assignment.suggestion_id)
    if attachment.reply.status != ReplyStatus.SENT and not permissions.sees_internal_handling(user, suggestion):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type or None
    )


urlpatterns: list[URLPattern] = [
    path("mine/", my_suggestions, name="mine"),
    path("new/", suggestion_create, name="create"),
    path("<int:suggestion_id>/", suggestion_detail, name="detail"),
    path("<int:suggestion_id>/edit/", suggestion_edit, name="edit"),
    path("<int:suggestion_id>/cosigners/", cosigners, name="cosigners"),
    path("<int:suggestion_id>/cosign/", cosign, name="cosign"),
    path("<int:suggestion_id>/submit/", submit, name="submit"),
    path("<int:suggestion_id>/withdraw/", withdraw, name="withdraw"),
    path("<int:suggestion_id>/evaluate/", evaluate, name="evaluate"),
    path("attachments/<int:attachment_id>/", attachment_download, name="attachment"),
]
