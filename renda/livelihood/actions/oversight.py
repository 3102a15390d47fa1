"""Implementation, supervision, reports and the satisfaction rating of decided projects (§4 steps 5–9).

The lead unit carries out a decided project under a published plan with milestones; one supervision
group per project visits it, records problems (a ledger closed item by item, 销号) and issues 督办建议;
the lead unit reports every quarter and the government office reports completion; finally the
deputies (or the SC members) rate every project and sub-item on the 满意/基本满意/不满意 scale through a
secret ``ballots`` ballot, whose result handler copies the counts and verdicts back here.

Every action takes keyword-only arguments, checks permission, then input, then state, changes the
rows in one transaction and writes one audit event (``livelihood.<verb>``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from renda.ballots import actions as ballot_actions
from renda.ballots.models import Ballot, BallotMode, BallotRule, BallotStatus
from renda.core.audit import audit_record
from renda.core.calendar import end_of_day
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.notify import notify_send
from renda.core.todo import todo_close, todo_open
from renda.livelihood import permissions
from renda.livelihood.models import (
    Cycle,
    CycleStatus,
    Milestone,
    Problem,
    ProblemStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    Recommendation,
    ReportKind,
    SubItem,
    SupervisionGroup,
    SupervisionVisit,
    Verdict,
)
from renda.organizations.models import RoleAssignment, Unit
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User

logger = logging.getLogger("renda.livelihood")

RATING_PURPOSE = "livelihood.rating"
# Below this 总体满意率 ((满意 + 基本满意) / valid votes), a project becomes next year's key supervision item.
KEY_SUPERVISION_RATE = Decimal("0.8")

# Projects the vote decided, whatever has happened to them since.
DECIDED_STATES = (ProjectStatus.DECIDED, ProjectStatus.IMPLEMENTING, ProjectStatus.COMPLETED, ProjectStatus.UNFINISHED)

TODO_MILESTONE = "livelihood.milestone"
TODO_RECTIFY = "livelihood.problem_rectify"
TODO_CLOSE = "livelihood.problem_close"
TODO_RESPOND = "livelihood.recommendation_respond"

TITLE_MAX = 200
TEXT_MAX = 3000
LONG_TEXT_MAX = 5000
PLAN_MAX = 10000

ELECTORATES = {"deputies": Role.DEPUTY, "sc_members": Role.SC_MEMBER}

NOTIFY_TEMPLATES: dict[str, tuple[str, str]] = {
    "livelihood.group_formed": (
        "【监督小组】{project}",
        "您已被列入民生实事项目“{project}”的监督小组（{position}）。请登录平台查看：{link}",
    ),
}


# --- small input helpers ---


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{label}不能为空", code="required", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字", code="too_long", field=field)
    return value


def _date(value: object, *, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput(f"{label}须为日期", code="invalid_date", field=field)
    return value


def _percent(value: object, *, field: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InvalidInput(f"{label}须为 0–100 的整数", code="invalid_percent", field=field)
    return value


def _unit_of_congress(unit: Unit | None, *, congress_id: int, field: str, label: str) -> Unit:
    if unit is None:
        raise InvalidInput(f"请选择{label}", code="required", field=field)
    if unit.congress_id != congress_id or not unit.is_active:
        raise InvalidInput(f"{label}须为本级的有效单位", code="wrong_congress", field=field)
    return unit


def _project_link(project: Project) -> str:
    return reverse("livelihood:project_detail", kwargs={"project_id": project.pk})


def _locked_project(project: Project) -> Project:
    return (
        Project.objects.select_for_update().select_related("cycle", "cycle__congress", "lead_unit").get(pk=project.pk)
    )


def _group_of(project: Project) -> SupervisionGroup:
    group = SupervisionGroup.objects.filter(project=project).select_related("project__cycle").first()
    if group is None:
        raise InvalidTransition("该项目尚未成立监督小组", code="no_group")
    return group


# --- implementation plan and milestones ---


@transaction.atomic
def plan_publish(
    *,
    actor: User,
    project: Project,
    plan: str,
    milestones: Sequence[tuple[str, dt.date, Unit | None]],
) -> Project:
    """Publish the implementation plan (实施方案) with its milestones; the project starts implementation."""
    if not permissions.can_publish_plan(actor, project):
        raise NotPermitted("只有政府办公室或项目牵头单位可以公布实施方案")
    congress_id = project.cycle.congress_id
    plan = _text(plan, field="plan", label="实施方案", max_length=PLAN_MAX)
    if not milestones:
        raise InvalidInput("实施方案至少要有一个实施节点", code="required", field="milestones")
    if len(milestones) > 50:
        raise InvalidInput("实施节点不能超过 50 个", code="too_many", field="milestones")
    rows = []
    for title, due_on, unit in milestones:
        rows.append(
            (
                _text(title, field="milestones", label="节点名称", max_length=TITLE_MAX),
                _date(due_on, field="milestones", label="节点计划时间"),
                _unit_of_congress(unit, congress_id=congress_id, field="milestones", label="节点责任单位"),
            )
        )
    project = _locked_project(project)
    if project.status != ProjectStatus.DECIDED:
        raise InvalidTransition("只有已票决、尚未公布实施方案的项目可以公布实施方案", code="invalid_state")
    now = timezone.now()
    project.plan = plan
    project.plan_published_at = now
    project.status = ProjectStatus.IMPLEMENTING
    project.save(update_fields=["plan", "plan_published_at", "status"])
    created = Milestone.objects.bulk_create(
        [Milestone(project=project, title=title, due_on=due_on, responsible_unit=unit) for title, due_on, unit in rows]
    )
    cycle = Cycle.objects.select_for_update().get(pk=project.cycle_id)
    cycle_started = cycle.status == CycleStatus.DECIDED
    if cycle_started:
        cycle.status = CycleStatus.IMPLEMENTING
        cycle.save(update_fields=["status"])
    link = _project_link(project)
    for milestone in created:
        todo_open(
            congress=cycle.congress,
            kind=TODO_MILESTONE,
            title=f"实施节点：{project.name} · {milestone.title}"[:200],
            due_at=end_of_day(milestone.due_on),
            url=link,
            target=milestone,
            unit=milestone.responsible_unit,
        )
    audit_record(
        actor=actor,
        action="livelihood.plan_published",
        target=project,
        congress=cycle.congress,
        summary={"milestones": len(created), "cycle_started": cycle_started},
    )
    return project


@transaction.atomic
def milestone_done(*, actor: User, milestone: Milestone, done_on: dt.date) -> Milestone:
    """The lead unit records that a milestone was reached."""
    project = milestone.project
    if not permissions.can_report_progress(actor, project):
        raise NotPermitted("只有项目牵头单位可以登记节点完成情况")
    done_on = _date(done_on, field="done_on", label="完成时间")
    if done_on > timezone.localdate():
        raise InvalidInput("完成时间不能晚于今天", code="future_date", field="done_on")
    project = _locked_project(project)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if project.status != ProjectStatus.IMPLEMENTING:
        raise InvalidTransition("项目不在实施中", code="invalid_state")
    if milestone.done_on is not None:
        raise InvalidTransition("该节点已登记完成", code="already_done")
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    todo_close(target=milestone, kind=TODO_MILESTONE, actor=actor)
    audit_record(
        actor=actor,
        action="livelihood.milestone_done",
        target=milestone,
        congress=project.cycle.congress,
        summary={"project": project.pk, "done_on": done_on.isoformat(), "late": done_on > milestone.due_on},
    )
    return milestone


# --- the supervision group ---


def _active_holders(congress_id: int, roles: Sequence[str], user_ids: Sequence[int]) -> set[int]:
    return set(
        RoleAssignment.objects.filter(
            congress_id=congress_id, role__in=roles, is_active=True, user_id__in=user_ids
        ).values_list("user_id", flat=True)
    )


@transaction.atomic
def group_form(*, actor: User, project: Project, leader: User, members: Sequence[User]) -> SupervisionGroup:
    """Set up the project's supervision group (一项目一监督小组): an SC member or leader with deputies."""
    if not permissions.can_form_group(actor, project):
        raise NotPermitted("只有本级人大的工作机构可以成立监督小组")
    congress_id = project.cycle.congress_id
    if leader is None or not _active_holders(congress_id, [Role.SC_MEMBER, Role.LEADER], [leader.pk]):
        raise InvalidInput("组长须为本级人大常委会组成人员或领导", code="invalid_leader", field="leader")
    member_ids = [member.pk for member in members]
    if not member_ids:
        raise InvalidInput("监督小组至少要有一名代表成员", code="required", field="members")
    if len(set(member_ids)) != len(member_ids):
        raise InvalidInput("成员名单有重复", code="duplicate", field="members")
    if leader.pk in member_ids:
        raise InvalidInput("组长不必重复列为成员", code="duplicate", field="members")
    if len(member_ids) > 50:
        raise InvalidInput("成员不能超过 50 人", code="too_many", field="members")
    if _active_holders(congress_id, [Role.DEPUTY], member_ids) != set(member_ids):
        raise InvalidInput("成员须为本级人大代表", code="not_deputy", field="members")
    project = _locked_project(project)
    if project.status not in (ProjectStatus.DECIDED, ProjectStatus.IMPLEMENTING):
        raise InvalidTransition("只有已票决或实施中的项目可以成立监督小组", code="invalid_state")
    if SupervisionGroup.objects.filter(project=project).exists():
        raise InvalidTransition("该项目已有监督小组（一项目一监督小组）", code="group_exists")
    try:
        with transaction.atomic():
            group = SupervisionGroup.objects.create(project=project, leader=leader)
    except IntegrityError:
        raise InvalidTransition("该项目已有监督小组（一项目一监督小组）", code="group_exists") from None
    group.members.set(members)
    audit_record(
        actor=actor,
        action="livelihood.group_formed",
        target=group,
        congress=project.cycle.congress,
        summary={"project": project.pk, "leader": leader.pk, "members": sorted(member_ids)},
    )
    link = _project_link(project)
    congress = project.cycle.congress
    for person, position in [(leader, "组长"), *[(member, "成员") for member in members]]:
        notify_send(
            recipient=person,
            event="livelihood.group_formed",
            context={"project": project.name, "position": position, "link": link},
            congress=congress,
        )
    return group


