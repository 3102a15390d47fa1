"""Implementation, supervision, reports and rating of decided livelihood projects (issue #7 point 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions as ballot_actions
from renda.ballots.models import Ballot, BallotStatus, Option, Question
from renda.conftest import login_client
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent, TodoItem, TodoStatus
from renda.livelihood.actions import oversight as actions
from renda.livelihood.models import (
    Cycle,
    CycleStatus,
    Problem,
    ProblemStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    SubItem,
    SupervisionGroup,
    Verdict,
)
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.tests_support import factories

pytestmark = pytest.mark.django_db


def acting(user: User) -> User:
    user.active_assignment = user.role_assignments.select_related("unit", "congress").get()
    return user


@pytest.fixture(autouse=True)
def _connected() -> None:
    actions.connect()


class World:
    def __init__(self, city: Congress, unit: Unit, make_person: Callable[..., User]) -> None:
        self.city = city
        self.lead_unit = unit
        self.office = factories.UnitFactory(congress=city, name="市政府办公室", kind="government_office")
        self.other_unit = factories.UnitFactory(congress=city, name="市教育局", kind="government_department")
        self.working_body = factories.UnitFactory(congress=city, name="人大常委会代表工委", kind="working_body")
        self.staff = acting(make_person(Role.COMMITTEE_STAFF, role_unit=self.working_body))
        self.sc_member = acting(make_person(Role.SC_MEMBER))
        self.deputies = [acting(make_person(Role.DEPUTY)) for _ in range(5)]
        self.officer = acting(make_person(Role.UNIT_OFFICER))
        self.other_officer = acting(make_person(Role.UNIT_OFFICER, role_unit=self.other_unit))
        self.office_head = acting(make_person(Role.UNIT_HEAD, role_unit=self.office))
        self.cycle = Cycle.objects.create(
            congress=city,
            year=2026,
            title="2026年民生实事项目",
            status=CycleStatus.DECIDED,
            solicit_opens_on=dt.date(2025, 8, 1),
            solicit_closes_on=dt.date(2025, 9, 15),
            slots=2,
            created_by=self.staff,
        )
        self.project = self._project("老旧小区加装电梯", 1)
        self.sub_item = SubItem.objects.create(project=self.project, order=1, name="东区加装电梯")
        self.second = self._project("社区食堂", 2)

    def _project(self, name: str, order: int) -> Project:
        return Project.objects.create(
            cycle=self.cycle,
            name=name,
            content=f"{name}的内容。",
            investment=Decimal("800"),
            funding_source="市财政",
            lead_unit=self.lead_unit,
            completion_date=dt.date(2026, 12, 31),
            status=ProjectStatus.DECIDED,
            list_order=order,
        )

    def publish(self, project: Project) -> Project:
        return actions.plan_publish(
            actor=self.officer,
            project=project,
            plan="分三批实施。",
            milestones=[("完成设计", dt.date(2026, 3, 31), self.lead_unit)],
        )

    def group(self, project: Project) -> SupervisionGroup:
        return actions.group_form(actor=self.staff, project=project, leader=self.sc_member, members=self.deputies[:2])

    def refresh(self) -> None:
        for obj in (self.project, self.second, self.cycle, self.sub_item):
            obj.refresh_from_db()


@pytest.fixture
def w(city: Congress, unit: Unit, make_person: Callable[..., User]) -> World:
    return World(city, unit, make_person)


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


# --- plan ---


def test_plan_publish_starts_implementation(w: World) -> None:
    w.publish(w.project)
    w.refresh()
    assert w.project.status == ProjectStatus.IMPLEMENTING
    assert w.project.plan_published_at is not None
    assert w.cycle.status == CycleStatus.IMPLEMENTING
    milestone = w.project.milestones.get()
    assert milestone.responsible_unit == w.lead_unit
    assert TodoItem.objects.get(kind=actions.TODO_MILESTONE).assignee_unit == w.lead_unit
    assert audit_actions()[-1] == "livelihood.plan_published"
    # The second plan does not change the cycle again, and a plan is published once.
    w.publish(w.second)
    with pytest.raises(InvalidTransition):
        w.publish(w.project)


def test_plan_refused_for_deputy_and_without_milestones(w: World) -> None:
    before = audit_actions()
    with pytest.raises(NotPermitted):
        actions.plan_publish(actor=w.deputies[0], project=w.project, plan="x", milestones=[])
    with pytest.raises(InvalidInput) as error:
        actions.plan_publish(actor=w.officer, project=w.project, plan="方案", milestones=[])
    assert error.value.field == "milestones"
    w.refresh()
    assert w.project.status == ProjectStatus.DECIDED
    assert audit_actions() == before


def test_government_office_may_publish_and_milestone_done_closes_todo(w: World) -> None:
    office_officer = factories.UserFactory()
    RoleAssignment.objects.create(user=office_officer, congress=w.city, role=Role.UNIT_OFFICER, unit=w.office)
    acting(office_officer)
    actions.plan_publish(
        actor=office_officer,
        project=w.project,
        plan="方案",
        milestones=[("开工", dt.date(2026, 2, 1), w.lead_unit)],
    )
    milestone = w.project.milestones.get()
    with pytest.raises(NotPermitted):
        actions.milestone_done(actor=w.other_officer, milestone=milestone, done_on=timezone.localdate())
    actions.milestone_done(actor=w.officer, milestone=milestone, done_on=timezone.localdate())
    milestone.refresh_from_db()
    assert milestone.done_on == timezone.localdate()
    assert TodoItem.objects.get(kind=actions.TODO_MILESTONE).status == TodoStatus.DONE


# --- progress and completion reports ---


def test_progress_report_rules(w: World) -> None:
    w.publish(w.project)
    actions.progress_report(
        actor=w.officer,
        project=w.project,
        year=2026,
        quarter=1,
        completion_percent=30,
        sub_item_percents={str(w.sub_item.pk): 20},
        content="完成设计。",
        funds_spent="100.5",
    )
    w.refresh()
    assert w.project.completion_percent == 30
    assert w.sub_item.completion_percent == 20
    # One report per quarter.
    with pytest.raises(InvalidInput) as duplicate:
        actions.progress_report(
            actor=w.officer,
            project=w.project,
            year=2026,
            quarter=1,
            completion_percent=40,
            sub_item_percents={},
            content="再报。",
            funds_spent=None,
        )
    assert duplicate.value.field == "quarter"
    # The percent never goes down, for the project and for each sub-item.
    with pytest.raises(InvalidInput) as lower:
        actions.progress_report(
            actor=w.officer,
            project=w.project,
            year=2026,
            quarter=2,
            completion_percent=20,
            sub_item_percents={},
            content="倒退。",
            funds_spent=None,
        )
    assert lower.value.field == "completion_percent"
    with pytest.raises(InvalidInput) as lower_sub:
        actions.progress_report(
            actor=w.officer,
            project=w.project,
            year=2026,
            quarter=2,
            completion_percent=50,
            sub_item_percents={str(w.sub_item.pk): 10},
            content="子项倒退。",
            funds_spent=None,
        )
    assert lower_sub.value.field == "sub_item_percents"
    assert ProgressReport.objects.filter(project=w.project).count() == 1
    w.refresh()
    assert w.project.completion_percent == 30


def test_only_the_lead_unit_reports_progress(w: World) -> None:
    w.publish(w.project)
    with pytest.raises(NotPermitted):
        actions.progress_report(
            actor=w.other_officer,
            project=w.project,
            year=2026,
            quarter=1,
            completion_percent=10,
            sub_item_percents={},
            content="别的单位。",
            funds_spent=None,
        )
    # Through the page and the API: another unit cannot even reach its form.
    client = login_client(w.other_officer)
    url = reverse("livelihood:report_new", kwargs={"project_id": w.project.pk})
    assert client.get(url).status_code == 403
    response = client.post(
        f"/api/v1/livelihood/projects/{w.project.pk}/reports",
        {"year": 2026, "quarter": 1, "completion_percent": 10, "content": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not ProgressReport.objects.exists()


def test_report_page_for_the_lead_unit(w: World) -> None:
    w.publish(w.project)
    client = login_client(w.officer)
    url = reverse("livelihood:report_new", kwargs={"project_id": w.project.pk})
    assert client.get(url).status_code == 200
    data = {
        "year": 2026,
        "quarter": 2,
        "completion_percent": 55,
        f"sub_{w.sub_item.pk}": 50,
        "content": "过半。",
        "funds_spent": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    w.refresh()
    assert w.project.completion_percent == 55
    assert w.sub_item.completion_percent == 50
    # The duplicate is refused on the form with its message.
    response = client.post(url, data)
    assert response.status_code == 400
    assert "已经报送过" in response.content.decode()
    page = login_client(w.deputies[0]).get(reverse("livelihood:project_detail", kwargs={"project_id": w.project.pk}))
    assert page.status_code == 200
    assert "2026Q2" in page.content.decode()


def test_completion_report(w: World) -> None:
    w.publish(w.project)
    w.publish(w.second)
    with pytest.raises(NotPermitted):
        actions.completion_report(
            actor=w.officer, project=w.project, completed_on=None, completion_percent=100, content="完成"
        )
    with pytest.raises(InvalidInput) as missing:
        actions.completion_report(
            actor=w.office_head, project=w.project, completed_on=None, completion_percent=80, content="未完成"
        )
    assert missing.value.field == "unfinished_explanation"
    with pytest.raises(InvalidInput) as no_date:
        actions.completion_report(
            actor=w.office_head, project=w.project, completed_on=None, completion_percent=100, content="完成"
        )
    assert no_date.value.field == "completed_on"
    assert not ProgressReport.objects.exists()

    actions.completion_report(
        actor=w.office_head,
        project=w.project,
        completed_on=dt.date(2026, 1, 5),
        completion_percent=100,
        content="全部完成。",
    )
    w.refresh()
    assert w.project.status == ProjectStatus.COMPLETED
    assert w.project.completed_on == dt.date(2026, 1, 5)
    assert w.cycle.status == CycleStatus.IMPLEMENTING  # the second project has not reported yet

    actions.completion_report(
        actor=w.office_head,
        project=w.second,
        completed_on=None,
        completion_percent=80,
        content="大部分完成。",
        unfinished_explanation="选址调整，明年一季度完成。",
    )
    w.refresh()
    assert w.second.status == ProjectStatus.UNFINISHED
    assert w.second.unfinished_explanation.startswith("选址调整")
    assert w.cycle.status == CycleStatus.COMPLETION_REPORTED
    assert audit_actions()[-1] == "livelihood.completion_reported"


# --- the supervision group and the problem ledger ---


def test_group_rules(w: World) -> None:
    with pytest.raises(NotPermitted):
        actions.group_form(actor=w.officer, project=w.project, leader=w.sc_member, members=w.deputies[:1])
    with pytest.raises(InvalidInput) as leader:
        actions.group_form(actor=w.staff, project=w.project, leader=w.deputies[0], members=w.deputies[1:2])
    assert leader.value.field == "leader"
    with pytest.raises(InvalidInput) as members:
        actions.group_form(actor=w.staff, project=w.project, leader=w.sc_member, members=[w.officer])
    assert members.value.field == "members"
    w.group(w.project)
    with pytest.raises(InvalidTransition):
        w.group(w.project)
    assert SupervisionGroup.objects.count() == 1


def test_problem_ledger_closed_item_by_item(w: World) -> None:
    w.publish(w.project)
    group = w.group(w.project)
    leader = w.sc_member
    actions.visit_record(
        actor=w.deputies[0],
        group=group,
        held_on=dt.date(2026, 1, 10),
        place="东区",
        findings="进度偏慢。",
        participants=[leader, w.deputies[0]],
        problems=[
            ("施工扰民", w.lead_unit, dt.date(2026, 3, 1)),
            ("资金未到位", w.other_unit, dt.date(2026, 3, 15)),
        ],
    )
    first, second = Problem.objects.order_by("pk")
    assert TodoItem.objects.filter(kind=actions.TODO_RECTIFY, status=TodoStatus.OPEN).count() == 2
    # Cannot close before a rectification is reported.
    with pytest.raises(InvalidTransition):
        actions.problem_close(actor=leader, problem=first)
    # Only the responsible unit reports the rectification.
    with pytest.raises(NotPermitted):
        actions.problem_rectify(actor=w.officer, problem=second, rectification="不是我们的")
    actions.problem_rectify(actor=w.officer, problem=first, rectification="已调整施工时间。")
    first.refresh_from_db()
    assert first.status == ProblemStatus.RECTIFYING
    # A member who is not the leader cannot close it.
    with pytest.raises(NotPermitted):
        actions.problem_close(actor=w.deputies[0], problem=first)
    actions.problem_close(actor=leader, problem=first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ProblemStatus.CLOSED
    assert first.closed_by == leader
    assert second.status == ProblemStatus.OPEN
    with pytest.raises(InvalidTransition):
        actions.problem_close(actor=leader, problem=first)
    assert not TodoItem.objects.filter(
        target_type="livelihood.problem", target_id=str(first.pk), status=TodoStatus.OPEN
    ).exists()

    # The page shows the counts; the leader closes the second item through the page.
    actions.problem_rectify(actor=w.other_officer, problem=second, rectification="资金已拨付。")
    client = login_client(leader)
    page = client.get(reverse("livelihood:project_detail", kwargs={"project_id": w.project.pk}))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="close-problem"') == 1
    response = client.post(reverse("livelihood:problem_close", kwargs={"problem_id": second.pk}))
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == ProblemStatus.CLOSED


def test_deputy_outside_the_group_cannot_record_visits(w: World) -> None:
    w.publish(w.project)
    group = w.group(w.project)
    outsider = w.deputies[4]
    with pytest.raises(NotPermitted):
        actions.visit_record(
            actor=outsider,
            group=group,
            held_on=dt.date(2026, 1, 10),
            place="东区",
            findings="x",
            participants=[outsider],
        )
    client = login_client(outsider)
    assert client.get(reverse("livelihood:visit_new", kwargs={"project_id": w.project.pk})).status_code == 403
    response = client.post(
        f"/api/v1/livelihood/projects/{w.project.pk}/visits",
        {"held_on": "2026-01-10", "place": "东区", "findings": "x", "participant_ids": [outsider.pk]},
        content_type="application/json",
    )
    assert response.status_code == 403
    # A member records through the API; participants must belong to the group.
    member = login_client(w.deputies[1])
    response = member.post(
        f"/api/v1/livelihood/projects/{w.project.pk}/visits",
        {"held_on": "2026-01-10", "place": "东区", "findings": "x", "participant_ids": [outsider.pk]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "participants"
    response = member.post(
        f"/api/v1/livelihood/projects/{w.project.pk}/visits",
        {
            "held_on": "2026-01-10",
            "place": "东区",
            "findings": "进度正常。",
            "participant_ids": [w.deputies[1].pk],
            "problems": [
                {"description": "围挡破损", "responsible_unit_id": w.lead_unit.pk, "rectify_by": "2026-02-01"}
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Problem.objects.get().description == "围挡破损"


def test_recommendation_issue_and_respond(w: World) -> None:
    w.publish(w.project)
    group = w.group(w.project)
    with pytest.raises(NotPermitted):
        actions.recommendation_issue(actor=w.deputies[0], group=group, text="加快", issued_on=dt.date(2026, 1, 2))
    rec = actions.recommendation_issue(actor=w.sc_member, group=group, text="加快进度。", issued_on=dt.date(2026, 1, 2))
    assert TodoItem.objects.get(kind=actions.TODO_RESPOND).assignee_unit == w.lead_unit
    with pytest.raises(NotPermitted):
        actions.recommendation_respond(actor=w.other_officer, rec=rec, response="x")
    actions.recommendation_respond(actor=w.officer, rec=rec, response="已增加施工班组。")
    rec.refresh_from_db()
    assert rec.response == "已增加施工班组。"
    assert TodoItem.objects.get(kind=actions.TODO_RESPOND).status == TodoStatus.DONE


def test_unit_queue_lists_what_is_due(w: World) -> None:
    w.publish(w.project)
    client = login_client(w.officer)
    page = client.get(reverse("livelihood:unit_projects"))
    assert page.status_code == 200
    body = page.content.decode()
    assert w.project.name in body and w.second.name in body
    assert "needs-report" in body
    assert login_client(w.deputies[0]).get(reverse("livelihood:unit_projects")).status_code == 403
    api = client.get("/api/v1/livelihood/unit-projects").json()
    assert {row["name"] for row in api} == {w.project.name, w.second.name}


# --- the rating ---


def _report_all(w: World) -> None:
    for project in (w.project, w.second):
        w.publish(project)
        actions.completion_report(
            actor=w.office_head,
            project=project,
            completed_on=dt.date(2026, 1, 5),
            completion_percent=100,
            content="完成。",
        )


def _open_rating(w: World) -> Ballot:
    now = timezone.now()
    return actions.rating_open(
        actor=w.staff, cycle=w.cycle, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=1)
    )


def _vote(ballot: Ballot, voter: User, picks: dict[int, str]) -> None:
    choices: dict[int, list[int]] = {}
    for question in Question.objects.filter(ballot=ballot):
        code = picks[question.order]
        choices[question.pk] = [Option.objects.get(question=question, code=code).pk]
    ballot_actions.vote_cast(ballot=ballot, voter=voter, choices=choices)


def test_rating_ballot_has_a_question_per_project_and_sub_item(w: World) -> None:
    w.publish(w.project)
    with pytest.raises(InvalidTransition):
        _open_rating(w)
    w.refresh()
    actions.completion_report(
        actor=w.office_head, project=w.project, completed_on=dt.date(2026, 1, 5), completion_percent=100, content="完"
    )
    w.publish(w.second)
    actions.completion_report(
        actor=w.office_head, project=w.second, completed_on=dt.date(2026, 1, 5), completion_percent=100, content="完"
    )
    with pytest.raises(NotPermitted):
        actions.rating_open(
            actor=w.deputies[0],
            cycle=w.cycle,
            opens_at=timezone.now(),
            closes_at=timezone.now() + dt.timedelta(hours=1),
        )
    ballot = _open_rating(w)
    assert list(ballot.questions.order_by("order").values_list("text", flat=True)) == [
        "项目：老旧小区加装电梯",
        "子项：东区加装电梯",
        "项目：社区食堂",
    ]
    assert ballot.rule == "satisfaction" and ballot.mode == "secret"
    assert ballot.purpose == actions.RATING_PURPOSE
    assert ballot.status == BallotStatus.OPEN
    assert ballot.electorate.count() == 5
    w.refresh()
    assert w.cycle.status == CycleStatus.RATING
    assert w.cycle.rating_ballot == ballot


def test_rating_result_stores_counts_verdicts_and_flags(w: World, django_capture_on_commit_callbacks: Any) -> None:
    _report_all(w)
    ballot = _open_rating(w)
    # Questions: 1 = project A, 2 = its sub-item, 3 = project B.
    sat, basic, dis = "satisfied", "basically_satisfied", "dissatisfied"
    votes = [
        {1: sat, 2: sat, 3: sat},
        {1: sat, 2: basic, 3: sat},
        {1: sat, 2: dis, 3: basic},
        {1: basic, 2: dis, 3: dis},
        {1: dis, 2: dis, 3: dis},
    ]
    for voter, picks in zip(w.deputies, votes, strict=True):
        _vote(ballot, voter, picks)
    with django_capture_on_commit_callbacks(execute=True):
        ballot_actions.ballot_close(actor=w.staff, ballot=ballot)
    w.refresh()
    # A: 3/1/1 → 满意 (3 > 5/2); 总体满意率 80% → not flagged.
    assert (w.project.rating_satisfied, w.project.rating_basic, w.project.rating_dissatisfied) == (3, 1, 1)
    assert w.project.verdict == Verdict.SATISFIED
    assert w.project.key_supervision_next_year is False
    # Sub-item: 1/1/3 → 不满意.
    assert (w.sub_item.rating_satisfied, w.sub_item.rating_basic, w.sub_item.rating_dissatisfied) == (1, 1, 3)
    assert w.sub_item.verdict == Verdict.DISSATISFIED
    # B: 2/1/2 → 基本满意 (3 > 5/2) but 总体满意率 60% < 80% → next year's key supervision.
    assert w.second.verdict == Verdict.BASICALLY_SATISFIED
    assert w.second.key_supervision_next_year is True
    assert w.cycle.status == CycleStatus.CLOSED
    event = AuditEvent.objects.filter(action="livelihood.rating_recorded").get()
    assert event.summary["key_supervision"] == [w.second.pk]
    page = login_client(w.deputies[0]).get(reverse("livelihood:project_detail", kwargs={"project_id": w.second.pk}))
    assert "列为下年度重点监督" in page.content.decode()


def test_dissatisfied_project_is_flagged() -> None:
    assert actions.needs_key_supervision(verdict=Verdict.DISSATISFIED, satisfied=0, basic=0, dissatisfied=0)
    assert not actions.needs_key_supervision(verdict=Verdict.SATISFIED, satisfied=8, basic=0, dissatisfied=2)
    assert actions.needs_key_supervision(verdict=Verdict.SATISFIED, satisfied=7, basic=0, dissatisfied=3)


def test_invalid_rating_rates_nothing_and_may_be_organised_again(
    w: World, django_capture_on_commit_callbacks: Any
) -> None:
    _report_all(w)
    ballot = _open_rating(w)
    _vote(ballot, w.deputies[0], {1: "satisfied", 2: "satisfied", 3: "dissatisfied"})  # 1 of 5: no quorum
    with django_capture_on_commit_callbacks(execute=True):
        ballot_actions.ballot_close(actor=w.staff, ballot=ballot, early=True)
    w.refresh()
    # Nothing is rated and the cycle stays open for a new rating, with the reason shown to staff.
    assert w.cycle.status == CycleStatus.RATING
    assert "法定人数" in w.cycle.rating_problem
    assert w.project.verdict == "" and w.project.rating_satisfied is None
    assert w.second.key_supervision_next_year is False
    assert AuditEvent.objects.filter(action="livelihood.rating_without_result").count() == 1
    assert actions.can_rate_again(w.cycle)
    page = login_client(w.staff).get(reverse("livelihood:cycle_detail", kwargs={"cycle_id": w.cycle.pk}))
    assert "重新组织满意度测评" in page.content.decode() and "法定人数" in page.content.decode()
    # Only staff may organise it again; a deputy is refused.
    with pytest.raises(NotPermitted):
        now = timezone.now()
        actions.rating_open(actor=w.deputies[0], cycle=w.cycle, opens_at=now, closes_at=now + dt.timedelta(hours=1))
    again = _open_rating(w)
    w.refresh()
    assert again.pk != ballot.pk and w.cycle.rating_ballot == again and w.cycle.rating_problem == ""
    assert not actions.can_rate_again(w.cycle)
    with pytest.raises(InvalidTransition):
        _open_rating(w)  # one rating at a time
    for deputy in w.deputies:
        _vote(again, deputy, {1: "satisfied", 2: "satisfied", 3: "satisfied"})
    with django_capture_on_commit_callbacks(execute=True):
        ballot_actions.ballot_close(actor=w.staff, ballot=again, early=True)
    w.refresh()
    assert w.cycle.status == CycleStatus.CLOSED
    assert w.project.verdict == Verdict.SATISFIED and w.project.rating_satisfied == len(w.deputies)


def test_rating_page_and_api(w: World) -> None:
    _report_all(w)
    staff = login_client(w.staff)
    url = reverse("livelihood:rating_open", kwargs={"cycle_id": w.cycle.pk})
    page = staff.get(url)
    assert page.status_code == 200
    assert "项目：" in page.content.decode()
    assert login_client(w.deputies[0]).get(url).status_code == 403
    now = timezone.now()
    response = staff.post(
        f"/api/v1/livelihood/cycles/{w.cycle.pk}/rating",
        {
            "opens_at": now.isoformat(),
            "closes_at": (now + dt.timedelta(hours=2)).isoformat(),
            "electorate": "sc_members",
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["questions"] == 3
    assert Ballot.objects.get(pk=response.json()["ballot_id"]).electorate.count() == 1
    response = staff.post(
        f"/api/v1/livelihood/cycles/{w.cycle.pk}/rating",
        {"opens_at": now.isoformat(), "closes_at": (now + dt.timedelta(hours=2)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 409


def test_oversight_api_detail(w: World, client: Client) -> None:
    w.publish(w.project)
    w.group(w.project)
    response = login_client(w.deputies[0]).get(f"/api/v1/livelihood/projects/{w.project.pk}/oversight")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "implementing"
    assert data["group"]["leader_id"] == w.sc_member.pk
    assert len(data["milestones"]) == 1
    # A candidate before the vote is not on the oversight pages.
    candidate = w._project("候选项目", 3)
    Project.objects.filter(pk=candidate.pk).update(status=ProjectStatus.CANDIDATE)
    assert login_client(w.staff).get(f"/api/v1/livelihood/projects/{candidate.pk}/oversight").status_code == 404
    assert client.get(f"/api/v1/livelihood/projects/{w.project.pk}/oversight").status_code == 401
