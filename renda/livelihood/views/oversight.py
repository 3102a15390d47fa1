"""Pages of a decided project: plan, supervision group, visits, problem ledger, reports, rating.

Every page resolves its object through a fetcher of ``permissions`` (404 for whoever may not read
the project), checks the predicate of the action behind it (403 for a reader who may not act), and
calls exactly one action. A refused action is shown on the form with its Chinese message and status
(400 bad input, 403 not you, 409 not now); a success goes back to the project page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renda.accounts.models import User
from renda.core.errors import DomainError
from renda.core.views import form_page, perform, render_form_error
from renda.livelihood import permissions
from renda.livelihood.actions import oversight as actions
from renda.livelihood.models import (
    Cycle,
    Milestone,
    Problem,
    ProblemStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    Recommendation,
    ReportKind,
    SupervisionGroup,
    Verdict,
)
from renda.organizations.models import Unit
from renda.organizations.roles import Role

MILESTONE_ROWS = 6
VISIT_PROBLEM_ROWS = 3
DATE_WIDGET = {"type": "date"}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 3 * quarter - 2, 1)
    last = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, last - dt.timedelta(days=1)


def government_units(congress_id: int) -> QuerySet[Unit]:
    """Units that can carry out a milestone or rectify a problem: the government's units of the congress."""
    return Unit.objects.filter(
        congress_id=congress_id, is_active=True, kind__in=list(permissions.GOVERNMENT_UNIT_KINDS)
    ).order_by("sort_order", "name")