# --- visits, the problem ledger, recommendations ---


def _clean_problems(
    problems: Sequence[tuple[str, Unit | None, dt.date]], *, congress_id: int
) -> list[tuple[str, Unit, dt.date]]:
    cleaned = []
    for description, unit, rectify_by in problems:
        cleaned.append(
            (
                _text(description, field="problems", label="问题描述", max_length=2000),
                _unit_of_congress(unit, congress_id=congress_id, field="problems", label="问题责任单位"),
                _date(rectify_by, field="problems", label="整改时限"),
            )
        )
    return cleaned


def _create_problem(
    *, project: Project, visit: SupervisionVisit | None, description: str, unit: Unit, rectify_by: dt.date
) -> Problem:
    problem = Problem.objects.create(
        project=project, visit=visit, description=description, responsible_unit=unit, rectify_by=rectify_by
    )
    todo_open(
        congress=project.cycle.congress,
        kind=TODO_RECTIFY,
        title=f"问题整改：{project.name} · {description}"[:200],
        due_at=end_of_day(rectify_by),
        url=reverse("livelihood:problem_rectify", kwargs={"problem_id": problem.pk}),
        target=problem,
        unit=unit,
    )
    return problem


@transaction.atomic
def visit_record(
    *,
    actor: User,
    group: SupervisionGroup,
    held_on: dt.date,
    place: str,
    findings: str,
    participants: Sequence[User],
    problems: Sequence[tuple[str, Unit | None, dt.date]] = (),
) -> SupervisionVisit:
    """Record a supervision visit (视察/调研), with the problems it found for the ledger."""
    if not permissions.can_record_visit(actor, group):
        raise NotPermitted("只有监督小组成员或工作机构可以登记监督活动")
    project = group.project
    held_on = _date(held_on, field="held_on", label="活动日期")
    if held_on > timezone.localdate():
        raise InvalidInput("活动日期不能晚于今天", code="future_date", field="held_on")
    place = _text(place, field="place", label="地点", max_length=200)
    findings = _text(findings, field="findings", label="监督情况", max_length=LONG_TEXT_MAX)
    allowed = {group.leader_id, *group.members.values_list("pk", flat=True)}
    participant_ids = {person.pk for person in participants}
    if not participant_ids:
        raise InvalidInput("请选择参加人员", code="required", field="participants")
    if not participant_ids <= allowed:
        raise InvalidInput("参加人员须为监督小组的组长或成员", code="not_in_group", field="participants")
    cleaned = _clean_problems(problems, congress_id=project.cycle.congress_id)
    project = _locked_project(project)
    if project.status != ProjectStatus.IMPLEMENTING:
        raise InvalidTransition("只有实施中的项目可以登记监督活动", code="invalid_state")
    visit = SupervisionVisit.objects.create(
        group=group, held_on=held_on, place=place, findings=findings, recorded_by=actor
    )
    visit.participants.set(participants)
    for description, unit, rectify_by in cleaned:
        _create_problem(project=project, visit=visit, description=description, unit=unit, rectify_by=rectify_by)
    audit_record(
        actor=actor,
        action="livelihood.visit_recorded",
        target=visit,
        congress=project.cycle.congress,
        summary={"project": project.pk, "participants": len(participant_ids), "problems": len(cleaned)},
    )
    return visit


