"""Pages: hot topics, near-duplicate clusters, watches and spike alerts.

Committee staff and leaders of the congress read them (``alerts.insight_congress_id``); everyone else
gets 403. Every figure links to the opinions ledger filtered by topic, area and week.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from renda.accounts.models import User
from renda.core.errors import DomainError
from renda.core.views import render_form_error
from renda.insight import alerts, topics
from renda.insight.models import Cluster
from renda.opinions.models import Category
from renda.organizations.models import Congress, congress_subtree_ids


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _congress(request: HttpRequest) -> Congress:
    congress_id = alerts.insight_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def _category_label(category: str) -> str:
    return str(dict(Category.choices).get(category, category))


def _cluster_link(cluster_id: int) -> str:
    try:
        return reverse("opinions:cluster_detail", kwargs={"cluster_id": cluster_id})
    except NoReverseMatch:  # O3's page; without it the list still renders
        return ""


@login_required
def hot_topics(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    weeks = _int(request.GET.get("weeks"), topics.DEFAULT_WEEKS)
    until = topics.parse_week(request.GET.get("week", "")) if request.GET.get("week") else None
    report = topics.hot_topics(congress, weeks=weeks, until=until)
    week_links = [alerts.ledger_link(week=week) for week in report.weeks]

    def rows(trends: list[topics.Trend], field: str) -> list[dict[str, Any]]:
        result = []
        for trend in trends:
            filters: dict[str, Any] = {"category": "", "area_id": None}
            if field == "category":
                filters["category"] = trend.key
            elif field == "area" and trend.key:
                filters["area_id"] = int(trend.key)
            cells = [
                {
                    "count": count,
                    "label": label,
                    "link": alerts.ledger_link(week=week, **filters) if field != "source" else "",
                    "width": round(100 * count / report.peak),
                }
                for week, label, count in zip(report.weeks, report.week_labels, trend.counts, strict=True)
            ]
            result.append({"trend": trend, "cells": cells, "link": alerts.ledger_link(**filters)})
        return result

    context = {
        "congress": congress,
        "report": report,
        "weeks": weeks,
        "week_links": week_links,
        "chart_width": 100 * len(report.weeks),
        "total_cells": [
            {
                "count": count,
                "link": link,
                "label": label,
                "x": 100 * index + 10,
                "y": 105 - round(100 * count / report.peak),
                "height": round(100 * count / report.peak),
            }
            for index, (count, link, label) in enumerate(
                zip(report.total.counts, week_links, report.week_labels, strict=True)
            )
        ],
        "category_rows": rows(report.by_category, "category"),
        "area_rows": rows(report.by_area, "area"),
        "source_rows": rows(report.by_source, "source"),
        "clusters": [(cluster, _cluster_link(cluster.pk)) for cluster in report.top_clusters],
    }
    return render(request, "insight/topics_hot.html", context)


@login_required
def clusters(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    queryset = Cluster.objects.filter(congress=congress, size__gte=2).select_related("area")
    category = request.GET.get("category", "")
    if category in Category.values:
        queryset = queryset.filter(category=category)
    if request.GET.get("handled") in {"0", "1"}:
        queryset = queryset.filter(handled_as_one=request.GET["handled"] == "1")
    page = Paginator(queryset.order_by("-size", "-last_received_at"), 50).get_page(request.GET.get("page"))
    context = {
        "congress": congress,
        "page": page,
        "rows": [
            (cluster, _cluster_link(cluster.pk), _category_label(cluster.category)) for cluster in page.object_list
        ],
        "categories": Category.choices,
        "category": category,
        "handled": request.GET.get("handled", ""),
    }
    return render(request, "insight/topics_clusters.html", context)


class WatchForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("类别"), choices=[("", gettext_lazy("全部类别")), *Category.choices], required=False
    )
    area = forms.TypedChoiceField(label=gettext_lazy("区域"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = Congress.objects.filter(pk__in=congress_subtree_ids([congress.pk])).order_by("pk")
        self.fields["area"].choices = [("", _("全部区域")), *((area.pk, area.name) for area in areas)]  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def watches(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    user = _user(request)
    form = WatchForm(congress=congress)
    if request.method == "POST":
        try:
            if request.POST.get("remove"):
                alerts.watch_remove(actor=user, watch_id=_int(request.POST.get("remove"), 0))
                messages.success(request, _("已取消关注。"))
                return redirect("insight:watches")
            form = WatchForm(request.POST, congress=congress)
            if form.is_valid():
                alerts.watch_add(
                    actor=user, category=form.cleaned_data["category"] or "", area_id=form.cleaned_data["area"]
                )
                messages.success(request, _("已添加关注，激增时会通知您。"))
                return redirect("insight:watches")
            return render(request, "insight/topics_watches.html", _watch_context(request, congress, form), status=400)
        except DomainError as error:
            return render_form_error(
                request, "insight/topics_watches.html", _watch_context(request, congress, form), error
            )
    return render(request, "insight/topics_watches.html", _watch_context(request, congress, form))


def _watch_context(request: HttpRequest, congress: Congress, form: WatchForm) -> dict[str, Any]:
    return {
        "congress": congress,
        "form": form,
        "watches": [(watch, _category_label(watch.category)) for watch in alerts.watches_of(_user(request))],
        "min_count": alerts.SPIKE_MIN_COUNT,
        "factor": alerts.SPIKE_FACTOR,
    }


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    rows = [
        {
            "alert": alert,
            "topic": _category_label(alert.category),
            "week": topics.iso_week(alert.week_start),
            "link": alerts.ledger_link(category=alert.category, area_id=alert.area_id, week=alert.week_start),
        }
        for alert in alerts.alerts_for(_user(request))
    ]
    context = {"congress": congress, "rows": rows, "min_count": alerts.SPIKE_MIN_COUNT, "factor": alerts.SPIKE_FACTOR}
    return render(request, "insight/topics_alerts.html", context)


urlpatterns: list[URLPattern] = [
    path("topics/", hot_topics, name="hot_topics"),
    path("clusters/", clusters, name="clusters"),
    path("watches/", watches, name="watches"),
    path("alerts/", alert_list, name="alerts"),
]
