"""The public portal of livelihood projects: only public data, escaped, and a guarded proposal form."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.core.models import AuditEvent
from renda.livelihood.models import (
    Cycle,
    CycleStatus,
    Milestone,
    Problem,
    ProblemStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    Proposal,
    ProposalSource,
    ReportKind,
    SubItem,
    SupervisionGroup,
    SupervisionVisit,
)
from renda.livelihood.views import public
from renda.organizations.models import Congress, Unit
from renda.organizations.roles import Role
from renda.tests_support.factories import UserFactory

SECRET_NAME = "张秘密"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def make_cycle(city: Congress, *, year: int, status: str, **fields: Any) -> Cycle:
    today = timezone.localdate()
    defaults: dict[str, Any] = {
        "title": f"{year}年民生实事项目",
        "solicit_opens_on": today - dt.timedelta(days=10),
        "solicit_closes_on": today + dt.timedelta(days=20),
        "slots": 2,
        "created_by": UserFactory(),
    }
    defaults.update(fields)
    return Cycle.objects.create(congress=city, year=year, status=status, **defaults)


def make_project(cycle: Cycle, unit: Unit, name: str, *, status: str, order: int | None, **fields: Any) -> Project:
    return Project.objects.create(
        cycle=cycle,
        name=name,
        content=f"{name}的内容",
        investment=fields.pop("investment", Decimal("1200.50")),
        funding_source="市级财政",
        lead_unit=unit,
        completion_date=dt.date(cycle.year, 12, 31),
        status=status,
        list_order=order,
        **fields,
    )


@pytest.fixture
def voted(city: Congress, unit: Unit) -> dict[str, Any]:
    """A 2025 cycle after the vote: two decided, one not selected, one excluded; the first fully followed."""
    cycle = make_cycle(city, year=2025, status=CycleStatus.IMPLEMENTING, party_approved_on=dt.date(2024, 12, 1))
    first = make_project(
        cycle,
        unit,
        "老旧小区加装电梯",
        status=ProjectStatus.COMPLETED,
        order=1,
        votes=40,
        rank=1,
        plan="分三批实施",
        plan_published_at=timezone.now(),
        completion_percent=100,
        completed_on=dt.date(2025, 11, 30),
        rating_satisfied=30,
        rating_basic=8,
        rating_dissatisfied=2,
        verdict="satisfied",
    )
    second = make_project(cycle, unit, "新增公办托位", status=ProjectStatus.IMPLEMENTING, order=2, votes=35, rank=2)
    loser = make_project(cycle, unit, "城市书房", status=ProjectStatus.NOT_SELECTED, order=3, votes=10, rank=3)
    excluded = make_project(
        cycle, unit, "建设体育中心", status=ProjectStatus.EXCLUDED, order=None, exclusion_reason="投资过大，超出财力"
    )
    Proposal.objects.create(
        cycle=cycle,
        source=ProposalSource.PUBLIC,
        proposer_name=SECRET_NAME,
        title="加装电梯",
        content="建议为老旧小区加装电梯",
        project=first,
        status="adopted",
    )
    SubItem.objects.create(project=first, order=1, name="东区电梯", completion_percent=100)
    Milestone.objects.create(project=first, title="完成招标", due_on=dt.date(2025, 3, 31), responsible_unit=unit)
    for quarter, percent in ((1, 20), (2, 50), (3, 80), (4, 100)):
        ProgressReport.objects.create(
            project=first,
            kind=ReportKind.QUARTERLY,
            year=2025,
            quarter=quarter,
            completion_percent=percent,
            content=f"第{quarter}季度进展",
            submitted_by=UserFactory(),
            submitted_at=timezone.now(),
        )
    ProgressReport.objects.create(
        project=first,
        kind=ReportKind.COMPLETION,
        year=2025,
        completion_percent=100,
        content="全部完成",
        submitted_by=UserFactory(),
        submitted_at=timezone.now(),
    )
    leader = UserFactory()
    group = SupervisionGroup.objects.create(project=first, leader=leader)
    visit = SupervisionVisit.objects.create(
        group=group, held_on=dt.date(2025, 6, 1), place="东区小区", findings="施工进度正常", recorded_by=leader
    )
    visit.participants.add(leader)
    for status in (ProblemStatus.CLOSED, ProblemStatus.CLOSED, ProblemStatus.OPEN):
        Problem.objects.create(
            project=first, description="问题", responsible_unit=unit, rectify_by=dt.date(2025, 7, 1), status=status
        )
    return {"cycle": cycle, "first": first, "second": second, "loser": loser, "excluded": excluded}


def test_list_shows_approved_cycles_and_open_calls_only(client: Client, city: Congress, voted: dict[str, Any]) -> None:
    make_cycle(city, year=2026, status=CycleStatus.SCREENING, title="二〇二六年（初选中）")
    make_cycle(city, year=2027, status=CycleStatus.SOLICITING, title="二〇二七年征集")
    response = client.get(reverse("portal:livelihood_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2025年民生实事项目" in page
    assert "二〇二六年（初选中）" not in page
    assert "二〇二七年征集" in page  # the open call
    assert reverse("portal:livelihood_propose") in page


def test_cycle_before_the_vote_shows_candidates_but_no_votes_or_exclusions(
    client: Client, city: Congress, unit: Unit
) -> None:
    cycle = make_cycle(city, year=2026, status=CycleStatus.LIST_APPROVED)
    make_project(cycle, unit, "候选甲", status=ProjectStatus.CANDIDATE, order=1)
    make_project(cycle, unit, "被排除乙", status=ProjectStatus.EXCLUDED, order=None, exclusion_reason="不符合条件")
    response = client.get(reverse("portal:livelihood_cycle", kwargs={"year": 2026}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "候选甲" in page and "1200.5" in page and unit.name in page
    assert "被排除乙" not in page and "得票" not in page


def test_cycle_after_the_vote_shows_votes_ranks_and_exclusions(client: Client, voted: dict[str, Any]) -> None:
    response = client.get(reverse("portal:livelihood_cycle", kwargs={"year": 2025}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "得票 40" in page and "第 1 名" in page and "票决确定" in page
    assert "未当选" in page
    assert "建设体育中心" in page and "投资过大，超出财力" in page
    assert SECRET_NAME not in page


def test_unapproved_cycle_and_its_projects_are_404(client: Client, city: Congress, unit: Unit) -> None:
    cycle = make_cycle(city, year=2026, status=CycleStatus.SCREENING)
    project = make_project(cycle, unit, "草拟中的项目", status=ProjectStatus.CANDIDATE, order=1)
    assert client.get(reverse("portal:livelihood_cycle", kwargs={"year": 2026})).status_code == 404
    assert client.get(reverse("portal:livelihood_project", kwargs={"project_id": project.pk})).status_code == 404


def test_project_page_follows_the_project_to_its_rating(client: Client, voted: dict[str, Any]) -> None:
    first = voted["first"]
    response = client.get(reverse("portal:livelihood_project", kwargs={"project_id": first.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "分三批实施" in page and "完成招标" in page  # plan and milestones
    assert page.count('data-testid="quarterly-report"') == 4
    assert "施工进度正常" in page and "东区小区" in page  # the visit
    assert "发现问题 3 个：已销号 2 个，整改中 0 个，待整改 1 个。" in page
    assert "全部完成" in page  # completion report
    assert "满意 30 票，基本满意 8 票，不满意 2 票。" in page
    assert SECRET_NAME not in page


def test_excluded_project_has_no_page_and_names_are_escaped(client: Client, voted: dict[str, Any], unit: Unit) -> None:
    assert (
        client.get(reverse("portal:livelihood_project", kwargs={"project_id": voted["excluded"].pk})).status_code == 404
    )
    evil = make_project(
        voted["cycle"], unit, "<script>alert(1)</script>", status=ProjectStatus.NOT_SELECTED, order=9, votes=1, rank=9
    )
    for url in (
        reverse("portal:livelihood_cycle", kwargs={"year": 2025}),
        reverse("portal:livelihood_project", kwargs={"project_id": evil.pk}),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_api_portal_shows_the_same_public_data(client: Client, voted: dict[str, Any]) -> None:
    listing = client.get("/api/v1/portal/livelihood").json()
    assert [cycle["year"] for cycle in listing["cycles"]] == [2025]
    detail = client.get("/api/v1/portal/livelihood/2025").json()
    assert detail["voted"] is True
    names = {project["name"]: project for project in detail["projects"]}
    assert names["建设体育中心"]["exclusion_reason"] == "投资过大，超出财力"
    assert names["老旧小区加装电梯"]["votes"] == 40
    project = client.get(f"/api/v1/portal/livelihood/projects/{voted['first'].pk}").json()
    assert project["rating"] == {"satisfied": 30, "basic": 8, "dissatisfied": 2, "verdict": "satisfied"}
    assert project["problems"] == {"open": 1, "rectifying": 0, "closed": 2}
    assert len(project["reports"]) == 5 and project["visits"][0]["participants"] == 1
    assert SECRET_NAME not in str(listing) + str(detail) + str(project)
    assert client.get("/api/v1/portal/livelihood/2030").status_code == 404


# --- the proposal form ---


def _captcha(page: str) -> tuple[str, str]:
    """The answer of the sum on the page, and the token that goes with it."""
    match = re.search(r"(\d) \+ (\d) = \?", page)
    token = re.search(r'name="captcha_token" value="([^"]+)"', page)
    assert match and token, page
    return str(int(match.group(1)) + int(match.group(2))), token.group(1)


def _proposal_data(client: Client, cycle: Cycle, **override: str) -> dict[str, str]:
    page = client.get(reverse("portal:livelihood_propose")).content.decode()
    answer, token = _captcha(page)
    data = {
        "cycle": str(cycle.pk),
        "title": "增设社区食堂",
        "content": "建议在老城区增设社区老年食堂，方便老人就餐。",
        "field": "elderly",
        "proposer_name": SECRET_NAME,
        "captcha_answer": answer,
        "captcha_token": token,
    }
    data.update(override)
    return data


@pytest.fixture
def soliciting(city: Congress) -> Cycle:
    return make_cycle(city, year=2027, status=CycleStatus.SOLICITING)


def test_anonymous_proposal_with_the_right_answer_is_saved(client: Client, soliciting: Cycle) -> None:
    response = client.post(reverse("portal:livelihood_propose"), _proposal_data(client, soliciting))
    assert response.status_code == 302
    assert response.url == reverse("portal:livelihood_proposed")
    proposal = Proposal.objects.get()
    assert proposal.source == ProposalSource.PUBLIC and proposal.proposer is None
    assert proposal.proposer_name == SECRET_NAME and proposal.field == "elderly"
    assert AuditEvent.objects.filter(action__contains="proposal").exists()


def test_logged_in_citizen_proposes_under_their_account(
    client_for: Callable[[User], Client], make_person: Callable[..., User], soliciting: Cycle
) -> None:
    citizen = make_person(Role.CITIZEN)
    client = client_for(citizen)
    assert client.post(reverse("portal:livelihood_propose"), _proposal_data(client, soliciting)).status_code == 302
    assert Proposal.objects.get().proposer == citizen


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"captcha_answer": "99"}, "验证码计算结果不正确"),
        ({"captcha_token": "forged"}, "验证码无效"),
        ({"captcha_answer": ""}, "请填写验证码的计算结果"),
        ({"title": ""}, "请填写项目名称"),
        ({"content": ""}, "请填写项目内容"),
        ({"content": "太短"}, "项目内容"),  # the action's minimum length, named by field
    ],
)
def test_refused_proposal_names_the_field_and_saves_nothing(
    client: Client, soliciting: Cycle, override: dict[str, str], message: str
) -> None:
    response = client.post(reverse("portal:livelihood_propose"), _proposal_data(client, soliciting, **override))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Proposal.objects.exists()
    # A fresh sum is asked, the wrong answer is not echoed back.
    assert (
        'name="captcha_answer" value=' not in response.content.decode() or 'value="99"' not in response.content.decode()
    )


def test_captcha_is_good_for_one_proposal(client: Client, soliciting: Cycle) -> None:
    data = _proposal_data(client, soliciting)
    assert client.post(reverse("portal:livelihood_propose"), data).status_code == 302
    again = client.post(reverse("portal:livelihood_propose"), data)
    assert again.status_code == 400 and "验证码已使用" in again.content.decode()
    assert Proposal.objects.count() == 1


def test_rate_limit_per_address_stops_a_flood(
    client: Client, soliciting: Cycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public, "PROPOSALS_PER_WINDOW", 2)
    for _attempt in range(2):
        assert client.post(reverse("portal:livelihood_propose"), _proposal_data(client, soliciting)).status_code == 302
    response = client.post(reverse("portal:livelihood_propose"), _proposal_data(client, soliciting))
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert Proposal.objects.count() == 2
    # Another address is not affected.
    other = client.post(
        reverse("portal:livelihood_propose"), _proposal_data(client, soliciting), REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_no_open_call_means_no_form(client: Client, city: Congress) -> None:
    make_cycle(
        city,
        year=2027,
        status=CycleStatus.SOLICITING,
        solicit_opens_on=dt.date(2020, 1, 1),
        solicit_closes_on=dt.date(2020, 2, 1),
    )
    response = client.get(reverse("portal:livelihood_propose"))
    assert response.status_code == 200
    assert 'data-testid="no-call"' in response.content.decode()


def test_api_proposal_needs_a_login_and_is_rate_limited(
    client: Client,
    client_for: Callable[[User], Client],
    make_person: Callable[..., User],
    soliciting: Cycle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(public, "PROPOSALS_PER_WINDOW", 1)
    body = {
        "cycle_id": soliciting.pk,
        "title": "增设社区食堂",
        "content": "建议在老城区增设社区老年食堂，方便老人就餐。",
    }
    url = "/api/v1/portal/livelihood/proposals"
    assert client.post(url, body, content_type="application/json").status_code == 401
    citizen = make_person(Role.CITIZEN)
    api = client_for(citizen)
    created = api.post(url, body, content_type="application/json")
    assert created.status_code == 201 and created.json()["title"] == "增设社区食堂"
    assert Proposal.objects.get().proposer == citizen
    limited = api.post(url, body, content_type="application/json")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert Proposal.objects.count() == 1
