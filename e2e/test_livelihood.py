"""The livelihood projects' vote in a real browser, then implementation, a progress report and the rating.

Issue "Done when": 20 deputies in separate browser contexts vote on 13 candidates for 10 places; the big
screen then shows a tally that matches the votes cast; the project then moves through implementation, a
progress report and a satisfaction rating.

The fixture takes next year's cycle through solicitation, screening, the approved list and the
deliberation materials with the real actions; the browser does the rest: the staff member opens the
vote, every deputy votes from their own browser, the staff member closes it and the big screen shows
the count; the lead unit publishes one project's implementation plan and files a quarterly report, the
government office's head reports it complete, and a satisfaction rating gives its verdict.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, BrowserProblems
from e2e.test_shell import assert_healthy, login, snap

SLOTS = 10
# The candidates in list order: (name, lead unit, how many of the 20 deputies leave it unticked).
# Every deputy ticks exactly 10 of the 13, so the misses add up to 20 × 3 = 60; the 10th and the
# 11th differ (14 and 11 votes), so the result needs no runoff.
CANDIDATES: list[tuple[str, str, int]] = [
    ("老旧小区加装电梯", "市住房和城乡建设局", 0),
    ("社区老年助餐服务", "市民政局", 2),
    ("城市地下综合管廊", "市住房和城乡建设局", 9),
    ("公办幼儿园扩容", "市教育局", 1),
    ("城乡公交线路优化", "市交通运输局", 3),
    ("乡镇卫生院能力提升", "市卫生健康委员会", 4),
    ("中心城区立体停车场", "市城市管理局", 10),
    ("零工市场建设", "市人力资源和社会保障局", 2),
    ("背街小巷路灯改造", "市城市管理局", 3),
    ("农村饮用水提质", "市水务局", 5),
    ("社区体育公园", "市体育局", 4),
    ("城市书房", "市文化广电旅游局", 11),
    ("农贸市场快检", "市市场监督管理局", 6),
]
NAMES = [name for name, _unit, _misses in CANDIDATES]
# The project followed through implementation: its lead unit is the demo officer's 住建局.
FOLLOWED = NAMES[0]
DEPUTIES = [f"deputy{index:04d}" for index in range(1, 21)]
# Twelve of them rate (the quorum is 11 of 20); the followed project gets 10 满意, 1 基本满意, 1 不满意.
# 满意 needs more than half of all 20 (10 is not), 满意 + 基本满意 = 11 is: the verdict is 基本满意.
FOLLOWED_RATINGS = ["满意"] * 10 + ["基本满意", "不满意"]


def ballot_papers() -> list[list[str]]:
    """Each deputy's ticks (10 names each): the next deputy leaves out the three candidates with the most
    misses still to give, ties broken by a rotation, so every paper differs and the totals are as planned."""
    left = {name: misses for name, _unit, misses in CANDIDATES}
    papers = []
    for voter in range(len(DEPUTIES)):
        rotation = {name: (index + voter) % len(NAMES) for index, name in enumerate(NAMES)}
        skipped = sorted(NAMES, key=lambda name: (-left[name], rotation[name]))[: len(NAMES) - SLOTS]
        for name in skipped:
            assert left[name] > 0, (voter, name)
            left[name] -= 1
        papers.append([name for name in NAMES if name not in skipped])
    assert not any(left.values()), left
    return papers


@dataclass(frozen=True)
class Ready:
    cycle_id: int
    title: str
    followed_id: int


@pytest.fixture
def cycle_ready(demo_city: str) -> Ready:
    """Next year's cycle in the demo city, with the real actions, up to the deliberation before the vote.

    A small congress: only deputy0001…deputy0020 keep their city DEPUTY role (the administrator revokes
    the others'), so the vote's electorate, quorum (11) and majorities are those of 20 deputies. The
    government office (which screens the candidates) gets an officer and a head, as in the demo.
    """
    from django.contrib.auth.hashers import make_password
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.livelihood.actions import cycle as c
    from renda.livelihood.models import Project
    from renda.organizations import actions as org
    from renda.organizations.models import Congress, RoleAssignment, Unit, UnitKind
    from renda.organizations.roles import Role

    city = Congress.objects.get(code="jiangcheng")

    def acting(username: str, role: str) -> User:
        person = User.objects.get(username=username)
        person.active_assignment = person.role_assignments.select_related("unit", "congress").get(
            congress=city, role=role, is_active=True
        )
        return person

    admin = acting("admin", Role.STAFF_ADMIN)
    clerk = acting("clerk", Role.COMMITTEE_STAFF)
    office_unit = Unit.objects.get(congress=city, kind=UnitKind.GOVERNMENT_OFFICE)
    for username, full_name, role in (
        ("govoffice", "市政府办经办人", Role.UNIT_OFFICER),
        ("govhead", "市政府办负责人", Role.UNIT_HEAD),
    ):
        person = User.objects.create(
            username=username,
            full_name=full_name,
            password=make_password(DEMO_PASSWORD),
            password_changed_at=timezone.now(),
        )
        org.role_grant(actor=admin, user=person, congress=city, role=role, unit=office_unit)
    office = acting("govoffice", Role.UNIT_OFFICER)

    kept = RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, user__username__in=DEPUTIES)
    assert kept.count() == len(DEPUTIES)
    others = RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, is_active=True).exclude(
        pk__in=kept.values("pk")
    )
    for assignment in others.select_related("congress"):
        org.role_revoke(actor=admin, assignment=assignment)
    for person in User.objects.filter(username__in=DEPUTIES):
        person.set_password(DEMO_PASSWORD)
        person.save(update_fields=["password"])

    today = timezone.localdate()
    year = today.year + 1
    cycle = c.cycle_create(
        actor=clerk,
        congress=city,
        year=year,
        solicit_opens_on=today - dt.timedelta(days=40),
        solicit_closes_on=today - dt.timedelta(days=1),
        slots=SLOTS,
    )
    c.screening_start(actor=clerk, cycle=cycle)
    units = {unit.name: unit for unit in Unit.objects.filter(congress=city)}
    for name, unit_name, _misses in CANDIDATES:
        c.candidate_add(
            actor=office,
            cycle=cycle,
            name=name,
            content=f"{name}：{year}年内完成建设任务，惠及全市群众。",
            field="other",
            investment=3000,
            funding_source="市级财政资金",
            lead_unit=units[unit_name],
            completion_date=dt.date(year, 12, 31),
        )
    c.list_approve(actor=office, cycle=cycle, approved_on=today, approval_ref=f"市委办〔{today.year}〕66号")
    c.material_add(
        actor=clerk,
        cycle=cycle,
        title=f"关于{year}年民生实事候选项目的说明",
        upload=SimpleUploadedFile("候选项目说明.pdf", b"%PDF-1.4 e2e livelihood", "application/pdf"),
    )
    c.materials_send(actor=clerk, cycle=cycle)
    followed = Project.objects.get(cycle=cycle, name=FOLLOWED)
    return Ready(cycle_id=cycle.pk, title=cycle.title, followed_id=followed.pk)


def finish_the_other_projects(cycle_id: int, followed_id: int) -> None:
    """The other nine decided projects get their plan and completion report by the real actions: they have
    the same pages as the followed one, which the browser goes through."""
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.livelihood.actions import oversight
    from renda.livelihood.models import Project, ProjectStatus
    from renda.organizations.roles import Role

    def acting(username: str, role: str) -> User:
        person = User.objects.get(username=username)
        person.active_assignment = person.role_assignments.select_related("unit", "congress").get(
            role=role, is_active=True
        )
        return person

    office = acting("govoffice", Role.UNIT_OFFICER)
    head = acting("govhead", Role.UNIT_HEAD)
    today = timezone.localdate()
    others = Project.objects.filter(cycle_id=cycle_id, status=ProjectStatus.DECIDED).exclude(pk=followed_id)
    assert others.count() == SLOTS - 1
    for project in others.select_related("cycle", "lead_unit"):
        oversight.plan_publish(
            actor=office,
            project=project,
            plan=f"{project.name}实施方案。",
            milestones=[("全面完工并验收", today, project.lead_unit)],
        )
        oversight.completion_report(
            actor=head, project=project, completed_on=today, completion_percent=100, content="已全面完成。"
        )


def _login_plain(page: Page, username: str) -> None:
    """People outside the demo's list of logins: the same password, no TOTP."""
    page.goto("/accounts/login/")
    page.locator("[name=identifier]").fill(username)
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_test_id("active-role")).to_be_visible()


