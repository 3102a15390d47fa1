"""API: the figures of livelihood projects (staff and leaders), and the public portal's read-only view.

Thin adapters over ``renda.livelihood.stats`` and the portal queries in ``views/public.py``;
the definitions are those of ``stats``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from renda.core.errors import InvalidInput, InvalidTransition
from renda.core.throttle import TooManyRequests
from renda.livelihood import stats
from renda.livelihood.actions.cycle import proposal_submit
from renda.livelihood.models import Field as ProjectField
from renda.livelihood.models import Project, ProposalSource, SubItem, SupervisionVisit
from renda.livelihood.views import public
from renda.livelihood.views.figures import MAX_YEAR, MIN_YEAR, reader_congress
from renda.organizations.models import Congress

router = Router(tags=["民生实事"])


# --- figures ---


class FiguresQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="项目年度，默认今年")
    on: dt.date | None = Field(None, description="完成率的统计日期（YYYY-MM-DD），默认今天")


class RowsQuery(FiguresQuery):
    figure: str = Field(
        ..., max_length=20, description="指标名：projects、sub_items、funds、completed、rated、districts、townships"
    )


class RateOut(Schema):
    numerator: int
    denominator: int
    rate: float | None = Field(description="百分比，保留一位小数；分母为 0 时为 null")


class CountsOut(Schema):
    satisfied: int = Field(description="满意票")
    basic: int = Field(description="基本满意票")
    dissatisfied: int = Field(description="不满意票")
    valid: int = Field(description="有效票 = 满意 + 基本满意 + 不满意")
    strict: RateOut = Field(description="满意率 = 满意 / 有效票")
    overall: RateOut = Field(description="总体满意率 = （满意 + 基本满意） / 有效票")


class SubItemSatisfactionOut(CountsOut):
    name: str
    verdict: str


class ProjectSatisfactionOut(CountsOut):
    project_id: int
    name: str
    verdict: str
    sub_items: list[SubItemSatisfactionOut]


class CoverageOut(Schema):
    districts: RateOut = Field(description="开展过票决的县级人大 / 县级人大总数")
    townships: RateOut = Field(description="开展过票决的乡镇人大 / 乡镇人大总数")


class FiguresOut(Schema):
    congress_id: int
    year: int
    on: dt.date
    cycle_id: int | None
    projects: int = Field(description="票决确定的项目（大项）")
    sub_items: int = Field(description="其子项")
    funds_wan: Decimal = Field(description="计划投资合计（万元）")
    funds_yi: Decimal = Field(description="计划投资合计（亿元）")
    completion: RateOut = Field(description="完成率：截至统计日期已完成 / 票决确定")
    satisfaction: CountsOut = Field(description="全部子项汇总的满意度")
    per_project: list[ProjectSatisfactionOut]
    coverage: CoverageOut


class FigureRowOut(Schema):
    id: int
    name: str
    kind: str = Field(description="project、sub_item 或 congress")
    project_id: int | None = None
    status: str = ""
    investment: Decimal | None = None
    completed_on: dt.date | None = None


def _scope(request: HttpRequest, query: FiguresQuery) -> tuple[Congress, int, dt.date]:
    congress = reader_congress(request.user)
    today = timezone.localdate()
    return congress, query.year or today.year, query.on or today


@router.get(
    "/livelihood/figures",
    response=FiguresOut,
    summary="民生实事项目统计（本级工作人员和领导）",
    description="大项、子项、计划投资（万元、亿元）、任一日期的完成率、满意率与总体满意率（含原始票数）、试点覆盖；比率均带分子和分母。",
)
def get_figures(request: HttpRequest, query: Query[FiguresQuery]) -> dict[str, Any]:
    congress, year, on = _scope(request, query)
    return stats.compute(congress, year, on).as_json()


@router.get(
    "/livelihood/figures/rows",
    response=list[FigureRowOut],
    summary="某项统计指标背后的记录（本级工作人员和领导）",
)
def get_figure_rows(request: HttpRequest, query: Query[RowsQuery]) -> list[FigureRowOut]:
    congress, year, on = _scope(request, query)
    if query.figure not in stats.FIGURE_LABELS:
        raise InvalidInput("指标名无效", code="unknown_figure", field="figure")
    rows: list[FigureRowOut] = []
    for row in stats.figure_rows(congress, year, on, query.figure):
        if isinstance(row, Project):
            rows.append(
                FigureRowOut(
                    id=row.pk,
                    name=row.name,
                    kind="project",
                    project_id=row.pk,
                    status=row.status,
                    investment=row.investment,
                    completed_on=row.completed_on,
                )
            )
        elif isinstance(row, SubItem):
            rows.append(
                FigureRowOut(
                    id=row.pk, name=row.name, kind="sub_item", project_id=row.project_id, investment=row.investment
                )
            )
        else:
            rows.append(FigureRowOut(id=row.pk, name=row.name, kind="congress"))
    return rows


# --- the public portal (no login) ---


class PublicCycleOut(Schema):
    id: int
    year: int
    title: str
    congress_id: int
    congress: str
    status: str
    status_label: str


class PortalOut(Schema):
    cycles: list[PublicCycleOut] = Field(description="候选名单已批准的年度")
    calls: list[PublicCycleOut] = Field(description="正在征集项目建议的年度")


class PublicProjectOut(Schema):
    id: int
    list_order: int | None
    name: str
    content: str
    field: str
    investment: Decimal = Field(description="计划投资（万元）")
    funding_source: str
    lead_unit: str
    completion_date: dt.date
    status: str
    votes: int | None = Field(None, description="得票数（票决后公开）")
    rank: int | None = Field(None, description="得票排名（票决后公开）")
    exclusion_reason: str = ""


class PublicCycleDetailOut(PublicCycleOut):
    voted: bool
    projects: list[PublicProjectOut]


class PublicSubItemOut(Schema):
    order: int
    name: str
    completion_percent: int
    rating_satisfied: int | None
    rating_basic: int | None
    rating_dissatisfied: int | None
    verdict: str


class PublicMilestoneOut(Schema):
    title: str
    due_on: dt.date
    done_on: dt.date | None
    responsible_unit: str


class PublicReportOut(Schema):
    kind: str
    year: int
    quarter: int | None
    completion_percent: int
    content: str
    submitted_at: dt.datetime


class PublicVisitOut(Schema):
    held_on: dt.date
    place: str
    findings: str
    participants: int


class ProblemCountsOut(Schema):
    open: int
    rectifying: int
    closed: int


class RatingOut(Schema):
    satisfied: int | None
    basic: int | None
    dissatisfied: int | None
    verdict: str


class PublicProjectDetailOut(PublicProjectOut):
    cycle_id: int
    year: int
    completion_percent: int
    completed_on: dt.date | None
    plan: str = Field("", description="已公布的实施方案")
    unfinished_explanation: str = ""
    sub_items: list[PublicSubItemOut]
    milestones: list[PublicMilestoneOut]
    reports: list[PublicReportOut]
    visits: list[PublicVisitOut]
    problems: ProblemCountsOut | None
    rating: RatingOut | None


def _cycle_out(cycle: Any) -> PublicCycleOut:
    return PublicCycleOut(
        id=cycle.pk,
        year=cycle.year,
        title=cycle.title,
        congress_id=cycle.congress_id,
        congress=cycle.congress.name,
        status=cycle.status,
        status_label=str(cycle.get_status_display()),
    )


def _project_out(project: Project, *, voted: bool) -> dict[str, Any]:
    return {
        "id": project.pk,
        "list_order": project.list_order,
        "name": project.name,
        "content": project.content,
        "field": project.field,
        "investment": project.investment,
        "funding_source": project.funding_source,
        "lead_unit": project.lead_unit.name,
        "completion_date": project.completion_date,
        "status": project.status,
        "votes": project.votes if voted else None,
        "rank": project.rank if voted else None,
        "exclusion_reason": project.exclusion_reason if voted else "",
    }


@router.get("/portal/livelihood", response=PortalOut, auth=None, summary="公开的民生实事年度（无需登录）")
def portal_cycles(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "cycles": [_cycle_out(cycle) for cycle in public.public_cycles().order_by("-year", "congress__level")],
        "calls": [_cycle_out(cycle) for cycle in public.soliciting_cycles(today).order_by("congress__level")],
    }


class CycleQuery(Schema):
    congress_id: int | None = Field(None, description="人大 id；缺省为有该年度的最高层级人大")


@router.get(
    "/portal/livelihood/{int:year}",
    response=PublicCycleDetailOut,
    auth=None,
    summary="某年度的候选项目与票决结果（无需登录）",
)
def portal_cycle(request: HttpRequest, year: int, query: Query[CycleQuery]) -> dict[str, Any]:
    cycle = public.get_public_cycle(year, query.congress_id)
    voted = public.is_voted(cycle)
    return {
        **_cycle_out(cycle).dict(),
        "voted": voted,
        "projects": [_project_out(project, voted=voted) for project in public.public_projects(cycle)],
    }


@router.get(
    "/portal/livelihood/projects/{int:project_id}",
    response=PublicProjectDetailOut,
    auth=None,
    summary="民生实事项目从候选到测评的公开信息（无需登录）",
)
def portal_project(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = public.get_public_project(project_id)
    voted = public.is_voted(project.cycle)
    decided = project.status in public.DECIDED_PROJECT_STATES
    problems = public.problem_counts(project) if decided else None
    visits = (
        list(
            SupervisionVisit.objects.filter(group__project=project)
            .order_by("held_on", "pk")
            .values("held_on", "place", "findings")
            .annotate(participants=Count("participants"))
        )
        if decided
        else []
    )
    return {
        **_project_out(project, voted=voted),
        "cycle_id": project.cycle_id,
        "year": project.cycle.year,
        "completion_percent": project.completion_percent,
        "completed_on": project.completed_on,
        "plan": project.plan if decided and project.plan_published_at else "",
        "unfinished_explanation": project.unfinished_explanation,
        "sub_items": list(project.sub_items.all()),
        "milestones": [
            {"title": m.title, "due_on": m.due_on, "done_on": m.done_on, "responsible_unit": m.responsible_unit.name}
            for m in project.milestones.select_related("responsible_unit")
        ]
        if decided
        else [],
        "reports": list(project.reports.order_by("year", "quarter", "pk")) if decided else [],
        "visits": visits,
        "problems": {"open": problems.open, "rectifying": problems.rectifying, "closed": problems.closed}
        if problems
        else None,
        "rating": {
            "satisfied": project.rating_satisfied,
            "basic": project.rating_basic,
            "dissatisfied": project.rating_dissatisfied,
            "verdict": project.verdict,
        }
        if project.rating_satisfied is not None
        else None,
    }


class ProposalIn(Schema):
    cycle_id: int
    title: str = Field(..., max_length=100, description="项目名称")
    content: str = Field(..., max_length=3000, description="项目内容")
    field: str = Field(ProjectField.OTHER, max_length=20, description="领域")
    proposer_name: str = Field("", max_length=100, description="称呼（选填，不公开）")


class ProposalOut(Schema):
    id: int
    cycle_id: int
    title: str
    status: str


@router.post(
    "/portal/livelihood/proposals",
    response={201: ProposalOut},
    summary="以社会公众身份在征集期内提出民生实事项目建议（登录后；按来源地址限流）",
    description="未登录的公众请使用门户网页上的表单（带验证码）。提出人的称呼不会公开。",
)
def portal_propose(request: HttpRequest, payload: ProposalIn) -> Status[Any]:
    if public.rate_limited(request):
        raise TooManyRequests("提交过于频繁，请一小时后再试")
    cycle = public.soliciting_cycles(timezone.localdate()).filter(pk=payload.cycle_id).first()
    if cycle is None:
        raise InvalidTransition("该年度不在项目建议征集期内", code="not_soliciting")
    proposal = proposal_submit(
        actor=request.user,  # type: ignore[arg-type]
        cycle=cycle,
        source=ProposalSource.PUBLIC,
        title=payload.title,
        content=payload.content,
        field=payload.field,
        proposer_name=payload.proposer_name,
    )
    return Status(201, proposal)
