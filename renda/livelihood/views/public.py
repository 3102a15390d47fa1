"""The public portal of livelihood projects (no login), served under /portal/ in the ``portal:`` namespace.

What the public sees (domain.md §4, L_shared "Public visibility"):

- a cycle appears once the party committee approved its candidate list; before that only
  the call for proposals is public, while the solicitation window is open;
- candidates: name, content, investment, lead unit; after the vote their votes and ranks,
  decided or not selected, and the excluded proposals' projects with the reason;
- a project from candidate to rating: the published plan, milestones, quarterly progress,
  supervision visits (date, place, findings), counts of the problem ledger, the completion
  report and the satisfaction result with its raw counts.

Proposers' names are never shown. Proposals sent through the portal pass a small captcha
that works offline (a signed sum, used once) and a per-address rate limit, so a script
cannot flood the government office's screening queue.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from renda.core import throttle
from renda.core.errors import DomainError
from renda.livelihood.actions.cycle import proposal_submit
from renda.livelihood.models import (
    Cycle,
    CycleStatus,
    Field,
    Problem,
    ProblemStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    ProposalSource,
    ReportKind,
    SupervisionVisit,
)
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role

# Cycles whose candidate list the party committee approved: public from then on.
PUBLIC_CYCLE_STATES = (
    CycleStatus.LIST_APPROVED,
    CycleStatus.DELIBERATION,
    CycleStatus.VOTING,
    CycleStatus.DECIDED,
    CycleStatus.IMPLEMENTING,
    CycleStatus.COMPLETION_REPORTED,
    CycleStatus.RATING,
    CycleStatus.CLOSED,
)
# Cycles whose vote is over: votes, ranks and the excluded proposals are public.
VOTED_CYCLE_STATES = PUBLIC_CYCLE_STATES[3:]
# Projects that were on the ballot (excluded ones are listed with their reason, no page of their own).
LISTED_PROJECT_STATES = (
    ProjectStatus.CANDIDATE,
    ProjectStatus.NOT_SELECTED,
    ProjectStatus.DECIDED,
    ProjectStatus.IMPLEMENTING,
    ProjectStatus.COMPLETED,
    ProjectStatus.UNFINISHED,
)
DECIDED_PROJECT_STATES = LISTED_PROJECT_STATES[2:]

# Rate limit of the public proposal form, per client address.
PROPOSALS_PER_WINDOW = 10
RATE_WINDOW_SECONDS = 3600
CAPTCHA_MAX_AGE_SECONDS = 1800
CAPTCHA_SALT = "renda.livelihood.portal.captcha"


# --- what the public may read ---


def public_cycles() -> QuerySet[Cycle]:
    return Cycle.objects.filter(status__in=PUBLIC_CYCLE_STATES).select_related("congress")


def soliciting_cycles(today: dt.date) -> QuerySet[Cycle]:
    """Cycles whose call for proposals is open today."""
    return Cycle.objects.filter(
        status=CycleStatus.SOLICITING, solicit_opens_on__lte=today, solicit_closes_on__gte=today
    ).select_related("congress")


def is_voted(cycle: Cycle) -> bool:
    return cycle.status in VOTED_CYCLE_STATES


def get_public_cycle(year: int, congress_id: int | None) -> Cycle:
    """The public cycle of ``year``: of the given congress, or else of the highest-level congress that has one."""
    cycles = public_cycles().filter(year=year)
    if congress_id is not None:
        cycles = cycles.filter(congress_id=congress_id)
    cycle = cycles.order_by("congress__level", "congress__code").first()
    if cycle is None:
        raise Http404
    return cycle


def public_projects(cycle: Cycle) -> QuerySet[Project]:
    """Candidates in ballot order, or after the vote by rank; excluded ones only after the vote."""
    states = [*LISTED_PROJECT_STATES, ProjectStatus.EXCLUDED] if is_voted(cycle) else LISTED_PROJECT_STATES
    projects = cycle.projects.filter(status__in=states).select_related("lead_unit")
    if is_voted(cycle):
        return projects.order_by("rank", "list_order", "pk")
    return projects.order_by("list_order", "pk")


def get_public_project(project_id: int) -> Project:
    project = (
        Project.objects.filter(pk=project_id, status__in=LISTED_PROJECT_STATES, cycle__status__in=PUBLIC_CYCLE_STATES)
        .select_related("cycle", "cycle__congress", "lead_unit")
        .first()
    )
    if project is None:
        raise Http404
    return project


@dataclass(frozen=True)
class ProblemCounts:
    open: int
    rectifying: int
    closed: int

    @property
    def total(self) -> int:
        return self.open + self.rectifying + self.closed


def problem_counts(project: Project) -> ProblemCounts:
    counts = Problem.objects.filter(project=project).aggregate(
        open=Count("pk", filter=Q(status=ProblemStatus.OPEN)),
        rectifying=Count("pk", filter=Q(status=ProblemStatus.RECTIFYING)),
        closed=Count("pk", filter=Q(status=ProblemStatus.CLOSED)),
    )
    return ProblemCounts(**counts)


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- pages ---


def cycle_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cycles = list(public_cycles().order_by("-year", "congress__level", "congress__code"))
    context = {
        "cycles": cycles,
        "calls": list(soliciting_cycles(today).order_by("congress__level", "congress__code", "-year")),
    }
    return render(request, "livelihood/public_list.html", context)


def cycle_detail(request: HttpRequest, year: int) -> HttpResponse:
    cycle = get_public_cycle(year, _int_or_none(request.GET.get("congress")))
    projects = list(public_projects(cycle))
    context = {
        "cycle": cycle,
        "voted": is_voted(cycle),
        "candidates": [project for project in projects if project.status != ProjectStatus.EXCLUDED],
        "excluded": [project for project in projects if project.status == ProjectStatus.EXCLUDED],
        "decided_states": DECIDED_PROJECT_STATES,
    }
    return render(request, "livelihood/public_cycle.html", context)


def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_public_project(project_id)
    decided = project.status in DECIDED_PROJECT_STATES
    reports = list(ProgressReport.objects.filter(project=project).order_by("year", "quarter", "pk"))
    visits: list[SupervisionVisit] = []
    if decided:
        visits = list(
            SupervisionVisit.objects.filter(group__project=project)
            .annotate(participant_count=Count("participants"))
            .order_by("held_on", "pk")
        )
    context = {
        "project": project,
        "cycle": project.cycle,
        "voted": is_voted(project.cycle),
        "decided": decided,
        "plan_public": decided and project.plan_published_at is not None,
        "sub_items": list(project.sub_items.select_related("responsible_unit")),
        "milestones": list(project.milestones.select_related("responsible_unit")) if decided else [],
        "quarterly": [report for report in reports if report.kind == ReportKind.QUARTERLY],
        "completion": next((report for report in reports if report.kind == ReportKind.COMPLETION), None),
        "visits": visits,
        "problems": problem_counts(project) if decided else None,
        "rated": project.rating_satisfied is not None,
    }
    return render(request, "livelihood/public_project.html", context)


# --- the public proposal form ---


@dataclass(frozen=True)
class Captcha:
    question: str
    token: str


def _captcha_digest(nonce: str, answer: str) -> str:
    return salted_hmac(CAPTCHA_SALT, f"{nonce}:{answer.strip()}").hexdigest()


def captcha_new() -> Captcha:
    """A small sum to solve; the token carries the nonce and a keyed digest of the answer, not the answer."""
    left, right = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_hex(8)
    token = signing.dumps({"n": nonce, "h": _captcha_digest(nonce, str(left + right))}, salt=CAPTCHA_SALT)
    return Captcha(question=f"{left} + {right} = ?", token=token)


def captcha_check(token: str, answer: str) -> str | None:
    """None when the answer is right and the token fresh and unused; else the message to show."""
    try:
        data = signing.loads(token, salt=CAPTCHA_SALT, max_age=CAPTCHA_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return str(_("验证码已过期，请重新计算"))
    except signing.BadSignature:
        return str(_("验证码无效，请重新计算"))
    nonce = str(data.get("n", ""))
    if not constant_time_compare(str(data.get("h", "")), _captcha_digest(nonce, answer)):
        return str(_("验证码计算结果不正确"))
    # Each captcha is good for one proposal.
    if not cache.add(f"livelihood:captcha:{nonce}", 1, CAPTCHA_MAX_AGE_SECONDS):
        return str(_("验证码已使用，请重新计算"))
    return None


def rate_limited(request: HttpRequest) -> bool:
    """Count this attempt for the client address; True once it is over the limit of the window."""
    key = f"livelihood:propose:{throttle.request_ip_hash(request)}"
    return not throttle.hit(key, PROPOSALS_PER_WINDOW, RATE_WINDOW_SECONDS)


class ProposalForm(forms.Form):
    cycle = forms.TypedChoiceField(
        label=_("征集年度"),
        coerce=int,
        error_messages={"required": _("请选择征集年度"), "invalid_choice": _("征集年度无效或已截止")},
    )
    title = forms.CharField(
        label=_("项目名称"),
        max_length=100,
        error_messages={"required": _("请填写项目名称"), "max_length": _("项目名称不能超过 %(limit_value)d 个字")},
    )
    content = forms.CharField(
        label=_("项目内容"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请说明要解决的问题、建议的做法和受益群众。"),
        error_messages={"required": _("请填写项目内容"), "max_length": _("项目内容不能超过 %(limit_value)d 个字")},
    )
    field = forms.ChoiceField(
        label=_("领域"), choices=Field.choices, initial=Field.OTHER, error_messages={"invalid_choice": _("请选择领域")}
    )
    proposer_name = forms.CharField(
        label=_("您的称呼（选填）"),
        max_length=100,
        required=False,
        help_text=_("仅供工作人员联系时使用，不会公开。"),
        error_messages={"max_length": _("称呼不能超过 %(limit_value)d 个字")},
    )
    captcha_answer = forms.CharField(
        label=_("验证码"),
        max_length=10,
        error_messages={"required": _("请填写验证码的计算结果")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    captcha_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, cycles: list[Cycle], captcha: Captcha, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [(cycle.pk, f"{cycle.title}（{cycle.congress.name}）") for cycle in cycles]  # type: ignore[attr-defined]
        if len(cycles) == 1:
            self.fields["cycle"].initial = cycles[0].pk
        self.fields["captcha_answer"].label = _("验证码：%(question)s") % {"question": captcha.question}
        # A fresh captcha on every render; the posted token is read from the raw data.
        self.initial["captcha_token"] = captcha.token

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answer = cleaned.get("captcha_answer")
        if answer is not None and "captcha_answer" not in self.errors:
            problem = captcha_check(str(self.data.get("captcha_token", "")), answer)
            if problem is not None:
                self.add_error("captcha_answer", problem)
        return cleaned


def portal_actor(request: HttpRequest) -> Any:
    """The logged-in citizen proposing under their account; anyone else proposes anonymously."""
    assignment = acting_role(request.user)  # type: ignore[arg-type]
    if assignment is not None and assignment.role == Role.CITIZEN:
        return request.user
    return None


def propose(request: HttpRequest) -> HttpResponse:
    cycles = list(soliciting_cycles(timezone.localdate()).order_by("congress__level", "congress__code"))
    wanted = _int_or_none(request.GET.get("cycle"))
    if wanted is not None and any(cycle.pk == wanted for cycle in cycles):
        cycles = [cycle for cycle in cycles if cycle.pk == wanted]
    captcha = captcha_new()
    context: dict[str, Any] = {"cycles": cycles}
    if request.method != "POST":
        context["form"] = ProposalForm(cycles=cycles, captcha=captcha)
        return render(request, "livelihood/public_propose.html", context)
    # Posted data keeps the answer out: a new sum is asked every time the form comes back.
    data = request.POST.copy()
    data["captcha_token"] = request.POST.get("captcha_token", "")
    if rate_limited(request):
        form = ProposalForm(_without_answer(data, captcha), cycles=cycles, captcha=captcha)
        context.update(form=form, limited=True)
        return render(request, "livelihood/public_propose.html", context, status=429)
    form = ProposalForm(data, cycles=cycles, captcha=captcha)
    if not form.is_valid():
        form.data = _without_answer(form.data, captcha)
        context["form"] = form
        return render(request, "livelihood/public_propose.html", context, status=400)
    cycle = next(cycle for cycle in cycles if cycle.pk == form.cleaned_data["cycle"])
    try:
        proposal_submit(
            actor=portal_actor(request),
            cycle=cycle,
            source=ProposalSource.PUBLIC,
            title=form.cleaned_data["title"],
            content=form.cleaned_data["content"],
            field=form.cleaned_data["field"],
            proposer_name=form.cleaned_data["proposer_name"],
        )
    except DomainError as error:
        field_name = error.field if error.field in form.fields else None
        form.add_error(field_name, error.message)
        form.data = _without_answer(form.data, captcha)
        context["form"] = form
        return render(request, "livelihood/public_propose.html", context, status=min(error.status_code, 499))
    return redirect("portal:livelihood_proposed")


def _without_answer(data: Any, captcha: Captcha) -> Any:
    data = data.copy()
    data["captcha_answer"] = ""
    data["captcha_token"] = captcha.token
    return data


def proposed(request: HttpRequest) -> HttpResponse:
    return render(request, "livelihood/public_proposed.html")


portal_urlpatterns: list[URLPattern] = [
    path("livelihood/", cycle_list, name="livelihood_list"),
    path("livelihood/propose/", propose, name="livelihood_propose"),
    path("livelihood/propose/thanks/", proposed, name="livelihood_proposed"),
    path("livelihood/<int:year>/", cycle_detail, name="livelihood_cycle"),
    path("livelihood/projects/<int:project_id>/", project_detail, name="livelihood_project"),
]