@transaction.atomic
def problem_add(
    *, actor: User, group: SupervisionGroup, description: str, responsible_unit: Unit | None, rectify_by: dt.date
) -> Problem:
    """Add one problem to the project's ledger outside a visit."""
    if not permissions.can_record_visit(actor, group):
        raise NotPermitted("只有监督小组成员或工作机构可以登记问题")
    project = group.project
    ((description, unit, rectify_by),) = _clean_problems(
        [(description, responsible_unit, rectify_by)], congress_id=project.cycle.congress_id
    )
    project = _locked_project(project)
    if project.status != ProjectStatus.IMPLEMENTING:
        raise InvalidTransition("只有实施中的项目可以登记问题", code="invalid_state")
    problem = _create_problem(project=project, visit=None, description=description, unit=unit, rectify_by=rectify_by)
    audit_record(
        actor=actor,
        action="livelihood.problem_added",
        target=problem,
        congress=project.cycle.congress,
        summary={"project": project.pk, "unit": unit.pk, "rectify_by": rectify_by.isoformat()},
    )
    return problem


@transaction.atomic
def problem_rectify(*, actor: User, problem: Problem, rectification: str) -> Problem:
    """The responsible unit reports how it rectified the problem; the group can then close it."""
    if not permissions.can_rectify_problem(actor, problem):
        raise NotPermitted("只有问题的责任单位可以报送整改情况")
    rectification = _text(rectification, field="rectification", label="整改情况", max_length=TEXT_MAX)
    problem = Problem.objects.select_for_update().select_related("project__cycle__congress").get(pk=problem.pk)
    if problem.status == ProblemStatus.CLOSED:
        raise InvalidTransition("该问题已销号", code="already_closed")
    first = problem.status == ProblemStatus.OPEN
    problem.rectification = rectification
    problem.status = ProblemStatus.RECTIFYING
    problem.save(update_fields=["rectification", "status"])
    project = problem.project
    todo_close(target=problem, kind=TODO_RECTIFY, actor=actor)
    group = SupervisionGroup.objects.filter(project=project).select_related("leader").first()
    if first and group is not None:
        todo_open(
            congress=project.cycle.congress,
            kind=TODO_CLOSE,
            title=f"问题销号：{project.name} · {problem.description}"[:200],
            due_at=None,
            url=_project_link(project),
            target=problem,
            user=group.leader,
        )
    audit_record(
        actor=actor,
        action="livelihood.problem_rectified",
        target=problem,
        congress=project.cycle.congress,
        summary={"project": project.pk, "revised": not first},
    )
    return problem


