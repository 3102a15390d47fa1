"""The ledger (建议台账), the statistics and their Excel exports, for staff and leaders of the congress.

Every figure on the statistics page links to the ledger filtered by the same scope and
``?figure=<name>``, so a reader can see the items behind any number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import User
from renda.core.errors import DomainError
from renda.organizations.models import Congress, CongressSession, Unit, UnitKind
from renda.suggestions import exports, permissions, stats
from renda.suggestions.models import Category, Phase, Status

ALL = _("全部")
YES_NO = [("", ALL), ("1", _("是")), ("0", _("否"))]
SCOPE_FIELDS = ("year", "session", "unit", "category", "phase")
LEDGER_FIELDS = (*SCOPE_FIELDS, "status", "figure", "key", "public", "state")


def _reader_congress(request: HttpRequest) -> Congress:
    """The congress whose statistics the person reads now: staff and leaders only."""
    user: User = request.user  # type: ignore[assignment]
    congress_id = permissions.reader_congress_id(user)
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


class StatsFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1949, max_value=2200)
    session = forms.ModelChoiceField(
        label=_("会议"), queryset=CongressSession.objects.none(), required=False, empty_label=ALL
    )
    unit = forms.ModelChoiceField(label=_("承办单位"), queryset=Unit.objects.none(), required=False, empty_label=ALL)
    category = forms.ChoiceField(label=_("类别"), choices=[("", ALL), *Category.choices], required=False)
    phase = forms.ChoiceField(label=_("提出时间"), choices=[("", ALL), *Phase.choices], required=False)

    def __init__(self, data: QueryDict, *, congress: Congress) -> None:
        super().__init__(data)
        self.congress = congress
        self.fields["session"].queryset = CongressSession.objects.filter(congress=congress).order_by(  # type: ignore[attr-defined]
            "-opens_on"
        )
        self.fields["unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.filter(congress=congress, is_active=True)
            .exclude(kind__in=[UnitKind.DELEGATION, UnitKind.LIAISON_STATION])
            .order_by("sort_order", "name")
        )

    def scope(self) -> stats.Scope:
        data = self.cleaned_data
        return stats.build_scope(
            self.congress,
            year=data["year"],
            session_id=data["session"].pk if data["session"] else None,
            unit_id=data["unit"].pk if data["unit"] else None,
            category=data["category"],
            phase=data["phase"],
        )


class LedgerFilterForm(StatsFilterForm):
    status = forms.ChoiceField(label=_("状态"), choices=[("", ALL), *Status.choices[1:]], required=False)
    figure = forms.ChoiceField(
        label=_("统计口径"),
        choices=[("", ALL), *[(name, label) for name, (label, _q) in stats.FIGURES.items()]],
        required=False,
    )
    key = forms.ChoiceField(label=_("重点督办"), choices=YES_NO, required=False)
    public = forms.ChoiceField(label=_("公开"), choices=YES_NO, required=False)
    state = forms.ChoiceField(
        label=_("单位办理状态"), choices=[("", ALL), *stats.UNIT_STATE_LABELS.items()], required=False
    )

    def ledger_filter(self) -> stats.LedgerFilter:
        data = self.cleaned_data

        def flag(value: str) -> bool | None:
            return None if value == "" else value == "1"

        return stats.LedgerFilter(
            status=data["status"],
            figure=data["figure"],
            key=flag(data["key"]),
            public=flag(data["public"]),
            state=data["state"],
        )


def _query(params: Mapping[str, Any], fields: tuple[str, ...], **override: Any) -> str:
    """The filters as a query string (without the page), with some replaced."""
    query = QueryDict(mutable=True)
    for name in fields:
        value = override[name] if name in override else params.get(name, "")
        if value not in ("", None):
            query[name] = str(value)
    return query.urlencode()


def _stats_form(request: HttpRequest, congress: Congress) -> StatsFilterForm:
    params = request.GET.copy()
    if "year" not in params:
        params["year"] = str(timezone.localdate().year)
    return StatsFilterForm(params, congress=congress)


def _form_failed(form: forms.Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    congress = _reader_congress(request)
    form = _stats_form(request, congress)
    context: dict[str, Any] = {"form": form, "congress": congress}
    statistics = None
    if form.is_valid():
        try:
            statistics = stats.compute(form.scope())
        except DomainError as error:
            _form_failed(form, error)
    if statistics is None:
        return render(request, "suggestions/stats.html", context, status=400)
    params = form.data
    base = _query(params, SCOPE_FIELDS, year=form.cleaned_data["year"])
    context.update(
        statistics=statistics,
        query=base,
        figures=statistics.total.figures(),
        rates=statistics.total.rates,
        by_unit=[
            (row, _query(params, SCOPE_FIELDS, year=form.cleaned_data["year"], unit=row.key))
            for row in statistics.by_unit
        ],
        by_category=[
            (row, _query(params, SCOPE_FIELDS, year=form.cleaned_data["year"], category=row.key))
            for row in statistics.by_category
        ],
    )
    return render(request, "suggestions/stats.html", context)


@login_required
def stats_export(request: HttpRequest) -> HttpResponseBase:
    congress = _reader_congress(request)
    form = _stats_form(request, congress)
    if form.is_valid():
        try:
            scope = form.scope()
        except DomainError as error:
            _form_failed(form, error)
        else:
            return exports.stats_response(stats.compute(scope), stats.describe(scope))
    return render(request, "suggestions/stats.html", {"form": form, "congress": congress}, status=400)


def _ledger(request: HttpRequest) -> tuple[Congress, LedgerFilterForm, Any]:
    congress = _reader_congress(request)
    form = LedgerFilterForm(request.GET, congress=congress)
    if not form.is_valid():
        return congress, form, None
    try:
        items = stats.ledger_items(form.scope(), form.ledger_filter())
    except DomainError as error:
        _form_failed(form, error)
        return congress, form, None
    return congress, form, items


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    congress, form, items = _ledger(request)
    context: dict[str, Any] = {"form": form, "congress": congress}
    if items is None:
        return render(request, "suggestions/ledger.html", context, status=400)
    page = Paginator(items.select_related("lead_deputy"), 50).get_page(request.GET.get("page"))
    units = stats.lead_unit_names([item.pk for item in page])
    figure = form.cleaned_data["figure"]
    context.update(
        page=page,
        rows=[(item, units.get(item.pk, "")) for item in page],
        query_string=_query(request.GET, LEDGER_FIELDS),
        figure_label=stats.FIGURES[figure][0] if figure else "",
        now=timezone.now(),
    )
    return render(request, "suggestions/ledger.html", context)


@login_required
def ledger_export(request: HttpRequest) -> HttpResponseBase:
    congress, form, items = _ledger(request)
    if items is None:
        return render(request, "suggestions/ledger.html", {"form": form, "congress": congress}, status=400)
    return exports.ledger_response(items)


urlpatterns: list[URLPattern] = [
    path("stats/", stats_page, name="stats"),
    path("stats/export.xlsx", stats_export, name="stats_export"),
    path("ledger/", ledger, name="ledger"),
    path("ledger/export.xlsx", ledger_export, name="ledger_export"),
]
