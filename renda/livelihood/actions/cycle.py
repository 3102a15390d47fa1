"""From solicitation to the session vote (征集 → 初选 → 审议 → 票决), domain.md §4.

Each action takes keyword-only arguments, checks who may act (``NotPermitted``), then the
cycle's state (``InvalidTransition``, 409), then the input (``InvalidInput`` naming the
field), changes everything in one transaction and writes one ``livelihood.<verb>`` audit
event. The vote itself is a ``ballots`` ballot (select k of n); when it is closed through the
ballots pages or API, ``vote_result_received`` copies the result back to the projects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from renda.ballots import actions as ballot_actions
from renda.ballots.models import Ballot, BallotMode, BallotRule, BallotStatus
from renda.core.audit import audit_record
from renda.core.checks import clean_text as _clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.notify import notify_send
from renda.core.uploads import check_upload
from renda.livelihood import permissions
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
    SubItem,
)
from renda.organizations.models import Congress, CongressSession, RoleAssignment, Unit
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User

VOTE_PURPOSE = "livelihood.vote"
VOTE_TARGET_TYPE = "livelihood.cycle"

# Text limits, shared with the forms and the API schemas.
PROPOSAL_TITLE_MIN, PROPOSAL_TITLE_MAX = 4, 100
PROPOSAL_CONTENT_MIN, PROPOSAL_CONTENT_MAX = 5, 3000
PROJECT_NAME_MAX = 100
PROJECT_CONTENT_MAX = 5000
FUNDING_MAX = 200
REASON_MAX = 500
SUB_ITEMS_MAX = 50
MATERIAL_SUFFIXES = (".pdf", ".doc", ".docx")
MATERIAL_MAX_BYTES = 20 * 1024 * 1024
INVESTMENT_MAX = Decimal("9999999999.99")

# Why a vote gave no valid result, shown to staff (cycle.vote_problem).
VOTE_PROBLEMS = {
    "quorum_not_met": "投票人数未达到法定人数，票决无效，请重新组织票决",
    "tie_needs_runoff": "末位候选项目得票相同，须另行投票",
    "no_result": "票决没有有效结果，请重新组织票决",
}

NOTIFY_TEMPLATES: dict[str, tuple[str, str]] = {
    "livelihood.screening_started": (
        "【民生实事】{title}进入初选论证",
        "{title}的项目征集已截止，共收到建议 {count} 条，请组织初选论证，提出候选项目：{link}",
    ),
    "livelihood.proposal_declined": (
        "【民生实事】您的项目建议未纳入候选",
        "您提出的民生实事项目建议“{proposal}”未纳入候选项目。说明：{response}。详见：{link}",
    ),
    "livelihood.proposal_adopted": (
        "【民生实事】您的项目建议已纳入候选",
        "您提出的民生实事项目建议“{proposal}”已纳入候选项目“{project}”。详见：{link}",
    ),
    "livelihood.materials_sent": (
        "【民生实事】{title}审议材料",
        "{title}候选项目的审议材料已送达，请在大会票决前审阅：{link}",
    ),
    "livelihood.vote_opened": (
        "【民生实事】{title}票决",
        "{title}票决已开始（{opens} 至 {closes}），请从 {count} 个候选项目中选出不超过 {k} 个：{link}",
    ),
}


# --- helpers ---


def _record(actor: User | None, verb: str, target: Any, cycle: Cycle, **summary: Any) -> None:
    audit_record(actor=actor, action=f"livelihood.{verb}", target=target, congress=cycle.congress, summary=summary)


def _clean_field(value: object) -> str:
    text = str(value or Field.OTHER)
    if text not in Field.values:
        raise InvalidInput("领域的取值无效", code="invalid_choice", field="field")
    return text


def _clean_investment(value: object, *, field: str = "investment", required: bool = True) -> Decimal | None:
    if value is None or str(value).strip() == "":
        if required:
            raise InvalidInput("计划投资不能为空", code="required", field=field)
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput("计划投资须为数字（万元）", code="invalid", field=field) from None
    if not amount.is_finite() or amount <= 0 or amount > INVESTMENT_MAX:
        raise InvalidInput("计划投资须大于 0（万元）", code="invalid", field=field)
    return amount.quantize(Decimal("0.01"))


def _lock(cycle: Cycle) -> Cycle:
    """Re-read the cycle under a row lock: actions on one cycle run one after the other."""
    return Cycle.objects.select_for_update().select_related("congress").get(pk=cycle.pk)


def _require_status(cycle: Cycle, allowed: Iterable[str], doing: str) -> None:
    if cycle.status not in set(allowed):
        raise InvalidTransition(
            f"该年度当前为“{cycle.get_status_display()}”阶段，不能{doing}", code="invalid_state", field="status"
        )


def _cycle_link(cycle: Cycle) -> str:
    return reverse("livelihood:cycle_detail", kwargs={"cycle_id": cycle.pk})


def _notify(recipients: Iterable[User], event: str, target: Any, congress: Congress, **context: Any) -> None:
    people = list({person.pk: person for person in recipients}.values())

    def send() -> None:
        for person in people:
            notify_send(recipient=person, event=event, context=context, target=target, congress=congress)

    transaction.on_commit(send)


def _role_holders(congress_id: int, roles: Iterable[str], unit: Unit | None = None) -> list[User]:
    from renda.accounts.models import User as UserModel

    assignments = RoleAssignment.objects.filter(congress_id=congress_id, role__in=list(roles), is_active=True)
    if unit is not None:
        assignments = assignments.filter(unit=unit)
    return list(UserModel.objects.filter(pk__in=assignments.values("user_id"), is_active=True).order_by("pk"))


def deputies_in_office(congress: Congress) -> list[User]:
    """The electorate of the vote and the readers of the materials: every active deputy of the congress."""
    return _role_holders(congress.pk, [Role.DEPUTY])


def _office_people(congress_id: int) -> list[User]:
    from renda.accounts.models import User as UserModel

    assignments = RoleAssignment.objects.filter(
        congress_id=congress_id,
        role__in=list(permissions.UNIT_ROLES),
        is_active=True,
        unit__kind="government_office",
    )
    return list(UserModel.objects.filter(pk__in=assignments.values("user_id"), is_active=True).order_by("pk"))


def _require_screener(actor: User | None, cycle: Cycle) -> None:
    if not permissions.can_screen(actor, cycle):
        raise NotPermitted("只有本级政府办公室可以进行初选论证")


def _require_staff(actor: User | None, cycle: Cycle) -> None:
    if not permissions.can_manage_cycle(actor, cycle):
        raise NotPermitted("只有本级人大的工作机构可以进行此操作")


# --- the cycle ---


@transaction.atomic
def cycle_create(
    *,
    actor: User,
    congress: Congress,
    year: int,
    solicit_opens_on: dt.date,
    solicit_closes_on: dt.date,
    slots: int | None = None,
    session: CongressSession | None = None,
    title: str = "",
) -> Cycle:
    """Open the year's cycle with its solicitation window (征集): one per congress and project year."""
    if permissions.staff_congress_id(actor) != congress.pk:
        raise NotPermitted("只有本级人大的工作机构可以设立民生实事年度")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("项目年度无效", code="invalid", field="year")
    if not isinstance(solicit_opens_on, dt.date) or not isinstance(solicit_closes_on, dt.date):
        raise InvalidInput("请填写征集起止日期", code="required", field="solicit_opens_on")
    min_days = int(congress.setting("livelihood_solicitation_min_days"))
    if solicit_closes_on < solicit_opens_on:
        raise InvalidInput("征集截止日期不能早于开始日期", code="invalid_window", field="solicit_closes_on")
    days = (solicit_closes_on - solicit_opens_on).days + 1
    if days < min_days:
        raise InvalidInput(
            f"公开征集时间不得少于 {min_days} 天（现为 {days} 天）", code="window_too_short", field="solicit_closes_on"
        )
    if slots is None:
        slots = int(congress.setting("livelihood_slots"))
    if not isinstance(slots, int) or not 1 <= slots <= 100:
        raise InvalidInput("票决项目数须在 1 至 100 之间", code="invalid", field="slots")
    if session is not None and session.congress_id != congress.pk:
        raise InvalidInput("票决会议须为本级人大的会议", code="wrong_congress", field="session")
    title = _clean_text(title, field="title", label="名称", max_length=200, required=False) or (
        f"{year}年度民生实事项目"
    )
    if Cycle.objects.filter(congress=congress, year=year).exists():
        raise InvalidInput(f"{year} 年度的民生实事项目已经设立", code="duplicate", field="year")
    try:
        with transaction.atomic():
            cycle = Cycle.objects.create(
                congress=congress,
                year=year,
                title=title,
                solicit_opens_on=solicit_opens_on,
                solicit_closes_on=solicit_closes_on,
                slots=slots,
                session=session,
                created_by=actor,
            )
    except IntegrityError:
        raise InvalidInput(f"{year} 年度的民生实事项目已经设立", code="duplicate", field="year") from None
    _record(
        actor,
        "cycle_created",
        cycle,
        cycle,
        year=year,
        opens=solicit_opens_on.isoformat(),
        closes=solicit_closes_on.isoformat(),
        slots=slots,
    )
    return cycle