@transaction.atomic
def problem_close(*, actor: User, problem: Problem) -> Problem:
    """销号: the group leader (or staff) closes a problem once its rectification is reported."""
    group = _group_of(problem.project)
    if not permissions.can_lead_group(actor, group):
        raise NotPermitted("只有监督小组组长或工作机构可以销号")
    problem = Problem.objects.select_for_update().select_related("project__cycle__congress").get(pk=problem.pk)
    if problem.status == ProblemStatus.CLOSED:
        raise InvalidTransition("该问题已销号", code="already_closed")
    if problem.status != ProblemStatus.RECTIFYING or not problem.rectification:
        raise InvalidTransition("责任单位报送整改情况后才能销号", code="not_rectified")
    problem.status = ProblemStatus.CLOSED
    problem.closed_at = timezone.now()
    problem.closed_by = actor
    problem.save(update_fields=["status", "closed_at", "closed_by"])
    todo_close(target=problem, kind=TODO_CLOSE, actor=actor)
    audit_record(
        actor=actor,
        action="livelihood.problem_closed",
        target=problem,
        congress=problem.project.cycle.congress,
        summary={"project": problem.project_id},
    )
    return problem


@transaction.atomic
def recommendation_issue(*, actor: User, group: SupervisionGroup, text: str, issued_on: dt.date) -> Recommendation:
    """The group issues a 督办建议 to the lead unit."""
    if not permissions.can_lead_group(actor, group):
        raise NotPermitted("只有监督小组组长或工作机构可以提出督办建议")
    project = group.project
    text = _text(text, field="text", label="督办建议", max_length=TEXT_MAX)
    issued_on = _date(issued_on, field="issued_on", label="提出日期")
    if issued_on > timezone.localdate():
        raise InvalidInput("提出日期不能晚于今天", code="future_date", field="issued_on")
    project = _locked_project(project)
    if project.status != ProjectStatus.IMPLEMENTING:
        raise InvalidTransition("只有实施中的项目可以提出督办建议", code="invalid_state")
    recommendation = Recommendation.objects.create(group=group, text=text, issued_on=issued_on)
    todo_open(
        congress=project.cycle.congress,
        kind=TODO_RESPOND,
        title=f"督办建议落实：{project.name}"[:200],
        due_at=None,
        url=reverse("livelihood:recommendation_respond", kwargs={"recommendation_id": recommendation.pk}),
        target=recommendation,
        unit=project.lead_unit,
    )
    audit_record(
        actor=actor,
        action="livelihood.recommendation_issued",
        target=recommendation,
        congress=project.cycle.congress,
        summary={"project": project.pk},
    )
    return recommendation


