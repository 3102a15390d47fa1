"""The triage side of opinions (分流): the queue, one opinion's page with its four outcomes, clusters, the ledger.

- ``triage_queue``: what waits for this person's triage (committee staff: the congress's; station staff:
  their station's; a deputy: those addressed to them), the one waiting longest first, each with the
  routing suggestion of insight.
- ``opinion_detail``: the text, photos (served through ``attachment``, permission-checked), the contact
  masked with a "显示" button (``unmask``, audited, htmx), the routing suggestion ("建议：… 置信度 …
  · 模型 v…") prefilled into the grade form but never applied: staff click to dispatch. Similar
  opinions (the same cluster) link to the cluster page. The unit's panel (accept/return/reply, in
  ``views.unit``) and the relay button show to whoever may use them.
- ``cluster_detail`` / ``cluster_dispatch``: a near-duplicate group, and handling it as one (合并办理).
- ``ledger`` / ``export`` / ``export_unmasked``: every opinion with filters; the Excel export is masked,
  the one with names and phones in clear is for the triage staff only and is audited.

Views are thin: a permission fetcher (404 for who may not see), then one action; a refusal comes
back on the page with the action's Chinese message and status (400 bad input, 403 not you, 409 not now).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput
from renda.core.views import add_domain_error
from renda.deputies.models import DeputyProfile
from renda.opinions import actions, exports, permissions, queues, stats
from renda.opinions.actions._common import ANSWER_MAX, REASON_MAX, REPLY_MAX
from renda.opinions.actions.triage import NOT_HANDLING_KINDS, REDIRECT_CHANNELS, SUGGESTION_TITLE_MAX
from renda.opinions.models import Category, Dispatch, Level, Opinion, OpinionAttachment, OpinionRating, Source, Status
from renda.opinions.queues import analysis_of, suggestion_text
from renda.organizations.models import Congress, RoleAssignment, Unit, congress_subtree_ids
from renda.organizations.roles import Role

PAGE_SIZE = 30
SIMILAR_SHOWN = 10
TEMPLATE_DETAIL = "opinions/staff_detail.html"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def status_of(error: DomainError) -> int:
    return error.status_code if error.status_code < 500 else 400


# --- the forms ---


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("当场答复内容"), max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 4}))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("不予受理理由"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    channel = forms.ChoiceField(
        label=_("告知群众的途径"), choices=[("", "——"), *[(item, item) for item in REDIRECT_CHANNELS]]
    )


class GradeForm(forms.Form):
    level = forms.ChoiceField(label=_("分级"), choices=Level.choices)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    unit = forms.TypedChoiceField(label=_("承办单位"), coerce=int)
    is_complex = forms.BooleanField(
        label=_("复杂事项（办理期限 10 个工作日）"), required=False, help_text=_("一般事项 5 个工作日内答复。")
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "——"), *units]  # type: ignore[attr-defined]


class ConvertForm(forms.Form):
    deputy = forms.TypedChoiceField(label=_("代表"), coerce=int, required=False)
    title = forms.CharField(label=_("建议标题"), max_length=SUGGESTION_TITLE_MAX)

    def __init__(self, *args: Any, deputies: list[tuple[int, str]] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if deputies is None:
            del self.fields["deputy"]  # a deputy converts for themselves
        else:
            self.fields["deputy"].choices = [("", "——"), *deputies]  # type: ignore[attr-defined]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("答复内容"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 6}))


def handling_units(congress_id: int) -> list[tuple[int, str]]:
    """The units an opinion of the congress may go to: active, in its tree, neither delegations nor stations."""
    units = (
        Unit.objects.filter(congress_id__in=congress_subtree_ids([congress_id]), is_active=True)
        .exclude(kind__in=list(NOT_HANDLING_KINDS))
        .select_related("congress")
        .order_by("congress__level", "congress_id", "sort_order", "name")
    )
    return [
        (unit.pk, unit.name if unit.congress_id == congress_id else f"{unit.name}（{unit.congress.name}）")
        for unit in units
    ]


def congress_deputies(congress_id: int) -> list[tuple[int, str]]:
    """The deputies of the congress (their profiles), for converting an opinion into one's suggestion."""
    users = RoleAssignment.objects.filter(congress_id=congress_id, role=Role.DEPUTY, is_active=True).values("user_id")
    return [(pk, name) for pk, name in DeputyProfile.objects.filter(user_id__in=users).values_list("pk", "name")]


def _unit_or_error(unit_id: int | None) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).select_related("congress").first() if unit_id else None
    if unit is None:
        raise InvalidInput("请选择承办单位", code="required", field="unit")
    return unit


