"""Voting in the meeting hall: deputies vote from their phones, staff closes, the big screen shows the count.

Three deputies vote in separate browsers on a "choose 2 of 3 candidates" ballot; while the ballot is open
the big screen shows only how many have voted, and after staff closes it the tally matches the votes cast.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, BrowserProblems
from e2e.test_shell import assert_healthy, login, snap

CANDIDATES = ["城东养老服务中心", "中小学课后托管", "老旧小区加装电梯"]
# Who votes for what; deputy0002 is in the electorate but does not vote.
VOTES = {
    "deputy": [CANDIDATES[0], CANDIDATES[1]],
    "member": [CANDIDATES[0], CANDIDATES[2]],
    "deputy0001": [CANDIDATES[0], CANDIDATES[1]],
}
ELECTORATE = [*VOTES, "deputy0002"]


@pytest.fixture
def ballot_id(demo_city: str) -> int:
    """The city's committee staff creates and opens the ballot; deputy0001 gets a password to log in with."""
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.ballots import actions
    from renda.organizations.models import Congress

    city = Congress.objects.get(code="jiangcheng")
    clerk = User.objects.get(username="clerk")
    clerk.active_assignment = clerk.role_assignments.get(congress=city)
    for username in ("deputy0001", "deputy0002"):
        person = User.objects.get(username=username)
        person.set_password(DEMO_PASSWORD)
        person.save()
    voters = [User.objects.get(username=username) for username in ELECTORATE]
    now = timezone.now()
    ballot = actions.ballot_create(
        actor=clerk,
        congress=city,
        title="2027 年民生实事项目票决",
        rule="select_k_of_n",
        k=2,
        questions=[actions.QuestionSpec(text="2027 年市级民生实事项目", options=CANDIDATES)],
        electorate=voters,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=2),
    )
    return int(actions.ballot_open(actor=clerk, ballot=ballot).pk)


def _login_voter(page: Page, username: str) -> None:
    if username in {"deputy", "member"}:
        login(page, username)
        return
    page.goto("/accounts/login/")
    page.locator("[name=identifier]").fill(username)
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def _choice(page: Page, label: str) -> Any:
    return page.locator("label.choice", has_text=label).locator("input")