@transaction.atomic
def recommendation_respond(*, actor: User, rec: Recommendation, response: str) -> Recommendation:
    """The lead unit reports how it carried out the recommendation (may be updated later)."""
    project = rec.group.project
    if not permissions.can_report_progress(actor, project):
        raise NotPermitted("只有项目牵头单位可以答复督办建议")
    response = _text(response, field="response", label="落实情况", max_length=TEXT_MAX)
    rec = Recommendation.objects.select_for_update().get(pk=rec.pk)
    first = not rec.response
    rec.response = response
    rec.save(update_fields=["response"])
    todo_close(target=rec, kind=TODO_RESPOND, actor=actor)
    audit_record(
        actor=actor,
        action="livelihood.recommendation_responded",
        target=rec,
        congress=project.cycle.congress,
        summary={"project": project.pk, "revised": not first},
    )
    return rec


# --- quarterly progress and the completion report ---


def _clean_sub_item_percents(project: Project, values: Mapping[Any, Any]) -> dict[int, int]:
    """``{sub-item id: percent}``; each sub-item of the project, never below its last reported percent."""
    sub_items = {item.pk: item for item in SubItem.objects.filter(project=project)}
    cleaned: dict[int, int] = {}
    for key, value in (values or {}).items():
        try:
            sub_item_id = int(key)
        except (TypeError, ValueError):
            raise InvalidInput("子项编号无效", code="unknown_sub_item", field="sub_item_percents") from None
        item = sub_items.get(sub_item_id)
        if item is None:
            raise InvalidInput("子项不属于该项目", code="unknown_sub_item", field="sub_item_percents")
        percent = _percent(value, field="sub_item_percents", label=f"子项“{item.name}”的完成进度")
        if percent < item.completion_percent:
            raise InvalidInput(
                f"子项“{item.name}”的完成进度不能低于上次报告的 {item.completion_percent}%",
                code="percent_decreased",
                field="sub_item_percents",
            )
        cleaned[sub_item_id] = percent
    return cleaned


def _apply_sub_item_percents(percents: Mapping[int, int]) -> None:
    for sub_item_id, percent in percents.items():
        SubItem.objects.filter(pk=sub_item_id).update(completion_percent=percent)


