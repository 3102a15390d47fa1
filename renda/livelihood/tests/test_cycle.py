"""The cycle from solicitation to the session vote: the actions and the ballot result handler."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions as ballot_actions
from renda.ballots.models import BallotStatus
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent, Notification
from renda.livelihood import permissions
from renda.livelihood.actions import cycle as actions
from renda.livelihood.models import Cycle, CycleStatus, Project, ProjectStatus, Proposal, ProposalStatus
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.tests_support import factories


def acting(user: User) -> User:
    user.active_assignment = user.role_assignments.filter(is_active=True).select_related("unit", "congress").first()
    return user


@dataclass
class CycleWorld:
    city: Congress
    office_unit: Unit
    lead_unit: Unit
    staff: User
    office: User
    lead_officer: User
    deputies: list[User]
    leader: User
    other_staff: User
    other_deputy: User


def person(congress: Congress, role: str, unit: Unit | None = None, **fields: Any) -> User:
    user = factories.UserFactory(**fields)
    RoleAssignment.objects.create(user=user, congress=congress, role=role, unit=unit)
    return acting(user)


@pytest.fixture
def cw(city: Congress, other_city: Congress) -> CycleWorld:
    return make_world(city, other_city)


def make_world(city: Congress, other_city: Congress) -> CycleWorld:
    office_unit = factories.UnitFactory(congress=city, name="市人民政府办公室", kind="government_office")
    lead_unit = factories.UnitFactory(congress=city, name="市民政局", kind="government_department")
    congress_office = factories.UnitFactory(congress=city, name="市人大常委会办公厅", kind="general_office")
    other_office = factories.UnitFactory(congress=other_city, name="河州市人大办公厅", kind="general_office")
    deputies = [person(city, Role.DEPUTY, full_name=f"代表{i}") for i in range(3)]
    # A deputy whose role ended is not in the electorate.
    retired = person(city, Role.DEPUTY, full_name="离任代表")
    retired.role_assignments.update(is_active=False)
    return CycleWorld(
        city=city,
        office_unit=office_unit,
        lead_unit=lead_unit,
        staff=person(city, Role.COMMITTEE_STAFF, congress_office),
        office=person(city, Role.UNIT_OFFICER, office_unit),
        lead_officer=person(city, Role.UNIT_OFFICER, lead_unit),
        deputies=deputies,
        leader=person(city, Role.LEADER),
        other_staff=person(other_city, Role.COMMITTEE_STAFF, other_office),
        other_deputy=person(other_city, Role.DEPUTY),
    )


def open_cycle(cw: CycleWorld, *, slots: int = 2, days_left: int = 0) -> Cycle:
    today = timezone.localdate()
    return actions.cycle_create(
        actor=cw.staff,
        congress=cw.city,
        year=today.year + 1,
        solicit_opens_on=today - dt.timedelta(days=40),
        solicit_closes_on=today + dt.timedelta(days=days_left),
        slots=slots,
    )


def screening(cw: CycleWorld, **kwargs: Any) -> Cycle:
    cycle = open_cycle(cw, **kwargs)
    return actions.screening_start(actor=cw.staff, cycle=cycle, today=timezone.localdate() + dt.timedelta(days=1))


def add_candidate(cw: CycleWorld, cycle: Cycle, name: str, **extra: Any) -> Project:
    values: dict[str, Any] = {
        "content": f"{name}的内容",
        "field": "elderly",
        "investment": "800.5",
        "funding_source": "市级财政",
        "lead_unit": cw.lead_unit,
        "completion_date": dt.date(cycle.year, 12, 31),
    }
    values.update(extra)
    return actions.candidate_add(actor=cw.office, cycle=cycle, name=name, **values)


def approved(cw: CycleWorld, *, candidates: int = 3, slots: int = 2) -> Cycle:
    cycle = screening(cw, slots=slots)
    for index in range(candidates):
        add_candidate(cw, cycle, f"候选项目{index + 1}")
    return actions.list_approve(actor=cw.office, cycle=cycle, approved_on=timezone.localdate(), approval_ref="市委1号")


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test material", "application/pdf")


def deliberating(cw: CycleWorld, **kwargs: Any) -> Cycle:
    cycle = approved(cw, **kwargs)
    actions.material_add(actor=cw.staff, cycle=cycle, title="候选项目说明", upload=pdf())
    return actions.materials_send(actor=cw.staff, cycle=cycle)


def open_vote(cw: CycleWorld, cycle: Cycle) -> Any:
    now = timezone.now()
    return actions.vote_open(
        actor=cw.staff, cycle=cycle, opens_at=now - dt.timedelta(minutes=5), closes_at=now + dt.timedelta(hours=1)
    )


def options(ballot: Any) -> tuple[int, list[int]]:
    question = ballot.questions.get()
    return question.pk, list(question.options.order_by("order").values_list("pk", flat=True))


def close(cw: CycleWorld, ballot: Any, capture: Callable[..., Any]) -> None:
    with capture(execute=True):
        ballot_actions.ballot_close(actor=cw.staff, ballot=ballot, early=True)


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


# --- the cycle and the window ---


@pytest.mark.django_db
def test_window_must_last_the_minimum_days(cw: CycleWorld) -> None:
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as error:
        actions.cycle_create(
            actor=cw.staff,
            congress=cw.city,
            year=2030,
            solicit_opens_on=today,
            solicit_closes_on=today + dt.timedelta(days=28),  # 29 days, counting both ends
        )
    assert error.value.field == "solicit_closes_on"
    assert "30" in error.value.message
    cycle = actions.cycle_create(
        actor=cw.staff,
        congress=cw.city,
        year=2030,
        solicit_opens_on=today,
        solicit_closes_on=today + dt.timedelta(days=29),
    )
    assert cycle.status == CycleStatus.SOLICITING
    assert cycle.slots == 10  # the congress default
    assert cycle.title == "2030年度民生实事项目"
    assert "livelihood.cycle_created" in audit_actions()
    with pytest.raises(InvalidInput) as duplicate:
        actions.cycle_create(
            actor=cw.staff,
            congress=cw.city,
            year=2030,
            solicit_opens_on=today,
            solicit_closes_on=today + dt.timedelta(days=40),
        )
    assert duplicate.value.field == "year"


@pytest.mark.django_db
def test_window_follows_the_congress_setting(cw: CycleWorld) -> None:
    cw.city.settings = {**cw.city.settings, "livelihood_solicitation_min_days": 10}
    cw.city.save(update_fields=["settings"])
    today = timezone.localdate()
    cycle = actions.cycle_create(
        actor=cw.staff, congress=cw.city, year=2031, solicit_opens_on=today, solicit_closes_on=today + dt.timedelta(9)
    )
    assert cycle.pk


@pytest.mark.django_db
def test_only_staff_of_the_congress_create_a_cycle(cw: CycleWorld) -> None:
    today = timezone.localdate()
    for actor in (cw.deputies[0], cw.office, cw.other_staff, cw.leader):
        with pytest.raises(NotPermitted):
            actions.cycle_create(
                actor=actor,
                congress=cw.city,
                year=2030,
                solicit_opens_on=today,
                solicit_closes_on=today + dt.timedelta(40),
            )
    assert not Cycle.objects.exists()


@pytest.mark.django_db
def test_proposals_only_inside_the_window(cw: CycleWorld) -> None:
    today = timezone.localdate()
    later = actions.cycle_create(
        actor=cw.staff,
        congress=cw.city,
        year=2040,
        solicit_opens_on=today + dt.timedelta(days=5),
        solicit_closes_on=today + dt.timedelta(days=60),
    )
    with pytest.raises(InvalidTransition) as error:
        actions.proposal_submit(
            actor=cw.deputies[0], cycle=later, source="deputy", title="加装电梯", content="为老旧小区加装电梯。"
        )
    assert error.value.code == "outside_window"
    cycle = open_cycle(cw, days_left=3)
    proposal = actions.proposal_submit(
        actor=cw.deputies[0], cycle=cycle, source="deputy", title="加装电梯", content="为老旧小区加装电梯方便出行。"
    )
    assert proposal.proposer == cw.deputies[0]
    assert proposal.proposer_name == "代表0"
    public = actions.proposal_submit(
        actor=None, cycle=cycle, source="public", title="社区食堂", content="建议建设社区老年食堂。", proposer_name="张"
    )
    assert public.proposer is None and public.proposer_name == "张"
    unit_proposal = actions.proposal_submit(
        actor=cw.lead_officer, cycle=cycle, source="unit", title="养老服务", content="建设居家养老服务中心。"
    )
    assert unit_proposal.unit == cw.lead_unit
    with pytest.raises(InvalidInput) as short:
        actions.proposal_submit(actor=None, cycle=cycle, source="public", title="食堂", content="太短")
    assert short.value.field == "title"
    with pytest.raises(InvalidInput) as short_content:
        actions.proposal_submit(actor=None, cycle=cycle, source="public", title="社区食堂", content="太短")
    assert short_content.value.field == "content"
    # A deputy of another congress cannot propose as a deputy here.
    with pytest.raises(NotPermitted):
        actions.proposal_submit(
            actor=cw.other_deputy, cycle=cycle, source="deputy", title="加装电梯", content="为老旧小区加装电梯。"
        )
    # Once screening starts the window is over, whatever the dates say.
    actions.screening_start(actor=cw.staff, cycle=cycle, today=today + dt.timedelta(days=4))
    with pytest.raises(InvalidTransition):
        actions.proposal_submit(
            actor=None, cycle=cycle, source="public", title="社区食堂", content="建议建设社区食堂。"
        )
    assert Proposal.objects.count() == 3


@pytest.mark.django_db
def test_screening_starts_after_the_window_closes(cw: CycleWorld) -> None:
    cycle = open_cycle(cw, days_left=0)
    with pytest.raises(InvalidTransition) as error:
        actions.screening_start(actor=cw.staff, cycle=cycle)
    assert error.value.code == "window_open"
    with pytest.raises(NotPermitted):
        actions.screening_start(actor=cw.deputies[0], cycle=cycle, today=timezone.localdate() + dt.timedelta(1))
    cycle = actions.screening_start(actor=cw.office, cycle=cycle, today=timezone.localdate() + dt.timedelta(1))
    assert cycle.status == CycleStatus.SCREENING


# --- screening ---


@pytest.mark.django_db
def test_candidate_adopts_proposals_and_decline_answers_the_proposer(
    cw: CycleWorld, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    cycle = open_cycle(cw)
    first = actions.proposal_submit(
        actor=cw.deputies[0], cycle=cycle, source="deputy", title="加装电梯", content="为老旧小区加装电梯。"
    )
    second = actions.proposal_submit(
        actor=cw.deputies[1], cycle=cycle, source="deputy", title="扩建停车场", content="扩建医院停车场，缓解拥堵。"
    )
    actions.screening_start(actor=cw.staff, cycle=cycle, today=timezone.localdate() + dt.timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        project = add_candidate(
            cw, cycle, "老旧小区加装电梯", proposals=[first], sub_items=[("东区", "东区加装", "300", cw.lead_unit)]
        )
        actions.proposal_decline(actor=cw.office, proposal=second, response="已列入医院改扩建工程")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ProposalStatus.ADOPTED and first.project == project
    assert second.status == ProposalStatus.NOT_ADOPTED and second.response == "已列入医院改扩建工程"
    assert project.sub_items.get().responsible_unit == cw.lead_unit
    assert str(project.investment) == "800.50"
    events = set(Notification.objects.values_list("recipient_id", "event"))
    assert (cw.deputies[0].pk, "livelihood.proposal_adopted") in events
    assert (cw.deputies[1].pk, "livelihood.proposal_declined") in events
    # Adopted already: it cannot be declined as well.
    with pytest.raises(InvalidTransition):
        actions.proposal_decline(actor=cw.office, proposal=first, response="重复")


@pytest.mark.django_db
def test_candidate_input_is_checked(cw: CycleWorld) -> None:
    cycle = screening(cw)
    with pytest.raises(InvalidInput) as money:
        add_candidate(cw, cycle, "项目", investment="-1")
    assert money.value.field == "investment"
    foreign = factories.UnitFactory(kind="government_department")
    with pytest.raises(InvalidInput) as unit:
        add_candidate(cw, cycle, "项目", lead_unit=foreign)
    assert unit.value.field == "lead_unit"
    with pytest.raises(InvalidInput) as name:
        add_candidate(cw, cycle, "")
    assert name.value.field == "name"
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_exclusion_keeps_the_reason(cw: CycleWorld) -> None:
    cycle = screening(cw)
    project = add_candidate(cw, cycle, "城市会客厅")
    with pytest.raises(InvalidInput) as error:
        actions.candidate_exclude(actor=cw.office, project=project, reason="  ")
    assert error.value.field == "reason"
    actions.candidate_exclude(actor=cw.office, project=project, reason="形成政府债务风险")
    project.refresh_from_db()
    assert project.status == ProjectStatus.EXCLUDED
    assert project.exclusion_reason == "形成政府债务风险"
    assert "livelihood.candidate_excluded" in audit_actions()
    with pytest.raises(InvalidTransition):
        actions.candidate_update(
            actor=cw.office,
            project=project,
            name="改名",
            content="x",
            field="other",
            investment="1",
            funding_source="财政",
            lead_unit=cw.lead_unit,
            completion_date=dt.date(cycle.year, 6, 30),
        )


@pytest.mark.django_db
def test_candidate_update_replaces_sub_items(cw: CycleWorld) -> None:
    cycle = screening(cw)
    project = add_candidate(cw, cycle, "社区食堂", sub_items=[("甲", "", "", None), ("乙", "", "", None)])
    actions.candidate_update(
        actor=cw.office,
        project=project,
        name="社区老年食堂",
        content="新内容",
        field="elderly",
        investment="900",
        funding_source="市区两级财政",
        lead_unit=cw.lead_unit,
        completion_date=dt.date(cycle.year, 10, 31),
        sub_items=[("丙", "内容", "100", None)],
    )
    project.refresh_from_db()
    assert project.name == "社区老年食堂"
    assert list(project.sub_items.values_list("name", flat=True)) == ["丙"]


@pytest.mark.django_db
def test_deputy_and_lead_unit_cannot_screen(cw: CycleWorld) -> None:
    cycle = screening(cw)
    for actor in (cw.deputies[0], cw.lead_officer, cw.staff):
        with pytest.raises(NotPermitted):
            add_candidate_as(actor, cw, cycle)
    assert not Project.objects.exists()


def add_candidate_as(actor: User, cw: CycleWorld, cycle: Cycle) -> Project:
    return actions.candidate_add(
        actor=actor,
        cycle=cycle,
        name="项目",
        content="内容",
        field="other",
        investment="1",
        funding_source="财政",
        lead_unit=cw.lead_unit,
        completion_date=dt.date(cycle.year, 12, 31),
    )


@pytest.mark.django_db
def test_list_needs_more_candidates_than_slots(cw: CycleWorld) -> None:
    cycle = screening(cw, slots=2)
    first, second = add_candidate(cw, cycle, "甲"), add_candidate(cw, cycle, "乙")
    with pytest.raises(InvalidInput) as error:
        actions.list_approve(actor=cw.office, cycle=cycle, approved_on=timezone.localdate(), approval_ref="市委1号")
    assert error.value.field == "candidates"
    assert error.value.code == "not_enough_candidates"
    third = add_candidate(cw, cycle, "丙")
    excluded = add_candidate(cw, cycle, "丁")
    actions.candidate_exclude(actor=cw.office, project=excluded, reason="不具备条件")
    with pytest.raises(NotPermitted):
        actions.list_approve(
            actor=cw.deputies[0], cycle=cycle, approved_on=timezone.localdate(), approval_ref="市委1号"
        )
    with pytest.raises(InvalidInput) as missing_ref:
        actions.list_approve(actor=cw.staff, cycle=cycle, approved_on=timezone.localdate(), approval_ref="")
    assert missing_ref.value.field == "approval_ref"
    # The approval fixes the ballot order: here the one given.
    cycle = actions.list_approve(
        actor=cw.staff,
        cycle=cycle,
        approved_on=timezone.localdate(),
        approval_ref="市委〔2026〕3号",
        order=[third, first, second],
    )
    assert cycle.status == CycleStatus.LIST_APPROVED
    assert cycle.party_approval_ref == "市委〔2026〕3号"
    orders = dict(Project.objects.values_list("name", "list_order"))
    assert orders == {"丙": 1, "甲": 2, "乙": 3, "丁": None}


@pytest.mark.django_db
def test_list_order_defaults_to_the_order_added(cw: CycleWorld) -> None:
    cycle = approved(cw, candidates=4, slots=3)
    names = list(cycle.projects.order_by("list_order").values_list("name", flat=True))
    assert names == ["候选项目1", "候选项目2", "候选项目3", "候选项目4"]


# --- deliberation ---


@pytest.mark.django_db
def test_materials_are_checked_and_sent_to_every_deputy(
    cw: CycleWorld, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    cycle = approved(cw)
    with pytest.raises(InvalidInput) as empty:
        actions.materials_send(actor=cw.staff, cycle=cycle)
    assert empty.value.field == "materials"
    with pytest.raises(InvalidInput) as wrong_type:
        actions.material_add(
            actor=cw.staff, cycle=cycle, title="图片", upload=SimpleUploadedFile("a.png", b"\x89PNG....", "image/png")
        )
    assert wrong_type.value.field == "upload"
    with pytest.raises(NotPermitted):
        actions.material_add(actor=cw.office, cycle=cycle, title="说明", upload=pdf())
    material = actions.material_add(actor=cw.staff, cycle=cycle, title="候选项目说明", upload=pdf())
    assert material.size > 0 and len(material.sha256) == 64
    with django_capture_on_commit_callbacks(execute=True):
        cycle = actions.materials_send(actor=cw.staff, cycle=cycle)
    assert cycle.status == CycleStatus.DELIBERATION and cycle.materials_sent_at
    recipients = set(Notification.objects.filter(event="livelihood.materials_sent").values_list("recipient", flat=True))
    assert recipients == {deputy.pk for deputy in cw.deputies}


# --- the vote ---


@pytest.mark.django_db
def test_vote_opens_with_every_deputy_and_k_slots(cw: CycleWorld) -> None:
    cw.city.settings = {**cw.city.settings, "livelihood_tie_rule": "candidate_order"}
    cw.city.save(update_fields=["settings"])
    cycle = deliberating(cw, candidates=3, slots=2)
    with pytest.raises(NotPermitted):
        open_vote_as(cw.lead_officer, cycle)
    with pytest.raises(NotPermitted):
        open_vote_as(cw.office, cycle)
    ballot = open_vote(cw, cycle)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.VOTING and cycle.vote_ballot == ballot
    assert ballot.status == BallotStatus.OPEN
    assert ballot.rule == "select_k_of_n" and ballot.k == 2 and ballot.mode == "secret"
    assert ballot.purpose == "livelihood.vote" and ballot.target_id == str(cycle.pk)
    assert ballot.tie_rule == "candidate_order"
    assert not ballot.require_majority_of_electorate
    assert set(ballot.electorate.values_list("user_id", flat=True)) == {deputy.pk for deputy in cw.deputies}
    labels = list(ballot.questions.get().options.order_by("order").values_list("label", flat=True))
    assert labels == ["1. 候选项目1", "2. 候选项目2", "3. 候选项目3"]
    # A second vote while this one runs is refused.
    with pytest.raises(InvalidTransition):
        open_vote(cw, cycle)


def open_vote_as(actor: User, cycle: Cycle) -> Any:
    now = timezone.now()
    return actions.vote_open(actor=actor, cycle=cycle, opens_at=now, closes_at=now + dt.timedelta(hours=1))


@pytest.mark.django_db
def test_vote_needs_materials_sent_first(cw: CycleWorld) -> None:
    cycle = approved(cw)
    with pytest.raises(InvalidTransition):
        open_vote(cw, cycle)


@pytest.mark.django_db
def test_closing_the_ballot_hands_the_result_back(
    cw: CycleWorld, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    cycle = deliberating(cw, candidates=3, slots=2)
    ballot = open_vote(cw, cycle)
    question, (one, two, three) = options(ballot)
    ballot_actions.vote_cast(ballot=ballot, voter=cw.deputies[0], choices={question: [two, three]})
    ballot_actions.vote_cast(ballot=ballot, voter=cw.deputies[1], choices={question: [two, one]})
    ballot_actions.vote_cast(ballot=ballot, voter=cw.deputies[2], choices={question: [two, three]})
    close(cw, ballot, django_capture_on_commit_callbacks)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DECIDED and cycle.vote_problem == ""
    rows = {p.name: (p.status, p.votes, p.rank) for p in cycle.projects.all()}
    assert rows == {
        "候选项目2": (ProjectStatus.DECIDED, 3, 1),
        "候选项目3": (ProjectStatus.DECIDED, 2, 2),
        "候选项目1": (ProjectStatus.NOT_SELECTED, 1, 3),
    }
    assert "livelihood.vote_decided" in audit_actions()
    # A valid result: no new vote.
    with pytest.raises(InvalidTransition):
        open_vote(cw, cycle)


@pytest.mark.django_db
def test_no_quorum_records_the_problem_and_allows_a_new_vote(
    cw: CycleWorld, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    cycle = deliberating(cw, candidates=3, slots=2)
    ballot = open_vote(cw, cycle)
    question, (one, two, _three) = options(ballot)
    ballot_actions.vote_cast(ballot=ballot, voter=cw.deputies[0], choices={question: [one, two]})
    close(cw, ballot, django_capture_on_commit_callbacks)  # 1 of 3: quorum is 2
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.VOTING
    assert "法定人数" in cycle.vote_problem
    assert not cycle.projects.filter(status__in=[ProjectStatus.DECIDED, ProjectStatus.NOT_SELECTED]).exists()
    assert not cycle.projects.filter(votes__isnull=False).exists()
    assert actions.can_revote(cycle)
    again = open_vote(cw, cycle)
    cycle.refresh_from_db()
    assert again.pk != ballot.pk and cycle.vote_ballot == again and cycle.vote_problem == ""
    question, (one, two, three) = options(again)
    for deputy in cw.deputies:
        ballot_actions.vote_cast(ballot=again, voter=deputy, choices={question: [one, three]})
    close(cw, again, django_capture_on_commit_callbacks)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DECIDED
    assert set(cycle.projects.filter(status=ProjectStatus.DECIDED).values_list("name", flat=True)) == {
        "候选项目1",
        "候选项目3",
    }


@pytest.mark.django_db
def test_unresolved_tie_decides_nothing(cw: CycleWorld, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    cycle = deliberating(cw, candidates=3, slots=1)  # tie rule: runoff (the default)
    ballot = open_vote(cw, cycle)
    question, (one, two, three) = options(ballot)
    ballot_actions.vote_cast(ballot=ballot, voter=cw.deputies[0], choices={question: [one]})
    ballot_actions.vote_cast(ballot=ballot, voter=cw.deputies[1], choices={question: [two]})
    ballot_actions.vote_cast(ballot=ballot, voter=cw.deputies[2], choices={question: [three]})
    close(cw, ballot, django_capture_on_commit_callbacks)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.VOTING and "另行投票" in cycle.vote_problem
    assert not cycle.projects.filter(status=ProjectStatus.DECIDED).exists()
    assert "livelihood.vote_without_result" in audit_actions()


# --- who sees what ---


@pytest.mark.django_db
def test_other_congress_cannot_see_the_cycle(cw: CycleWorld) -> None:
    cycle = screening(cw)
    project = add_candidate(cw, cycle, "甲")
    for user in (cw.other_staff, cw.other_deputy):
        with pytest.raises(Http404):
            permissions.get_readable_cycle(user, cycle.pk)
        with pytest.raises(Http404):
            permissions.get_readable_project(user, project.pk)
    for user in (cw.staff, cw.office, cw.lead_officer, cw.deputies[0], cw.leader):
        assert permissions.get_readable_cycle(user, cycle.pk) == cycle


@pytest.mark.django_db
def test_proposer_names_are_seen_only_by_those_who_screen(cw: CycleWorld) -> None:
    cycle = open_cycle(cw)
    mine = actions.proposal_submit(
        actor=cw.deputies[0], cycle=cycle, source="deputy", title="加装电梯", content="为老旧小区加装电梯。"
    )
    actions.proposal_submit(actor=None, cycle=cycle, source="public", title="社区食堂", content="建议建设社区食堂。")
    assert permissions.proposals_visible_to(cw.office, cycle).count() == 2
    assert permissions.proposals_visible_to(cw.staff, cycle).count() == 2
    assert list(permissions.proposals_visible_to(cw.deputies[0], cycle)) == [mine]
    assert not permissions.proposals_visible_to(cw.deputies[1], cycle).exists()
    assert not permissions.proposals_visible_to(cw.lead_officer, cycle).exists()
