"""API: implementation, supervision, reports and rating of decided livelihood projects.

The same fetchers and actions as the pages: a fetcher (404 for whoever may not read the project),
ids in the body turned into objects (an unknown id is a 400 naming the field), then the action,
which checks permission and state itself (403 "not you", 409 "not now").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from renda.accounts.models import User
from renda.ballots.models import Ballot
from renda.core.errors import InvalidInput, NotPermitted
from renda.livelihood import permissions
from renda.livelihood.actions import oversight as actions
from renda.livelihood.models import (
    Milestone,
    Problem,
    ProgressReport,
    Project,
    Recommendation,
    SupervisionGroup,
    SupervisionVisit,
)
from renda.livelihood.views.oversight import satisfaction_rate, unit_queue_rows
from renda.organizations.models import Unit

router = Router(tags=["民生实事"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# --- resolving ids from the body ---


def _unit(unit_id: int | None, *, field: str) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput("所选单位不存在", code="unknown_unit", field=field)
    return unit


def _people(user_ids: list[int], *, field: str) -> list[User]:
    found = {user.pk: user for user in User.objects.filter(pk__in=user_ids)}
    missing = [pk for pk in user_ids if pk not in found]
    if missing:
        raise InvalidInput(f"所选人员不存在（编号 {missing[0]}）", code="unknown_user", field=field)
    return [found[pk] for pk in user_ids]


def _group(project: Project) -> SupervisionGroup:
    group = SupervisionGroup.objects.filter(project=project).select_related("leader", "project__cycle").first()
    if group is None:
        raise InvalidInput("该项目尚未成立监督小组", code="no_group", field=None)
    return group


# --- output ---


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    responsible_unit_id: int
    done_on: dt.date | None


class SubItemOut(Schema):
    id: int
    order: int
    name: str
    completion_percent: int
    rating_satisfied: int | None
    rating_basic: int | None
    rating_dissatisfied: int | None
    verdict: str


class GroupOut(Schema):
    id: int
    leader_id: int
    leader_name: str
    member_ids: list[int]


class VisitOut(Schema):
    id: int
    held_on: dt.date
    place: str
    findings: str
    participant_ids: list[int]


class ProblemOut(Schema):
    id: int
    visit_id: int | None
    description: str
    responsible_unit_id: int
    rectify_by: dt.date
    status: str
    rectification: str
    closed_at: dt.datetime | None


class RecommendationOut(Schema):
    id: int
    text: str
    issued_on: dt.date
    response: str


class ReportOut(Schema):
    id: int
    kind: str
    year: int
    quarter: int | None
    completion_percent: int
    sub_item_percents: dict[str, int]
    content: str
    funds_spent: Decimal | None
    submitted_at: dt.datetime


class OversightOut(Schema):
    id: int
    cycle_id: int
    name: str
    status: str
    lead_unit_id: int
    plan: str
    plan_published_at: dt.datetime | None
    completion_percent: int
    completed_on: dt.date | None
    unfinished_explanation: str
    key_supervision_next_year: bool
    rating_satisfied: int | None
    rating_basic: int | None
    rating_dissatisfied: int | None
    verdict: str
    satisfaction_rate: float | None = Field(description="总体满意率（%）：(满意+基本满意)/有效票")
    milestones: list[MilestoneOut]
    sub_items: list[SubItemOut]
    group: GroupOut | None
    visits: list[VisitOut]
    problems: list[ProblemOut]
    recommendations: list[RecommendationOut]
    reports: list[ReportOut]


def _visit_out(visit: SupervisionVisit) -> VisitOut:
    return VisitOut(
        id=visit.pk,
        held_on=visit.held_on,
        place=visit.place,
        findings=visit.findings,
        participant_ids=sorted(person.pk for person in visit.participants.all()),
    )


def _report_out(report: ProgressReport) -> ReportOut:
    return ReportOut(
        id=report.pk,
        kind=report.kind,
        year=report.year,
        quarter=report.quarter,
        completion_percent=report.completion_percent,
        sub_item_percents=dict(report.sub_item_percents or {}),
        content=report.content,
        funds_spent=report.funds_spent,
        submitted_at=report.submitted_at,
    )


def _oversight_out(project: Project) -> OversightOut:
    group = SupervisionGroup.objects.filter(project=project).select_related("leader").first()
    group_out = None
    visits: list[VisitOut] = []
    recommendations: list[RecommendationOut] = []
    if group is not None:
        group_out = GroupOut(
            id=group.pk,
            leader_id=group.leader_id,
            leader_name=group.leader.display_name,
            member_ids=sorted(group.members.values_list("pk", flat=True)),
        )
        visits = [_visit_out(visit) for visit in group.visits.prefetch_related("participants")]
        recommendations = [
            RecommendationOut(id=rec.pk, text=rec.text, issued_on=rec.issued_on, response=rec.response)
            for rec in group.recommendations.all()
        ]
    return OversightOut(
        id=project.pk,
        cycle_id=project.cycle_id,
        name=project.name,
        status=project.status,
        lead_unit_id=project.lead_unit_id,
        plan=project.plan,
        plan_published_at=project.plan_published_at,
        completion_percent=project.completion_percent,
        completed_on=project.completed_on,
        unfinished_explanation=project.unfinished_explanation,
        key_supervision_next_year=project.key_supervision_next_year,
        rating_satisfied=project.rating_satisfied,
        rating_basic=project.rating_basic,
        rating_dissatisfied=project.rating_dissatisfied,
        verdict=project.verdict,
        satisfaction_rate=satisfaction_rate(project),
        milestones=[MilestoneOut.from_orm(m) for m in project.milestones.all()],
        sub_items=[SubItemOut.from_orm(item) for item in project.sub_items.all()],
        group=group_out,
        visits=visits,
        problems=[ProblemOut.from_orm(p) for p in project.problems.all()],
        recommendations=recommendations,
        reports=[_report_out(report) for report in project.reports.all()],
    )


@router.get("/livelihood/projects/{int:project_id}/oversight", response=OversightOut, summary="项目实施与监督情况")
def oversight_detail(request: HttpRequest, project_id: int) -> OversightOut:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    return _oversight_out(project)


# --- plan and milestones ---


class MilestoneIn(Schema):
    title: str = Field(max_length=200, description="节点名称")
    due_on: dt.date = Field(description="计划时间")
    responsible_unit_id: int = Field(description="责任单位编号")


class PlanIn(Schema):
    plan: str = Field(max_length=10000, description="实施方案")
    milestones: list[MilestoneIn] = Field(description="实施节点（至少一个）")


@router.post("/livelihood/projects/{int:project_id}/plan", response=OversightOut, summary="公布实施方案")
def plan_publish(request: HttpRequest, project_id: int, body: PlanIn) -> OversightOut:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    milestones = [(m.title, m.due_on, _unit(m.responsible_unit_id, field="milestones")) for m in body.milestones]
    project = actions.plan_publish(actor=_user(request), project=project, plan=body.plan, milestones=milestones)
    return _oversight_out(project)


class MilestoneDoneIn(Schema):
    done_on: dt.date | None = Field(default=None, description="完成时间（默认今天）")


@router.post("/livelihood/milestones/{int:milestone_id}/done", response=MilestoneOut, summary="登记节点完成")
def milestone_done(request: HttpRequest, milestone_id: int, body: MilestoneDoneIn) -> Milestone:
    milestone = Milestone.objects.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404
    milestone.project = permissions.get_project_for_oversight(_user(request), milestone.project_id)
    return actions.milestone_done(
        actor=_user(request), milestone=milestone, done_on=body.done_on or timezone.localdate()
    )


# --- the group, visits, problems, recommendations ---


class GroupIn(Schema):
    leader_id: int = Field(description="组长（常委会组成人员或领导）的用户编号")
    member_ids: list[int] = Field(description="成员（人大代表）的用户编号")


@router.post("/livelihood/projects/{int:project_id}/group", response=GroupOut, summary="成立监督小组")
def group_form(request: HttpRequest, project_id: int, body: GroupIn) -> GroupOut:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    if not permissions.can_form_group(_user(request), project):
        raise NotPermitted("只有本级人大的工作机构可以成立监督小组")
    (leader,) = _people([body.leader_id], field="leader_id")
    members = _people(body.member_ids, field="member_ids")
    group = actions.group_form(actor=_user(request), project=project, leader=leader, members=members)
    return GroupOut(
        id=group.pk,
        leader_id=leader.pk,
        leader_name=leader.display_name,
        member_ids=sorted(member.pk for member in members),
    )


class ProblemIn(Schema):
    description: str = Field(max_length=2000, description="问题")
    responsible_unit_id: int = Field(description="责任单位编号")
    rectify_by: dt.date = Field(description="整改时限")


class VisitIn(Schema):
    held_on: dt.date = Field(description="活动日期")
    place: str = Field(max_length=200, description="地点")
    findings: str = Field(max_length=5000, description="监督情况")
    participant_ids: list[int] = Field(description="参加人员（小组组长或成员）的用户编号")
    problems: list[ProblemIn] = Field(default_factory=list, description="发现的问题，列入问题清单")


@router.post("/livelihood/projects/{int:project_id}/visits", response=VisitOut, summary="登记监督活动")
def visit_record(request: HttpRequest, project_id: int, body: VisitIn) -> VisitOut:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    group = _group(project)
    if not permissions.can_record_visit(_user(request), group):
        raise NotPermitted("只有监督小组成员或工作机构可以登记监督活动")
    visit = actions.visit_record(
        actor=_user(request),
        group=group,
        held_on=body.held_on,
        place=body.place,
        findings=body.findings,
        participants=_people(body.participant_ids, field="participant_ids"),
        problems=[(p.description, _unit(p.responsible_unit_id, field="problems"), p.rectify_by) for p in body.problems],
    )
    return _visit_out(visit)


@router.post("/livelihood/projects/{int:project_id}/problems", response=ProblemOut, summary="登记问题")
def problem_add(request: HttpRequest, project_id: int, body: ProblemIn) -> Problem:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    group = _group(project)
    if not permissions.can_record_visit(_user(request), group):
        raise NotPermitted("只有监督小组成员或工作机构可以登记问题")
    return actions.problem_add(
        actor=_user(request),
        group=group,
        description=body.description,
        responsible_unit=_unit(body.responsible_unit_id, field="responsible_unit_id"),
        rectify_by=body.rectify_by,
    )


class RectifyIn(Schema):
    rectification: str = Field(max_length=3000, description="整改情况")


@router.post("/livelihood/problems/{int:problem_id}/rectify", response=ProblemOut, summary="报送整改情况")
def problem_rectify(request: HttpRequest, problem_id: int, body: RectifyIn) -> Problem:
    problem = permissions.get_problem_for_oversight(_user(request), problem_id)
    return actions.problem_rectify(actor=_user(request), problem=problem, rectification=body.rectification)


@router.post("/livelihood/problems/{int:problem_id}/close", response=ProblemOut, summary="问题销号")
def problem_close(request: HttpRequest, problem_id: int) -> Problem:
    problem = permissions.get_problem_for_oversight(_user(request), problem_id)
    return actions.problem_close(actor=_user(request), problem=problem)


class RecommendationIn(Schema):
    text: str = Field(max_length=3000, description="督办建议")
    issued_on: dt.date | None = Field(default=None, description="提出日期（默认今天）")


@router.post(
    "/livelihood/projects/{int:project_id}/recommendations", response=RecommendationOut, summary="提出督办建议"
)
def recommendation_issue(request: HttpRequest, project_id: int, body: RecommendationIn) -> Recommendation:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    group = _group(project)
    return actions.recommendation_issue(
        actor=_user(request), group=group, text=body.text, issued_on=body.issued_on or timezone.localdate()
    )


class RespondIn(Schema):
    response: str = Field(max_length=3000, description="落实情况")


@router.post(
    "/livelihood/recommendations/{int:recommendation_id}/response",
    response=RecommendationOut,
    summary="答复督办建议",
)
def recommendation_respond(request: HttpRequest, recommendation_id: int, body: RespondIn) -> Recommendation:
    recommendation = permissions.get_recommendation_for_oversight(_user(request), recommendation_id)
    return actions.recommendation_respond(actor=_user(request), rec=recommendation, response=body.response)


# --- reports ---


class ReportIn(Schema):
    year: int = Field(description="年度")
    quarter: int = Field(description="季度（1–4）")
    completion_percent: int = Field(description="完成进度（%），不能低于上次报告")
    sub_item_percents: dict[str, int] = Field(default_factory=dict, description="子项进度：{子项编号: 百分比}")
    content: str = Field(max_length=5000, description="进展情况")
    funds_spent: Decimal | None = Field(default=None, description="已完成投资（万元）")


@router.post("/livelihood/projects/{int:project_id}/reports", response=ReportOut, summary="报送季度进展")
def progress_report(request: HttpRequest, project_id: int, body: ReportIn) -> ReportOut:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    report = actions.progress_report(
        actor=_user(request),
        project=project,
        year=body.year,
        quarter=body.quarter,
        completion_percent=body.completion_percent,
        sub_item_percents=body.sub_item_percents,
        content=body.content,
        funds_spent=body.funds_spent,
    )
    return _report_out(report)


class CompletionIn(Schema):
    completion_percent: int = Field(description="完成进度（%）")
    completed_on: dt.date | None = Field(default=None, description="完成日期（100% 时必填）")
    content: str = Field(max_length=5000, description="完成情况")
    unfinished_explanation: str = Field(default="", max_length=3000, description="未完成说明（未完成时必填）")


@router.post("/livelihood/projects/{int:project_id}/completion", response=ReportOut, summary="报告完成情况")
def completion_report(request: HttpRequest, project_id: int, body: CompletionIn) -> ReportOut:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    report = actions.completion_report(
        actor=_user(request),
        project=project,
        completed_on=body.completed_on,
        completion_percent=body.completion_percent,
        content=body.content,
        unfinished_explanation=body.unfinished_explanation,
    )
    return _report_out(report)


# --- the rating ---


class RatingIn(Schema):
    opens_at: dt.datetime = Field(description="开始测评（带时区）")
    closes_at: dt.datetime = Field(description="结束测评（带时区）")
    electorate: str = Field(
        default="deputies", description="测评人员：deputies（全体代表）或 sc_members（常委会组成人员）"
    )


class RatingOut(Schema):
    ballot_id: int
    questions: int
    status: str


@router.post(
    "/livelihood/cycles/{int:cycle_id}/rating",
    response=RatingOut,
    summary="组织满意度测评（上次测评没有有效结果时可重新组织）",
)
def rating_open(request: HttpRequest, cycle_id: int, body: RatingIn) -> RatingOut:
    cycle = permissions.get_readable_cycle(_user(request), cycle_id)
    ballot: Ballot = actions.rating_open(
        actor=_user(request),
        cycle=cycle,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        electorate=body.electorate,
    )
    return RatingOut(ballot_id=ballot.pk, questions=ballot.questions.count(), status=ballot.status)


# --- the lead unit's queue ---


class UnitProjectOut(Schema):
    id: int
    name: str
    cycle_id: int
    status: str
    completion_percent: int
    needs_plan: bool
    needs_report: bool = Field(description="本季度进展尚未报送")
    milestones_due: int = Field(description="本季度及以前到期未完成的节点数")
    overdue_milestones: int
    recommendations_open: int


@router.get("/livelihood/unit-projects", response=list[UnitProjectOut], summary="本单位牵头的项目及本季度待办")
def unit_projects(request: HttpRequest) -> list[UnitProjectOut]:
    unit = permissions.government_unit(_user(request))
    if unit is None:
        raise NotPermitted("只有政府部门的经办人或负责人可以查看")
    today = timezone.localdate()
    return [
        UnitProjectOut(
            id=row["project"].pk,
            name=row["project"].name,
            cycle_id=row["project"].cycle_id,
            status=row["project"].status,
            completion_percent=row["project"].completion_percent,
            needs_plan=row["needs_plan"],
            needs_report=row["needs_report"],
            milestones_due=row["milestones_due"],
            overdue_milestones=row["overdue_milestones"],
            recommendations_open=row["recommendations_open"],
        )
        for row in unit_queue_rows(unit, today)
    ]