def _funds(value: Decimal | int | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput("已完成投资须为数字（万元）", code="invalid_number", field="funds_spent") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise InvalidInput("已完成投资须为不小于 0 的金额（万元）", code="invalid_number", field="funds_spent")
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def progress_report(
    *,
    actor: User,
    project: Project,
    year: int,
    quarter: int,
    completion_percent: int,
    sub_item_percents: Mapping[Any, Any],
    content: str,
    funds_spent: Decimal | int | float | str | None,
) -> ProgressReport:
    """The lead unit's quarterly report: one per quarter; the percent never goes down."""
    if not permissions.can_report_progress(actor, project):
        raise NotPermitted("只有项目牵头单位可以报送本项目的进展")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("年度无效", code="invalid_year", field="year")
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise InvalidInput("季度须为 1–4", code="invalid_quarter", field="quarter")
    completion_percent = _percent(completion_percent, field="completion_percent", label="完成进度")
    content = _text(content, field="content", label="进展情况", max_length=LONG_TEXT_MAX)
    funds = _funds(funds_spent)
    project = _locked_project(project)
    if project.status != ProjectStatus.IMPLEMENTING:
        raise InvalidTransition("只有实施中的项目可以报送季度进展", code="invalid_state")
    if year < project.cycle.year:
        raise InvalidInput(
            f"项目年度为 {project.cycle.year} 年，不能报送 {year} 年的进展", code="invalid_year", field="year"
        )
    if ProgressReport.objects.filter(project=project, kind=ReportKind.QUARTERLY, year=year, quarter=quarter).exists():
        raise InvalidInput(f"{year}年第{quarter}季度的进展已经报送过", code="duplicate", field="quarter")
    if completion_percent < project.completion_percent:
        raise InvalidInput(
            f"完成进度不能低于上次报告的 {project.completion_percent}%",
            code="percent_decreased",
            field="completion_percent",
        )
    percents = _clean_sub_item_percents(project, sub_item_percents)
    report = ProgressReport.objects.create(
        project=project,
        kind=ReportKind.QUARTERLY,
        year=year,
        quarter=quarter,
        completion_percent=completion_percent,
        sub_item_percents={str(key): value for key, value in percents.items()},
        content=content,
        funds_spent=funds,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    project.completion_percent = completion_percent
    project.save(update_fields=["completion_percent"])
    _apply_sub_item_percents(percents)
    audit_record(
        actor=actor,
        action="livelihood.progress_reported",
        target=report,
        congress=project.cycle.congress,
        summary={"project": project.pk, "year": year, "quarter": quarter, "percent": completion_percent},
    )
    return report


@transaction.atomic
def completion_report(
    *,
    actor: User,
    project: Project,
    completed_on: dt.date | None,
    completion_percent: int,
    content: str,
    unfinished_explanation: str = "",
) -> ProgressReport:
    """The government's completion report: at 100% the project is completed; otherwise it must be explained."""
    if not permissions.can_report_completion(actor, project):
        raise NotPermitted("只有政府办公室负责人可以报告项目完成情况")
    completion_percent = _percent(completion_percent, field="completion_percent", label="完成进度")
    content = _text(content, field="content", label="完成情况", max_length=LONG_TEXT_MAX)
    explanation = _text(
        unfinished_explanation,
        field="unfinished_explanation",
        label="未完成说明",
        max_length=TEXT_MAX,
        required=completion_percent < 100,
    )
    if completion_percent == 100:
        if completed_on is None:
            raise InvalidInput("已完成的项目须填写完成日期", code="required", field="completed_on")
        completed_on = _date(completed_on, field="completed_on", label="完成日期")
        if completed_on > timezone.localdate():
            raise InvalidInput("完成日期不能晚于今天", code="future_date", field="completed_on")
        explanation = ""
    else:
        completed_on = None
    project = _locked_project(project)
    if project.status != ProjectStatus.IMPLEMENTING:
        raise InvalidTransition("只有实施中的项目可以报告完成情况", code="invalid_state")
    if completion_percent < project.completion_percent:
        raise InvalidInput(
            f"完成进度不能低于上次报告的 {project.completion_percent}%",
            code="percent_decreased",
            field="completion_percent",
        )
    report = ProgressReport.objects.create(
        project=project,
        kind=ReportKind.COMPLETION,
        year=project.cycle.year,
        quarter=None,
        completion_percent=completion_percent,
        content=content,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    project.completion_percent = completion_percent
    project.completed_on = completed_on
    project.unfinished_explanation = explanation
    project.status = ProjectStatus.COMPLETED if completion_percent == 100 else ProjectStatus.UNFINISHED
    project.save(update_fields=["completion_percent", "completed_on", "unfinished_explanation", "status"])
    cycle = Cycle.objects.select_for_update().select_related("congress").get(pk=project.cycle_id)
    decided = Project.objects.filter(cycle=cycle, status__in=DECIDED_STATES)
    reported = ProgressReport.objects.filter(project__cycle=cycle, kind=ReportKind.COMPLETION)
    cycle_reported = cycle.status == CycleStatus.IMPLEMENTING and decided.count() == reported.count()
    if cycle_reported:
        cycle.status = CycleStatus.COMPLETION_REPORTED
        cycle.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="livelihood.completion_reported",
        target=report,
        congress=cycle.congress,
        summary={
            "project": project.pk,
            "percent": completion_percent,
            "status": project.status,
            "cycle_reported": cycle_reported,
        },
    )
    return report


# --- the satisfaction rating (满意度测评) ---


def rating_items(cycle: Cycle) -> list[Project | SubItem]:
    """The rated items in ballot order: each decided project, then its sub-items."""
    items: list[Project | SubItem] = []
    projects = Project.objects.filter(cycle=cycle, status__in=DECIDED_STATES).order_by("list_order", "pk")
    sub_items: dict[int, list[SubItem]] = {}
    for item in SubItem.objects.filter(project__in=projects).order_by("project_id", "order"):
        sub_items.setdefault(item.project_id, []).append(item)
    for project in projects:
        items.append(project)
        items.extend(sub_items.get(project.pk, []))
    return items


def _question_text(item: Project | SubItem) -> str:
    return (f"项目：{item.name}" if isinstance(item, Project) else f"子项：{item.name}")[:300]


# Why a satisfaction rating gave no valid result, shown to staff (cycle.rating_problem).
RATING_PROBLEMS = {
    "quorum_not_met": "参加测评的人数未达到法定人数，测评无效，请重新组织测评",
    "no_result": "测评没有有效结果，请重新组织测评",
}


def can_rate_again(cycle: Cycle) -> bool:
    """A new rating may be opened when the previous one closed without a valid result."""
    ballot = cycle.rating_ballot
    return (
        cycle.status == CycleStatus.RATING
        and ballot is not None
        and ballot.status == BallotStatus.CLOSED
        and bool(cycle.rating_problem)
    )


def rating_may_open(cycle: Cycle) -> bool:
    """Every project has reported completion and no rating was organised, or the last one had no valid result."""
    first = cycle.status == CycleStatus.COMPLETION_REPORTED and cycle.rating_ballot_id is None
    return first or can_rate_again(cycle)


@transaction.atomic
def rating_open(
    *,
    actor: User,
    cycle: Cycle,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    electorate: str = "deputies",
) -> Ballot:
    """Open the secret satisfaction ballot: one question per decided project and per sub-item."""
    if not permissions.can_open_rating(actor, cycle):
        raise NotPermitted("只有本级人大的工作机构可以组织满意度测评")
    role = ELECTORATES.get(electorate)
    if role is None:
        raise InvalidInput("测评人员只能是全体代表或常委会组成人员", code="invalid_choice", field="electorate")
    cycle = Cycle.objects.select_for_update().select_related("congress").get(pk=cycle.pk)
    previous = cycle.rating_ballot if can_rate_again(cycle) else None
    if not rating_may_open(cycle):
        if cycle.status == CycleStatus.RATING:
            raise InvalidTransition("本年度的满意度测评正在进行或已有有效结果", code="rating_exists")
        raise InvalidTransition("各项目完成情况报告后才能组织满意度测评", code="invalid_state")
    items = rating_items(cycle)
    if not items:
        raise InvalidTransition("没有需要测评的项目", code="nothing_to_rate")
    from renda.accounts.models import User as UserModel

    voters = list(
        UserModel.objects.filter(
            role_assignments__congress=cycle.congress,
            role_assignments__role=role,
            role_assignments__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )
    if not voters:
        raise InvalidInput("本级人大没有可参加测评的人员", code="empty_electorate", field="electorate")
    ballot = ballot_actions.ballot_create(
        actor=actor,
        congress=cycle.congress,
        title=f"{cycle.title}满意度测评"[:200],
        rule=BallotRule.SATISFACTION,
        mode=BallotMode.SECRET,
        questions=[ballot_actions.QuestionSpec(text=_question_text(item)) for item in items],
        electorate=voters,
        opens_at=opens_at,
        closes_at=closes_at,
        purpose=RATING_PURPOSE,
        target_type="livelihood.cycle",
        target_id=str(cycle.pk),
    )
    ballot = ballot_actions.ballot_open(actor=actor, ballot=ballot)
    cycle.rating_ballot = ballot
    cycle.status = CycleStatus.RATING
    cycle.rating_problem = ""
    cycle.save(update_fields=["rating_ballot", "status", "rating_problem"])
    audit_record(
        actor=actor,
        action="livelihood.rating_opened",
        target=cycle,
        congress=cycle.congress,
        summary={
            "ballot": ballot.pk,
            "questions": len(items),
            "electorate": electorate,
            "voters": len(voters),
            "again_after": previous.pk if previous is not None else None,
        },
    )
    return ballot


def _counts(question: Mapping[str, Any]) -> dict[str, int]:
    votes = {option["code"]: int(option["votes"]) for option in question.get("options", [])}
    return {
        "satisfied": votes.get("satisfied", 0),
        "basic": votes.get("basically_satisfied", 0),
        "dissatisfied": votes.get("dissatisfied", 0),
    }


def needs_key_supervision(*, verdict: str, satisfied: int, basic: int, dissatisfied: int) -> bool:
    """不满意, or a 总体满意率 ((满意 + 基本满意) / valid votes) below 80%."""
    if verdict == Verdict.DISSATISFIED:
        return True
    valid = satisfied + basic + dissatisfied
    return valid > 0 and Decimal(satisfied + basic) < KEY_SUPERVISION_RATE * valid


@transaction.atomic
def rating_result_record(ballot: Ballot) -> Cycle | None:
    """The rating ballot's result handler: copy counts and verdicts, flag low-rated projects, close the cycle.

    A rating without a valid result (no quorum) rates nothing: the cycle stays in RATING with
    ``rating_problem`` set, and staff may open a new rating (``can_rate_again``).
    """
    cycle = Cycle.objects.select_for_update().select_related("congress").filter(rating_ballot=ballot).first()
    if cycle is None:
        logger.warning("Rating ballot %s closed but no livelihood cycle points at it", ballot.pk)
        return None
    if cycle.status != CycleStatus.RATING or cycle.rating_problem:
        return cycle  # already recorded: the handler runs once per close, never twice on the same cycle
    ballot = Ballot.objects.get(pk=ballot.pk)
    items = rating_items(cycle)
    tally_questions = (ballot.tally or {}).get("questions", [])
    result_questions = {q["question"]: q for q in (ballot.result or {}).get("questions", [])}
    if len(tally_questions) != len(items):
        logger.error("Rating ballot %s has %s questions for %s items", ballot.pk, len(tally_questions), len(items))
    if not ballot.valid:
        # No valid result (no quorum): nothing is rated; staff may organise the rating again.
        reason = ballot.invalid_reason or "no_result"
        cycle.rating_problem = RATING_PROBLEMS.get(reason, RATING_PROBLEMS["no_result"])
        cycle.save(update_fields=["rating_problem"])
        audit_record(
            actor=None,
            action="livelihood.rating_without_result",
            target=cycle,
            congress=cycle.congress,
            summary={"ballot": ballot.pk, "reason": reason},
        )
        return cycle
    flagged: list[int] = []
    for item, question in zip(items, tally_questions, strict=False):
        counts = _counts(question)
        outcome = result_questions.get(question["question"])
        verdict = str(outcome["verdict"]) if outcome is not None else Verdict.NO_RESULT
        item.rating_satisfied = counts["satisfied"]
        item.rating_basic = counts["basic"]
        item.rating_dissatisfied = counts["dissatisfied"]
        item.verdict = verdict
        fields = ["rating_satisfied", "rating_basic", "rating_dissatisfied", "verdict"]
        if isinstance(item, Project) and verdict != Verdict.NO_RESULT:
            item.key_supervision_next_year = needs_key_supervision(verdict=verdict, **counts)
            fields.append("key_supervision_next_year")
            if item.key_supervision_next_year:
                flagged.append(item.pk)
        item.save(update_fields=fields)
    cycle.status = CycleStatus.CLOSED
    cycle.save(update_fields=["status"])
    audit_record(
        actor=None,
        action="livelihood.rating_recorded",
        target=cycle,
        congress=cycle.congress,
        summary={"ballot": ballot.pk, "valid": True, "key_supervision": flagged},
    )
    return cycle


def _on_rating_closed(ballot: Ballot) -> None:
    rating_result_record(ballot)


# Registered by ``LivelihoodConfig.ready`` (it reads every actions module's NOTIFY_TEMPLATES and RESULT_HANDLERS).
RESULT_HANDLERS = {RATING_PURPOSE: _on_rating_closed}


def connect() -> None:
    """Register the rating result handler and the notification texts (what ``ready`` does; idempotent)."""
    from renda.core.notify import register_templates

    ballot_actions.register_result_handler(RATING_PURPOSE, _on_rating_closed)
    register_templates(NOTIFY_TEMPLATES)
