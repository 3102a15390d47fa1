"""API of the livelihood cycle, from solicitation to the session vote (same actions and permissions as the pages).

Endpoints are thin: a permission fetcher (404 when the caller may not see the cycle), a
predicate for the step (403 "not you"), the ids in the body turned into objects (an unknown
id is a 400 naming the field), then the action, which checks state (409) and input (400).
Closing the vote is the ballots API (``POST /ballots/{ballot_id}/close``); the result comes
back to the projects by itself.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import FileResponse, Http404, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from renda.accounts.models import User
from renda.core.errors import InvalidInput, NotPermitted
from renda.livelihood import permissions
from renda.livelihood.actions import cycle as actions
from renda.livelihood.models import Cycle, Material, Project, ProjectStatus, Proposal, ProposalSource
from renda.organizations.models import Congress, CongressSession, Unit

router = Router(tags=["民生实事 Livelihood"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# --- output ---


class CycleOut(Schema):
    id: int
    congress_id: int
    year: int
    title: str
    status: str
    status_label: str
    solicit_opens_on: dt.date
    solicit_closes_on: dt.date
    slots: int
    session_id: int | None
    party_approved_on: dt.date | None
    party_approval_ref: str
    materials_sent_at: dt.datetime | None
    vote_ballot_id: int | None = Field(None, description="票决的表决编号；结束表决请用 POST /ballots/{ballot_id}/close")
    vote_problem: str = Field("", description="上次票决没有有效结果的原因（须重新票决）")
    rating_ballot_id: int | None = Field(None, description="满意度测评的表决编号")
    rating_problem: str = Field("", description="上次满意度测评没有有效结果的原因（可重新组织测评）")
    in_window: bool = Field(False, description="现在是否在征集期内")


def cycle_out(cycle: Cycle) -> CycleOut:
    return CycleOut(
        id=cycle.pk,
        congress_id=cycle.congress_id,
        year=cycle.year,
        title=cycle.title,
        status=cycle.status,
        status_label=str(cycle.get_status_display()),
        solicit_opens_on=cycle.solicit_opens_on,
        solicit_closes_on=cycle.solicit_closes_on,
        slots=cycle.slots,
        session_id=cycle.session_id,
        party_approved_on=cycle.party_approved_on,
        party_approval_ref=cycle.party_approval_ref,
        materials_sent_at=cycle.materials_sent_at,
        vote_ballot_id=cycle.vote_ballot_id,
        vote_problem=cycle.vote_problem,
        rating_ballot_id=cycle.rating_ballot_id,
        rating_problem=cycle.rating_problem,
        in_window=actions.in_solicitation_window(cycle),
    )


class ProposalOut(Schema):
    id: int
    cycle_id: int
    source: str
    title: str
    content: str
    field: str
    status: str
    project_id: int | None
    response: str
    proposer_name: str = Field("", description="提出人（只向工作机构、领导和政府办公室显示）")
    unit_id: int | None = None
    submitted_at: dt.datetime


def proposal_out(proposal: Proposal, *, with_proposer: bool) -> ProposalOut:
    return ProposalOut(
        id=proposal.pk,
        cycle_id=proposal.cycle_id,
        source=proposal.source,
        title=proposal.title,
        content=proposal.content,
        field=proposal.field,
        status=proposal.status,
        project_id=proposal.project_id,
        response=proposal.response,
        proposer_name=proposal.proposer_name if with_proposer else "",
        unit_id=proposal.unit_id if with_proposer else None,
        submitted_at=proposal.submitted_at,
    )


class SubItemOut(Schema):
    order: int
    name: str
    content: str
    investment: Decimal | None
    responsible_unit_id: int | None


class ProjectOut(Schema):
    id: int
    cycle_id: int
    name: str
    content: str
    field: str
    investment: Decimal = Field(..., description="计划投资（万元）")
    funding_source: str
    lead_unit_id: int
    lead_unit_name: str
    completion_date: dt.date
    status: str
    exclusion_reason: str
    list_order: int | None = Field(None, description="候选序号（选票上的顺序）")
    votes: int | None = Field(None, description="得票数")
    rank: int | None = Field(None, description="得票排名")
    sub_items: list[SubItemOut]
    proposal_ids: list[int]


def project_out(project: Project) -> ProjectOut:
    return ProjectOut(
        id=project.pk,
        cycle_id=project.cycle_id,
        name=project.name,
        content=project.content,
        field=project.field,
        investment=project.investment,
        funding_source=project.funding_source,
        lead_unit_id=project.lead_unit_id,
        lead_unit_name=project.lead_unit.name,
        completion_date=project.completion_date,
        status=project.status,
        exclusion_reason=project.exclusion_reason,
        list_order=project.list_order,
        votes=project.votes,
        rank=project.rank,
        sub_items=[
            SubItemOut(
                order=item.order,
                name=item.name,
                content=item.content,
                investment=item.investment,
                responsible_unit_id=item.responsible_unit_id,
            )
            for item in project.sub_items.all()
        ],
        proposal_ids=[proposal.pk for proposal in project.proposals.all()],
    )


class MaterialOut(Schema):
    id: int
    title: str
    name: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


def material_out(material: Material) -> MaterialOut:
    return MaterialOut(
        id=material.pk,
        title=material.title,
        name=material.name,
        size=material.size,
        sha256=material.sha256,
        uploaded_at=material.uploaded_at,
    )


class ResultRowOut(Schema):
    project_id: int
    name: str
    list_order: int | None
    votes: int | None
    rank: int | None
    status: str


class ResultOut(Schema):
    cycle_id: int
    status: str
    ballot_id: int | None
    ballot_status: str | None
    vote_problem: str
    rows: list[ResultRowOut] = Field(..., description="按得票排名；票决有有效结果之前为空")


# --- helpers ---


def _projects(cycle: Cycle) -> list[Project]:
    return list(
        cycle.projects.select_related("lead_unit")
        .prefetch_related("sub_items", "proposals")
        .order_by("list_order", "pk")
    )


def _unit(unit_id: int | None, *, field: str) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput("所选单位不存在", code="unknown_unit", field=field)
    return unit


def _proposals(cycle: Cycle, ids: list[int]) -> list[Proposal]:
    found = {proposal.pk: proposal for proposal in cycle.proposals.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise InvalidInput(f"所选项目建议不存在（编号 {missing[0]}）", code="not_found", field="proposal_ids")
    return [found[pk] for pk in ids]


def _screened_project(actor: User, project_id: int) -> Project:
    project = permissions.get_readable_project(actor, project_id)
    if not permissions.can_screen(actor, project.cycle):
        raise NotPermitted("只有本级政府办公室可以进行初选论证")
    return project


def _refetch(project: Project) -> Project:
    return Project.objects.select_related("lead_unit").prefetch_related("sub_items", "proposals").get(pk=project.pk)


# --- cycles ---


class CycleIn(Schema):
    year: int = Field(..., description="项目年度")
    solicit_opens_on: dt.date = Field(..., description="征集开始日期")
    solicit_closes_on: dt.date = Field(..., description="征集截止日期（不少于本级设置的最少天数）")
    slots: int | None = Field(None, description="票决项目数；默认按本级设置")
    session_id: int | None = Field(None, description="票决会议")
    title: str = Field("", description="名称；默认“某年度民生实事项目”")


@router.get("/livelihood/cycles", response=list[CycleOut], summary="我可见的民生实事年度（按当前角色）")
def list_cycles(request: HttpRequest) -> list[CycleOut]:
    return [cycle_out(cycle) for cycle in permissions.cycles_visible_to(_user(request))]


@router.post("/livelihood/cycles", response={201: CycleOut}, summary="设立民生实事年度并开始征集（人大工作机构）")
def create_cycle(request: HttpRequest, payload: CycleIn) -> Status[CycleOut]:
    actor = _user(request)
    congress_id = permissions.staff_congress_id(actor)
    if congress_id is None:
        raise NotPermitted("只有本级人大的工作机构可以设立民生实事年度")
    congress = Congress.objects.get(pk=congress_id)
    session = None
    if payload.session_id is not None:
        session = CongressSession.objects.filter(pk=payload.session_id).first()
        if session is None:
            raise InvalidInput("所选会议不存在", code="unknown_session", field="session_id")
    try:
        cycle = actions.cycle_create(
            actor=actor,
            congress=congress,
            year=payload.year,
            solicit_opens_on=payload.solicit_opens_on,
            solicit_closes_on=payload.solicit_closes_on,
            slots=payload.slots,
            session=session,
            title=payload.title,
        )
    except InvalidInput as error:
        if error.field == "session":
            error.field = "session_id"
        raise
    return Status(201, cycle_out(cycle))


@router.get("/livelihood/cycles/{int:cycle_id}", response=CycleOut, summary="民生实事年度")
def get_cycle(request: HttpRequest, cycle_id: int) -> CycleOut:
    return cycle_out(permissions.get_readable_cycle(_user(request), cycle_id))


@router.post("/livelihood/cycles/{int:cycle_id}/screening", response=CycleOut, summary="征集截止，开始初选论证")
def start_screening(request: HttpRequest, cycle_id: int) -> CycleOut:
    actor = _user(request)
    cycle = permissions.get_readable_cycle(actor, cycle_id)
    return cycle_out(actions.screening_start(actor=actor, cycle=cycle))


# --- proposals ---


class ProposalIn(Schema):
    title: str = Field(..., description="项目名称")
    content: str = Field(..., description="项目内容")
    field: str = Field("other", description="领域（幼有所育、学有所教……）")


@router.get(
    "/livelihood/cycles/{int:cycle_id}/proposals",
    response=list[ProposalOut],
    summary="项目建议（工作机构、领导、政府办公室看全部；其他人看本人提出的）",
)
def list_proposals(request: HttpRequest, cycle_id: int) -> list[ProposalOut]:
    actor = _user(request)
    cycle = permissions.get_readable_cycle(actor, cycle_id)
    with_proposer = permissions.can_read_all_proposals(actor, cycle)
    return [
        proposal_out(proposal, with_proposer=with_proposer)
        for proposal in permissions.proposals_visible_to(actor, cycle).order_by("pk")
    ]


@router.post(
    "/livelihood/cycles/{int:cycle_id}/proposals",
    response={201: ProposalOut},
    summary="提出项目建议（本级代表或单位，在征集期内）",
)
def submit_proposal(request: HttpRequest, cycle_id: int, payload: ProposalIn) -> Status[ProposalOut]:
    actor = _user(request)
    cycle = permissions.get_readable_cycle(actor, cycle_id)
    if not permissions.can_propose(actor, cycle):
        raise NotPermitted("只有本级人大代表或单位可以在这里提出建议；社会公众请通过门户网站提出")
    source = (
        ProposalSource.DEPUTY if permissions.deputy_congress_id(actor) == cycle.congress_id else ProposalSource.UNIT
    )
    proposal = actions.proposal_submit(
        actor=actor, cycle=cycle, source=source, title=payload.title, content=payload.content, field=payload.field
    )
    return Status(201, proposal_out(proposal, with_proposer=True))


class DeclineIn(Schema):
    response: str = Field(..., description="未纳入的说明（告知提出人）")


@router.post(
    "/livelihood/proposals/{int:proposal_id}/decline", response=ProposalOut, summary="项目建议不纳入候选（政府办公室）"
)
def decline_proposal(request: HttpRequest, proposal_id: int, payload: DeclineIn) -> ProposalOut:
    actor = _user(request)
    proposal = permissions.get_readable_proposal(actor, proposal_id)
    proposal = actions.proposal_decline(actor=actor, proposal=proposal, response=payload.response)
    return proposal_out(proposal, with_proposer=True)


# --- candidates ---


class SubItemIn(Schema):
    name: str
    content: str = ""
    investment: Decimal | None = Field(None, description="计划投资（万元）")
    responsible_unit_id: int | None = None


class CandidateIn(Schema):
    name: str = Field(..., description="项目名称")
    content: str = Field(..., description="项目内容")
    field: str = Field("other", description="领域")
    investment: Decimal = Field(..., description="计划投资（万元）")
    funding_source: str = Field(..., description="资金来源")
    lead_unit_id: int = Field(..., description="牵头单位")
    completion_date: dt.date = Field(..., description="计划完成时间")
    sub_items: list[SubItemIn] = Field(default_factory=list, description="子项目")
    proposal_ids: list[int] = Field(default_factory=list, description="纳入的项目建议")


def _candidate_values(cycle: Cycle, payload: CandidateIn) -> dict[str, object]:
    return {
        "name": payload.name,
        "content": payload.content,
        "field": payload.field,
        "investment": payload.investment,
        "funding_source": payload.funding_source,
        "lead_unit": _unit(payload.lead_unit_id, field="lead_unit_id"),
        "completion_date": payload.completion_date,
        "sub_items": [
            (item.name, item.content, item.investment, _unit(item.responsible_unit_id, field="sub_items"))
            for item in payload.sub_items
        ],
        "proposals": _proposals(cycle, payload.proposal_ids),
    }


@router.get("/livelihood/cycles/{int:cycle_id}/candidates", response=list[ProjectOut], summary="候选项目（含未列入的）")
def list_candidates(request: HttpRequest, cycle_id: int) -> list[ProjectOut]:
    cycle = permissions.get_readable_cycle(_user(request), cycle_id)
    return [project_out(project) for project in _projects(cycle)]


@router.post(
    "/livelihood/cycles/{int:cycle_id}/candidates", response={201: ProjectOut}, summary="提出候选项目（政府办公室）"
)
def add_candidate(request: HttpRequest, cycle_id: int, payload: CandidateIn) -> Status[ProjectOut]:
    actor = _user(request)
    cycle = permissions.get_readable_cycle(actor, cycle_id)
    if not permissions.can_screen(actor, cycle):
        raise NotPermitted("只有本级政府办公室可以进行初选论证")
    project = actions.candidate_add(actor=actor, cycle=cycle, **_candidate_values(cycle, payload))  # type: ignore[arg-type]
    return Status(201, project_out(_refetch(project)))


@router.put("/livelihood/candidates/{int:project_id}", response=ProjectOut, summary="修改候选项目（政府办公室）")
def update_candidate(request: HttpRequest, project_id: int, payload: CandidateIn) -> ProjectOut:
    actor = _user(request)
    project = _screened_project(actor, project_id)
    project = actions.candidate_update(actor=actor, project=project, **_candidate_values(project.cycle, payload))  # type: ignore[arg-type]
    return project_out(_refetch(project))


class ExcludeIn(Schema):
    reason: str = Field(..., description="未列入原因")


@router.post(
    "/livelihood/candidates/{int:project_id}/exclude", response=ProjectOut, summary="不列入候选名单（政府办公室）"
)
def exclude_candidate(request: HttpRequest, project_id: int, payload: ExcludeIn) -> ProjectOut:
    actor = _user(request)
    project = _screened_project(actor, project_id)
    project = actions.candidate_exclude(actor=actor, project=project, reason=payload.reason)
    return project_out(_refetch(project))


class ApproveIn(Schema):
    approved_on: dt.date = Field(..., description="党委批准日期")
    approval_ref: str = Field(..., description="批准文号")
    order: list[int] | None = Field(None, description="候选顺序（候选项目编号，每个一次）；默认按提出顺序")


@router.post(
    "/livelihood/cycles/{int:cycle_id}/approval",
    response=CycleOut,
    summary="登记党委对候选名单的批准（政府办公室或人大工作机构）",
)
def approve_list(request: HttpRequest, cycle_id: int, payload: ApproveIn) -> CycleOut:
    actor = _user(request)
    cycle = permissions.get_readable_cycle(actor, cycle_id)
    if not permissions.can_approve_list(actor, cycle):
        raise NotPermitted("只有本级政府办公室或人大工作机构可以登记候选名单的批准")
    order = None
    if payload.order is not None:
        found = {p.pk: p for p in cycle.projects.filter(pk__in=payload.order, status=ProjectStatus.CANDIDATE)}
        if len(found) != len(set(payload.order)):
            raise InvalidInput("候选顺序中有不属于本年度的候选项目", code="invalid_order", field="order")
        order = [found[pk] for pk in payload.order]
    return cycle_out(
        actions.list_approve(
            actor=actor, cycle=cycle, approved_on=payload.approved_on, approval_ref=payload.approval_ref, order=order
        )
    )


# --- materials and the vote ---


@router.get("/livelihood/cycles/{int:cycle_id}/materials", response=list[MaterialOut], summary="审议材料")
def list_materials(request: HttpRequest, cycle_id: int) -> list[MaterialOut]:
    cycle = permissions.get_readable_cycle(_user(request), cycle_id)
    return [material_out(material) for material in cycle.materials.all()]


@router.post(
    "/livelihood/cycles/{int:cycle_id}/materials",
    response={201: MaterialOut},
    summary="上传审议材料（人大工作机构；multipart 字段 title、file；PDF 或 Word，不超过 20 MB）",
)
def add_material(
    request: HttpRequest, cycle_id: int, title: Form[str] = "", file: File[UploadedFile | None] = None
) -> Status[MaterialOut]:
    actor = _user(request)
    cycle = permissions.get_readable_cycle(actor, cycle_id)
    if not permissions.can_manage_cycle(actor, cycle):
        raise NotPermitted("只有本级人大的工作机构可以上传审议材料")
    if file is None:
        raise InvalidInput("请选择要上传的文件", code="required", field="file")
    try:
        material = actions.material_add(actor=actor, cycle=cycle, title=title, upload=file)
    except InvalidInput as error:
        if error.field == "upload":
            error.field = "file"
        raise
    return Status(201, material_out(material))


@router.get("/livelihood/materials/{int:material_id}/file", summary="下载审议材料")
def download_material(request: HttpRequest, material_id: int) -> FileResponse:
    material = Material.objects.filter(pk=material_id).select_related("cycle").first()
    if material is None or not permissions.can_read_cycle(_user(request), material.cycle):
        raise Http404
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=material.name)


@router.post(
    "/livelihood/cycles/{int:cycle_id}/materials/send",
    response=CycleOut,
    summary="审议材料送达全体代表（人大工作机构）",
)
def send_materials(request: HttpRequest, cycle_id: int) -> CycleOut:
    actor = _user(request)
    cycle = permissions.get_readable_cycle(actor, cycle_id)
    return cycle_out(actions.materials_send(actor=actor, cycle=cycle))


class VoteIn(Schema):
    opens_at: dt.datetime = Field(..., description="开始投票（带时区）")
    closes_at: dt.datetime = Field(..., description="结束投票（带时区）")


@router.post(
    "/livelihood/cycles/{int:cycle_id}/vote",
    response={201: CycleOut},
    summary="发起票决（人大工作机构）：N 选 K 无记名，全体在任代表投票；上次无有效结果时可重新发起",
)
def open_vote(request: HttpRequest, cycle_id: int, payload: VoteIn) -> Status[CycleOut]:
    actor = _user(request)
    cycle = permissions.get_readable_cycle(actor, cycle_id)
    actions.vote_open(actor=actor, cycle=cycle, opens_at=payload.opens_at, closes_at=payload.closes_at)
    return Status(201, cycle_out(Cycle.objects.get(pk=cycle.pk)))


@router.get("/livelihood/cycles/{int:cycle_id}/result", response=ResultOut, summary="票决结果（得票与排名）")
def vote_result(request: HttpRequest, cycle_id: int) -> ResultOut:
    cycle = permissions.get_readable_cycle(_user(request), cycle_id)
    ranked = (
        cycle.projects.filter(rank__isnull=False).exclude(status=ProjectStatus.EXCLUDED).order_by("rank", "list_order")
    )
    ballot = cycle.vote_ballot
    return ResultOut(
        cycle_id=cycle.pk,
        status=cycle.status,
        ballot_id=ballot.pk if ballot else None,
        ballot_status=ballot.status if ballot else None,
        vote_problem=cycle.vote_problem,
        rows=[
            ResultRowOut(
                project_id=p.pk, name=p.name, list_order=p.list_order, votes=p.votes, rank=p.rank, status=p.status
            )
            for p in ranked
        ],
    )