def test_three_deputies_vote_and_the_big_screen_shows_the_tally(
    page: Page,
    new_page,  # type: ignore[no-untyped-def]
    screenshot_dir: Path,
    problems: BrowserProblems,
    ballot_id: int,
) -> None:
    # The staff member puts the big screen up before anyone votes.
    login(page, "clerk")
    # A second tab in the staff member's browser (a TOTP code may be used only once).
    screen = page.context.new_page()
    problems.watch(screen)
    screen.goto(f"/ballots/{ballot_id}/screen/")
    expect(screen.get_by_test_id("screen-title")).to_have_text("2027 年民生实事项目票决")
    expect(screen.get_by_test_id("screen-electorate")).to_have_text(str(len(ELECTORATE)))
    expect(screen.get_by_test_id("screen-cast")).to_have_text("0")
    expect(screen.get_by_test_id("screen-quorum")).to_contain_text("尚未达到法定人数")
    assert_healthy(screen)
    snap(screen, screenshot_dir, "ballot-screen-open")

    receipts = set()
    for index, (username, chosen) in enumerate(VOTES.items()):
        voter = new_page()
        _login_voter(voter, username)
        voter.get_by_role("navigation", name="主导航").get_by_role("link", name="投票表决").click()
        item = voter.get_by_test_id("ballot-item").first
        expect(item).to_contain_text("2027 年民生实事项目票决")
        expect(item).to_contain_text("请投票")
        if index == 0:
            snap(voter, screenshot_dir, "ballot-list")
        item.get_by_role("link").click()
        expect(voter.get_by_test_id("ballot-title")).to_have_text("2027 年民生实事项目票决")
        expect(voter.get_by_test_id("ballot-form")).to_contain_text("最多选 2 项")
        assert_healthy(voter)
        if index == 0:
            snap(voter, screenshot_dir, "ballot-vote")
            # Ticking all three is refused by the server, with the ticks kept.
            for label in CANDIDATES:
                _choice(voter, label).check()
            voter.get_by_role("button", name="提交选票").click()
            expect(voter.get_by_test_id("ballot-error")).to_have_text("每个事项最多选择 2 项")
            expect(voter.locator("label.choice input:checked")).to_have_count(3)
            snap(voter, screenshot_dir, "ballot-vote-too-many")
            for label in CANDIDATES:
                _choice(voter, label).uncheck()
        for label in chosen:
            _choice(voter, label).check()
        voter.get_by_role("button", name="提交选票").click()
        expect(voter.get_by_test_id("receipt")).to_contain_text("请记下回执码")
        code = voter.get_by_test_id("receipt-code").inner_text().strip()
        assert len(code) >= 16, code
        receipts.add(code)
        expect(voter.get_by_test_id("already-voted")).to_contain_text("您已投票")
        if index == 0:
            snap(voter, screenshot_dir, "ballot-receipt")
        # Shown once: on reload the code is gone and the form does not come back.
        voter.goto(f"/ballots/{ballot_id}/")
        expect(voter.get_by_test_id("already-voted")).to_contain_text("您已投票")
        expect(voter.get_by_test_id("receipt")).to_have_count(0)
        expect(voter.get_by_test_id("ballot-form")).to_have_count(0)
        # The big screen counts the ballot within a few seconds (htmx polling), and shows no tally.
        expect(screen.get_by_test_id("screen-cast")).to_have_text(str(index + 1))
        expect(screen.get_by_test_id("tally-row")).to_have_count(0)
    assert len(receipts) == len(VOTES)
    expect(screen.get_by_test_id("screen-quorum")).to_have_text("已达到法定人数")
    expect(screen.locator("body")).not_to_contain_text(CANDIDATES[0])

    # Staff closes early (deputy0002 has not voted).
    page.goto(f"/ballots/{ballot_id}/")
    expect(page.get_by_test_id("ballot-counts")).to_contain_text("已投 3 / 应投 4 人")
    expect(page.get_by_test_id("not-electorate")).to_be_visible()
    snap(page, screenshot_dir, "ballot-staff-open")
    page.get_by_role("button", name="提前结束投票并计票").click()
    expect(page.locator(".messages")).to_contain_text("表决已结束，计票完成")
    expect(page.get_by_test_id("ballot-status")).to_have_text("已结束")
    expect(page.get_by_test_id("result")).to_be_visible()
    assert_healthy(page)
    snap(page, screenshot_dir, "ballot-staff-closed")

    # The big screen picks up the result by itself and stops polling.
    expected = Counter(label for chosen in VOTES.values() for label in chosen)
    rows = screen.get_by_test_id("tally-row")
    expect(rows).to_have_count(len(CANDIDATES))
    expect(screen.get_by_test_id("screen-body")).to_have_attribute("data-status", "closed")
    for label in CANDIDATES:
        row = rows.filter(has_text=label)
        expect(row.get_by_test_id("tally-votes")).to_have_text(str(expected[label]))
    elected = [label for label, _votes in expected.most_common(2)]
    for label in elected:
        expect(rows.filter(has_text=label)).to_contain_text("当选")
    loser = next(label for label in CANDIDATES if label not in elected)
    expect(rows.filter(has_text=loser)).not_to_contain_text("当选")
    expect(screen.get_by_test_id("verdict")).to_have_text("已确定当选")
    assert screen.locator("[hx-trigger]").count() == 0
    # The bars really are drawn: the progress element has width on screen.
    bar_width = rows.first.locator("progress").evaluate("(el) => el.getBoundingClientRect().width")
    assert bar_width > 100, bar_width
    assert_healthy(screen)
    snap(screen, screenshot_dir, "ballot-screen-closed")

    # A voter sees the same result on the voting page.
    voter = new_page()
    login(voter, "deputy")
    voter.goto(f"/ballots/{ballot_id}/")
    expect(voter.get_by_test_id("result")).to_contain_text("当选")
    snap(voter, screenshot_dir, "ballot-result-voter")
