"""The 交办机构's pages: review and assign items, decide disputes and extensions, watch the units.

Thin adapters: a fetcher finds the item (404 for anyone who may not see it), the named
action in ``renda.suggestions.actions`` does the change and checks who may do it. A refused
POST answers 4xx with the action's Chinese message (like the ballot page), never a redirect.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrPromise

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput, NotPermitted
from renda.organizations.models import CONGRESS_UNIT_KINDS, Congress, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.suggestions import actions, permissions, similarity
from renda.suggestions.actions.review import NON_HANDLING_KINDS
from renda.suggestions.models import (
    Assignment,
    AssignmentStatus,
    Dispute,
    Extension,
    HandlingRole,
    RequestStatus,
    Status,
    Suggestion,
)

# States after 立案 in which key supervision and disclosure are set.
AFTER_REGISTRATION = frozenset(
    {Status.REGISTERED, Status.ASSIGNED, Status.IN_HANDLING, Status.REPLIED, Status.REHANDLING, Status.CLOSED}
)
DUE_SOON_DAYS = 7
BOARD_STATES = ("open", "due_soon", "overdue", "replied")
_NUMBER = re.compile(r"^\d{4}-\d+$")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.staff_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


# --- choices shown in the forms ---


def handling_units(congress_id: int) -> list[Unit]:
    """Units an item may be assigned to: the congress's active units, not delegations or liaison stations."""
    return list(Unit.objects.filter(congress_id=congress_id, is_active=True).exclude(kind__in=list(NON_HANDLING_KINDS)))


def supervising_units(congress_id: int) -> list[Unit]:
    """The congress's own committees and working bodies."""
    return list(Unit.objects.filter(congress_id=congress_id, is_active=True, kind__in=list(CONGRESS_UNIT_KINDS)))


def supervising_leaders(congress_id: int) -> list[User]:
    """People holding the leader or SC-member role in the congress."""
    ids = RoleAssignment.objects.filter(
        congress_id=congress_id, role__in=[Role.LEADER, Role.SC_MEMBER], is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "pk"))


def pending_requests(suggestions: Any) -> tuple[list[Dispute], list[Extension]]:
    """Pending disputes and extension requests on the given items (a queryset or a filter on suggestion)."""
    disputes = (
        Dispute.objects.filter(status=RequestStatus.PENDING, assignment__suggestion__in=suggestions)
        .select_related("assignment__unit", "assignment__suggestion", "suggested_unit", "raised_by")
        .order_by("raised_at", "pk")
    )
    extensions = (
        Extension.objects.filter(status=RequestStatus.PENDING, assignment__suggestion__in=suggestions)
        .select_related("assignment__unit", "assignment__suggestion", "requested_by")
        .order_by("requested_at", "pk")
    )
    return list(disputes), list(extensions)


def panel_context(request: HttpRequest, suggestion: Suggestion) -> dict[str, Any]:
    """What `_staff_panel.html` needs on the item page. Merge it into the page's context (keys start with staff_)."""
    user = _user(request)
    if not permissions.can_manage(user, suggestion):
        return {"staff_can_manage": False}
    context: dict[str, Any] = {
        "staff_can_manage": True,
        "staff_can_review": suggestion.status == Status.SUBMITTED,
        "staff_can_merge": suggestion.status in {Status.SUBMITTED, Status.REGISTERED},
        "staff_can_assign": suggestion.status == Status.REGISTERED,
        "staff_can_flag": suggestion.status in AFTER_REGISTRATION,
        "staff_similar": [],
        "staff_units": [],
        "staff_supervising_units": [],
        "staff_supervising_leaders": [],
    }
    if suggestion.status in {Status.SUBMITTED, Status.REGISTERED}:
        context["staff_similar"] = [
            {"item": item, "percent": round(score * 100)} for item, score in similarity.similar_to(suggestion, limit=5)
        ]
    if context["staff_can_assign"] or suggestion.status in AFTER_REGISTRATION:
        context["staff_units"] = handling_units(suggestion.congress_id)
    if context["staff_can_flag"]:
        context["staff_supervising_units"] = supervising_units(suggestion.congress_id)
        context["staff_supervising_leaders"] = supervising_leaders(suggestion.congress_id)
    disputes, extensions = pending_requests(Suggestion.objects.filter(pk=suggestion.pk))
    context["staff_disputes"] = disputes
    context["staff_extensions"] = extensions
    return context


# --- reading the forms ---


def _int(value: str, *, field: str, label: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("%(label)s无效") % {"label": label}, code="invalid", field=field) from None


