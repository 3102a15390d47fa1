"""Pages of the cycle, from solicitation to the session vote (征集 → 初选 → 审议 → 票决).

Thin adapters: a permission fetcher finds the cycle or project (404 for anyone who may not
see it), a predicate decides whether the page's form is for this person (403 if not), and
the named action in ``renda.livelihood.actions.cycle`` does the change. A refused POST
answers 4xx with the action's Chinese message on the form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from renda.accounts.models import User
from renda.ballots.models import BallotStatus, ElectorateMember
from renda.core.errors import DomainError, InvalidInput
from renda.core.views import form_page, render_form_error
from renda.livelihood import permissions
from renda.livelihood.actions import cycle as actions
from renda.livelihood.actions import oversight as rating_actions
from renda.livelihood.models import (
    Cycle,
    CycleStatus,
    Field,
    Material,
    Project,
    ProjectStatus,
    Proposal,
    ProposalSource,
    ProposalStatus,
)
from renda.organizations.models import Congress, CongressSession, Unit

# The stage bar: each stage and the cycle states that sit in it.
STAGES: list[tuple[str, Any, set[str]]] = [
    ("solicit", _("征集"), {CycleStatus.SOLICITING}),
    ("screen", _("初选"), {CycleStatus.SCREENING, CycleStatus.LIST_APPROVED}),
    ("deliberate", _("审议"), {CycleStatus.DELIBERATION}),
    ("vote", _("票决"), {CycleStatus.VOTING}),
    ("implement", _("实施"), {CycleStatus.DECIDED, CycleStatus.IMPLEMENTING, CycleStatus.COMPLETION_REPORTED}),
    ("rate", _("测评"), {CycleStatus.RATING, CycleStatus.CLOSED}),
]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _detail_url(cycle: Cycle) -> str:
    return reverse("livelihood:cycle_detail", kwargs={"cycle_id": cycle.pk})


def stage_bar(cycle: Cycle) -> list[dict[str, Any]]:
    current = next(index for index, (_key, _label, states) in enumerate(STAGES) if cycle.status in states)
    finished = cycle.status == CycleStatus.CLOSED
    return [
        {
            "key": key,
            "label": label,
            "state": "done" if index < current or finished else ("current" if index == current else "todo"),
        }
        for index, (key, label, _states) in enumerate(STAGES)
    ]


# --- forms ---

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CycleForm(forms.Form):
    year = forms.IntegerField(label=_("项目年度"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("名称"), max_length=200, required=False, help_text=_("留空则为“某年度民生实事项目”")
    )
    solicit_opens_on = forms.DateField(label=_("征集开始"), widget=DATE)
    solicit_closes_on = forms.DateField(label=_("征集截止"), widget=DATE)
    slots = forms.IntegerField(label=_("票决项目数"), min_value=1, max_value=100, required=False)
    session = forms.ModelChoiceField(label=_("票决会议"), queryset=CongressSession.objects.none(), required=False)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = CongressSession.objects.filter(congress=congress)  # type: ignore[attr-defined]
        self.fields["slots"].help_text = _("留空则按本级设置：%(slots)s 个；公开征集不少于 %(days)s 天") % {
            "slots": congress.setting("livelihood_slots"),
            "days": congress.setting("livelihood_solicitation_min_days"),
        }


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=actions.PROPOSAL_TITLE_MAX)
    content = forms.CharField(
        label=_("项目内容"), max_length=actions.PROPOSAL_CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    field = forms.ChoiceField(label=_("领域"), choices=Field.choices, initial=Field.OTHER)


class CandidateForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=actions.PROJECT_NAME_MAX)
    content = forms.CharField(
        label=_("项目内容"), max_length=actions.PROJECT_CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    field = forms.ChoiceField(label=_("领域"), choices=Field.choices, initial=Field.OTHER)
    investment = forms.DecimalField(
        label=_("计划投资（万元）"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    funding_source = forms.CharField(label=_("资金来源"), max_length=actions.FUNDING_MAX)
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.none())
    completion_date = forms.DateField(label=_("计划完成时间"), widget=DATE)
    sub_items = forms.CharField(
        label=_("子项目"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个：名称|内容|投资（万元）|责任单位名称，后三项可省略"),
    )
    proposals = forms.ModelMultipleChoiceField(
        label=_("纳入的项目建议"),
        queryset=Proposal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, cycle: Cycle, project: Project | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        self.fields["lead_unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            congress_id=cycle.congress_id, is_active=True, kind__in=list(permissions.GOVERNMENT_UNIT_KINDS)
        )
        open_proposals = cycle.proposals.filter(status=ProposalStatus.SUBMITTED)
        if project is not None:
            open_proposals = open_proposals | cycle.proposals.filter(project=project)
        self.fields["proposals"].queryset = open_proposals.order_by("pk")  # type: ignore[attr-defined]

    def sub_item_specs(self) -> list[tuple[str, str, Any, Unit | None]]:
        specs: list[tuple[str, str, Any, Unit | None]] = []
        for line in (self.cleaned_data.get("sub_items") or "").splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.replace("｜", "|").split("|")] + ["", "", ""]
            name, content, investment, unit_name = parts[:4]
            unit = None
            if unit_name:
                unit = Unit.objects.filter(congress_id=self.cycle.congress_id, name=unit_name).first()
                if unit is None:
                    raise InvalidInput(
                        str(_("找不到责任单位“%(name)s”")) % {"name": unit_name[:50]},
                        code="not_found",
                        field="sub_items",
                    )
            specs.append((name, content, investment or None, unit))
        return specs


def sub_items_text(project: Project) -> str:
    lines = []
    for item in project.sub_items.select_related("responsible_unit"):
        unit = item.responsible_unit.name if item.responsible_unit else ""
        investment = "" if item.investment is None else str(item.investment)
        lines.append("|".join([item.name, item.content.replace("\n", " "), investment, unit]).rstrip("|"))
    return "\n".join(lines)


class ExcludeForm(forms.Form):
    reason = forms.CharField(
        label=_("未列入原因"), max_length=actions.REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(forms.Form):
    approved_on = forms.DateField(label=_("党委批准日期"), widget=DATE)
    approval_ref = forms.CharField(label=_("批准文号"), max_length=100)


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("材料标题"), max_length=200)
    upload = forms.FileField(label=_("文件（PDF 或 Word，不超过 20 MB）"))


class VoteForm(forms.Form):
    opens_at = forms.DateTimeField(label=_("开始投票"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("结束投票"), widget=DATETIME)


def _error(request: HttpRequest, template: str, context: dict[str, Any], error: DomainError) -> HttpResponse:
    return render_form_error(request, template, context, error)


# --- list and detail ---


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    cycles = permissions.cycles_visible_to(user).select_related("congress")
    congress_id = permissions.staff_congress_id(user)
    return render(
        request,
        "livelihood/cycle_list.html",
        {"cycles": cycles, "can_create": congress_id is not None},
    )


@login_required
def cycle_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress_id = permissions.staff_congress_id(user)
    if congress_id is None:
        raise PermissionDenied
    congress = Congress.objects.get(pk=congress_id)
    form = CycleForm(request.POST or None, congress=congress)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = actions.cycle_create(
                actor=user,
                congress=congress,
                year=data["year"],
                title=data["title"],
                solicit_opens_on=data["solicit_opens_on"],
                solicit_closes_on=data["solicit_closes_on"],
                slots=data["slots"],
                session=data["session"],
            )
        except DomainError as error:
            return _error(request, "livelihood/cycle_form.html", context, error)
        messages.success(request, _("已设立民生实事年度，项目征集开始。"))
        return redirect(_detail_url(cycle))
    status = 400 if request.method == "POST" else 200
    return render(request, "livelihood/cycle_form.html", context, status=status)


def _is_electorate(user: User, cycle: Cycle) -> bool:
    ballot = cycle.vote_ballot
    return ballot is not None and ElectorateMember.objects.filter(ballot=ballot, user=user).exists()


@login_required
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = permissions.get_readable_cycle(user, cycle_id)
    projects = list(
        cycle.projects.select_related("lead_unit").prefetch_related("sub_items").order_by("list_order", "pk")
    )
    ballot = cycle.vote_ballot
    decided_states = {ProjectStatus.DECIDED, ProjectStatus.IMPLEMENTING, ProjectStatus.COMPLETED}
    decided_states |= {ProjectStatus.UNFINISHED, ProjectStatus.NOT_SELECTED}
    results = sorted(
        (project for project in projects if project.rank is not None and project.status in decided_states),
        key=lambda project: (project.rank or 0, project.list_order or 0),
    )
    context = {
        "cycle": cycle,
        "stages": stage_bar(cycle),
        "proposals": permissions.proposals_visible_to(user, cycle).select_related("unit"),
        "sees_all_proposals": permissions.can_read_all_proposals(user, cycle),
        "candidates": [p for p in projects if p.status != ProjectStatus.EXCLUDED],
        "excluded": [p for p in projects if p.status == ProjectStatus.EXCLUDED],
        "materials": list(cycle.materials.all()),
        "ballot": ballot,
        "results": results,
        "can_manage": permissions.can_manage_cycle(user, cycle),
        "can_screen": permissions.can_screen(user, cycle),
        "can_approve": permissions.can_approve_list(user, cycle),
        "can_propose": permissions.can_propose(user, cycle),
        "in_window": actions.in_solicitation_window(cycle),
        "window_closed": timezone.localdate() > cycle.solicit_closes_on,
        "can_revote": permissions.can_manage_cycle(user, cycle) and actions.can_revote(cycle),
        "can_rate": permissions.can_open_rating(user, cycle) and rating_actions.rating_may_open(cycle),
        "is_electorate": _is_electorate(user, cycle),
        "ballot_open": ballot is not None and ballot.status == BallotStatus.OPEN,
        "is_deputy": permissions.deputy_congress_id(user) == cycle.congress_id,
    }
    return render(request, "livelihood/cycle_detail.html", context)


@login_required
@require_POST
def screening_start(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = permissions.get_readable_cycle(user, cycle_id)
    if not permissions.can_approve_list(user, cycle):
        raise PermissionDenied
    try:
        actions.screening_start(actor=user, cycle=cycle)
    except DomainError as error:
        return _refused(request, error, cycle)
    messages.success(request, _("征集已截止，进入初选论证。"))
    return redirect(_detail_url(cycle))


def _refused(request: HttpRequest, error: DomainError, cycle: Cycle) -> HttpResponse:
    status = error.status_code if error.status_code < 500 else 400
    return render(
        request,
        "livelihood/cycle_error.html",
        {"error": error, "back": _detail_url(cycle), "cycle": cycle},
        status=status,
    )


# --- proposals ---


@login_required
def proposal_new(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = permissions.get_readable_cycle(user, cycle_id)
    if not permissions.can_propose(user, cycle):
        raise PermissionDenied
    source = ProposalSource.DEPUTY if permissions.deputy_congress_id(user) == cycle.congress_id else ProposalSource.UNIT
    form = ProposalForm(request.POST or None)
    context = {"form": form, "cycle": cycle, "in_window": actions.in_solicitation_window(cycle), "source": source}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.proposal_submit(
                actor=user,
                cycle=cycle,
                source=source,
                title=data["title"],
                content=data["content"],
                field=data["field"],
            )
        except DomainError as error:
            return _error(request, "livelihood/cycle_proposal_form.html", context, error)
        messages.success(request, _("项目建议已提交，感谢您的参与。"))
        return redirect(_detail_url(cycle))
    status = 400 if request.method == "POST" else 200
    return render(request, "livelihood/cycle_proposal_form.html", context, status=status)


@login_required
@require_POST
def proposal_decline(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = _user(request)
    proposal = permissions.get_readable_proposal(user, proposal_id)
    cycle = proposal.cycle
    if not permissions.can_screen(user, cycle):
        raise PermissionDenied
    try:
        actions.proposal_decline(actor=user, proposal=proposal, response=request.POST.get("response", ""))
    except DomainError as error:
        return _refused(request, error, cycle)
    messages.success(request, _("已作未纳入处理，并告知提出人。"))
    return redirect(_detail_url(cycle) + "#proposals")


# --- candidates ---


def _candidate_values(form: CandidateForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "content": data["content"],
        "field": data["field"],
        "investment": data["investment"],
        "funding_source": data["funding_source"],
        "lead_unit": data["lead_unit"],
        "completion_date": data["completion_date"],
        "sub_items": form.sub_item_specs(),
        "proposals": list(data["proposals"]),
    }


@login_required
def candidate_new(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = permissions.get_readable_cycle(user, cycle_id)
    if not permissions.can_screen(user, cycle):
        raise PermissionDenied
    initial: dict[str, Any] = {}
    from_proposal = request.GET.get("proposal", "")
    if from_proposal.isdigit():
        proposal = cycle.proposals.filter(pk=int(from_proposal), status=ProposalStatus.SUBMITTED).first()
        if proposal is not None:
            initial = {"name": proposal.title, "content": proposal.content, "field": proposal.field}
            initial["proposals"] = [proposal.pk]
    form = CandidateForm(request.POST or None, cycle=cycle, initial=initial)
    context = {"form": form, "cycle": cycle, "project": None, "editable": cycle.status == CycleStatus.SCREENING}
    return form_page(
        request,
        template="livelihood/cycle_candidate_form.html",
        context=context,
        form=form,
        run=lambda _f: actions.candidate_add(actor=user, cycle=cycle, **_candidate_values(form)),
        success=_("已提出候选项目。"),
        then=_detail_url(cycle) + "#candidates",
    )


@login_required
def candidate_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _user(request)
    project = permissions.get_readable_project(user, project_id)
    cycle = project.cycle
    if not permissions.can_screen(user, cycle):
        raise PermissionDenied
    initial = {
        "name": project.name,
        "content": project.content,
        "field": project.field,
        "investment": project.investment,
        "funding_source": project.funding_source,
        "lead_unit": project.lead_unit_id,
        "completion_date": project.completion_date,
        "sub_items": sub_items_text(project),
        "proposals": list(project.proposals.values_list("pk", flat=True)),
    }
    form = CandidateForm(request.POST or None, cycle=cycle, project=project, initial=initial)
    editable = cycle.status == CycleStatus.SCREENING and project.status == ProjectStatus.CANDIDATE
    context = {"form": form, "cycle": cycle, "project": project, "editable": editable}
    return form_page(
        request,
        template="livelihood/cycle_candidate_form.html",
        context=context,
        form=form,
        run=lambda _f: actions.candidate_update(actor=user, project=project, **_candidate_values(form)),
        success=_("候选项目已修改。"),
        then=_detail_url(cycle) + "#candidates",
    )


@login_required
def candidate_exclude(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _user(request)
    project = permissions.get_readable_project(user, project_id)
    cycle = project.cycle
    if not permissions.can_screen(user, cycle):
        raise PermissionDenied
    form = ExcludeForm(request.POST or None)
    editable = cycle.status == CycleStatus.SCREENING and project.status == ProjectStatus.CANDIDATE
    context = {"form": form, "cycle": cycle, "project": project, "editable": editable}
    return form_page(
        request,
        template="livelihood/cycle_exclude.html",
        context=context,
        form=form,
        run=lambda f: actions.candidate_exclude(actor=user, project=project, reason=f.cleaned_data["reason"]),
        success=_("该项目不列入候选名单，原因已记录。"),
        then=_detail_url(cycle) + "#candidates",
    )


@login_required
def list_approve(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = permissions.get_readable_cycle(user, cycle_id)
    if not permissions.can_approve_list(user, cycle):
        raise PermissionDenied
    form = ApproveForm(request.POST or None, initial={"approved_on": timezone.localdate()})
    candidates = list(cycle.projects.filter(status=ProjectStatus.CANDIDATE).select_related("lead_unit").order_by("pk"))
    context = {
        "form": form,
        "cycle": cycle,
        "candidates": candidates,
        "editable": cycle.status == CycleStatus.SCREENING,
        "expected": cycle.congress.setting("livelihood_candidates"),
    }
    template = "livelihood/cycle_approve.html"
    if request.method == "POST" and form.is_valid():
        order: list[Project] | None = None
        ids = request.POST.getlist("order")
        if ids:
            by_id = {str(project.pk): project for project in candidates}
            order = [by_id[value] for value in ids if value in by_id]
        try:
            actions.list_approve(
                actor=user,
                cycle=cycle,
                approved_on=form.cleaned_data["approved_on"],
                approval_ref=form.cleaned_data["approval_ref"],
                order=order,
            )
        except DomainError as error:
            return _error(request, template, context, error)
        messages.success(request, _("候选名单的批准已登记，候选顺序已确定。"))
        return redirect(_detail_url(cycle) + "#candidates")
    return render(request, template, context, status=400 if request.method == "POST" else 200)


# --- materials and the vote ---


@login_required
def materials(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Everyone who reads the cycle reads the materials; staff upload them and send them to the deputies."""
    user = _user(request)
    cycle = permissions.get_readable_cycle(user, cycle_id)
    can_manage = permissions.can_manage_cycle(user, cycle)
    form = MaterialForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "cycle": cycle,
        "materials": list(cycle.materials.select_related("uploaded_by")),
        "can_manage": can_manage,
        "can_upload": cycle.status in {CycleStatus.LIST_APPROVED, CycleStatus.DELIBERATION},
        "can_send": cycle.status == CycleStatus.LIST_APPROVED,
    }
    template = "livelihood/cycle_materials.html"
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.material_add(
                    actor=user, cycle=cycle, title=form.cleaned_data["title"], upload=form.cleaned_data["upload"]
                )
            except DomainError as error:
                return _error(request, template, context, error)
            messages.success(request, _("审议材料已上传。"))
            return redirect(reverse("livelihood:materials", kwargs={"cycle_id": cycle.pk}))
        return render(request, template, context, status=400)
    return render(request, template, context)


