"""API for search, similar items and the public portal: thin adapters over search.py, similarity.py
and the portal queries in views/public.py."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from renda.accounts.models import User
from renda.core.errors import NotPermitted
from renda.suggestions import permissions, search, similarity
from renda.suggestions.models import Category, Suggestion
from renda.suggestions.views.public import (
    PortalFilter,
    filter_portal,
    get_public_suggestion,
    handling_units,
    portal_suggestions,
    public_replies,
)

router = Router(tags=["代表建议 Suggestions"])

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


class SearchHitOut(Schema):
    id: int
    number: str
    title: str
    year: int
    category: str
    status: str
    lead_deputy: str


class SearchPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[SearchHitOut]


def _hit(suggestion: Suggestion) -> SearchHitOut:
    return SearchHitOut(
        id=suggestion.pk,
        number=suggestion.number,
        title=suggestion.title,
        year=suggestion.year,
        category=suggestion.category,
        status=suggestion.status,
        lead_deputy=suggestion.lead_deputy.display_name,
    )


def _page(items: QuerySet[Suggestion], page: int) -> SearchPageOut:
    paginator: Paginator[Suggestion] = Paginator(items, PAGE_SIZE)
    current = paginator.get_page(page)
    return SearchPageOut(
        count=paginator.count,
        page=current.number,
        pages=paginator.num_pages,
        results=[_hit(suggestion) for suggestion in current],
    )


class SearchQuery(Schema):
    q: str = Field(..., description="检索词（最多 100 字），多个词须同时出现")
    page: int = Field(1, ge=1)


@router.get("/suggestions/search", response=SearchPageOut, summary="全文检索我可见的建议（按当前角色）")
def search_suggestions(request: HttpRequest, filters: Query[SearchQuery]) -> SearchPageOut:
    found = search.search(permissions.suggestions_visible_to(_user(request)), filters.q)
    return _page(found.select_related("lead_deputy"), filters.page)


class SimilarOut(Schema):
    id: int
    number: str
    title: str
    year: int
    status: str
    score: float


@router.get("/suggestions/{int:suggestion_id}/similar", response=list[SimilarOut], summary="相似的建议（交办机构）")
def similar_suggestions(request: HttpRequest, suggestion_id: int) -> list[SimilarOut]:
    user = _user(request)
    suggestion = permissions.get_suggestion_for_view(user, suggestion_id)
    if not permissions.can_manage(user, suggestion):
        raise NotPermitted("只有本级交办机构可以查看相似建议", code="forbidden")
    return [
        SimilarOut(id=item.pk, number=item.number, title=item.title, year=item.year, status=item.status, score=score)
        for item, score in similarity.similar_to(suggestion)
    ]


# --- the public portal (no login) ---


class PortalQuery(Schema):
    q: str = Field("", description="关键词（最多 100 字）")
    year: int | None = None
    category: str = Field("", description="类别代码，如 urban")
    unit: int | None = Field(None, description="承办单位编号")
    page: int = Field(1, ge=1)


@router.get("/portal/suggestions", response=SearchPageOut, auth=None, summary="公开的代表建议（无需登录）")
def portal_list(request: HttpRequest, filters: Query[PortalQuery]) -> SearchPageOut:
    category = filters.category if filters.category in Category.values else ""
    wanted = PortalFilter(q=filters.q.strip(), year=filters.year, category=category, unit=filters.unit)
    found = filter_portal(portal_suggestions(), wanted)
    return _page(found.select_related("lead_deputy"), filters.page)


class PortalReplyOut(Schema):
    unit: str
    text: str
    sent_at: dt.datetime | None
    category: str
    category_label: str


class PortalUnitOut(Schema):
    unit: str
    role: str


class PortalSuggestionOut(Schema):
    id: int
    number: str
    title: str
    year: int
    category: str
    category_label: str
    status: str
    lead_deputy: str
    cosigner_count: int
    body: str
    units: list[PortalUnitOut]
    replies: list[PortalReplyOut]


@router.get(
    "/portal/suggestions/{int:suggestion_id}",
    response=PortalSuggestionOut,
    auth=None,
    summary="公开的代表建议及其答复（无需登录）",
)
def portal_detail(request: HttpRequest, suggestion_id: int) -> PortalSuggestionOut:
    suggestion = get_public_suggestion(suggestion_id)
    return PortalSuggestionOut(
        id=suggestion.pk,
        number=suggestion.number,
        title=suggestion.title,
        year=suggestion.year,
        category=suggestion.category,
        category_label=str(suggestion.get_category_display()),
        status=suggestion.status,
        lead_deputy=suggestion.lead_deputy.display_name,
        cosigner_count=suggestion.cosigner_count,  # type: ignore[attr-defined]
        body=suggestion.body,
        units=[PortalUnitOut(unit=name, role=role) for name, role in handling_units(suggestion)],
        replies=[
            PortalReplyOut(
                unit=reply.unit,
                text=reply.text,
                sent_at=reply.sent_on,
                category=reply.category,
                category_label=reply.category_label,
            )
            for reply in public_replies(suggestion)
        ],
    )
