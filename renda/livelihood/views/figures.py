"""Page: the figures of the livelihood projects for staff and leaders of a congress (definitions in ``stats``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from renda.core.errors import InvalidInput
from renda.livelihood import permissions, stats
from renda.organizations.models import Congress

MIN_YEAR, MAX_YEAR = 2000, 2100


def reader_congress(user: Any) -> Congress:
    """The congress whose figures the person reads now (staff and leaders), or 403."""
    congress_id = permissions.reader_congress_id(user)
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


def parse_year(value: str | None, default: int) -> int:
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit() or not MIN_YEAR <= int(value) <= MAX_YEAR:
        raise InvalidInput(_("项目年度应为 2000 至 2100 之间的年份"), code="bad_year", field="year")
    return int(value)


def parse_on(value: str | None, default: dt.date) -> dt.date:
    value = (value or "").strip()
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("统计日期格式应为 YYYY-MM-DD"), code="bad_date", field="on") from None


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    congress = reader_congress(request.user)
    today = timezone.localdate()
    context: dict[str, Any] = {"congress": congress}
    try:
        year = parse_year(request.GET.get("year"), today.year)
        on = parse_on(request.GET.get("on"), today)
    except InvalidInput as error:
        context.update(error=error, year=request.GET.get("year", ""), on=request.GET.get("on", ""))
        return render(request, "livelihood/figures_page.html", context, status=400)
    figure = request.GET.get("figure", "")
    figure = figure if figure in stats.FIGURE_LABELS else ""
    context.update(
        year=year,
        on=on,
        figures=stats.compute(congress, year, on),
        query=urlencode({"year": str(year), "on": on.isoformat()}),
        figure=figure,
        figure_label=stats.FIGURE_LABELS.get(figure, ""),
        rows=list(stats.figure_rows(congress, year, on, figure)) if figure else [],
    )
    return render(request, "livelihood/figures_page.html", context)


urlpatterns: list[URLPattern] = [
    path("figures/", figures_page, name="figures"),
]