@login_required
@require_POST
def materials_send(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = permissions.get_readable_cycle(user, cycle_id)
    if not permissions.can_manage_cycle(user, cycle):
        raise PermissionDenied
    try:
        actions.materials_send(actor=user, cycle=cycle)
    except DomainError as error:
        return _refused(request, error, cycle)
    messages.success(request, _("审议材料已送达全体代表。"))
    return redirect(_detail_url(cycle))


@login_required
def material_file(request: HttpRequest, material_id: int) -> FileResponse:
    user = _user(request)
    material = Material.objects.filter(pk=material_id).select_related("cycle").first()
    if material is None or not permissions.can_read_cycle(user, material.cycle):
        raise Http404
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=material.name)


@login_required
def vote_open(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = permissions.get_readable_cycle(user, cycle_id)
    if not permissions.can_manage_cycle(user, cycle):
        raise PermissionDenied
    now = timezone.localtime()
    start = now.replace(second=0, microsecond=0)
    form = VoteForm(request.POST or None, initial={"opens_at": start, "closes_at": start + dt.timedelta(hours=1)})
    candidates = list(cycle.projects.filter(status=ProjectStatus.CANDIDATE).order_by("list_order", "pk"))
    context = {
        "form": form,
        "cycle": cycle,
        "candidates": candidates,
        "editable": cycle.status == CycleStatus.DELIBERATION or actions.can_revote(cycle),
        "electorate": len(actions.deputies_in_office(cycle.congress)),
    }
    template = "livelihood/cycle_vote.html"
    if request.method == "POST" and form.is_valid():
        try:
            ballot = actions.vote_open(
                actor=user,
                cycle=cycle,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
            )
        except DomainError as error:
            return _error(request, template, context, error)
        messages.success(request, _("票决已开始。"))
        return redirect(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}))
    return render(request, template, context, status=400 if request.method == "POST" else 200)


urlpatterns: list[URLPattern] = [
    path("", cycle_list, name="cycles"),
    path("cycles/new/", cycle_new, name="cycle_new"),
    path("cycles/<int:cycle_id>/", cycle_detail, name="cycle_detail"),
    path("cycles/<int:cycle_id>/screening/", screening_start, name="screening_start"),
    path("cycles/<int:cycle_id>/proposals/new/", proposal_new, name="proposal_new"),
    path("proposals/<int:proposal_id>/decline/", proposal_decline, name="proposal_decline"),
    path("cycles/<int:cycle_id>/candidates/new/", candidate_new, name="candidate_new"),
    path("projects/<int:project_id>/edit/", candidate_edit, name="candidate_edit"),
    path("projects/<int:project_id>/exclude/", candidate_exclude, name="candidate_exclude"),
    path("cycles/<int:cycle_id>/approve/", list_approve, name="list_approve"),
    path("cycles/<int:cycle_id>/materials/", materials, name="materials"),
    path("cycles/<int:cycle_id>/materials/send/", materials_send, name="materials_send"),
    path("materials/<int:material_id>/", material_file, name="material_file"),
    path("cycles/<int:cycle_id>/vote/", vote_open, name="vote_open"),
]