def _ballot_id(page: Page) -> int:
    expect(page).to_have_url(re.compile(r"/ballots/\d+/$"))
    match = re.search(r"/ballots/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_twenty_deputies_vote_then_a_project_is_carried_out_reported_and_rated(
    page: Page,
    new_page: Callable[[], Page],
    screenshot_dir: Path,
    problems: BrowserProblems,
    cycle_ready: Ready,
) -> None:
    from django.utils import timezone

    cycle_url = f"/livelihood/cycles/{cycle_ready.cycle_id}/"
    project_url = f"/livelihood/projects/{cycle_ready.followed_id}/"

    # 1. The staff member finds the cycle in deliberation and opens the vote for the 20 deputies.
    login(page, "clerk")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="民生实事").click()
    page.get_by_role("link", name=cycle_ready.title).click()
    expect(page.get_by_test_id("cycle-status")).to_have_text("大会审议")
    expect(page.get_by_test_id("candidates").locator("tbody tr")).to_have_count(len(NAMES))
    assert_healthy(page)
    snap(page, screenshot_dir, "livelihood-cycle-deliberation")
    page.get_by_test_id("cycle-actions").get_by_role("link", name="发起票决").click()
    expect(page.locator("main")).to_contain_text(f"从 {len(NAMES)} 个候选项目中选出不超过 {SLOTS} 个")
    expect(page.locator("main")).to_contain_text(f"在任代表 {len(DEPUTIES)} 人")
    snap(page, screenshot_dir, "livelihood-vote-open")
    page.get_by_test_id("vote-form").get_by_role("button", name="开始票决").click()
    expect(page.locator(".messages")).to_contain_text("票决已开始")
    ballot_id = _ballot_id(page)
    expect(page.get_by_test_id("ballot-counts")).to_contain_text(f"已投 0 / 应投 {len(DEPUTIES)} 人")

    # The big screen, in a second tab of the staff member's browser.
    screen = page.context.new_page()
    problems.watch(screen)
    screen.goto(f"/ballots/{ballot_id}/screen/")
    expect(screen.get_by_test_id("screen-title")).to_have_text(f"{cycle_ready.title}票决")
    expect(screen.get_by_test_id("screen-electorate")).to_have_text(str(len(DEPUTIES)))
    expect(screen.get_by_test_id("screen-cast")).to_have_text("0")
    assert_healthy(screen)
    snap(screen, screenshot_dir, "livelihood-screen-open")
    # The open screen polls every 3 s, and every request rewrites the session (SESSION_SAVE_EVERY_REQUEST).
    # The live server's threads share the test's one in-memory SQLite connection, where two overlapping
    # writes fail with "database table is locked" (a 400 to whoever loses) instead of waiting as they do on
    # a real database. So the screen steps aside while 20 browsers vote and comes back for the count;
    # test_ballot.py watches it count ballots live.
    screen.goto("about:blank")

    # 2. Each deputy votes from their own browser; the pages stay open for the rating later.
    papers = ballot_papers()
    voters: list[Page] = []
    for index, (username, ticks) in enumerate(zip(DEPUTIES, papers, strict=True)):
        voter = new_page()
        voters.append(voter)
        _login_plain(voter, username)
        if index == 0:
            voter.get_by_role("navigation", name="主导航").get_by_role("link", name="民生实事").click()
            voter.get_by_role("link", name=cycle_ready.title).click()
            expect(voter.get_by_test_id("cycle-status")).to_have_text("票决中")
            snap(voter, screenshot_dir, "livelihood-cycle-voting-deputy")
        else:
            voter.goto(cycle_url)
        voter.get_by_test_id("vote-cta").get_by_role("link", name="进入票决").click()
        form = voter.get_by_test_id("ballot-form")
        expect(form).to_contain_text(f"最多选 {SLOTS} 项")
        if index == 0:
            expect(form.locator("label.choice")).to_have_count(len(NAMES))
            assert_healthy(voter)
            snap(voter, screenshot_dir, "livelihood-ballot-vote")
        for name in ticks:
            form.locator("label.choice", has_text=name).locator("input").check()
        form.get_by_role("button", name="提交选票").click()
        expect(voter.get_by_test_id("receipt-code")).to_be_visible()
        if index == 0:
            snap(voter, screenshot_dir, "livelihood-ballot-receipt")

    # 3. The staff member closes the vote; the big screen shows the count of the papers cast.
    page.goto(f"/ballots/{ballot_id}/")
    expect(page.get_by_test_id("ballot-counts")).to_contain_text(f"已投 {len(DEPUTIES)} / 应投 {len(DEPUTIES)} 人")
    page.get_by_role("button", name="提前结束投票并计票").click()
    expect(page.locator(".messages")).to_contain_text("表决已结束，计票完成")
    screen.goto(f"/ballots/{ballot_id}/screen/")
    expect(screen.get_by_test_id("screen-cast")).to_have_text(str(len(DEPUTIES)))
    expect(screen.get_by_test_id("screen-quorum")).to_have_text("已达到法定人数")
    expected = Counter(name for ticks in papers for name in ticks)
    assert sum(expected.values()) == len(DEPUTIES) * SLOTS
    elected = [name for name, _votes in expected.most_common(SLOTS)]
    assert expected[elected[-1]] > expected.most_common(SLOTS + 1)[-1][1], expected  # no tie for the last place
    rows = screen.get_by_test_id("tally-row")
    expect(rows).to_have_count(len(NAMES))
    expect(screen.get_by_test_id("screen-body")).to_have_attribute("data-status", "closed")
    expect(screen.get_by_test_id("verdict")).to_have_text("已确定当选")
    for name in NAMES:
        row = rows.filter(has_text=name)
        expect(row.get_by_test_id("tally-votes")).to_have_text(str(expected[name]))
        if name in elected:
            expect(row).to_contain_text("当选")
        else:
            expect(row).not_to_contain_text("当选")
    shown = {
        re.sub(r"^\d+\.\s*", "", label.strip()): int(votes)
        for label, votes in zip(
            rows.locator(".tally-label").evaluate_all("(els) => els.map((el) => el.firstChild.textContent)"),
            rows.evaluate_all("(els) => els.map((el) => el.dataset.votes)"),
            strict=True,
        )
    }
    assert shown == dict(expected) | {name: 0 for name in NAMES if name not in expected}, shown
    assert_healthy(screen)
    snap(screen, screenshot_dir, "livelihood-screen-closed")

    # The cycle page lists the ten decided projects and the three that were not.
    page.goto(cycle_url)
    expect(page.get_by_test_id("cycle-status")).to_have_text("已票决")
    results = page.get_by_test_id("results").locator("tbody tr")
    expect(results).to_have_count(len(NAMES))
    expect(results.filter(has_text="未当选")).to_have_count(len(NAMES) - SLOTS)
    for name in elected:
        expect(results.filter(has_text=name)).to_contain_text("已票决")
        expect(results.filter(has_text=name)).to_contain_text(str(expected[name]))
    assert_healthy(page)
    snap(page, screenshot_dir, "livelihood-cycle-decided")
    assert FOLLOWED in elected

    # 4. The other nine decided projects are planned and completed by the actions (same pages as below).
    finish_the_other_projects(cycle_ready.cycle_id, cycle_ready.followed_id)

    # The lead unit (the demo officer of 住建局) publishes the followed project's implementation plan.
    officer = new_page()
    login(officer, "officer")
    officer.get_by_role("navigation", name="主导航").get_by_role("link", name="民生实事承办").click()
    item = officer.get_by_test_id("unit-project").filter(has_text=FOLLOWED)
    expect(item).to_contain_text("待公布实施方案")
    item.get_by_role("link", name=FOLLOWED).click()
    expect(officer.get_by_test_id("project-name")).to_have_text(FOLLOWED)
    expect(officer.get_by_test_id("project-status")).to_have_text("已票决")
    snap(officer, screenshot_dir, "livelihood-project-decided")
    officer.get_by_test_id("plan").get_by_role("link", name="公布实施方案").click()
    today = timezone.localdate()
    year = today.year + 1
    officer.locator("[name=plan]").fill(f"{FOLLOWED}实施方案：明确责任分工、资金安排和时间节点，按季度推进。")
    officer.locator("[name=title_1]").fill("完成项目设计和招标")
    officer.locator("[name=due_1]").fill(dt.date(year, 4, 30).isoformat())
    officer.locator("[name=title_2]").fill("全面完工并验收")
    officer.locator("[name=due_2]").fill(dt.date(year, 12, 15).isoformat())
    snap(officer, screenshot_dir, "livelihood-plan-form")
    officer.get_by_role("button", name="公布", exact=True).click()
    expect(officer.locator(".messages")).to_contain_text("实施方案已公布")
    expect(officer.get_by_test_id("project-status")).to_have_text("实施中")
    expect(officer.get_by_test_id("milestones").locator("li")).to_have_count(2)

    # ...and files a quarterly progress report.
    officer.get_by_test_id("progress").get_by_role("link", name="报送季度进展").click()
    expect(officer.locator("h1")).to_have_text("报送季度进展")
    quarter = int(officer.locator("[name=quarter]").input_value())
    report_year = int(officer.locator("[name=year]").input_value())
    officer.locator("[name=completion_percent]").fill("40")
    officer.locator("[name=content]").fill("完成设计和招标，首批 12 台电梯开工。")
    officer.locator("[name=funds_spent]").fill("1200")
    snap(officer, screenshot_dir, "livelihood-report-form")
    officer.get_by_role("button", name="提交", exact=True).click()
    expect(officer.locator(".messages")).to_contain_text("季度进展已报送")
    expect(officer.get_by_test_id("project-percent")).to_have_text("40%")
    expect(officer.get_by_test_id("reports")).to_contain_text(f"{report_year}年第{quarter}季度 · 40%")
    assert_healthy(officer)
    snap(officer, screenshot_dir, "livelihood-project-implementing")

    # 5. The government office's head reports it complete: the last one, so the rating may be organised.
    head = new_page()
    _login_plain(head, "govhead")
    head.goto(project_url)
    head.get_by_test_id("reports").get_by_role("link", name="报告完成情况").click()
    head.locator("[name=completion_percent]").fill("100")
    head.locator("[name=completed_on]").fill(today.isoformat())
    head.locator("[name=content]").fill("全部点位加装完成，通过竣工验收。")
    snap(head, screenshot_dir, "livelihood-completion-form")
    head.get_by_role("button", name="提交", exact=True).click()
    expect(head.locator(".messages")).to_contain_text("完成情况已报告")
    expect(head.get_by_test_id("project-status")).to_have_text("已完成")

    # 6. The staff member opens the satisfaction rating of the ten projects, for the deputies.
    page.goto(project_url)
    page.get_by_test_id("rating").get_by_role("link", name="组织满意度测评").click()
    expect(page.get_by_test_id("rating-items").locator("li")).to_have_count(SLOTS)
    snap(page, screenshot_dir, "livelihood-rating-open")
    page.get_by_role("button", name="开始测评").click()
    expect(page.locator(".messages")).to_contain_text("满意度测评已开始")
    rating_id = _ballot_id(page)
    expect(page.get_by_test_id("ballot-counts")).to_contain_text(f"已投 0 / 应投 {len(DEPUTIES)} 人")

    # Twelve deputies rate, from the browsers they voted in.
    for index, (voter, mark) in enumerate(zip(voters, FOLLOWED_RATINGS, strict=False)):
        voter.goto(f"/ballots/{rating_id}/")
        form = voter.get_by_test_id("ballot-form")
        questions = form.locator("fieldset.ballot-question")
        expect(questions).to_have_count(SLOTS)
        for number in range(SLOTS):
            question = questions.nth(number)
            followed = FOLLOWED in question.locator("legend").inner_text()
            question.get_by_role("radio", name=mark if followed else "满意", exact=True).check()
        if index == 0:
            assert_healthy(voter)
            snap(voter, screenshot_dir, "livelihood-rating-vote")
        form.get_by_role("button", name="提交选票").click()
        expect(voter.get_by_test_id("receipt-code")).to_be_visible()

    # 7. The staff member closes it; the project page shows the verdict and the counts.
    page.goto(f"/ballots/{rating_id}/")
    expect(page.get_by_test_id("ballot-counts")).to_contain_text(
        f"已投 {len(FOLLOWED_RATINGS)} / 应投 {len(DEPUTIES)} 人"
    )
    page.get_by_role("button", name="提前结束投票并计票").click()
    expect(page.locator(".messages")).to_contain_text("表决已结束，计票完成")
    page.goto(project_url)
    rating = page.get_by_test_id("rating")
    expect(rating.get_by_test_id("verdict")).to_have_text("基本满意")
    expect(rating).to_contain_text("满意 10 票，基本满意 1 票，不满意 1 票")
    expect(rating).to_contain_text("总体满意率 91.67%")
    expect(page.get_by_test_id("key-supervision")).to_have_count(0)
    assert_healthy(page)
    snap(page, screenshot_dir, "livelihood-project-rated")
    page.goto(cycle_url)
    expect(page.get_by_test_id("cycle-status")).to_have_text("已测评")
