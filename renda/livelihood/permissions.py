"""Who sees a livelihood cycle and who may act on it (domain.md §4).

Every predicate looks at the role the person acts in now. In short:

- committee staff and the staff administrator (人大工作机构) of the cycle's congress run the
  session side: create the cycle, send materials, open the vote; leaders of that congress
  read everything;
- the government office (a ``government_office`` unit of the congress, its officers and head)
  screens proposals into candidates and records the party committee's approval;
- government units of the congress (office, departments, township governments) read the
  cycles of their congress; lead units act on their own projects (L2's predicates below);
- deputies and SC members of the congress read the cycle, propose, receive materials, vote.

Fetchers raise Http404 for anyone who may not see the object, so a refused request never
learns whether it exists. Once someone may see it, a refused action is NotPermitted (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from renda.livelihood.models import Cycle, CycleStatus, Project, Proposal
from renda.organizations.models import UnitKind
from renda.organizations.permissions import READER_ROLES, STAFF_ROLES, acting_role, congress_acting_as
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Unit

UNIT_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD})
# Unit kinds that belong to the people's government: they read the cycles and carry out the projects.
GOVERNMENT_UNIT_KINDS = frozenset(
    {UnitKind.GOVERNMENT_OFFICE, UnitKind.GOVERNMENT_DEPARTMENT, UnitKind.TOWNSHIP_GOVERNMENT}
)
# Roles of the congress that read its cycles (besides staff, leaders and government units).
MEMBER_ROLES = frozenset({Role.DEPUTY, Role.SC_MEMBER})


# --- who the person acts as now ---


def staff_congress_id(user: User | None) -> int | None:
    """The congress whose cycles the user runs now (committee staff or staff administrator)."""
    return congress_acting_as(user, STAFF_ROLES)


def reader_congress_id(user: User | None) -> int | None:
    """The congress whose every cycle, proposal and project the user may read now (staff and leaders)."""
    return congress_acting_as(user, READER_ROLES)


def acting_unit(user: User | None) -> Unit | None:
    """The unit (of any kind) the user acts for now as its officer or head."""
    assignment = acting_role(user)
    if assignment is None or assignment.role not in UNIT_ROLES or assignment.unit_id is None:
        return None
    return assignment.unit


def government_unit(user: User | None) -> Unit | None:
    """The government unit (office, department, township government) the user acts for now, if any."""
    assignment = acting_role(user)
    # Only officers and heads act for a unit...
    if assignment is None or assignment.role not in UNIT_ROLES or assignment.unit_id is None:
        return None
    unit = assignment.unit
    # ...and only units of the government carry out livelihood projects.
    if unit is None or unit.kind not in GOVERNMENT_UNIT_KINDS:
        return None
    return unit


def government_office(user: User | None) -> Unit | None:
    """The government office (政府办公室) the user acts for now: it screens proposals into candidates."""
    unit = government_unit(user)
    if unit is None or unit.kind != UnitKind.GOVERNMENT_OFFICE:
        return None
    return unit


def is_government_office_head(user: User | None) -> bool:
    assignment = acting_role(user)
    return government_office(user) is not None and assignment is not None and assignment.role == Role.UNIT_HEAD


def deputy_congress_id(user: User | None) -> int | None:
    """The congress the user acts in now as a deputy."""
    assignment = acting_role(user)
    if assignment is None or assignment.role != Role.DEPUTY:
        return None
    return assignment.congress_id


def member_congress_id(user: User | None) -> int | None:
    """The congress the user acts in now as a deputy or an SC member."""
    assignment = acting_role(user)
    if assignment is None or assignment.role not in MEMBER_ROLES:
        return None
    return assignment.congress_id


# --- what a person may see ---


def cycle_congress_id_for_reading(user: User | None) -> int | None:
    """The congress whose cycles the person reads in the role they act in now."""
    congress_id = reader_congress_id(user)
    if congress_id is not None:
        return congress_id
    unit = government_unit(user)
    if unit is not None:
        return unit.congress_id
    return member_congress_id(user)


def cycles_visible_to(user: User | None) -> QuerySet[Cycle]:
    congress_id = cycle_congress_id_for_reading(user)
    if congress_id is None:
        return Cycle.objects.none()
    return Cycle.objects.filter(congress_id=congress_id)


def can_read_cycle(user: User | None, cycle: Cycle) -> bool:
    return cycle_congress_id_for_reading(user) == cycle.congress_id


def can_read_all_proposals(user: User | None, cycle: Cycle) -> bool:
    """Staff, leaders and the government office see every proposal (with the proposer)."""
    if reader_congress_id(user) == cycle.congress_id:
        return True
    office = government_office(user)
    return office is not None and office.congress_id == cycle.congress_id


def proposals_visible_to(user: User | None, cycle: Cycle) -> QuerySet[Proposal]:
    """Every proposal for those who screen or run the cycle; one's own for everybody else."""
    if can_read_all_proposals(user, cycle):
        return cycle.proposals.all()
    if user is None or not user.is_authenticated or not can_read_cycle(user, cycle):
        return Proposal.objects.none()
    return cycle.proposals.filter(proposer=user)