def _people_with(congress_id: int, roles: list[str]) -> QuerySet[User]:
    return (
        User.objects.filter(
            role_assignments__congress_id=congress_id,
            role_assignments__role__in=roles,
            role_assignments__is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def satisfaction_rate(item: Any) -> float | None:
    """总体满意率 in percent: (满意 + 基本满意) / valid votes; None before the rating."""
    if item.rating_satisfied is None:
        return None
    valid = item.rating_satisfied + (item.rating_basic or 0) + (item.rating_dissatisfied or 0)
    if not valid:
        return None
    return round(100 * (int(item.rating_satisfied) + int(item.rating_basic or 0)) / int(valid), 2)


# --- the project page ---


def project_context(user: User, project: Project) -> dict[str, Any]:
    """Everything the project page shows, and which buttons the person gets."""
    cycle = project.cycle
    group = (
        SupervisionGroup.objects.filter(project=project)
        .select_related("leader", "project__cycle")
        .prefetch_related("members")
        .first()
    )
    reports = list(project.reports.select_related("submitted_by").order_by("year", "quarter", "pk"))
    quarterly = [report for report in reports if report.kind == ReportKind.QUARTERLY]
    completion = next((report for report in reports if report.kind == ReportKind.COMPLETION), None)
    problems = list(project.problems.select_related("responsible_unit", "closed_by"))
    problem_counts = {
        "open": sum(1 for p in problems if p.status == ProblemStatus.OPEN),
        "rectifying": sum(1 for p in problems if p.status == ProblemStatus.RECTIFYING),
        "closed": sum(1 for p in problems if p.status == ProblemStatus.CLOSED),
    }
    can_lead = group is not None and permissions.can_lead_group(user, group)
    problem_rows = [
        {
            "problem": problem,
            "can_rectify": problem.status != ProblemStatus.CLOSED and permissions.can_rectify_problem(user, problem),
            "can_close": can_lead and problem.status == ProblemStatus.RECTIFYING,
        }
        for problem in problems
    ]
    implementing = project.status == ProjectStatus.IMPLEMENTING
    is_lead_unit = permissions.can_report_progress(user, project)
    sub_items = list(project.sub_items.all())
    return {
        "project": project,
        "cycle": cycle,
        "today": timezone.localdate(),
        "milestones": list(project.milestones.select_related("responsible_unit")),
        "sub_items": [{"item": item, "rate": satisfaction_rate(item)} for item in sub_items],
        "bars": [
            {"label": f"{report.year}Q{report.quarter}", "percent": report.completion_percent} for report in quarterly
        ],
        "quarterly": quarterly,
        "completion": completion,
        "group": group,
        "visits": list(
            group.visits.select_related("recorded_by").prefetch_related("participants", "problems")
            if group is not None
            else []
        ),
        "problem_rows": problem_rows,
        "problem_counts": problem_counts,
        "recommendations": list(group.recommendations.all()) if group is not None else [],
        "rating": {
            "done": bool(project.verdict),
            "rate": satisfaction_rate(project),
            "no_result": project.verdict == Verdict.NO_RESULT,
        },
        "can": {
            "plan": project.status == ProjectStatus.DECIDED and permissions.can_publish_plan(user, project),
            "milestone": implementing and is_lead_unit,
            "report": implementing and is_lead_unit,
            "respond": is_lead_unit,
            "complete": implementing and permissions.can_report_completion(user, project),
            "group": group is None
            and project.status in (ProjectStatus.DECIDED, ProjectStatus.IMPLEMENTING)
            and permissions.can_form_group(user, project),
            "visit": implementing and group is not None and permissions.can_record_visit(user, group),
            "lead": implementing and can_lead,
            "rating": permissions.can_open_rating(user, cycle) and actions.rating_may_open(cycle),
        },
    }


@login_required
@require_GET
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    return render(request, "livelihood/oversight_project.html", project_context(_user(request), project))


# --- form pages: one action each ---


def _back(project: Project) -> HttpResponse:
    return redirect("livelihood:project_detail", project_id=project.pk)


def _form_page(
    request: HttpRequest,
    *,
    template: str,
    context: dict[str, Any],
    form: forms.Form,
    run: Callable[[forms.Form], object],
    success: str,
    project: Project,
) -> HttpResponse:
    """GET shows the form; a valid POST runs the action, whose refusal is shown on the form."""
    return form_page(
        request,
        template=template,
        context={**context, "project": project},
        form=form,
        run=run,
        success=success,
        then=reverse("livelihood:project_detail", args=[project.pk]),
    )


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("实施方案"), max_length=actions.PLAN_MAX, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = government_units(project.cycle.congress_id)
        for row in range(1, MILESTONE_ROWS + 1):
            self.fields[f"title_{row}"] = forms.CharField(
                label=_("节点 %(n)s") % {"n": row}, max_length=actions.TITLE_MAX, required=False
            )
            self.fields[f"due_{row}"] = forms.DateField(
                label=_("计划时间"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET)
            )
            self.fields[f"unit_{row}"] = forms.ModelChoiceField(
                label=_("责任单位"), queryset=units, required=False, initial=project.lead_unit_id
            )

    def milestones(self) -> list[tuple[str, Any, Any]]:
        rows = []
        for row in range(1, MILESTONE_ROWS + 1):
            title = self.cleaned_data.get(f"title_{row}") or ""
            due = self.cleaned_data.get(f"due_{row}")
            unit = self.cleaned_data.get(f"unit_{row}")
            if title or due:
                rows.append((title, due, unit))
        return rows


def _project_for(request: HttpRequest, project_id: int, allowed: Callable[[User, Project], bool]) -> Project:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    if not allowed(_user(request), project):
        raise PermissionDenied
    return project


@login_required
@require_http_methods(["GET", "POST"])
def plan_form(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project_for(request, project_id, permissions.can_publish_plan)
    form = PlanForm(request.POST or None, project=project)
    return _form_page(
        request,
        template="livelihood/oversight_plan.html",
        context={"open": project.status == ProjectStatus.DECIDED},
        form=form,
        run=lambda f: actions.plan_publish(
            actor=_user(request), project=project, plan=f.cleaned_data["plan"], milestones=form.milestones()
        ),
        success=gettext("实施方案已公布"),
        project=project,
    )


@login_required
@require_POST
def milestone_done(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = Milestone.objects.filter(pk=milestone_id).select_related("project").first()
    if milestone is None:
        raise Http404
    project = _project_for(request, milestone.project_id, permissions.can_report_progress)
    milestone.project = project
    perform(
        request,
        lambda: actions.milestone_done(actor=_user(request), milestone=milestone, done_on=timezone.localdate()),
        success=gettext("节点已登记完成"),
    )
    return _back(project)


class GroupForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("组长（常委会组成人员或领导）"), queryset=User.objects.none())
    members = forms.ModelMultipleChoiceField(
        label=_("成员（人大代表）"), queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 10})
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        congress_id = project.cycle.congress_id
        self.fields["leader"].queryset = _people_with(congress_id, [Role.SC_MEMBER, Role.LEADER])  # type: ignore[attr-defined]
        self.fields["members"].queryset = _people_with(congress_id, [Role.DEPUTY])  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def group_form(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project_for(request, project_id, permissions.can_form_group)
    group = SupervisionGroup.objects.filter(project=project).select_related("leader").first()
    form = GroupForm(request.POST or None, project=project)
    return _form_page(
        request,
        template="livelihood/oversight_group.html",
        context={"group": group},
        form=form,
        run=lambda f: actions.group_form(
            actor=_user(request),
            project=project,
            leader=f.cleaned_data["leader"],
            members=list(f.cleaned_data["members"]),
        ),
        success=gettext("监督小组已成立"),
        project=project,
    )


def _problem_fields(form: forms.Form, units: QuerySet[Unit], rows: int) -> None:
    for row in range(1, rows + 1):
        form.fields[f"problem_{row}"] = forms.CharField(
            label=_("问题 %(n)s") % {"n": row},
            max_length=2000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        form.fields[f"problem_unit_{row}"] = forms.ModelChoiceField(label=_("责任单位"), queryset=units, required=False)
        form.fields[f"problem_by_{row}"] = forms.DateField(
            label=_("整改时限"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET)
        )


class VisitForm(forms.Form):
    held_on = forms.DateField(label=_("活动日期"), widget=forms.DateInput(attrs=DATE_WIDGET))
    place = forms.CharField(label=_("地点"), max_length=200)
    findings = forms.CharField(label=_("监督情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    participants = forms.ModelMultipleChoiceField(
        label=_("参加人员"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, group: SupervisionGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(Q(pk=group.leader_id) | Q(pk__in=group.members.values("pk"))).order_by("pk")
        self.fields["participants"].queryset = people  # type: ignore[attr-defined]
        _problem_fields(self, government_units(group.project.cycle.congress_id), VISIT_PROBLEM_ROWS)

    def problems(self) -> list[tuple[str, Any, Any]]:
        rows = []
        for row in range(1, VISIT_PROBLEM_ROWS + 1):
            description = self.cleaned_data.get(f"problem_{row}") or ""
            if description:
                rows.append(
                    (
                        description,
                        self.cleaned_data.get(f"problem_unit_{row}"),
                        self.cleaned_data.get(f"problem_by_{row}"),
                    )
                )
        return rows


def _group_for(request: HttpRequest, project_id: int, allowed: Callable[[User, SupervisionGroup], bool]) -> Any:
    project = permissions.get_project_for_oversight(_user(request), project_id)
    group = SupervisionGroup.objects.filter(project=project).select_related("leader", "project__cycle").first()
    if group is None or not allowed(_user(request), group):
        raise PermissionDenied
    return project, group


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project, group = _group_for(request, project_id, permissions.can_record_visit)
    form = VisitForm(request.POST or None, group=group)
    return _form_page(
        request,
        template="livelihood/oversight_visit.html",
        context={"group": group, "open": project.status == ProjectStatus.IMPLEMENTING},
        form=form,
        run=lambda f: actions.visit_record(
            actor=_user(request),
            group=group,
            held_on=f.cleaned_data["held_on"],
            place=f.cleaned_data["place"],
            findings=f.cleaned_data["findings"],
            participants=list(f.cleaned_data["participants"]),
            problems=form.problems(),
        ),
        success=gettext("监督活动已登记"),
        project=project,
    )


class ProblemForm(forms.Form):
    description = forms.CharField(label=_("问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    responsible_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    rectify_by = forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs=DATE_WIDGET))

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = government_units(project.cycle.congress_id)  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def problem_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project, group = _group_for(request, project_id, permissions.can_record_visit)
    form = ProblemForm(request.POST or None, project=project)
    return _form_page(
        request,
        template="livelihood/oversight_form.html",
        context={"title": gettext("登记问题"), "open": project.status == ProjectStatus.IMPLEMENTING},
        form=form,
        run=lambda f: actions.problem_add(
            actor=_user(request),
            group=group,
            description=f.cleaned_data["description"],
            responsible_unit=f.cleaned_data["responsible_unit"],
            rectify_by=f.cleaned_data["rectify_by"],
        ),
        success=gettext("问题已列入清单"),
        project=project,
    )


class RectifyForm(forms.Form):
    rectification = forms.CharField(
        label=_("整改情况"), max_length=actions.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_rectify(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = permissions.get_problem_for_oversight(_user(request), problem_id)
    if not permissions.can_rectify_problem(_user(request), problem):
        raise PermissionDenied
    form = RectifyForm(request.POST or None, initial={"rectification": problem.rectification})
    return _form_page(
        request,
        template="livelihood/oversight_form.html",
        context={
            "title": gettext("报送整改情况"),
            "problem": problem,
            "open": problem.status != ProblemStatus.CLOSED,
        },
        form=form,
        run=lambda f: actions.problem_rectify(
            actor=_user(request), problem=problem, rectification=f.cleaned_data["rectification"]
        ),
        success=gettext("整改情况已报送"),
        project=problem.project,
    )


@login_required
@require_POST
def problem_close(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = permissions.get_problem_for_oversight(_user(request), problem_id)
    group = SupervisionGroup.objects.filter(project_id=problem.project_id).select_related("project__cycle").first()
    if group is None or not permissions.can_lead_group(_user(request), group):
        raise PermissionDenied
    perform(
        request,
        lambda: actions.problem_close(actor=_user(request), problem=problem),
        success=gettext("问题已销号"),
    )
    return _back(problem.project)


class RecommendationForm(forms.Form):
    text = forms.CharField(label=_("督办建议"), max_length=actions.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    issued_on = forms.DateField(label=_("提出日期"), widget=forms.DateInput(attrs=DATE_WIDGET))


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project, group = _group_for(request, project_id, permissions.can_lead_group)
    form = RecommendationForm(request.POST or None, initial={"issued_on": timezone.localdate()})
    return _form_page(
        request,
        template="livelihood/oversight_form.html",
        context={"title": gettext("提出督办建议"), "open": project.status == ProjectStatus.IMPLEMENTING},
        form=form,
        run=lambda f: actions.recommendation_issue(
            actor=_user(request), group=group, text=f.cleaned_data["text"], issued_on=f.cleaned_data["issued_on"]
        ),
        success=gettext("督办建议已提出"),
        project=project,
    )


class RespondForm(forms.Form):
    response = forms.CharField(
        label=_("落实情况"), max_length=actions.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_respond(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    recommendation: Recommendation = permissions.get_recommendation_for_oversight(_user(request), recommendation_id)
    project = _project_for(request, recommendation.group.project_id, permissions.can_report_progress)
    form = RespondForm(request.POST or None, initial={"response": recommendation.response})
    return _form_page(
        request,
        template="livelihood/oversight_form.html",
        context={"title": gettext("答复督办建议"), "recommendation": recommendation, "open": True},
        form=form,
        run=lambda f: actions.recommendation_respond(
            actor=_user(request), rec=recommendation, response=f.cleaned_data["response"]
        ),
        success=gettext("落实情况已报送"),
        project=project,
    )


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, _("第%(q)s季度") % {"q": q}) for q in range(1, 5)]
    )
    completion_percent = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100)
    content = forms.CharField(
        label=_("进展情况"), max_length=actions.LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    funds_spent = forms.DecimalField(
        label=_("已完成投资（万元，可不填）"), required=False, min_value=Decimal(0), max_digits=12, decimal_places=2
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in project.sub_items.all():
            self.fields[f"sub_{item.pk}"] = forms.IntegerField(
                label=_("子项“%(name)s”进度（%%）") % {"name": item.name},
                min_value=0,
                max_value=100,
                required=False,
                initial=item.completion_percent,
            )

    def sub_item_percents(self) -> dict[int, int]:
        return {
            int(name.removeprefix("sub_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("sub_") and value is not None
        }


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project_for(request, project_id, permissions.can_report_progress)
    today = timezone.localdate()
    form = ReportForm(
        request.POST or None,
        project=project,
        # A project of next year (decided at this year's session) reports from its own year's first quarter.
        initial={
            "year": max(today.year, project.cycle.year),
            "quarter": quarter_of(today) if today.year >= project.cycle.year else 1,
            "completion_percent": project.completion_percent,
        },
    )
    return _form_page(
        request,
        template="livelihood/oversight_form.html",
        context={"title": gettext("报送季度进展"), "open": project.status == ProjectStatus.IMPLEMENTING},
        form=form,
        run=lambda f: actions.progress_report(
            actor=_user(request),
            project=project,
            year=f.cleaned_data["year"],
            quarter=f.cleaned_data["quarter"],
            completion_percent=f.cleaned_data["completion_percent"],
            sub_item_percents=form.sub_item_percents(),
            content=f.cleaned_data["content"],
            funds_spent=f.cleaned_data["funds_spent"],
        ),
        success=gettext("季度进展已报送"),
        project=project,
    )


class CompletionForm(forms.Form):
    completion_percent = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100)
    completed_on = forms.DateField(
        label=_("完成日期（完成进度 100% 时必填）"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET)
    )
    content = forms.CharField(
        label=_("完成情况"), max_length=actions.LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    unfinished_explanation = forms.CharField(
        label=_("未完成说明（原因及下一步措施；未完成时必填）"),
        max_length=actions.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def completion_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project_for(request, project_id, permissions.can_report_completion)
    form = CompletionForm(request.POST or None, initial={"completion_percent": project.completion_percent})
    return _form_page(
        request,
        template="livelihood/oversight_form.html",
        context={"title": gettext("报告完成情况"), "open": project.status == ProjectStatus.IMPLEMENTING},
        form=form,
        run=lambda f: actions.completion_report(
            actor=_user(request),
            project=project,
            completed_on=f.cleaned_data["completed_on"],
            completion_percent=f.cleaned_data["completion_percent"],
            content=f.cleaned_data["content"],
            unfinished_explanation=f.cleaned_data["unfinished_explanation"],
        ),
        success=gettext("完成情况已报告"),
        project=project,
    )


class RatingForm(forms.Form):
    opens_at = forms.DateTimeField(
        label=_("开始测评"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    closes_at = forms.DateTimeField(
        label=_("结束测评"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    electorate = forms.ChoiceField(
        label=_("测评人员"), choices=[("deputies", _("全体人大代表")), ("sc_members", _("常委会组成人员"))]
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_open(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle: Cycle = permissions.get_readable_cycle(_user(request), cycle_id)
    if not permissions.can_open_rating(_user(request), cycle):
        raise PermissionDenied
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = RatingForm(request.POST or None, initial={"opens_at": now, "closes_at": now + dt.timedelta(hours=2)})
    template = "livelihood/oversight_rating.html"
    items = [{"is_project": isinstance(item, Project), "name": item.name} for item in actions.rating_items(cycle)]
    context = {
        "cycle": cycle,
        "form": form,
        "items": items,
        "open": actions.rating_may_open(cycle),
    }
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        ballot = actions.rating_open(
            actor=_user(request),
            cycle=cycle,
            opens_at=form.cleaned_data["opens_at"],
            closes_at=form.cleaned_data["closes_at"],
            electorate=form.cleaned_data["electorate"],
        )
    except DomainError as error:
        return render_form_error(request, template, context, error)
    messages.success(request, gettext("满意度测评已开始"))
    return redirect("ballots:detail", ballot_id=ballot.pk)


# --- the lead unit's queue ---


def unit_queue_rows(unit: Unit, today: dt.date) -> list[dict[str, Any]]:
    """The unit's projects under way, with what falls due this quarter."""
    year, quarter = today.year, quarter_of(today)
    _first, last = quarter_bounds(year, quarter)
    projects = list(
        Project.objects.filter(lead_unit=unit, status__in=[ProjectStatus.DECIDED, ProjectStatus.IMPLEMENTING])
        .select_related("cycle")
        .annotate(
            milestones_due=Count(
                "milestones", filter=Q(milestones__done_on__isnull=True, milestones__due_on__lte=last), distinct=True
            ),
            milestones_overdue=Count(
                "milestones", filter=Q(milestones__done_on__isnull=True, milestones__due_on__lt=today), distinct=True
            ),
            recommendations_open=Count(
                "supervision_group__recommendations",
                filter=Q(supervision_group__recommendations__response=""),
                distinct=True,
            ),
        )
        .order_by("cycle__year", "list_order", "pk")
    )
    reported = set(
        ProgressReport.objects.filter(
            project__in=projects, kind=ReportKind.QUARTERLY, year=year, quarter=quarter
        ).values_list("project_id", flat=True)
    )
    rows = []
    for project in projects:
        rows.append(
            {
                "project": project,
                "needs_plan": project.status == ProjectStatus.DECIDED,
                "needs_report": project.status == ProjectStatus.IMPLEMENTING and project.pk not in reported,
                "milestones_due": project.milestones_due,  # type: ignore[attr-defined]
                "recommendations_open": project.recommendations_open,  # type: ignore[attr-defined]
                "overdue_milestones": project.milestones_overdue,  # type: ignore[attr-defined]
            }
        )
    return rows


@login_required
@require_GET
def unit_projects(request: HttpRequest) -> HttpResponse:
    unit = permissions.government_unit(_user(request))
    if unit is None:
        raise PermissionDenied
    today = timezone.localdate()
    problems = (
        Problem.objects.filter(responsible_unit=unit)
        .exclude(status=ProblemStatus.CLOSED)
        .select_related("project")
        .order_by("rectify_by", "pk")
    )
    return render(
        request,
        "livelihood/oversight_unit.html",
        {
            "unit": unit,
            "rows": unit_queue_rows(unit, today),
            "problems": list(problems),
            "today": today,
            "quarter": quarter_of(today),
            "year": today.year,
            "report_url": reverse("livelihood:unit_projects"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("projects/<int:project_id>/", project_detail, name="project_detail"),
    path("projects/<int:project_id>/plan/", plan_form, name="plan_form"),
    path("projects/<int:project_id>/group/", group_form, name="group_form"),
    path("projects/<int:project_id>/visits/new/", visit_new, name="visit_new"),
    path("projects/<int:project_id>/problems/new/", problem_new, name="problem_new"),
    path("projects/<int:project_id>/recommendations/new/", recommendation_new, name="recommendation_new"),
    path("projects/<int:project_id>/reports/new/", report_new, name="report_new"),
    path("projects/<int:project_id>/completion/", completion_new, name="completion_new"),
    path("milestones/<int:milestone_id>/done/", milestone_done, name="milestone_done"),
    path("problems/<int:problem_id>/rectify/", problem_rectify, name="problem_rectify"),
    path("problems/<int:problem_id>/close/", problem_close, name="problem_close"),
    path("recommendations/<int:recommendation_id>/respond/", recommendation_respond, name="recommendation_respond"),
    path("cycles/<int:cycle_id>/rating/", rating_open, name="rating_open"),
    path("units/projects/", unit_projects, name="unit_projects"),
]
