"""The deputy's phone-first pages, and the item page every role shares."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from renda.suggestions import permissions


@login_required
def suggestion_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = permissions.get_suggestion_for_view(request.user, suggestion_id)  # type: ignore[arg-type]
    return render(request, "suggestions/detail.html", {"suggestion": suggestion})


urlpatterns: list[URLPattern] = [
    path("<int:suggestion_id>/", suggestion_detail, name="detail"),
]