def _in_each_role(user: User, congress_id: int, check: Callable[[User], bool]) -> bool:
    """Whether any of the person's active roles in the congress passes ``check``: who may be told about it."""
    acting_now = getattr(user, "active_assignment", None)
    try:
        for assignment in user.role_assignments.filter(is_active=True, congress_id=congress_id).select_related(
            "unit", "congress"
        ):
            user.active_assignment = assignment
            if check(user):
                return True
        return False
    finally:
        user.active_assignment = acting_now


def can_read_cycle_in_some_role(user: User, cycle: Cycle) -> bool:
    return _in_each_role(user, cycle.congress_id, lambda person: can_read_cycle(person, cycle))


def can_read_project_in_some_role(user: User, project: Project) -> bool:
    return can_read_cycle_in_some_role(user, project.cycle)


def can_read_proposal_in_some_role(user: User, proposal: Proposal) -> bool:
    if proposal.proposer_id is not None and proposal.proposer_id == user.pk:
        return True
    return _in_each_role(
        user, proposal.cycle.congress_id, lambda person: can_read_all_proposals(person, proposal.cycle)
    )


# --- what a person may do ---


def can_manage_cycle(user: User | None, cycle: Cycle) -> bool:
    """The 人大工作机构 of the cycle's congress: materials, the vote, the session side."""
    return staff_congress_id(user) == cycle.congress_id


def can_screen(user: User | None, cycle: Cycle) -> bool:
    """The government office of the cycle's congress screens proposals into candidates."""
    office = government_office(user)
    return office is not None and office.congress_id == cycle.congress_id


def can_approve_list(user: User | None, cycle: Cycle) -> bool:
    """The party committee's approval is recorded by the government office or by staff."""
    return can_screen(user, cycle) or can_manage_cycle(user, cycle)


def can_propose(user: User | None, cycle: Cycle) -> bool:
    """Deputies of the congress and units of the congress (their officers and heads) propose from inside."""
    if deputy_congress_id(user) == cycle.congress_id:
        return True
    unit = acting_unit(user)
    return unit is not None and unit.congress_id == cycle.congress_id


def can_vote_in_cycle(user: User | None, cycle: Cycle) -> bool:
    return deputy_congress_id(user) == cycle.congress_id and cycle.status == CycleStatus.VOTING


# --- fetchers ---


def get_readable_cycle(user: User | None, cycle_id: int) -> Cycle:
    cycle = cycles_visible_to(user).filter(pk=cycle_id).select_related("congress", "vote_ballot", "session").first()
    if cycle is None:
        raise Http404
    return cycle


def get_readable_project(user: User | None, project_id: int) -> Project:
    congress_id = cycle_congress_id_for_reading(user)
    if congress_id is None:
        raise Http404
    project = (
        Project.objects.filter(pk=project_id, cycle__congress_id=congress_id)
        .select_related("cycle", "cycle__congress", "lead_unit")
        .first()
    )
    if project is None:
        raise Http404
    return project


def get_readable_proposal(user: User | None, proposal_id: int) -> Proposal:
    proposal = Proposal.objects.filter(pk=proposal_id).select_related("cycle", "cycle__congress", "unit").first()
    if proposal is None or not proposals_visible_to(user, proposal.cycle).filter(pk=proposal.pk).exists():
        raise Http404
    return proposal