# --- one opinion's page ---


def _grade_initial(opinion: Opinion, analysis: Any, units: list[tuple[int, str]]) -> dict[str, Any]:
    """The suggestion, prefilled (staff still choose and click); what staff already chose wins."""
    initial: dict[str, Any] = {"level": opinion.level, "category": opinion.category, "is_complex": opinion.is_complex}
    if analysis is not None:
        initial["level"] = initial["level"] or analysis.suggested_level
        initial["category"] = initial["category"] or analysis.suggested_category
        if analysis.suggested_unit_id in {pk for pk, _name in units}:
            initial["unit"] = analysis.suggested_unit_id
    return initial


def _similar(user: User, opinion: Opinion) -> list[Opinion]:
    if opinion.cluster_id is None:
        return []
    return list(
        permissions.opinions_visible_to(user)
        .filter(cluster_id=opinion.cluster_id)
        .exclude(pk=opinion.pk)
        .only("pk", "text", "status", "received_at", "address")
        .order_by("-received_at")[:SIMILAR_SHOWN]
    )


def detail_context(request: HttpRequest, opinion: Opinion, **bound: Any) -> dict[str, Any]:
    """Everything the opinion's page shows to this person; ``bound`` replaces a form that was refused."""
    user = _user(request)
    can_triage = permissions.can_triage(user, opinion)
    can_handle = permissions.can_handle(user, opinion)
    analysis = analysis_of(opinion)
    triage_open = can_triage and opinion.status == Status.RECEIVED
    context: dict[str, Any] = {
        "opinion": opinion,
        "analysis": analysis,
        "suggestion": suggestion_text(analysis),
        "attachments": list(OpinionAttachment.objects.filter(opinion=opinion)),
        "dispatches": list(Dispatch.objects.filter(opinion=opinion).select_related("unit").order_by("round", "pk")),
        "ratings": list(OpinionRating.objects.filter(opinion=opinion)),
        "similar": _similar(user, opinion),
        "can_triage": can_triage,
        "triage_open": triage_open,
        "can_handle": can_handle,
        "can_unmask": opinion.erased_at is None and permissions.can_see_contact(user, opinion),
        "can_relay": permissions.can_relay(user, opinion) and opinion.status == Status.REPLIED,
        "can_see_cluster": opinion.cluster_id is not None and permissions.reader_congress_id(user) is not None,
        "is_overdue": opinion.status in {Status.DISPATCHED, Status.ACCEPTED}
        and opinion.due_at is not None
        and opinion.due_at < timezone.now(),
        "refused_form": bound.pop("refused_form", ""),
    }
    if triage_open:
        units = handling_units(opinion.congress_id)
        deputies = None if permissions.acting_deputy(user) is not None else congress_deputies(opinion.congress_id)
        context.update(
            answer_form=AnswerForm(),
            refuse_form=RefuseForm(),
            grade_form=GradeForm(initial=_grade_initial(opinion, analysis, units), units=units),
            convert_form=ConvertForm(initial={"title": _title_from(opinion)}, deputies=deputies),
        )
    if can_handle:
        context.update(return_form=ReturnForm(), reply_form=ReplyForm(), live=permissions.live_dispatch(opinion))
    context.update(bound)
    return context


def _title_from(opinion: Opinion) -> str:
    text = " ".join(opinion.text.split())
    return "关于" + (text[:24] + "…" if len(text) > 24 else text) + "的建议"


def render_detail(request: HttpRequest, opinion: Opinion, *, status: int = 200, **bound: Any) -> HttpResponse:
    return render(request, TEMPLATE_DETAIL, detail_context(request, opinion, **bound), status=status)


def refused(request: HttpRequest, opinion: Opinion, error: DomainError, *, name: str, form: forms.Form) -> HttpResponse:
    """The page again, with the refused form open and the action's message next to its field."""
    add_domain_error(form, error)
    opinion.refresh_from_db()
    return render_detail(request, opinion, status=status_of(error), refused_form=name, **{f"{name}_form": form})


def triage_item(user: User, opinion_id: int) -> Opinion:
    """The opinion, for someone who may triage it: 404 if they may not see it, 403 if they see but do not triage."""
    opinion = permissions.get_visible_opinion(user, opinion_id)
    if not permissions.can_triage(user, opinion):
        raise PermissionDenied
    return opinion