def in_solicitation_window(cycle: Cycle, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return cycle.status == CycleStatus.SOLICITING and cycle.solicit_opens_on <= today <= cycle.solicit_closes_on


@transaction.atomic
def proposal_submit(
    *,
    actor: User | None,
    cycle: Cycle,
    source: str,
    title: str,
    content: str,
    field: str = "other",
    proposer_name: str = "",
    unit: Unit | None = None,
) -> Proposal:
    """A proposal in the solicitation window: a deputy, a unit, or the public (anonymous: ``actor`` None)."""
    if source not in ProposalSource.values:
        raise InvalidInput("建议来源无效", code="invalid_choice", field="source")
    if source == ProposalSource.DEPUTY:
        # A deputy proposes as a deputy of the cycle's congress.
        if actor is None or permissions.deputy_congress_id(actor) != cycle.congress_id:
            raise NotPermitted("只有本级人大代表可以以代表身份提出建议")
        proposer_name = actor.display_name
        unit = None
    elif source == ProposalSource.UNIT:
        # A unit proposes through its officer or head, for its own unit of the cycle's congress.
        assignment = acting_role(actor)
        own_unit = (
            assignment.unit
            if assignment is not None and assignment.role in permissions.UNIT_ROLES and assignment.unit_id
            else None
        )
        if actor is None or own_unit is None or own_unit.congress_id != cycle.congress_id:
            raise NotPermitted("只有本级的单位可以以单位名义提出建议")
        if unit is not None and unit.pk != own_unit.pk:
            raise InvalidInput("只能以本单位名义提出建议", code="wrong_unit", field="unit")
        unit = own_unit
        proposer_name = own_unit.name
    else:
        # The public: anonymous, or a logged-in person; the name is what they chose to give.
        unit = None
        proposer_name = _clean_text(proposer_name, field="proposer_name", label="姓名", max_length=100, required=False)
    cycle = _lock(cycle)
    if not in_solicitation_window(cycle):
        raise InvalidTransition(
            f"不在项目征集期内（{cycle.solicit_opens_on:%Y-%m-%d} 至 {cycle.solicit_closes_on:%Y-%m-%d}）",
            code="outside_window",
            field="cycle",
        )
    title = _clean_text(
        title, field="title", label="项目名称", min_length=PROPOSAL_TITLE_MIN, max_length=PROPOSAL_TITLE_MAX
    )
    content = _clean_text(
        content, field="content", label="项目内容", min_length=PROPOSAL_CONTENT_MIN, max_length=PROPOSAL_CONTENT_MAX
    )
    field = _clean_field(field)
    proposal = Proposal.objects.create(
        cycle=cycle,
        source=source,
        proposer=actor if actor is not None and actor.is_authenticated else None,
        unit=unit,
        proposer_name=proposer_name,
        title=title,
        content=content,
        field=field,
    )
    _record(actor, "proposal_submitted", proposal, cycle, source=source, field=field)
    return proposal


@transaction.atomic
def screening_start(*, actor: User, cycle: Cycle, today: dt.date | None = None) -> Cycle:
    """The window has closed: the government office screens the proposals (初选论证)."""
    if not permissions.can_approve_list(actor, cycle):
        raise NotPermitted("只有本级人大的工作机构或政府办公室可以开始初选")
    cycle = _lock(cycle)
    _require_status(cycle, {CycleStatus.SOLICITING}, "开始初选")
    today = today or timezone.localdate()
    if today <= cycle.solicit_closes_on:
        raise InvalidTransition(
            f"征集期至 {cycle.solicit_closes_on:%Y-%m-%d} 截止，截止后才能开始初选", code="window_open", field="status"
        )
    cycle.status = CycleStatus.SCREENING
    cycle.save(update_fields=["status"])
    count = cycle.proposals.count()
    _record(actor, "screening_started", cycle, cycle, proposals=count)
    _notify(
        _office_people(cycle.congress_id),
        "livelihood.screening_started",
        cycle,
        cycle.congress,
        title=cycle.title,
        count=count,
        link=_cycle_link(cycle),
    )
    return cycle


# --- candidates (初选) ---

SubItemSpec = tuple[str, str, Any, Unit | None]


def _clean_sub_items(cycle: Cycle, sub_items: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    if len(sub_items) > SUB_ITEMS_MAX:
        raise InvalidInput(f"子项目不能超过 {SUB_ITEMS_MAX} 个", code="too_long", field="sub_items")
    cleaned = []
    for index, item in enumerate(sub_items, start=1):
        if len(item) != 4:
            raise InvalidInput("子项目须包括名称、内容、投资和责任单位", code="invalid", field="sub_items")
        name, content, investment, unit = item
        label = f"第 {index} 个子项目"
        if unit is not None and (not isinstance(unit, Unit) or unit.congress_id != cycle.congress_id):
            raise InvalidInput(f"{label}的责任单位须为本级单位", code="wrong_congress", field="sub_items")
        cleaned.append(
            {
                "order": index,
                "name": _clean_text(name, field="sub_items", label=f"{label}名称", max_length=100),
                "content": _clean_text(
                    content, field="sub_items", label=f"{label}内容", max_length=2000, required=False
                ),
                "investment": _clean_investment(investment, field="sub_items", required=False),
                "responsible_unit": unit,
            }
        )
    return cleaned


def _clean_project(
    cycle: Cycle,
    *,
    name: str,
    content: str,
    field: str,
    investment: Any,
    funding_source: str,
    lead_unit: Unit | None,
    completion_date: dt.date | None,
) -> dict[str, Any]:
    if lead_unit is None:
        raise InvalidInput("请选择牵头单位", code="required", field="lead_unit")
    if lead_unit.congress_id != cycle.congress_id:
        raise InvalidInput("牵头单位须为本级单位", code="wrong_congress", field="lead_unit")
    if not isinstance(completion_date, dt.date):
        raise InvalidInput("请填写计划完成时间", code="required", field="completion_date")
    if completion_date.year < cycle.year - 1 or completion_date.year > cycle.year + 5:
        raise InvalidInput("计划完成时间与项目年度不符", code="invalid", field="completion_date")
    return {
        "name": _clean_text(name, field="name", label="项目名称", max_length=PROJECT_NAME_MAX),
        "content": _clean_text(content, field="content", label="项目内容", max_length=PROJECT_CONTENT_MAX),
        "field": _clean_field(field),
        "investment": _clean_investment(investment),
        "funding_source": _clean_text(funding_source, field="funding_source", label="资金来源", max_length=FUNDING_MAX),
        "lead_unit": lead_unit,
        "completion_date": completion_date,
    }


def _adopt(cycle: Cycle, project: Project, proposals: Sequence[Proposal]) -> list[Proposal]:
    adopted = []
    for proposal in proposals:
        if proposal.cycle_id != cycle.pk:
            raise InvalidInput("所选项目建议不属于本年度", code="wrong_cycle", field="proposals")
        if proposal.status == ProposalStatus.NOT_ADOPTED:
            raise InvalidInput(f"项目建议“{proposal.title}”已作未纳入处理", code="invalid_state", field="proposals")
        if proposal.project_id is not None and proposal.project_id != project.pk:
            raise InvalidInput(f"项目建议“{proposal.title}”已纳入其他候选项目", code="invalid_state", field="proposals")
        adopted.append(proposal)
    for proposal in adopted:
        proposal.status = ProposalStatus.ADOPTED
        proposal.project = project
        proposal.save(update_fields=["status", "project"])
    return adopted


@transaction.atomic
def candidate_add(
    *,
    actor: User,
    cycle: Cycle,
    name: str,
    content: str,
    field: str,
    investment: Any,
    funding_source: str,
    lead_unit: Unit | None,
    completion_date: dt.date | None,
    sub_items: Sequence[Sequence[Any]] = (),
    proposals: Sequence[Proposal] = (),
) -> Project:
    """The government office turns proposals into a candidate project (初选), and marks them adopted."""
    _require_screener(actor, cycle)
    cycle = _lock(cycle)
    _require_status(cycle, {CycleStatus.SCREENING}, "提出候选项目")
    values = _clean_project(
        cycle,
        name=name,
        content=content,
        field=field,
        investment=investment,
        funding_source=funding_source,
        lead_unit=lead_unit,
        completion_date=completion_date,
    )
    items = _clean_sub_items(cycle, sub_items)
    project = Project.objects.create(cycle=cycle, status=ProjectStatus.CANDIDATE, **values)
    SubItem.objects.bulk_create([SubItem(project=project, **item) for item in items])
    adopted = _adopt(cycle, project, proposals)
    _record(
        actor,
        "candidate_added",
        project,
        cycle,
        cycle_id=cycle.pk,
        investment=str(project.investment),
        sub_items=len(items),
        proposals=[proposal.pk for proposal in adopted],
    )
    for proposal in adopted:
        if proposal.proposer is not None:
            _notify(
                [proposal.proposer],
                "livelihood.proposal_adopted",
                proposal,
                cycle.congress,
                proposal=proposal.title,
                project=project.name,
                link=_cycle_link(cycle),
            )
    return project


def _lock_project(project: Project) -> Project:
    return Project.objects.select_for_update().select_related("cycle", "cycle__congress").get(pk=project.pk)


@transaction.atomic
def candidate_update(
    *,
    actor: User,
    project: Project,
    name: str,
    content: str,
    field: str,
    investment: Any,
    funding_source: str,
    lead_unit: Unit | None,
    completion_date: dt.date | None,
    sub_items: Sequence[Sequence[Any]] | None = None,
    proposals: Sequence[Proposal] | None = None,
) -> Project:
    """Change a candidate while screening; ``sub_items``/``proposals`` given replace the present ones."""
    _require_screener(actor, project.cycle)
    cycle = _lock(project.cycle)
    project = _lock_project(project)
    _require_status(cycle, {CycleStatus.SCREENING}, "修改候选项目")
    if project.status != ProjectStatus.CANDIDATE:
        raise InvalidTransition("只有候选项目可以修改", code="invalid_state", field="status")
    values = _clean_project(
        cycle,
        name=name,
        content=content,
        field=field,
        investment=investment,
        funding_source=funding_source,
        lead_unit=lead_unit,
        completion_date=completion_date,
    )
    items = _clean_sub_items(cycle, sub_items) if sub_items is not None else None
    changed = [key for key, value in values.items() if getattr(project, key) != value]
    for key, value in values.items():
        setattr(project, key, value)
    project.save()
    if items is not None:
        project.sub_items.all().delete()
        SubItem.objects.bulk_create([SubItem(project=project, **item) for item in items])
        changed.append("sub_items")
    if proposals is not None:
        keep = {proposal.pk for proposal in proposals}
        for proposal in project.proposals.exclude(pk__in=keep):
            proposal.status = ProposalStatus.SUBMITTED
            proposal.project = None
            proposal.save(update_fields=["status", "project"])
        _adopt(cycle, project, proposals)
        changed.append("proposals")
    _record(actor, "candidate_updated", project, cycle, changed=changed)
    return project


@transaction.atomic
def candidate_exclude(*, actor: User, project: Project, reason: str) -> Project:
    """Leave a candidate off the list (not necessary, not feasible, debt risk…): kept with its reason."""
    _require_screener(actor, project.cycle)
    cycle = _lock(project.cycle)
    project = _lock_project(project)
    _require_status(cycle, {CycleStatus.SCREENING}, "调整候选项目")
    if project.status != ProjectStatus.CANDIDATE:
        raise InvalidTransition("只有候选项目可以不列入", code="invalid_state", field="status")
    reason = _clean_text(reason, field="reason", label="未列入原因", max_length=REASON_MAX)
    project.status = ProjectStatus.EXCLUDED
    project.exclusion_reason = reason
    project.list_order = None
    project.save(update_fields=["status", "exclusion_reason", "list_order"])
    _record(actor, "candidate_excluded", project, cycle, reason=reason)
    return project


@transaction.atomic
def proposal_decline(*, actor: User, proposal: Proposal, response: str) -> Proposal:
    """A proposal not taken into any candidate: the proposer is told why."""
    _require_screener(actor, proposal.cycle)
    cycle = _lock(proposal.cycle)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _require_status(cycle, {CycleStatus.SCREENING}, "处理项目建议")
    if proposal.status != ProposalStatus.SUBMITTED:
        raise InvalidTransition(
            f"该建议已“{proposal.get_status_display()}”，不能再作未纳入处理", code="invalid_state", field="status"
        )
    response = _clean_text(response, field="response", label="处理说明", max_length=REASON_MAX)
    proposal.status = ProposalStatus.NOT_ADOPTED
    proposal.response = response
    proposal.save(update_fields=["status", "response"])
    _record(actor, "proposal_declined", proposal, cycle, response=response)
    if proposal.proposer is not None:
        _notify(
            [proposal.proposer],
            "livelihood.proposal_declined",
            proposal,
            cycle.congress,
            proposal=proposal.title,
            response=response,
            link=_cycle_link(cycle),
        )
    return proposal


@transaction.atomic
def list_approve(
    *,
    actor: User,
    cycle: Cycle,
    approved_on: dt.date,
    approval_ref: str,
    order: Sequence[Project] | None = None,
) -> Cycle:
    """Record the party committee's approval of the candidate list (差额: more candidates than slots).

    The list order is ``order`` when given (every candidate once), otherwise the order they were added.
    """
    if not permissions.can_approve_list(actor, cycle):
        raise NotPermitted("只有本级政府办公室或人大工作机构可以登记候选名单的批准")
    cycle = _lock(cycle)
    _require_status(cycle, {CycleStatus.SCREENING}, "登记候选名单的批准")
    if not isinstance(approved_on, dt.date):
        raise InvalidInput("请填写批准日期", code="required", field="approved_on")
    if approved_on > timezone.localdate():
        raise InvalidInput("批准日期不能晚于今天", code="invalid_date", field="approved_on")
    approval_ref = _clean_text(approval_ref, field="approval_ref", label="批准文号", max_length=100)
    candidates = list(cycle.projects.filter(status=ProjectStatus.CANDIDATE).order_by("pk"))
    if len(candidates) <= cycle.slots:
        expected = max(int(cycle.congress.setting("livelihood_candidates")), cycle.slots + 1)
        raise InvalidInput(
            f"实行差额票决，候选项目须多于票决项目数 {cycle.slots} 个（一般为 {expected} 个），现有 {len(candidates)} 个",
            code="not_enough_candidates",
            field="candidates",
        )
    if order is not None:
        ids = [project.pk for project in order]
        if sorted(ids) != sorted(project.pk for project in candidates):
            raise InvalidInput("候选顺序须包括每个候选项目且各一次", code="invalid_order", field="order")
        by_id = {project.pk: project for project in candidates}
        candidates = [by_id[pk] for pk in ids]
    # Clear the old numbers first: the (cycle, list_order) pair is unique.
    cycle.projects.update(list_order=None)
    for position, project in enumerate(candidates, start=1):
        project.list_order = position
    Project.objects.bulk_update(candidates, ["list_order"])
    cycle.party_approved_on = approved_on
    cycle.party_approval_ref = approval_ref
    cycle.status = CycleStatus.LIST_APPROVED
    cycle.save(update_fields=["party_approved_on", "party_approval_ref", "status"])
    _record(
        actor,
        "list_approved",
        cycle,
        cycle,
        approved_on=approved_on.isoformat(),
        approval_ref=approval_ref,
        order=[project.pk for project in candidates],
    )
    return cycle


# --- deliberation (审议) ---


@transaction.atomic
def material_add(*, actor: User, cycle: Cycle, title: str, upload: UploadedFile[bytes]) -> Material:
    """A deliberation material (PDF or Word, at most 20 MB)."""
    _require_staff(actor, cycle)
    cycle = _lock(cycle)
    _require_status(cycle, {CycleStatus.LIST_APPROVED, CycleStatus.DELIBERATION}, "上传审议材料")
    title = _clean_text(title, field="title", label="材料标题", max_length=200)
    checked = check_upload(
        upload, allowed=MATERIAL_SUFFIXES, max_bytes=MATERIAL_MAX_BYTES, field="upload", label="审议材料"
    )
    material = Material(
        cycle=cycle, title=title, name=checked.name, size=checked.size, sha256=checked.sha256, uploaded_by=actor
    )
    material.file.save(checked.name, upload, save=False)
    material.save()
    _record(actor, "material_added", material, cycle, name=checked.name, size=checked.size, sha256=checked.sha256)
    return material


@transaction.atomic
def materials_send(*, actor: User, cycle: Cycle) -> Cycle:
    """Send the materials to every deputy of the congress before the session (status 审议)."""
    _require_staff(actor, cycle)
    cycle = _lock(cycle)
    _require_status(cycle, {CycleStatus.LIST_APPROVED}, "送达审议材料")
    if not cycle.materials.exists():
        raise InvalidInput("请先上传审议材料", code="required", field="materials")
    cycle.materials_sent_at = timezone.now()
    cycle.status = CycleStatus.DELIBERATION
    cycle.save(update_fields=["materials_sent_at", "status"])
    deputies = deputies_in_office(cycle.congress)
    _record(actor, "materials_sent", cycle, cycle, materials=cycle.materials.count(), deputies=len(deputies))
    _notify(deputies, "livelihood.materials_sent", cycle, cycle.congress, title=cycle.title, link=_cycle_link(cycle))
    return cycle


# --- the vote (票决) ---


def can_revote(cycle: Cycle) -> bool:
    """A new vote may be opened when the previous ballot closed without a valid result."""
    ballot = cycle.vote_ballot
    return (
        cycle.status == CycleStatus.VOTING
        and ballot is not None
        and ballot.status == BallotStatus.CLOSED
        and bool(cycle.vote_problem)
    )


def option_label(project: Project) -> str:
    return f"{project.list_order}. {project.name}"


@transaction.atomic
def vote_open(
    *,
    actor: User,
    cycle: Cycle,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    now: dt.datetime | None = None,
) -> Ballot:
    """Open the session vote: select ``slots`` of the candidates, secret, every deputy in office votes."""
    _require_staff(actor, cycle)
    cycle = _lock(cycle)
    if cycle.status != CycleStatus.DELIBERATION and not can_revote(cycle):
        if cycle.status == CycleStatus.VOTING:
            raise InvalidTransition(
                "本年度的票决正在进行或已有有效结果，不能再发起", code="vote_exists", field="status"
            )
        _require_status(cycle, {CycleStatus.DELIBERATION}, "发起票决")
    if not isinstance(opens_at, dt.datetime) or not isinstance(closes_at, dt.datetime):
        raise InvalidInput("请填写投票起止时间", code="required", field="opens_at")
    candidates = list(cycle.projects.filter(status=ProjectStatus.CANDIDATE).order_by("list_order", "pk"))
    if len(candidates) <= cycle.slots:
        raise InvalidInput("候选项目须多于票决项目数", code="not_enough_candidates", field="candidates")
    electorate = deputies_in_office(cycle.congress)
    congress = cycle.congress
    previous = cycle.vote_ballot
    ballot = ballot_actions.ballot_create(
        actor=actor,
        congress=congress,
        title=f"{cycle.title}票决",
        rule=BallotRule.SELECT_K_OF_N,
        questions=[
            ballot_actions.QuestionSpec(
                text=f"请从 {len(candidates)} 个候选项目中选出不超过 {cycle.slots} 个",
                options=[option_label(project) for project in candidates],
            )
        ],
        electorate=electorate,
        opens_at=opens_at,
        closes_at=closes_at,
        mode=BallotMode.SECRET,
        k=cycle.slots,
        require_majority_of_electorate=bool(congress.setting("livelihood_requires_majority_of_all")),
        tie_rule=str(congress.setting("livelihood_tie_rule")),
        purpose=VOTE_PURPOSE,
        target_type=VOTE_TARGET_TYPE,
        target_id=str(cycle.pk),
    )
    ballot = ballot_actions.ballot_open(actor=actor, ballot=ballot, now=now)
    cycle.vote_ballot = ballot
    cycle.vote_problem = ""
    cycle.status = CycleStatus.VOTING
    cycle.save(update_fields=["vote_ballot", "vote_problem", "status"])
    _record(
        actor,
        "vote_opened",
        cycle,
        cycle,
        ballot=ballot.pk,
        k=cycle.slots,
        candidates=len(candidates),
        electorate=len(electorate),
        revote_of=previous.pk if previous is not None else None,
    )
    _notify(
        electorate,
        "livelihood.vote_opened",
        cycle,
        congress,
        title=cycle.title,
        opens=timezone.localtime(opens_at).strftime("%Y-%m-%d %H:%M"),
        closes=timezone.localtime(closes_at).strftime("%Y-%m-%d %H:%M"),
        count=len(candidates),
        k=cycle.slots,
        link=reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}),
    )
    return ballot


