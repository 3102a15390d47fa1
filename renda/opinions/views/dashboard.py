"""Pages: the leaders' and staff's dashboard of citizens' opinions, and the monthly 民情民意分析报告.

Committee staff and leaders of the congress read both (``dashboard.dashboard_congress_id``); the
committee staff also (re)generate a month's report. Everyone else gets 403, and a report of another
congress is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from renda.accounts.models import User
from renda.core.errors import DomainError
from renda.insight import report as monthly
from renda.insight.models import MonthlyReport
from renda.opinions import dashboard as board
from renda.opinions import snapshots, stats
from renda.organizations.models import Congress


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _congress(request: HttpRequest) -> Congress:
    congress_id = board.dashboard_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    error = ""
    month = None
    if request.GET.get("month"):
        try:
            month = stats.parse_month(request.GET["month"])
        except DomainError as problem:
            error = problem.message
    # Staff may recount at once a dashboard whose counts were kept (a very large year of opinions).
    fresh = request.GET.get("fresh") == "1" and board.can_generate_report(_user(request), congress.pk)
    counted = snapshots.dashboard_for(congress, month=month, fresh=fresh)
    data = counted.board
    return render(
        request,
        "opinions/dashboard.html",
        {
            "congress": congress,
            "board": data,
            "counted": counted,
            "error": error,
            "month_value": data.month.strftime("%Y-%m"),
            "month_link": board.ledger_link(data.month_period),
            "year_link": board.ledger_link(data.year_period),
            "month_figure_links": {name: board.ledger_link(data.month_period, figure=name) for name in stats.FIGURES},
            "year_figure_links": {name: board.ledger_link(data.year_period, figure=name) for name in stats.FIGURES},
            "source_rows": [
                (
                    row,
                    board.ledger_link(data.month_period, **row.filters),
                    board.ledger_link(data.year_period, **row.filters),
                )
                for row in data.by_source
            ],
            "area_rows": [
                (
                    row,
                    board.ledger_link(data.month_period, **row.filters),
                    board.ledger_link(data.year_period, **row.filters),
                    {name: board.ledger_link(data.year_period, figure=name, **row.filters) for name in stats.FIGURES},
                )
                for row in data.by_area
            ],
            "area_bars": data.area_bars(),
            "chart_height": max(len(data.by_area), 1) * board.CHART_BAR_HEIGHT,
            "chart_label_width": board.CHART_LABEL_WIDTH,
            "chart_width": board.CHART_WIDTH,
            "hot_rows": board.hot_topic_rows(data),
            "clusters": [(cluster, board.cluster_link(cluster.pk)) for cluster in data.hot.top_clusters],
            "overdue_rows": [(unit, board.overdue_link(unit.unit_id)) for unit in data.overdue_units],
            "overdue_link": board.overdue_link(),
            "satisfaction": board.satisfaction_rows(data),
            "can_generate": board.can_generate_report(_user(request), congress.pk),
        },
        status=400 if error else 200,
    )


def _render_reports(request: HttpRequest, congress: Congress, *, error: str = "", status: int = 200) -> HttpResponse:
    reports = MonthlyReport.objects.filter(congress=congress).order_by("-month")[:60]
    today = timezone.localdate()
    return render(
        request,
        "opinions/report_list.html",
        {
            "congress": congress,
            "reports": reports,
            "error": error,
            "can_generate": board.can_generate_report(_user(request), congress.pk),
            "default_month": request.POST.get("month") or stats.previous_month(today).strftime("%Y-%m"),
            "latest_month": today.strftime("%Y-%m"),
        },
        status=status,
    )


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    return _render_reports(request, _congress(request))


@login_required
@require_GET
def report_download(request: HttpRequest, monthly_report_id: int) -> FileResponse:
    congress = _congress(request)
    report = MonthlyReport.objects.filter(pk=monthly_report_id, congress=congress).first()
    if report is None or not report.file:
        raise Http404
    name = f"{congress.name}民情民意分析报告-{report.month:%Y-%m}.docx"
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    user = _user(request)
    if not board.can_generate_report(user, congress.pk):
        raise PermissionDenied
    value = request.POST.get("month", "") or stats.previous_month(timezone.localdate()).strftime("%Y-%m")
    try:
        report = monthly.monthly_report_generate(actor=user, congress=congress, month=stats.parse_month(value))
    except DomainError as error:
        return _render_reports(request, congress, error=error.message, status=error.status_code)
    messages.success(request, _("报告已生成：%(month)s") % {"month": report.month.strftime("%Y-%m")})
    return redirect("opinions:report_list")


urlpatterns: list[URLPattern] = [
    path("dashboard/", dashboard, name="dashboard"),
    path("reports/", report_list, name="report_list"),
    path("reports/<int:monthly_report_id>/", report_download, name="report_download"),
    path("reports/generate/", report_generate, name="report_generate"),
]
