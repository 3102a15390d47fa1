"""API: the dashboard figures and the monthly 民情民意分析报告 (list, generate, download).

Committee staff and leaders of the congress read (``dashboard.dashboard_congress_id``); only the
committee staff generate. The same functions as the pages: 403 for any other role, 404 for another
congress's report, 400 naming the field for a bad month.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from renda.accounts.models import User
from renda.core.errors import NotPermitted
from renda.core.figures import Rate
from renda.insight import report as monthly
from renda.insight.models import MonthlyReport
from renda.opinions import dashboard as board
from renda.opinions import snapshots, stats
from renda.organizations.models import Congress

router = Router(tags=["群众意见 Opinions"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _congress(user: User) -> Congress:
    congress_id = board.dashboard_congress_id(user)
    if congress_id is None:
        raise NotPermitted("只有人大工作机构人员和领导可以查看民情民意看板")
    return Congress.objects.get(pk=congress_id)


class RateOut(Schema):
    name: str
    label: str
    numerator: int
    denominator: int
    rate: float | None = Field(description="百分比；分母为 0 时为空")


class RowOut(Schema):
    key: str = Field(description="来源或类别代码、区域（人大）id；空表示未填")
    label: str
    month: dict[str, int] = Field(description="本月各项数字（键见 figures）")
    year: dict[str, int] = Field(description="本年各项数字")
    ledger: str = Field(description="台账链接（本年，按该行筛选）")


class OverdueUnitOut(Schema):
    unit_id: int
    name: str
    count: int
    oldest_due_at: dt.datetime
    ledger: str


class MonthOut(Schema):
    month: str
    count: int
    ledger: str


class DashboardOut(Schema):
    month: str = Field(description="统计月份，如 2026-07")
    computed_at: dt.datetime = Field(description="统计时间")
    kept: bool = Field(description="是否为后台定时统计的结果（意见量很大时，最长 5 分钟前）")
    figures: dict[str, str] = Field(description="各项数字的名称（口径）")
    month_counts: dict[str, int]
    year_counts: dict[str, int]
    month_rates: list[RateOut]
    year_rates: list[RateOut]
    by_source: list[RowOut]
    by_area: list[RowOut]
    by_category: list[RowOut]
    by_month: list[MonthOut]
    overdue_units: list[OverdueUnitOut]


def _rate(rate: Rate) -> dict[str, Any]:
    return {
        "name": rate.name,
        "label": rate.label,
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "rate": rate.rate,
    }


def _row(row: board.Row, period: stats.Period) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "month": row.month,
        "year": row.year,
        "ledger": board.ledger_link(period, **row.filters),
    }


@router.get(
    "/opinions/dashboard", response=DashboardOut, summary="民情民意看板：本月和本年的数字、比率、分布和超期单位"
)
def dashboard(request: HttpRequest, month: str = "") -> dict[str, Any]:
    congress = _congress(_user(request))
    counted = snapshots.dashboard_for(congress, month=stats.parse_month(month) if month else None)
    data = counted.board
    return {
        "month": data.month.strftime("%Y-%m"),
        "computed_at": counted.computed_at,
        "kept": counted.kept,
        "figures": {name: str(label) for name, (label, _q) in stats.FIGURES.items()},
        "month_counts": data.month_counts,
        "year_counts": data.year_counts,
        "month_rates": [_rate(rate) for rate in data.month_rates],
        "year_rates": [_rate(rate) for rate in data.year_rates],
        "by_source": [_row(row, data.year_period) for row in data.by_source],
        "by_area": [_row(row, data.year_period) for row in data.by_area],
        "by_category": [_row(row, data.year_period) for row in data.by_category],
        "by_month": [{"month": bar.label, "count": bar.count, "ledger": bar.link} for bar in data.by_month],
        "overdue_units": [
            {
                "unit_id": unit.unit_id,
                "name": unit.name,
                "count": unit.count,
                "oldest_due_at": unit.oldest_due_at,
                "ledger": board.overdue_link(unit.unit_id),
            }
            for unit in data.overdue_units
        ],
    }


class ReportOut(Schema):
    id: int
    month: str = Field(description="如 2026-07")
    generated_at: dt.datetime
    received: int = Field(description="本月收到意见数")
    figures: dict[str, Any] = Field(description="报告中的全部数字")


class ReportIn(Schema):
    month: str = Field(description="月份，如 2026-07；不能是将来的月份")


def _report(report: MonthlyReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "month": report.month.strftime("%Y-%m"),
        "generated_at": report.generated_at,
        "received": int(report.figures.get("received", 0)),
        "figures": report.figures,
    }


@router.get("/opinions/reports", response=list[ReportOut], summary="民情民意分析报告（每月一份，新的在前）")
def report_list(request: HttpRequest) -> list[dict[str, Any]]:
    congress = _congress(_user(request))
    return [_report(report) for report in MonthlyReport.objects.filter(congress=congress).order_by("-month")[:60]]


@router.post("/opinions/reports", response={201: ReportOut}, summary="生成（或重新生成）某月的民情民意分析报告")
def report_generate(request: HttpRequest, payload: ReportIn) -> Status[dict[str, Any]]:
    user = _user(request)
    congress = _congress(user)
    report = monthly.monthly_report_generate(actor=user, congress=congress, month=stats.parse_month(payload.month))
    return Status(201, _report(report))


@router.get(
    "/opinions/reports/{int:monthly_report_id}",
    summary="下载民情民意分析报告（Word）",
    openapi_extra={"responses": {200: {"description": "Word 文件", "content": {DOCX: {}}}}},
)
def report_download(request: HttpRequest, monthly_report_id: int) -> FileResponse:
    congress = _congress(_user(request))
    report = MonthlyReport.objects.filter(pk=monthly_report_id, congress=congress).first()
    if report is None or not report.file:
        raise Http404
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"{congress.name}民情民意分析报告-{report.month:%Y-%m}.docx",
        content_type=DOCX,
    )