def form_refused(request: HttpRequest, opinion: Opinion, *, name: str, form: forms.Form) -> HttpResponse:
    """The page again with the form's own errors (a required field left blank, a text too long): 400."""
    return render_detail(request, opinion, status=400, refused_form=name, **{f"{name}_form": form})


def form_step(
    request: HttpRequest,
    opinion: Opinion,
    *,
    name: str,
    form: forms.Form,
    act: Callable[[dict[str, Any]], Any],
    done: str | Callable[[Any], str],
    then: str = "",
) -> HttpResponse:
    """One step of the loop from a form on the detail page, through its named action.

    Check the form, run ``act`` with what it cleaned, say ``done`` (or ``done(result)``) and go to ``then``
    (the detail page by default). A form error is a 400 with the form open; the action's refusal keeps its
    status, with its message next to its field.
    """
    if not form.is_valid():
        return form_refused(request, opinion, name=name, form=form)
    try:
        result = act(form.cleaned_data)
    except DomainError as error:
        return refused(request, opinion, error, name=name, form=form)
    messages.success(request, done(result) if callable(done) else done)
    return redirect(then or reverse("opinions:opinion_detail", args=[opinion.pk]))


@login_required
@require_GET
def opinion_detail(request: HttpRequest, opinion_id: int) -> HttpResponse:
    opinion = permissions.get_visible_opinion(_user(request), opinion_id)
    return render_detail(request, opinion)


@login_required
@require_GET
def attachment(request: HttpRequest, opinion_attachment_id: int) -> FileResponse:
    """A photo of the opinion, to whoever may see the opinion (404 for anyone else)."""
    item = OpinionAttachment.objects.filter(pk=opinion_attachment_id).first()
    if item is None:
        raise Http404
    permissions.get_visible_opinion(_user(request), item.opinion_id)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=item.content_type or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def unmask(request: HttpRequest, opinion_id: int) -> HttpResponse:
    """The name and phone in clear, as an htmx fragment; the viewing is audited (403 with the message otherwise)."""
    user = _user(request)
    opinion = permissions.get_visible_opinion(user, opinion_id)
    try:
        contact = actions.contact_unmask(actor=user, opinion=opinion)
    except DomainError as error:
        return HttpResponse(error.message, status=status_of(error), content_type="text/plain; charset=utf-8")
    return render(request, "opinions/staff_contact.html", {"contact": contact})


# --- the four outcomes of triage ---


@login_required
@require_POST
def triage_answer(request: HttpRequest, opinion_id: int) -> HttpResponse:
    user = _user(request)
    opinion = triage_item(user, opinion_id)
    return form_step(
        request,
        opinion,
        name="answer",
        form=AnswerForm(request.POST),
        act=lambda data: actions.triage_answer_on_spot(actor=user, opinion=opinion, answer=data["answer"]),
        done=gettext("已当场答复，本件办结"),
    )


@login_required
@require_POST
def triage_refuse(request: HttpRequest, opinion_id: int) -> HttpResponse:
    user = _user(request)
    opinion = triage_item(user, opinion_id)
    return form_step(
        request,
        opinion,
        name="refuse",
        form=RefuseForm(request.POST),
        act=lambda data: actions.triage_refuse(
            actor=user, opinion=opinion, reason=data["reason"], channel=data["channel"]
        ),
        done=gettext("已不予受理，并告知群众相应途径"),
    )


@login_required
@require_POST
def triage_grade(request: HttpRequest, opinion_id: int) -> HttpResponse:
    """Grade and dispatch: what staff chose in the form (the suggestion is only its starting value)."""
    user = _user(request)
    opinion = triage_item(user, opinion_id)

    def grade(data: dict[str, Any]) -> Dispatch:
        return actions.triage_grade(
            actor=user,
            opinion=opinion,
            level=data["level"],
            category=data["category"],
            unit=_unit_or_error(data["unit"]),
            is_complex=data["is_complex"],
        )

    return form_step(
        request,
        opinion,
        name="grade",
        form=GradeForm(request.POST, units=handling_units(opinion.congress_id)),
        act=grade,
        done=lambda dispatch: (
            gettext("已派单至%(unit)s，办理期限 %(due)s")
            % {"unit": dispatch.unit.name, "due": f"{dispatch.due_at:%Y-%m-%d}"}
        ),
    )


