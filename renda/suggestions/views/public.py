"""Search for every logged-in role, and the public portal of disclosed suggestions.

``urlpatterns`` (namespace ``suggestions:``) holds the logged-in search page;
``portal_urlpatterns`` (namespace ``portal:``, mounted by ``urls_portal``) the pages open
to everyone. The portal reads only what ``portal_suggestions`` discloses and shows only
sent replies: no drafts, disputes, extensions, communication logs, phone numbers or ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from renda.core.errors import DomainError
from renda.organizations.models import Unit
from renda.suggestions import permissions, search
from renda.suggestions.models import (
    Assignment,
    AssignmentStatus,
    Category,
    CosignerStatus,
    Reply,
    ReplyStatus,
    Status,
    Suggestion,
)

PAGE_SIZE = 20

# Registered items at any stage of handling may be disclosed; drafts, withdrawn, refused or
# merged items never appear on the portal.
PUBLIC_STATES = (
    Status.REGISTERED,
    Status.ASSIGNED,
    Status.IN_HANDLING,
    Status.REPLIED,
    Status.REHANDLING,
    Status.CLOSED,
)


def portal_suggestions() -> QuerySet[Suggestion]:
    """Every item disclosed to the public (公开)."""
    return Suggestion.objects.filter(is_public=True, status__in=PUBLIC_STATES, registered_at__isnull=False)


def get_public_suggestion(suggestion_id: int) -> Suggestion:
    suggestion = (
        portal_suggestions()
        .filter(pk=suggestion_id)
        .select_related("congress", "lead_deputy", "session", "delegation")
        .annotate(cosigner_count=Count("cosigners", filter=Q(cosigners__status=CosignerStatus.CONFIRMED)))
        .first()
    )
    if suggestion is None:
        raise Http404
    return suggestion


@dataclass(frozen=True)
class PublicReply:
    unit: str
    text: str
    sent_on: Any
    category: str
    category_label: str


def public_replies(suggestion: Suggestion) -> list[PublicReply]:
    """The sent replies of the item, oldest first, with what the public may read of them."""
    labels: dict[str, str] = suggestion.congress.setting("suggestion_reply_categories") or {}
    replies = (
        Reply.objects.filter(assignment__suggestion=suggestion, status=ReplyStatus.SENT)
        .select_related("assignment__unit")
        .order_by("sent_at", "pk")
    )
    return [
        PublicReply(
            unit=reply.assignment.unit.name,
            text=reply.text,
            sent_on=reply.sent_at,
            category=reply.category,
            category_label=labels.get(reply.category, reply.category),
        )
        for reply in replies
    ]


def handling_units(suggestion: Suggestion) -> list[tuple[str, str]]:
    """(unit name, handling role label) of the active assignments of the item's current round."""
    assignments = (
        Assignment.objects.filter(suggestion=suggestion, status=AssignmentStatus.ACTIVE, round=suggestion.round)
        .select_related("unit")
        .order_by("role", "pk")
    )
    return [(assignment.unit.name, str(assignment.get_role_display())) for assignment in assignments]


@dataclass
class PortalFilter:
    q: str = ""
    year: int | None = None
    category: str = ""
    unit: int | None = None


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def filter_portal(items: QuerySet[Suggestion], wanted: PortalFilter) -> QuerySet[Suggestion]:
    """Apply the portal's filters; raises InvalidInput for a bad full-text query."""
    if wanted.year is not None:
        items = items.filter(year=wanted.year)
    if wanted.category:
        items = items.filter(category=wanted.category)
    if wanted.unit is not None:
        items = items.filter(
            pk__in=Assignment.objects.filter(unit_id=wanted.unit, status=AssignmentStatus.ACTIVE).values(
                "suggestion_id"
            )
        )
    return search.search(items, wanted.q) if wanted.q else items.order_by("-year", "-pk")


def portal_years() -> list[int]:
    """The years to filter by, newest first: the span of all items (two index look-ups, no scan)."""
    span = Suggestion.objects.aggregate(first=Min("year"), last=Max("year"))
    if span["first"] is None or span["last"] is None:
        return []
    return list(range(span["last"], span["first"] - 1, -1))


def handling_unit_choices() -> QuerySet[Unit]:
    """Units that have handled any item (one index probe per unit, no scan of the items)."""
    handled = Assignment.objects.filter(unit_id=OuterRef("pk"))
    return Unit.objects.filter(Exists(handled)).order_by("name").only("pk", "name")


def _query_string(**values: object) -> str:
    return urlencode({key: value for key, value in values.items() if value not in (None, "")})


# --- the logged-in search page ---


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q")
    context: dict[str, Any] = {"q": (query or "").strip(), "page": None, "error": None, "searched": False}
    status = 200
    if query is not None:
        try:
            found = search.search(permissions.suggestions_visible_to(request.user), query)  # type: ignore[arg-type]
        except DomainError as error:
            context["error"] = error.message
            status = 400
        else:
            found = found.select_related("lead_deputy")
            context["page"] = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
            context["searched"] = True
            context["query_string"] = _query_string(q=context["q"])
    return render(request, "suggestions/search.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("search/", search_page, name="search"),
]


# --- the public portal ---


def portal_list(request: HttpRequest) -> HttpResponse:
    wanted = PortalFilter(
        q=(request.GET.get("q") or "").strip(),
        year=_int_or_none(request.GET.get("year")),
        category=request.GET.get("category", "") if request.GET.get("category") in Category.values else "",
        unit=_int_or_none(request.GET.get("unit")),
    )
    items = portal_suggestions()
    error = None
    status = 200
    try:
        found = filter_portal(items, wanted)
    except DomainError as exc:
        error, status = exc.message, 400
        found = items.none()
    page = Paginator(found.select_related("lead_deputy"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filter": wanted,
        "error": error,
        "years": portal_years(),
        "categories": Category.choices,
        "units": handling_unit_choices(),
        "query_string": _query_string(q=wanted.q, year=wanted.year, category=wanted.category, unit=wanted.unit),
    }
    return render(request, "portal/suggestion_list.html", context, status=status)


def portal_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = get_public_suggestion(suggestion_id)
    context = {
        "suggestion": suggestion,
        "replies": public_replies(suggestion),
        "units": handling_units(suggestion),
    }
    return render(request, "portal/suggestion_detail.html", context)


portal_urlpatterns: list[URLPattern] = [
    path("suggestions/", portal_list, name="suggestions"),
    path("suggestions/<int:suggestion_id>/", portal_detail, name="suggestion"),
]