def _units(values: list[str], *, field: str, label: str) -> list[Unit]:
    """Units named by id, in the order given; an unknown id names the field. The action checks the congress."""
    ids = [_int(value, field=field, label=label) for value in values if value.strip()]
    found = Unit.objects.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise InvalidInput(_("%(label)s不存在") % {"label": label}, code="not_found", field=field)
    return [found[pk] for pk in ids]


def _unit(value: str | None, *, field: str, label: str) -> Unit | None:
    units = _units([value or ""], field=field, label=label)
    return units[0] if units else None


def _plan(request: HttpRequest) -> actions.Plan:
    lead = _unit(request.POST.get("lead_unit"), field="lead_unit", label=_("主办单位"))
    co = _units(request.POST.getlist("co_units"), field="co_units", label=_("会办单位"))
    parallel = _units(request.POST.getlist("parallel_units"), field="parallel_units", label=_("分办单位"))
    return actions.Plan(lead=lead, co=co, parallel=parallel)


def _approve(request: HttpRequest) -> bool:
    value = request.POST.get("approve")
    if value not in ("0", "1"):
        raise InvalidInput(_("请选择同意或不同意"), code="required", field="approve")
    return value == "1"


def _merge_target(suggestion: Suggestion, value: str) -> Suggestion:
    """并案 target: an item number (2026-0012) or an id, of the same congress."""
    text = (value or "").strip()
    items = Suggestion.objects.filter(congress_id=suggestion.congress_id).exclude(status=Status.DRAFT)
    target: Suggestion | None = None
    if not text:
        raise InvalidInput(_("请填写并入的建议编号"), code="required", field="into")
    if _NUMBER.match(text):
        target = items.filter(number=text).first()
    elif text.isdigit():
        target = items.filter(pk=int(text)).first()
    if target is None:
        raise InvalidInput(_("找不到编号为“%(number)s”的建议") % {"number": text[:30]}, code="not_found", field="into")
    return target


# --- responses ---


def _refused(request: HttpRequest, error: DomainError, *, back: str) -> HttpResponse:
    """A refused POST: the action's message with its status (400/403/409), and a way back."""
    status = error.status_code if error.status_code < 500 else 400
    return render(request, "suggestions/staff_error.html", {"error": error, "back": back}, status=status)


def _item_url(suggestion_id: int) -> str:
    return reverse("suggestions:detail", kwargs={"suggestion_id": suggestion_id})


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _run(
    request: HttpRequest,
    action: Callable[[], object],
    *,
    success: str | StrPromise,
    back: str,
    suggestion: Suggestion | None = None,
) -> HttpResponse:
    """Run the action behind a button; for an item, first check that the person manages it (403 before 400)."""
    try:
        if suggestion is not None and not permissions.can_manage(_user(request), suggestion):
            raise NotPermitted(_("只有本级人大的建议交办机构可以进行此操作"))
        action()
    except DomainError as error:
        return _refused(request, error, back=back)
    messages.success(request, success)
    return redirect(back)


def _item_for_post(request: HttpRequest, suggestion_id: int) -> tuple[User, Suggestion, str]:
    user = _user(request)
    suggestion = permissions.get_suggestion_for_view(user, suggestion_id)
    return user, suggestion, _next(request, _item_url(suggestion.pk))


# --- the item's actions ---