# --- implementation and supervision ---

from renda.livelihood.models import Problem, ProjectStatus, Recommendation, SupervisionGroup  # noqa: E402

#
# After the vote a decided project is carried out by its lead unit and watched by one supervision
# group (一项目一监督小组). Everyone who reads the cycle reads the project's oversight page; the
# predicates below say who may act on each part of it.

# A project is under the oversight pages once the vote decided it.
OVERSIGHT_PROJECT_STATES = frozenset(
    {ProjectStatus.DECIDED, ProjectStatus.IMPLEMENTING, ProjectStatus.COMPLETED, ProjectStatus.UNFINISHED}
)


def acts_for_unit(user: User | None, unit_id: int | None) -> bool:
    """Whether the person acts now as an officer or head of the unit ``unit_id``."""
    unit = government_unit(user)
    return unit is not None and unit_id is not None and unit.pk == unit_id


def is_lead_unit(user: User | None, project: Project) -> bool:
    return acts_for_unit(user, project.lead_unit_id)


def can_publish_plan(user: User | None, project: Project) -> bool:
    """The government office of the congress, or the project's lead unit, writes the implementation plan."""
    office = government_office(user)
    if office is not None and office.congress_id == project.cycle.congress_id:
        return True
    return is_lead_unit(user, project)


def can_report_progress(user: User | None, project: Project) -> bool:
    """Only the lead unit reports on its own project (milestones, quarterly progress, recommendations)."""
    return is_lead_unit(user, project)


def can_report_completion(user: User | None, project: Project) -> bool:
    """The head of the government office of the congress submits the completion report."""
    office = government_office(user)
    return office is not None and office.congress_id == project.cycle.congress_id and is_government_office_head(user)


def can_form_group(user: User | None, project: Project) -> bool:
    """The 人大工作机构 of the congress sets up the supervision groups."""
    return staff_congress_id(user) == project.cycle.congress_id


def is_group_person(user: User | None, group: SupervisionGroup) -> bool:
    """The group's leader or one of its members, acting now in a role of the project's congress."""
    assignment = acting_role(user)
    if user is None or assignment is None:
        return False
    # A role held in another congress does not carry this group's work.
    if assignment.congress_id != group.project.cycle.congress_id:
        return False
    if group.leader_id == user.pk:
        return True
    return group.members.filter(pk=user.pk).exists()


def can_record_visit(user: User | None, group: SupervisionGroup) -> bool:
    """The group's leader and members record visits and problems; staff may record for them."""
    if staff_congress_id(user) == group.project.cycle.congress_id:
        return True
    return is_group_person(user, group)


def can_lead_group(user: User | None, group: SupervisionGroup) -> bool:
    """The group leader (or staff) closes problems (销号) and issues 督办建议."""
    if staff_congress_id(user) == group.project.cycle.congress_id:
        return True
    assignment = acting_role(user)
    return (
        user is not None
        and assignment is not None
        and assignment.congress_id == group.project.cycle.congress_id
        and group.leader_id == user.pk
    )


def can_rectify_problem(user: User | None, problem: Problem) -> bool:
    """The unit the problem is assigned to reports its rectification."""
    return acts_for_unit(user, problem.responsible_unit_id)


def can_open_rating(user: User | None, cycle: Cycle) -> bool:
    return can_manage_cycle(user, cycle)


def get_project_for_oversight(user: User | None, project_id: int) -> Project:
    """A decided project the person may read (404 otherwise, including candidates still before the vote)."""
    project = get_readable_project(user, project_id)
    if project.status not in OVERSIGHT_PROJECT_STATES:
        raise Http404
    return project


def get_problem_for_oversight(user: User | None, problem_id: int) -> Problem:
    problem = Problem.objects.filter(pk=problem_id).select_related("project", "responsible_unit").first()
    if problem is None:
        raise Http404
    get_project_for_oversight(user, problem.project_id)
    return problem


def get_recommendation_for_oversight(user: User | None, recommendation_id: int) -> Recommendation:
    recommendation = Recommendation.objects.filter(pk=recommendation_id).select_related("group__project").first()
    if recommendation is None:
        raise Http404
    get_project_for_oversight(user, recommendation.group.project_id)
    return recommendation
