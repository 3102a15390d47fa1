from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern

from renda.suggestions.models import Suggestion


def panel_context(request: HttpRequest, suggestion: Suggestion) -> dict[str, Any]:
    """What `_staff_panel.html` needs on the item page; the detail view calls it for the right audience."""
    return {}


urlpatterns: list[URLPattern] = []
