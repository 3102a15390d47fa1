"""API for the statistics of suggestions and the Excel exports (staff and leaders of the congress).

The definitions are those of ``renda.suggestions.stats``; satisfaction uses the result
rating of each item's latest evaluation.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from renda.accounts.models import User
from renda.core.errors import NotPermitted
from renda.organizations.models import Congress
from renda.suggestions import exports, permissions, stats

router = Router(tags=["代表建议 Suggestions"])


class StatsQuery(Schema):
    congress_id: int
    year: int | None = None
    session_id: int | None = None
    unit_id: int | None = None
    category: str = Field("", max_length=20)
    phase: str = Field("", max_length=10)


class LedgerQuery(StatsQuery):
    status: str = Field("", max_length=20)
    figure: str = Field("", max_length=30)
    key: bool | None = None
    public: bool | None = None
    state: str = Field("", max_length=10)


class FigureOut(Schema):
    label: str
    count: int


class RateOut(Schema):
    label: str
    numerator: int
    denominator: int
    rate: float | None = Field(description="百分比，保留一位小数；分母为 0 时为 null")


class BreakdownRowOut(Schema):
    key: str = Field(description="承办单位 id，或类别代码")
    label: str
    counts: dict[str, int]
    rates: dict[str, RateOut]


class ScopeOut(Schema):
    congress_id: int
    year: int | None
    session_id: int | None
    unit_id: int | None
    category: str | None
    phase: str | None


class StatsOut(Schema):
    scope: ScopeOut
    figures: dict[str, FigureOut]
    rates: dict[str, RateOut]
    by_unit: list[BreakdownRowOut]
    by_category: list[BreakdownRowOut]


def _scope(request: HttpRequest, query: StatsQuery) -> stats.Scope:
    user: User = request.user  # type: ignore[assignment]
    congress = Congress.objects.filter(pk=query.congress_id).first()
    if congress is None:
        raise Http404
    if permissions.reader_congress_id(user) != congress.pk:
        raise NotPermitted("只有本级人大的工作人员和领导可以查看建议统计")
    return stats.build_scope(
        congress,
        year=query.year,
        session_id=query.session_id,
        unit_id=query.unit_id,
        category=query.category,
        phase=query.phase,
    )


XLSX_RESPONSE: dict[str, Any] = {
    "responses": {
        "200": {
            "description": "Excel 文件",
            "content": {exports.XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/suggestions/stats",
    response=StatsOut,
    summary="建议办理统计（本级工作人员和领导）",
    description=(
        "件数与比率（办结率、按时办结率、满意率、含基本满意的满意率、解决率、沟通率），每个比率带分子和分母；"
        "并按承办单位（主办或分办）和类别分列。满意率按每件建议最近一次评价的办理结果评价计算。"
    ),
)
def get_stats(request: HttpRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    return stats.compute(_scope(request, query)).as_json()


@router.get(
    "/suggestions/stats.xlsx",
    summary="导出建议办理统计（Excel；本级工作人员和领导）",
    openapi_extra=XLSX_RESPONSE,
)
def export_stats(request: HttpRequest, query: Query[StatsQuery]) -> FileResponse:
    scope = _scope(request, query)
    return exports.stats_response(stats.compute(scope), stats.describe(scope))


@router.get(
    "/suggestions/ledger.xlsx",
    summary="导出建议台账（Excel；本级工作人员和领导）",
    openapi_extra=XLSX_RESPONSE,
)
def export_ledger(request: HttpRequest, query: Query[LedgerQuery]) -> FileResponse:
    scope = _scope(request, query)
    filters = stats.LedgerFilter(
        status=query.status, figure=query.figure, key=query.key, public=query.public, state=query.state
    )
    return exports.ledger_response(stats.ledger_items(scope, filters))
