"""Pages: full-text search over the opinions the person may see (``opinions:search``).

Any logged-in role; the results are the person's ``opinions_visible_to`` narrowed by the query
(``renda.opinions.search``), so a unit finds only what was dispatched to it, and a role that sees
no opinion finds nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import urlencode

from renda.core.errors import DomainError
from renda.opinions import permissions, search

PAGE_SIZE = 20


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q")
    context: dict[str, Any] = {"q": (query or "").strip(), "page": None, "error": None, "searched": False}
    status = 200
    if query is not None:
        try:
            found = search.search(permissions.opinions_visible_to(request.user), query)  # type: ignore[arg-type]
        except DomainError as error:
            context["error"] = error.message
            status = 400
        else:
            found = found.select_related("area", "unit").only(
                "pk", "text", "status", "category", "source", "received_at", "area__name", "unit__name"
            )
            context["page"] = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
            context["searched"] = True
            context["query_string"] = urlencode({"q": context["q"]})
    return render(request, "opinions/search.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("search/", search_page, name="search"),
]