@login_required
@require_POST
def triage_convert(request: HttpRequest, opinion_id: int) -> HttpResponse:
    user = _user(request)
    opinion = triage_item(user, opinion_id)
    own = permissions.acting_deputy(user) is not None

    def convert(data: dict[str, Any]) -> object:
        deputy = None
        if not own and data.get("deputy"):
            deputy = DeputyProfile.objects.filter(pk=data["deputy"]).first()
        return actions.triage_convert(actor=user, opinion=opinion, deputy=deputy, title=data["title"])

    return form_step(
        request,
        opinion,
        name="convert",
        form=ConvertForm(request.POST, deputies=None if own else congress_deputies(opinion.congress_id)),
        act=convert,
        done=gettext("已转为代表建议草稿，待代表修改后提交"),
    )


@login_required
@require_POST
def relay(request: HttpRequest, opinion_id: int) -> HttpResponse:
    """The station, the deputy or the staff pass the unit's answer back to the citizen (反馈群众)."""
    user = _user(request)
    opinion = permissions.get_visible_opinion(user, opinion_id)
    try:
        actions.reply_relay(actor=user, opinion=opinion)
    except DomainError as error:
        opinion.refresh_from_db()
        return render_detail(request, opinion, status=status_of(error), error_message=error.message)
    messages.success(request, gettext("已向群众反馈答复，等待群众评价"))
    return redirect("opinions:opinion_detail", opinion_id=opinion.pk)


# --- the queue ---


@login_required
@require_GET
def triage_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not queues.can_use_triage_queue(user):
        raise PermissionDenied
    source = request.GET.get("source", "")
    items = queues.triage_items(user, source=source)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"opinion": item, "suggestion": suggestion_text(analysis_of(item))} for item in page.object_list]
    return render(
        request,
        "opinions/staff_queue.html",
        {
            "page": page,
            "rows": rows,
            "source": source if source in Source.values else "",
            "sources": Source.choices,
            "query_string": f"source={source}" if source in Source.values else "",
            "can_import": permissions.triage_congress_id(user) is not None,
        },
    )


# --- clusters ---


def _cluster_for(user: User, cluster_id: int) -> Any:
    from renda.insight.models import Cluster

    congress_id = permissions.reader_congress_id(user)
    cluster = Cluster.objects.filter(pk=cluster_id, congress_id=congress_id).first() if congress_id else None
    if cluster is None:
        raise Http404
    return cluster


def _cluster_context(request: HttpRequest, cluster: Any, **bound: Any) -> dict[str, Any]:
    user = _user(request)
    members = list(
        permissions.opinions_visible_to(user)
        .filter(cluster=cluster)
        .select_related("area", "unit")
        .order_by("received_at", "pk")
    )
    waiting = [item for item in members if item.status == Status.RECEIVED]
    can_dispatch = permissions.can_triage_congress(user, cluster.congress_id) and bool(waiting)
    context: dict[str, Any] = {
        "cluster": cluster,
        "members": members,
        "waiting": len(waiting),
        "can_dispatch": can_dispatch,
    }
    if can_dispatch:
        units = handling_units(cluster.congress_id)
        representative = cluster.representative if cluster.representative_id else waiting[0]
        analysis = analysis_of(representative)
        context["suggestion"] = suggestion_text(analysis)
        context["grade_form"] = GradeForm(initial=_grade_initial(representative, analysis, units), units=units)
    context.update(bound)
    return context