@login_required
@require_POST
def register(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user, suggestion, back = _item_for_post(request, suggestion_id)
    return _run(
        request,
        lambda: actions.suggestion_register(
            actor=user,
            suggestion=suggestion,
            is_complex=request.POST.get("is_complex") in ("1", "on", "true"),
            note=request.POST.get("note", ""),
        ),
        success=_("已立案"),
        back=back,
        suggestion=suggestion,
    )


@login_required
@require_POST
def return_item(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user, suggestion, back = _item_for_post(request, suggestion_id)
    return _run(
        request,
        lambda: actions.suggestion_return(actor=user, suggestion=suggestion, note=request.POST.get("note", "")),
        success=_("已退回代表修改"),
        back=back,
        suggestion=suggestion,
    )


@login_required
@require_POST
def refuse(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user, suggestion, back = _item_for_post(request, suggestion_id)
    return _run(
        request,
        lambda: actions.suggestion_refuse(actor=user, suggestion=suggestion, reason=request.POST.get("reason", "")),
        success=_("已决定不予立案，并告知代表"),
        back=back,
        suggestion=suggestion,
    )


@login_required
@require_POST
def merge(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user, suggestion, back = _item_for_post(request, suggestion_id)

    def act() -> None:
        into = _merge_target(suggestion, request.POST.get("into", ""))
        actions.suggestion_merge(actor=user, suggestion=suggestion, into=into, note=request.POST.get("note", ""))

    return _run(request, act, success=_("已并案"), back=back, suggestion=suggestion)


@login_required
@require_POST
def assign(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user, suggestion, back = _item_for_post(request, suggestion_id)
    return _run(
        request,
        lambda: actions.suggestion_assign(actor=user, suggestion=suggestion, plan=_plan(request)),
        success=_("已交办"),
        back=back,
        suggestion=suggestion,
    )


@login_required
@require_POST
def key(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user, suggestion, back = _item_for_post(request, suggestion_id)

    def act() -> None:
        is_key = request.POST.get("is_key") in ("1", "on", "true")
        unit = leader = None
        if is_key:
            unit = _unit(request.POST.get("supervising_unit"), field="supervising_unit", label=_("督办机构"))
            leader_id = (request.POST.get("supervising_leader") or "").strip()
            if leader_id:
                leader = User.objects.filter(
                    pk=_int(leader_id, field="supervising_leader", label=_("督办领导"))
                ).first()
                if leader is None:
                    raise InvalidInput(_("督办领导不存在"), code="not_found", field="supervising_leader")
        actions.key_supervision_set(
            actor=user, suggestion=suggestion, is_key=is_key, supervising_unit=unit, supervising_leader=leader
        )

    is_key = request.POST.get("is_key") in ("1", "on", "true")
    return _run(
        request, act, success=_("已列为重点督办") if is_key else _("已取消重点督办"), back=back, suggestion=suggestion
    )


@login_required
@require_POST
def disclose(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user, suggestion, back = _item_for_post(request, suggestion_id)
    is_public = request.POST.get("is_public") in ("1", "on", "true")
    return _run(
        request,
        lambda: actions.disclosure_set(actor=user, suggestion=suggestion, is_public=is_public),
        success=_("已设为公开") if is_public else _("已设为不公开"),
        back=back,
        suggestion=suggestion,
    )


@login_required
@require_POST
def dispute_decide(request: HttpRequest, dispute_id: int) -> HttpResponse:
    user = _user(request)
    dispute = Dispute.objects.filter(pk=dispute_id).select_related("assignment__suggestion__congress").first()
    if dispute is None or not permissions.can_view_suggestion(user, dispute.assignment.suggestion):
        raise Http404
    back = _next(request, _item_url(dispute.assignment.suggestion_id))

    def act() -> None:
        approve = _approve(request)
        new_unit = _unit(request.POST.get("new_unit"), field="new_unit", label=_("改交单位")) if approve else None
        actions.dispute_decide(
            actor=user, dispute=dispute, approve=approve, note=request.POST.get("note", ""), new_unit=new_unit
        )

    return _run(request, act, success=_("已处理交办异议"), back=back, suggestion=dispute.assignment.suggestion)


@login_required
@require_POST
def extension_decide(request: HttpRequest, extension_id: int) -> HttpResponse:
    user = _user(request)
    extension = Extension.objects.filter(pk=extension_id).select_related("assignment__suggestion__congress").first()
    if extension is None or not permissions.can_view_suggestion(user, extension.assignment.suggestion):
        raise Http404
    back = _next(request, _item_url(extension.assignment.suggestion_id))
    return _run(
        request,
        lambda: actions.extension_decide(
            actor=user, extension=extension, approve=_approve(request), note=request.POST.get("note", "")
        ),
        success=_("已审批延期申请"),
        back=back,
        suggestion=extension.assignment.suggestion,
    )


# --- lists ---


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Items waiting for review (待审核), oldest first, each with how many similar earlier items there are."""
    congress = _staff_congress(request)
    items = (
        Suggestion.objects.filter(congress=congress, status=Status.SUBMITTED)
        .select_related("lead_deputy", "delegation")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    rows = [{"item": item, "similar": len(similarity.similar_to(item, limit=5))} for item in page]
    return render(request, "suggestions/staff_review.html", {"congress": congress, "page": page, "rows": rows})


@login_required
def assign_batch(request: HttpRequest) -> HttpResponse:
    """The 交办会: tick registered items and give them all the same plan; one invalid item stops the batch."""
    congress = _staff_congress(request)
    items = (
        Suggestion.objects.filter(congress=congress, status=Status.REGISTERED)
        .select_related("lead_deputy")
        .order_by("sequence", "pk")
    )
    error: DomainError | None = None
    selected: set[int] = set()
    if request.method == "POST":
        try:
            ids = [_int(value, field="suggestions", label=_("建议")) for value in request.POST.getlist("suggestions")]
            selected = set(ids)
            chosen = Suggestion.objects.in_bulk(
                list(Suggestion.objects.filter(pk__in=ids, congress=congress).values_list("pk", flat=True))
            )
            if len(chosen) != len(selected):
                raise InvalidInput(_("所选建议中有不存在的建议"), code="not_found", field="suggestions")
            batch = [chosen[pk] for pk in sorted(selected, key=ids.index)]
            created = actions.suggestion_assign_batch(
                actor=_user(request), congress=congress, suggestions=batch, plan=_plan(request)
            )
        except DomainError as err:
            error = err
        else:
            messages.success(
                request,
                _("已交办 %(items)d 件建议（%(duties)d 项交办）") % {"items": len(batch), "duties": len(created)},
            )
            return redirect("suggestions:assign_batch")
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    context = {
        "congress": congress,
        "page": page,
        "units": handling_units(congress.pk),
        "error": error,
        "selected": selected,
        "picked_lead": request.POST.get("lead_unit", ""),
        "picked_co": request.POST.getlist("co_units"),
        "picked_parallel": request.POST.getlist("parallel_units"),
    }
    status = (error.status_code if error.status_code < 500 else 400) if error else 200
    return render(request, "suggestions/staff_assign_batch.html", context, status=status)


@login_required
def requests(request: HttpRequest) -> HttpResponse:
    """Pending disputes and extension requests of the congress, with the decide forms."""
    congress = _staff_congress(request)
    disputes, extensions = pending_requests(Suggestion.objects.filter(congress=congress))
    context = {
        "congress": congress,
        "disputes": disputes,
        "extensions": extensions,
        "units": handling_units(congress.pk),
    }
    return render(request, "suggestions/staff_requests.html", context)


# --- the board by unit ---


def assignment_state_q(state: str, now: dt.datetime) -> Q:
    """Which duties count in each board column (the ledger's ?state= filter uses the same rules).

    A duty is done when its unit replied, or, for a co-handling unit, sent its opinion.
    """
    done = Q(replied_at__isnull=False) | Q(role=HandlingRole.CO, opinion_sent_at__isnull=False)
    if state == "replied":
        return done
    if state == "open":
        return ~done
    if state == "overdue":
        return ~done & Q(due_at__lt=now)
    if state == "due_soon":
        return ~done & Q(due_at__gte=now, due_at__lt=now + dt.timedelta(days=DUE_SOON_DAYS))
    raise ValueError(state)


def current_duties(congress_id: int) -> Any:
    """Active duties on the current round of the congress's items (not withdrawn ones)."""
    return Assignment.objects.filter(
        suggestion__congress_id=congress_id, status=AssignmentStatus.ACTIVE, round=F("suggestion__round")
    ).exclude(suggestion__status=Status.WITHDRAWN)


def board_rows(congress_id: int, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One aggregate query: per unit, how many duties are open, due soon, overdue and replied."""
    now = now or timezone.now()
    rows = (
        current_duties(congress_id)
        .values("unit_id", "unit__name")
        .annotate(**{state: Count("pk", filter=assignment_state_q(state, now)) for state in BOARD_STATES})
        .order_by("unit__name", "unit_id")
    )
    return list(rows)


def _ledger_url() -> str:
    try:
        return reverse("suggestions:ledger")
    except NoReverseMatch:
        return "/suggestions/ledger/"


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Staff and leaders: each unit's open, due soon, overdue and replied duties, linking to the ledger."""
    congress_id = permissions.reader_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    ledger = _ledger_url()
    rows = board_rows(congress_id)
    for row in rows:
        row["cells"] = [
            {"state": state, "count": row[state], "url": f"{ledger}?unit={row['unit_id']}&state={state}"}
            for state in BOARD_STATES
        ]
    totals = {state: sum(row[state] for row in rows) for state in BOARD_STATES}
    context = {"congress": Congress.objects.get(pk=congress_id), "rows": rows, "totals": totals}
    return render(request, "suggestions/staff_board.html", context)


urlpatterns: list[URLPattern] = [
    path("review/", review_queue, name="review_queue"),
    path("assign/", assign_batch, name="assign_batch"),
    path("requests/", requests, name="requests"),
    path("board/", board, name="board"),
    path("<int:suggestion_id>/register/", register, name="register"),
    path("<int:suggestion_id>/return/", return_item, name="return"),
    path("<int:suggestion_id>/refuse/", refuse, name="refuse"),
    path("<int:suggestion_id>/merge/", merge, name="merge"),
    path("<int:suggestion_id>/assign/", assign, name="assign"),
    path("<int:suggestion_id>/key/", key, name="key"),
    path("<int:suggestion_id>/disclose/", disclose, name="disclose"),
    path("disputes/<int:dispute_id>/decide/", dispute_decide, name="dispute_decide"),
    path("extensions/<int:extension_id>/decide/", extension_decide, name="extension_decide"),
]
