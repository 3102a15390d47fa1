"""The livelihood rows of the permission matrix, and the objects they are tried against.

``PAGES``/``API`` use the same rules as ``test_permission_matrix`` (a set of roles,
``"anyone"``, ``"logged_in"``, ``"owner"`` or ``"flow"``). ``WORLD_KWARGS`` maps a
route keyword (e.g. ``profile_id``) to a key of the dict ``build`` returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

# --- implementation and supervision (L2): the world's implementing project "lh_project" ---
_STAFF = {"staff_admin", "committee_staff"}
_LEAD_UNIT = {"unit_officer", "unit_head"}  # the world's ``unit`` leads the project and must rectify its problem
_READERS = _STAFF | _LEAD_UNIT | {"leader", "sc_member", "deputy"}
_GROUP = _STAFF | {"sc_member", "deputy"}  # the SC member leads the group, the deputy is a member
_GROUP_LEAD = _STAFF | {"sc_member"}
_GOVERNMENT_OFFICE_HEAD: set[str] = set()  # the world has no government office: nobody reports completion

PAGES: dict[str, tuple[str, Any]] = {
    # --- L1 cycle: routes with cycle_id/project_id run against L2's implementing cycle and project ---
    "livelihood:cycles": ("GET", "logged_in"),  # each sees the cycles of their congress (or none)
    "livelihood:cycle_new": ("GET", _STAFF),
    "livelihood:cycle_detail": ("GET", _READERS),
    "livelihood:screening_start": ("POST", _STAFF),  # or the government office
    "livelihood:proposal_new": ("GET", {"deputy", "unit_officer", "unit_head"}),  # outside the window: says so
    "livelihood:proposal_decline": ("POST", set()),  # the government office only (not among the world's roles)
    "livelihood:candidate_new": ("GET", set()),  # the government office only
    "livelihood:candidate_edit": ("GET", set()),  # the government office only
    "livelihood:candidate_exclude": ("GET", set()),  # the government office only
    "livelihood:list_approve": ("GET", _STAFF),  # or the government office; past screening: the page says so
    "livelihood:materials": ("GET", _READERS),
    "livelihood:materials_send": ("POST", _STAFF),
    "livelihood:material_file": ("GET", _READERS),
    "livelihood:vote_open": ("GET", _STAFF),  # past the vote: the page says so
    "livelihood:project_detail": ("GET", _READERS),
    "livelihood:plan_form": ("GET", _LEAD_UNIT),  # published already: the page says so
    "livelihood:group_form": ("GET", _STAFF),  # the group exists: the page says so
    "livelihood:visit_new": ("GET", _GROUP),
    "livelihood:problem_new": ("GET", _GROUP),
    "livelihood:recommendation_new": ("GET", _GROUP_LEAD),
    "livelihood:report_new": ("GET", _LEAD_UNIT),
    "livelihood:completion_new": ("GET", _GOVERNMENT_OFFICE_HEAD),
    "livelihood:milestone_done": ("POST", _LEAD_UNIT),
    "livelihood:problem_rectify": ("GET", _LEAD_UNIT),
    "livelihood:problem_close": ("POST", _GROUP_LEAD),
    "livelihood:recommendation_respond": ("GET", _LEAD_UNIT),
    "livelihood:rating_open": ("GET", _STAFF),  # any cycle: staff see the form or why it is closed
    "livelihood:unit_projects": ("GET", _LEAD_UNIT),
    # --- L3 portal and figures: the 2024 cycle and its implementing project are public ---
    "portal:livelihood_list": ("GET", "anyone"),
    "portal:livelihood_propose": ("GET", "anyone"),  # no call open in the world: the page says so
    "portal:livelihood_proposed": ("GET", "anyone"),
    "portal:livelihood_cycle": ("GET", "anyone"),
    "portal:livelihood_project": ("GET", "anyone"),
    "livelihood:figures": ("GET", _STAFF | {"leader"}),
}
API: dict[str, Any] = {
    # --- L1 cycle ---
    "GET /api/v1/livelihood/cycles": "logged_in",
    "POST /api/v1/livelihood/cycles": _STAFF,
    "GET /api/v1/livelihood/cycles/{cycle_id}": _READERS,
    "POST /api/v1/livelihood/cycles/{cycle_id}/screening": _STAFF,  # or the government office
    "GET /api/v1/livelihood/cycles/{cycle_id}/proposals": _READERS,
    "POST /api/v1/livelihood/cycles/{cycle_id}/proposals": {"deputy", "unit_officer", "unit_head"},
    "POST /api/v1/livelihood/proposals/{proposal_id}/decline": set(),  # the government office only
    "GET /api/v1/livelihood/cycles/{cycle_id}/candidates": _READERS,
    "POST /api/v1/livelihood/cycles/{cycle_id}/candidates": set(),  # the government office only
    "PUT /api/v1/livelihood/candidates/{project_id}": set(),  # the government office only
    "POST /api/v1/livelihood/candidates/{project_id}/exclude": set(),  # the government office only
    "POST /api/v1/livelihood/cycles/{cycle_id}/approval": _STAFF,  # or the government office
    "GET /api/v1/livelihood/cycles/{cycle_id}/materials": _READERS,
    "POST /api/v1/livelihood/cycles/{cycle_id}/materials": _STAFF,  # multipart
    "GET /api/v1/livelihood/materials/{material_id}/file": _READERS,
    "POST /api/v1/livelihood/cycles/{cycle_id}/materials/send": _STAFF,
    "POST /api/v1/livelihood/cycles/{cycle_id}/vote": _STAFF,
    "GET /api/v1/livelihood/cycles/{cycle_id}/result": _READERS,
    "GET /api/v1/livelihood/projects/{project_id}/oversight": _READERS,
    "POST /api/v1/livelihood/projects/{project_id}/plan": _LEAD_UNIT,
    "POST /api/v1/livelihood/milestones/{milestone_id}/done": _LEAD_UNIT,
    "POST /api/v1/livelihood/projects/{project_id}/group": _STAFF,
    "POST /api/v1/livelihood/projects/{project_id}/visits": _GROUP,
    "POST /api/v1/livelihood/projects/{project_id}/problems": _GROUP,
    "POST /api/v1/livelihood/problems/{problem_id}/rectify": _LEAD_UNIT,
    "POST /api/v1/livelihood/problems/{problem_id}/close": _GROUP_LEAD,
    "POST /api/v1/livelihood/projects/{project_id}/recommendations": _GROUP_LEAD,
    "POST /api/v1/livelihood/recommendations/{recommendation_id}/response": _LEAD_UNIT,
    "POST /api/v1/livelihood/projects/{project_id}/reports": _LEAD_UNIT,
    "POST /api/v1/livelihood/projects/{project_id}/completion": _GOVERNMENT_OFFICE_HEAD,
    "POST /api/v1/livelihood/cycles/{cycle_id}/rating": _STAFF,
    "GET /api/v1/livelihood/unit-projects": _LEAD_UNIT,
    # --- L3 portal and figures ---
    "GET /api/v1/livelihood/figures": _STAFF | {"leader"},
    "GET /api/v1/livelihood/figures/rows": _STAFF | {"leader"},
    "GET /api/v1/portal/livelihood": "anyone",
    "GET /api/v1/portal/livelihood/{year}": "anyone",
    "GET /api/v1/portal/livelihood/projects/{project_id}": "anyone",
    "POST /api/v1/portal/livelihood/proposals": "logged_in",  # anonymous proposals go through the page's captcha
}
API_QUERIES: dict[str, str] = {
    "GET /api/v1/livelihood/figures/rows": "?figure=projects",  # L3
}
API_BODIES: dict[str, dict[str, Any]] = {
    # --- L1 cycle ---
    "POST /api/v1/livelihood/cycles": {
        "year": 2031,
        "solicit_opens_on": "2030-09-01",
        "solicit_closes_on": "2030-10-15",
    },
    "POST /api/v1/livelihood/cycles/{cycle_id}/proposals": {
        "title": "擅自提出的建议",
        "content": "擅自提出的项目建议内容",
    },
    "POST /api/v1/livelihood/proposals/{proposal_id}/decline": {"response": "擅自处理"},
    "POST /api/v1/livelihood/cycles/{cycle_id}/candidates": {
        "name": "擅自",
        "content": "擅自",
        "investment": "1",
        "funding_source": "财政",
        "lead_unit_id": 1,
        "completion_date": "2030-12-31",
    },
    "PUT /api/v1/livelihood/candidates/{project_id}": {
        "name": "擅自",
        "content": "擅自",
        "investment": "1",
        "funding_source": "财政",
        "lead_unit_id": 1,
        "completion_date": "2030-12-31",
    },
    "POST /api/v1/livelihood/candidates/{project_id}/exclude": {"reason": "擅自"},
    "POST /api/v1/livelihood/cycles/{cycle_id}/approval": {"approved_on": "2030-01-01", "approval_ref": "擅自"},
    "POST /api/v1/livelihood/cycles/{cycle_id}/vote": {
        "opens_at": "2030-01-01T09:00:00+08:00",
        "closes_at": "2030-01-01T10:00:00+08:00",
    },
    "POST /api/v1/livelihood/projects/{project_id}/plan": {"plan": "擅自公布", "milestones": []},
    "POST /api/v1/livelihood/projects/{project_id}/group": {"leader_id": 1, "member_ids": []},
    "POST /api/v1/livelihood/projects/{project_id}/visits": {
        "held_on": "2024-05-01",
        "place": "现场",
        "findings": "擅自登记",
        "participant_ids": [],
    },
    "POST /api/v1/livelihood/projects/{project_id}/problems": {
        "description": "擅自登记的问题",
        "responsible_unit_id": 1,
        "rectify_by": "2024-12-31",
    },
    "POST /api/v1/livelihood/problems/{problem_id}/rectify": {"rectification": "擅自整改"},
    "POST /api/v1/livelihood/projects/{project_id}/recommendations": {"text": "擅自提出"},
    "POST /api/v1/livelihood/recommendations/{recommendation_id}/response": {"response": "擅自答复"},
    "POST /api/v1/livelihood/projects/{project_id}/reports": {
        "year": 2024,
        "quarter": 3,
        "completion_percent": 90,
        "content": "擅自报送",
    },
    "POST /api/v1/livelihood/projects/{project_id}/completion": {"completion_percent": 100, "content": "擅自报告"},
    "POST /api/v1/livelihood/cycles/{cycle_id}/rating": {
        "opens_at": "2027-01-01T09:00:00+08:00",
        "closes_at": "2027-01-01T10:00:00+08:00",
    },
}
WORLD_KWARGS: dict[str, str] = {
    "proposal_id": "lv_proposal",  # L1: the deputy's adopted proposal in the decided cycle
    "material_id": "lv_material",  # L1: the decided cycle's deliberation material
    "project_id": "lh_project",  # an implementing project (decided, plan published): readable by every reader
    "cycle_id": "lh_cycle",
    "milestone_id": "lh_milestone",
    "problem_id": "lh_problem",
    "recommendation_id": "lh_recommendation",
    "year": "lh_public_year",  # L3: the portal's year pages (an object whose pk is the 2024 cycle's year)
}


def build(city: Congress, unit: Unit, people: dict[str, User]) -> dict[str, Any]:
    """The livelihood objects of the world; ``people`` maps each role to a user holding it in ``city``."""
    world = {**_implementing_project(city, unit, people), **_decided_cycle(city, unit, people)}
    world["lh_public_year"] = _PublicYear(world["lh_cycle"].year)  # L3
    return world


class _PublicYear:
    """L3: the portal's cycle pages take a year, not an id; the matrix reverses routes with ``.pk``."""

    def __init__(self, year: int) -> None:
        self.pk = year