@login_required
@require_GET
def cluster_detail(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = _cluster_for(_user(request), cluster_id)
    return render(request, "opinions/staff_cluster.html", _cluster_context(request, cluster))


@login_required
@require_POST
def cluster_dispatch(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """合并办理: every waiting opinion of the group to one unit; each citizen still gets the answer."""
    user = _user(request)
    cluster = _cluster_for(user, cluster_id)
    form = GradeForm(request.POST, units=handling_units(cluster.congress_id))
    try:
        if not form.is_valid():
            first = next(iter(form.errors))
            raise InvalidInput(gettext("请选择%(field)s") % {"field": form.fields[first].label}, field=first)
        dispatches = actions.cluster_dispatch(
            actor=user,
            cluster=cluster,
            level=form.cleaned_data["level"],
            category=form.cleaned_data["category"],
            unit=_unit_or_error(form.cleaned_data["unit"]),
            is_complex=form.cleaned_data["is_complex"],
        )
    except DomainError as error:
        add_domain_error(form, error)
        cluster.refresh_from_db()
        context = _cluster_context(request, cluster)
        context["grade_form"] = form
        context["error_message"] = error.message
        return render(request, "opinions/staff_cluster.html", context, status=status_of(error))
    messages.success(request, gettext("已合并派单 %(count)d 件") % {"count": len(dispatches)})
    return redirect("opinions:cluster_detail", cluster_id=cluster.pk)


# --- the ledger and its export ---


class LedgerForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *Status.choices], required=False)
    source = forms.ChoiceField(label=_("来源"), choices=[("", _("全部")), *Source.choices], required=False)
    category = forms.ChoiceField(label=_("类别"), choices=[("", _("全部")), *Category.choices], required=False)
    area = forms.ChoiceField(label=_("区域"), required=False)
    unit = forms.ChoiceField(label=_("承办单位"), required=False)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)
    figure = forms.ChoiceField(
        label=_("统计口径"),
        choices=[("", _("全部")), *((name, label) for name, (label, _q) in stats.FIGURES.items())],
        required=False,
    )
    received_from = forms.DateField(
        label=_("收到日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, congress_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas: list[tuple[Any, str]] = []
        units: list[tuple[Any, str]] = []
        if congress_id is not None:
            tree = congress_subtree_ids([congress_id])
            areas = [
                (str(pk), name)
                for pk, name in Congress.objects.filter(pk__in=tree)
                .exclude(pk=congress_id)
                .order_by("level", "code")
                .values_list("pk", "name")
            ]
            units = [(str(pk), name) for pk, name in handling_units(congress_id)]
        self.fields["area"].choices = [("", _("全部")), *areas]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", _("全部")), *units]  # type: ignore[attr-defined]


def _ledger_filters(query: Any) -> queues.LedgerFilters:
    """The filters of the query; a bad value (shown as an error on the ledger page) filters nothing."""
    try:
        return queues.parse_filters(query)
    except InvalidInput:
        return queues.LedgerFilters()


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress_id = permissions.reader_congress_id(user)
    if congress_id is None:
        raise PermissionDenied
    form = LedgerForm(request.GET or None, congress_id=congress_id)
    error = None
    try:
        filters = queues.parse_filters(request.GET)
    except InvalidInput as problem:
        error, filters = problem, queues.LedgerFilters()
    items = queues.ledger_items(user, filters).select_related("area", "unit", "station__unit")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = filters.as_query()
    return render(
        request,
        "opinions/staff_ledger.html",
        {
            "form": form,
            "error": error,
            "page": page,
            "query_string": urlencode(query),
            "filters": query,
            "now": timezone.now(),
            "can_export_unmasked": exports.can_export_unmasked(user, congress_id),
            "congress": Congress.objects.filter(pk=congress_id).first(),
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def export(request: HttpRequest) -> FileResponse:
    """The ledger (or a unit's own items) as Excel, names and phones masked."""
    user = _user(request)
    if not queues.can_export(user):
        raise PermissionDenied
    return exports.response(queues.ledger_items(user, _ledger_filters(request.GET)), unmasked=False)


@login_required
@require_POST
def export_unmasked(request: HttpRequest) -> HttpResponseBase:
    """The ledger with names, phones and tracking codes in clear: the triage staff only, and on the record."""
    user = _user(request)
    congress_id = permissions.triage_congress_id(user)
    if congress_id is None:
        raise PermissionDenied
    filters = _ledger_filters(request.POST)
    items = queues.ledger_items(user, filters).filter(Q(congress_id=congress_id))
    congress = Congress.objects.get(pk=congress_id)
    try:
        exports.opinions_export_unmasked(actor=user, congress=congress, filters=filters.as_query(), count=items.count())
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("opinions:ledger")
    return exports.response(items, unmasked=True)


urlpatterns: list[URLPattern] = [
    path("triage/", triage_queue, name="triage_queue"),
    path("<int:opinion_id>/", opinion_detail, name="opinion_detail"),
    path("<int:opinion_id>/contact/", unmask, name="unmask"),
    path("<int:opinion_id>/answer/", triage_answer, name="triage_answer"),
    path("<int:opinion_id>/refuse/", triage_refuse, name="triage_refuse"),
    path("<int:opinion_id>/grade/", triage_grade, name="triage_grade"),
    path("<int:opinion_id>/convert/", triage_convert, name="triage_convert"),
    path("<int:opinion_id>/relay/", relay, name="relay"),
    path("attachments/<int:opinion_attachment_id>/", attachment, name="attachment"),
    path("clusters/<int:cluster_id>/", cluster_detail, name="cluster_detail"),
    path("clusters/<int:cluster_id>/dispatch/", cluster_dispatch, name="cluster_dispatch"),
    path("ledger/", ledger, name="ledger"),
    path("ledger/export.xlsx", export, name="export"),
    path("ledger/export-unmasked.xlsx", export_unmasked, name="export_unmasked"),
]