@transaction.atomic
def vote_result_received(ballot: Ballot) -> Cycle | None:
    """The ballots result handler: copy votes and ranks to the projects, or record why there is no result.

    Runs after the closing transaction commits. A valid result marks the elected projects
    DECIDED and the other candidates NOT_SELECTED (status 已票决); a result without quorum or
    with an unresolved tie decides nothing and leaves the cycle in VOTING with ``vote_problem``
    set, so staff may open a new vote.
    """
    cycle = Cycle.objects.select_for_update().select_related("congress").filter(vote_ballot_id=ballot.pk).first()
    if cycle is None or cycle.status != CycleStatus.VOTING:
        return None
    ballot = Ballot.objects.get(pk=ballot.pk)
    result = ballot.result or {}
    outcome = (result.get("questions") or [{}])[0] if ballot.valid else {}
    status = outcome.get("status") if ballot.valid else None
    if not ballot.valid or status != "decided":
        reason = ballot.invalid_reason or str(status or "no_result")
        cycle.vote_problem = VOTE_PROBLEMS.get(reason, VOTE_PROBLEMS["no_result"])
        cycle.save(update_fields=["vote_problem"])
        _record(None, "vote_without_result", cycle, cycle, ballot=ballot.pk, reason=reason)
        return cycle
    question = ballot.questions.get()
    option_order = dict(question.options.values_list("pk", "order"))
    candidates = list(cycle.projects.filter(status=ProjectStatus.CANDIDATE).order_by("list_order", "pk"))
    by_position = dict(enumerate(candidates, start=1))
    elected = set(outcome.get("elected") or [])
    decided = []
    for row in outcome.get("ranking") or []:
        project = by_position.get(option_order.get(row["option"], -1))
        if project is None:
            continue
        project.votes = row["votes"]
        project.rank = row["rank"]
        project.status = ProjectStatus.DECIDED if row["option"] in elected else ProjectStatus.NOT_SELECTED
        if project.status == ProjectStatus.DECIDED:
            decided.append(project.pk)
    Project.objects.bulk_update(candidates, ["votes", "rank", "status"])
    cycle.status = CycleStatus.DECIDED
    cycle.vote_problem = ""
    cycle.save(update_fields=["status", "vote_problem"])
    _record(
        None,
        "vote_decided",
        cycle,
        cycle,
        ballot=ballot.pk,
        decided=decided,
        unfilled=outcome.get("unfilled", 0),
        tie_break=outcome.get("tie_break"),
    )
    return cycle


def handle_vote_result(ballot: Ballot) -> None:
    """Registered with ``register_result_handler("livelihood.vote", …)`` in ``LivelihoodConfig.ready``."""
    vote_result_received(ballot)