def _implementing_project(city: Congress, unit: Unit, people: dict[str, User]) -> dict[str, Any]:
    """A 2024 cycle under implementation: one project led by ``unit``, with a milestone, a sub-item, a
    supervision group (the SC member leads, the deputy is a member), a visit, an open problem for ``unit``,
    a recommendation and one quarterly report. Made with the ORM (the steps before are L1's)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from renda.livelihood.models import (
        Cycle,
        CycleStatus,
        Milestone,
        Problem,
        ProgressReport,
        Project,
        ProjectStatus,
        Recommendation,
        ReportKind,
        SubItem,
        SupervisionGroup,
        SupervisionVisit,
    )

    cycle = Cycle.objects.create(
        congress=city,
        year=2024,
        title="2024年民生实事项目",
        status=CycleStatus.IMPLEMENTING,
        solicit_opens_on=dt.date(2023, 8, 1),
        solicit_closes_on=dt.date(2023, 9, 15),
        slots=1,
        created_by=people["committee_staff"],
    )
    project = Project.objects.create(
        cycle=cycle,
        name="老旧小区加装电梯",
        content="为老旧小区加装电梯。",
        investment=Decimal("1200.00"),
        funding_source="市财政",
        lead_unit=unit,
        completion_date=dt.date(2024, 12, 31),
        status=ProjectStatus.IMPLEMENTING,
        list_order=1,
        plan="分批实施。",
        plan_published_at=timezone.now(),
        completion_percent=40,
    )
    SubItem.objects.create(project=project, order=1, name="东区加装电梯", responsible_unit=unit, completion_percent=40)
    milestone = Milestone.objects.create(
        project=project, title="完成设计", due_on=dt.date(2099, 6, 30), responsible_unit=unit
    )
    group = SupervisionGroup.objects.create(project=project, leader=people["sc_member"])
    group.members.set([people["deputy"]])
    visit = SupervisionVisit.objects.create(
        group=group, held_on=dt.date(2024, 4, 10), place="东区", findings="进度偏慢。", recorded_by=people["sc_member"]
    )
    visit.participants.set([people["sc_member"], people["deputy"]])
    problem = Problem.objects.create(
        project=project, visit=visit, description="施工扰民", responsible_unit=unit, rectify_by=dt.date(2099, 5, 31)
    )
    recommendation = Recommendation.objects.create(group=group, text="加快进度。", issued_on=dt.date(2024, 4, 12))
    ProgressReport.objects.create(
        project=project,
        kind=ReportKind.QUARTERLY,
        year=2024,
        quarter=1,
        completion_percent=40,
        content="完成四成。",
        submitted_by=people["unit_officer"],
        submitted_at=timezone.now(),
    )
    return {
        "lh_cycle": cycle,
        "lh_project": project,
        "lh_milestone": milestone,
        "lh_problem": problem,
        "lh_recommendation": recommendation,
    }


def _decided_cycle(city: Congress, unit: Unit, people: dict[str, User]) -> dict[str, Any]:
    """L1: a cycle taken through every step, with the real actions, to a closed vote: 4 candidates,
    one excluded, 3 on the list for 2 slots. The government office is its own unit and officer (not
    among ``people``); ``unit`` leads the projects. Every member of the electorate votes for the first
    two, so they are decided and the third is not selected."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from renda.ballots import actions as ballot_actions
    from renda.livelihood.actions import cycle as cycle_actions
    from renda.organizations.models import RoleAssignment
    from renda.tests_support.factories import UnitFactory, UserFactory

    def acting(user: User) -> User:
        user.active_assignment = user.role_assignments.select_related("unit", "congress").filter(congress=city).first()
        return user

    office_unit = UnitFactory(congress=city, name="市人民政府办公室", kind="government_office")
    office = UserFactory(username="lv-office")
    RoleAssignment.objects.create(user=office, congress=city, role="unit_officer", unit=office_unit)
    staff, deputy, office = acting(people["committee_staff"]), acting(people["deputy"]), acting(office)
    today = timezone.localdate()
    cycle = cycle_actions.cycle_create(
        actor=staff,
        congress=city,
        year=today.year + 1,
        solicit_opens_on=today - dt.timedelta(days=40),
        solicit_closes_on=today,
        slots=2,
    )
    proposal = cycle_actions.proposal_submit(
        actor=deputy,
        cycle=cycle,
        source="deputy",
        title="老旧小区加装电梯",
        content="建议为老旧小区加装电梯，方便老人出行。",
    )
    cycle_actions.screening_start(actor=staff, cycle=cycle, today=today + dt.timedelta(days=1))
    projects = []
    for index, name in enumerate(["老旧小区加装电梯", "新建社区食堂", "增设公共停车位", "建设城市会客厅"], start=1):
        projects.append(
            cycle_actions.candidate_add(
                actor=office,
                cycle=cycle,
                name=name,
                content=f"{name}项目内容。",
                field="elderly",
                investment="1000",
                funding_source="市级财政",
                lead_unit=unit,
                completion_date=dt.date(today.year + 1, 12, 31),
                sub_items=[("子项一", "", "500", unit)] if index == 1 else [],
                proposals=[proposal] if index == 1 else [],
            )
        )
    excluded = cycle_actions.candidate_exclude(actor=office, project=projects[3], reason="形成政府债务风险")
    cycle_actions.list_approve(actor=staff, cycle=cycle, approved_on=today, approval_ref="市委〔2026〕1号")
    material = cycle_actions.material_add(
        actor=staff,
        cycle=cycle,
        title="候选项目说明",
        upload=SimpleUploadedFile("说明.pdf", b"%PDF-1.4 livelihood", "application/pdf"),
    )
    cycle_actions.materials_send(actor=staff, cycle=cycle)
    now = timezone.now()
    ballot = cycle_actions.vote_open(
        actor=staff, cycle=cycle, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=1)
    )
    question = ballot.questions.get()
    first_two = list(question.options.order_by("order").values_list("pk", flat=True)[:2])
    for member in ballot.electorate.select_related("user"):
        ballot_actions.vote_cast(ballot=ballot, voter=member.user, choices={question.pk: first_two})
    ballot = ballot_actions.ballot_close(actor=staff, ballot=ballot, early=True)
    # The result handler runs on commit; the world is built inside the test's transaction.
    cycle_actions.vote_result_received(ballot)
    for user in (staff, deputy, office):
        user.active_assignment = None
    cycle.refresh_from_db()
    return {
        "lv_cycle": cycle,
        "lv_project": projects[0],
        "lv_not_selected": projects[2],
        "lv_excluded": excluded,
        "lv_proposal": proposal,
        "lv_material": material,
        "lv_office": office,
        "lv_vote": ballot,
    }
