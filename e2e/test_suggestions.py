"""The whole life of a deputy's suggestion, through the real pages (issue #4, "Done when").

A deputy drafts a suggestion and two co-signers confirm it; committee staff register it and assign it to a
lead unit and a co-handling unit; the co-handling unit sends its opinion; the lead unit talks to the deputy,
drafts the reply and its head signs it off; the deputy is not satisfied, so the item is handled a second
time and answered again; the deputy is then satisfied. The item is counted in the statistics (1/1 on a
fresh demo city) and, once disclosed, an anonymous visitor reads it and the reply on the public portal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import DEMO_PASSWORD, BrowserProblems
from e2e.test_shell import DEMO_ROLES, assert_healthy, login, snap

TITLE = "关于加快老旧小区加装电梯的建议"
BODY = "江城市老旧小区多为六层以下住宅，老年住户上下楼困难。建议简化加装电梯审批流程，统一补贴标准。"
LEAD_UNIT = "市住房和城乡建设局"
CO_UNIT = "市自然资源和规划局"
CO_OFFICER = "ziranguihua"
COSIGNERS = ("deputy0001", "deputy0002")
OPINION = "我局同意简化加装电梯的规划审批，占用公共空间的按简易程序办理。"
FIRST_REPLY = "我局已会同自然资源和规划局制定加装电梯简化审批办法，年内在三个街道试点。"
SECOND_REPLY = "经二次办理，加装电梯补贴标准已统一为每台二十万元，并已在全市推开，今年完成一百台。"


@pytest.fixture
def people(demo_city: str) -> dict[str, str]:
    """Passwords for the two co-signers, and an officer of the co-handling unit (it has no demo account)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.organizations.models import Congress, RoleAssignment, Unit
    from renda.organizations.roles import Role

    city = Congress.objects.get(code="jiangcheng")
    names = {}
    for username in COSIGNERS:
        person = User.objects.get(username=username)
        person.set_password(DEMO_PASSWORD)
        person.save()
        names[username] = person.display_name
    officer = User.objects.create(
        username=CO_OFFICER,
        full_name="规划局经办人",
        phone="13700000001",
        password=make_password(DEMO_PASSWORD),
        password_changed_at=timezone.now(),
    )
    RoleAssignment.objects.create(
        user=officer, congress=city, role=Role.UNIT_OFFICER, unit=Unit.objects.get(congress=city, name=CO_UNIT)
    )
    names[CO_OFFICER] = officer.display_name
    return names


def _login(page: Page, username: str) -> None:
    """Demo accounts through the shared helper (TOTP for staff); the others by password only."""
    if username in DEMO_ROLES:
        login(page, username)
        return
    page.goto("/accounts/login/")
    page.locator("[name=identifier]").fill(username)
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("active-role")).to_be_visible()


def _nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True).click()


def _status(page: Page) -> Locator:
    return page.get_by_test_id("suggestion-status")


def _open_item(page: Page, item_url: str) -> None:
    page.goto(item_url)
    expect(page.get_by_test_id("suggestion-title")).to_have_text(TITLE)
    assert_healthy(page)


def _log_communication(page: Page, content: str) -> None:
    panel = page.get_by_test_id("unit-panel")
    form = panel.get_by_test_id("communication-form")
    if not form.is_visible():
        panel.get_by_text("填写沟通记录").click()
    form.get_by_label("沟通方式").select_option(label="当面沟通")
    form.get_by_label("参加人员").fill("经办人、领衔代表")
    form.get_by_label("沟通情况").fill(content)
    # The date comes prefilled with today, in the ISO form a date input accepts.
    expect(form.get_by_label("沟通日期")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    form.get_by_role("button", name="保存沟通记录").click()
    expect(page.locator(".messages")).to_contain_text("沟通记录已保存")
    expect(panel.get_by_test_id("communication-list")).to_contain_text(content)


def _draft_reply(page: Page, text: str, category: str) -> None:
    form = page.get_by_test_id("unit-panel").get_by_test_id("reply-form")
    form.get_by_label("办理结果分类").select_option(category)
    form.get_by_label("答复内容").fill(text)
    form.get_by_label("联系人").fill("王科长")
    form.get_by_label("联系电话").fill("0571-88888888")
    form.get_by_role("button", name="提交负责人审签").click()
    expect(page.get_by_test_id("open-reply")).to_contain_text("待单位负责人审签")
    expect(page.get_by_test_id("open-reply")).to_contain_text(text)


def _approve_reply(page: Page, text: str) -> None:
    approve = page.get_by_test_id("approve-form")
    approve.get_by_label("审签意见（可不填）").fill("同意")
    approve.get_by_role("button", name="签发答复").click()
    expect(_status(page)).to_have_text("已答复")
    expect(page.get_by_test_id("sent-reply")).to_contain_text(text)


def _evaluate(page: Page, item_url: str, rating: str, comment: str, *, screenshot_dir: Path | None = None) -> None:
    _open_item(page, item_url)
    page.get_by_test_id("evaluate-link").click()
    expect(page.get_by_role("heading", name="评价答复", level=1)).to_be_visible()
    form = page.get_by_test_id("evaluate-form")
    for legend in ("办理过程", "办理结果"):
        form.locator("fieldset", has_text=legend).get_by_label(rating, exact=True).check()
    form.get_by_label("意见").fill(comment)
    if screenshot_dir is not None:
        form.get_by_label("意见").blur()
        snap(page, screenshot_dir, "suggestion-evaluate")
    form.get_by_role("button", name="提交评价").click()
    expect(page).to_have_url(re.compile(re.escape(item_url) + "$"))


def test_a_suggestion_goes_round_the_whole_loop(
    page: Page,
    new_page: Callable[[], Page],
    screenshot_dir: Path,
    problems: BrowserProblems,
    people: dict[str, str],
) -> None:
    # --- 1. the deputy drafts, invites two co-signers, they confirm, the deputy submits ---
    deputy = page
    _login(deputy, "deputy")
    _nav(deputy, "我的建议")
    expect(deputy.get_by_role("heading", name="我的建议", level=1)).to_be_visible()
    deputy.get_by_test_id("new-suggestion").click()
    form = deputy.get_by_test_id("suggestion-form")
    form.get_by_label("标题").fill(TITLE)
    form.get_by_label("内容").fill(BODY)
    form.get_by_label("类别").select_option(label="城乡建设")
    form.get_by_label("提出时间").select_option(label="闭会期间")
    snap(deputy, screenshot_dir, "suggestion-deputy-form")
    form.get_by_role("button", name="保存").click()
    expect(deputy.locator(".messages")).to_contain_text("建议草稿已保存")
    expect(_status(deputy)).to_have_text("草稿")
    found = re.search(r"/suggestions/\d+/$", deputy.url)
    assert found, deputy.url
    item_url = found.group(0)
    snap(deputy, screenshot_dir, "suggestion-detail-draft")

    deputy.get_by_role("link", name="邀请联名代表").click()
    for username in COSIGNERS:
        deputy.locator("#cosigner-q").fill(username)
        deputy.get_by_role("button", name="查找").click()
        invite = deputy.get_by_test_id("invite-form")
        invite.get_by_label(people[username]).check()
        invite.get_by_role("button", name="邀请所选代表联名").click()
        expect(deputy.locator(".messages")).to_contain_text("已发出联名邀请")
        expect(deputy.get_by_test_id("cosigner-list")).to_contain_text(people[username])
    expect(deputy.get_by_test_id("cosigner-list").locator("li", has_text="待确认")).to_have_count(2)
    snap(deputy, screenshot_dir, "suggestion-cosigners")

    # The item cannot be submitted while invitations are unanswered.
    _open_item(deputy, item_url)
    expect(deputy.locator("#pending-cosigners")).to_contain_text("还有 2 位联名代表尚未确认")

    # deputy0001 confirms from the item page, deputy0002 from the list on 我的建议.
    first = new_page()
    _login(first, COSIGNERS[0])
    _nav(first, "我的建议")
    expect(first.get_by_test_id("invitations")).to_contain_text(TITLE)
    snap(first, screenshot_dir, "suggestion-invitation")
    first.get_by_test_id("invitations").get_by_role("link", name=TITLE).click()
    invitation = first.get_by_test_id("cosign-invitation")
    expect(invitation).to_contain_text("邀请您联名")
    expect(first.get_by_test_id("suggestion-body")).to_contain_text(BODY)
    snap(first, screenshot_dir, "suggestion-detail-cosigner")
    invitation.get_by_role("button", name="确认联名").click()
    expect(first.locator(".messages")).to_contain_text("已确认联名")
    expect(first.get_by_test_id("cosign-invitation")).to_have_count(0)

    second = new_page()
    _login(second, COSIGNERS[1])
    _nav(second, "我的建议")
    second.get_by_test_id("invitations").get_by_role("button", name="确认联名").click()
    expect(second.locator(".messages")).to_contain_text("已确认联名")
    expect(second.get_by_test_id("invitations")).to_have_count(0)
    snap(second, screenshot_dir, "suggestion-mine-cosigner")

    deputy.reload()
    expect(deputy.get_by_test_id("cosigners").locator("li", has_text="已确认")).to_have_count(2)
    expect(deputy.locator("#pending-cosigners")).to_have_count(0)
    deputy.get_by_role("button", name="提交建议").click()
    expect(deputy.locator(".messages")).to_contain_text("建议已提交")
    expect(_status(deputy)).to_have_text("待审核")
    _nav(deputy, "我的建议")
    expect(deputy.get_by_role("link", name=TITLE)).to_be_visible()
    snap(deputy, screenshot_dir, "suggestion-mine-deputy")

    # --- 2. committee staff register it and assign it to a lead and a co-handling unit ---
    clerk = new_page()
    _login(clerk, "clerk")
    _nav(clerk, "建议审核")
    queue = clerk.get_by_test_id("review-queue")
    expect(queue).to_contain_text(TITLE)
    snap(clerk, screenshot_dir, "suggestion-review-queue")
    queue.get_by_role("link", name=TITLE).click()
    expect(_status(clerk)).to_have_text("待审核")
    panel = clerk.get_by_test_id("staff-panel")
    expect(panel).to_be_visible()
    snap(clerk, screenshot_dir, "suggestion-detail-staff-review")
    panel.get_by_test_id("form-register").get_by_role("button", name="立案").click()
    expect(clerk.locator(".messages")).to_contain_text("已立案")
    expect(_status(clerk)).to_have_text("待交办")
    number = clerk.get_by_test_id("suggestion-number").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d+", number), number
    assign = clerk.get_by_test_id("form-assign")
    assign.get_by_test_id("lead-unit").select_option(label=LEAD_UNIT)
    assign.get_by_test_id("co-units").select_option(label=CO_UNIT)
    assign.get_by_role("button", name="交办").click()
    expect(clerk.locator(".messages")).to_contain_text("已交办")
    expect(_status(clerk)).to_have_text("已交办")
    assignments = clerk.get_by_test_id("assignments")
    expect(assignments.locator("li", has_text=LEAD_UNIT)).to_contain_text("主办")
    expect(assignments.locator("li", has_text=CO_UNIT)).to_contain_text("会办")
    snap(clerk, screenshot_dir, "suggestion-detail-staff-assigned")

    # --- 3. the co-handling unit sends its opinion to the lead unit ---
    co_officer = new_page()
    _login(co_officer, CO_OFFICER)
    _nav(co_officer, "建议办理")
    expect(co_officer.get_by_test_id("unit-queue")).to_contain_text(TITLE)
    expect(co_officer.get_by_test_id("queue-row")).to_contain_text("会办")
    snap(co_officer, screenshot_dir, "suggestion-unit-queue-co")
    co_officer.get_by_test_id("unit-queue").get_by_role("link", name=TITLE).click()
    co_panel = co_officer.get_by_test_id("unit-panel")
    expect(co_panel).to_contain_text(f"本单位办理：{CO_UNIT}（会办）")
    # A co-handling unit does not answer the deputy itself.
    expect(co_panel.get_by_test_id("reply-form")).to_have_count(0)
    opinion = co_panel.get_by_test_id("opinion-form")
    opinion.get_by_label("会办意见").fill(OPINION)
    snap(co_officer, screenshot_dir, "suggestion-detail-unit-co")
    opinion.get_by_role("button", name="送主办单位").click()
    expect(co_officer.get_by_test_id("own-opinion")).to_have_text(OPINION)
    expect(co_officer.get_by_test_id("unit-panel")).to_contain_text("送主办单位")

    # --- 4. the lead unit signs for it, talks to the deputy, drafts the reply; the head signs it off ---
    officer = new_page()
    _login(officer, "officer")
    _nav(officer, "建议办理")
    unit_queue = officer.get_by_test_id("unit-queue")
    expect(unit_queue.get_by_test_id("queue-row")).to_contain_text("待签收")
    snap(officer, screenshot_dir, "suggestion-unit-queue-lead")
    unit_queue.get_by_role("link", name=TITLE).click()
    lead_panel = officer.get_by_test_id("unit-panel")
    expect(lead_panel).to_contain_text(f"本单位办理：{LEAD_UNIT}（主办）")
    lead_panel.get_by_test_id("sign-form").get_by_role("button", name="签收").click()
    expect(officer.locator(".messages")).to_contain_text("已签收")
    expect(officer.get_by_test_id("co-opinions")).to_contain_text(OPINION)
    expect(officer.get_by_test_id("communication-required")).to_contain_text("本单位尚无沟通记录")
    snap(officer, screenshot_dir, "suggestion-detail-unit-lead")
    _log_communication(officer, "与代表当面座谈，听取对加装电梯审批的意见。")
    _draft_reply(officer, FIRST_REPLY, "B")
    expect(_status(officer)).to_have_text("办理中")

    head = new_page()
    _login(head, "unithead")
    _nav(head, "建议办理")
    expect(head.get_by_test_id("queue-row")).to_contain_text("答复待负责人审签")
    head.get_by_test_id("unit-queue").get_by_role("link", name=TITLE).click()
    expect(head.get_by_test_id("open-reply")).to_contain_text(FIRST_REPLY)
    snap(head, screenshot_dir, "suggestion-detail-unit-head")
    _approve_reply(head, FIRST_REPLY)

    # --- 5. the deputy reads the reply and is not satisfied: the item goes to 二次办理 ---
    _open_item(deputy, item_url)
    expect(_status(deputy)).to_have_text("已答复")
    expect(deputy.get_by_test_id("replies")).to_contain_text(FIRST_REPLY)
    expect(deputy.get_by_test_id("communications")).to_contain_text("与代表当面座谈")
    snap(deputy, screenshot_dir, "suggestion-detail-deputy-replied")
    _evaluate(deputy, item_url, "不满意", "补贴标准仍未统一，试点范围太小。", screenshot_dir=screenshot_dir)
    expect(deputy.locator(".messages")).to_contain_text("已转入二次办理")
    expect(_status(deputy)).to_have_text("二次办理")
    expect(deputy.get_by_test_id("evaluations")).to_contain_text("不满意")
    snap(deputy, screenshot_dir, "suggestion-detail-deputy-rehandling")

    # --- 6. the lead unit handles it again: a new talk with the deputy, a new reply, the head signs it ---
    officer.reload()
    expect(_status(officer)).to_have_text("二次办理")
    expect(officer.get_by_test_id("assignments")).to_have_count(2)  # one list per round
    _log_communication(officer, "二次办理：电话向代表说明补贴标准统一的进展。")
    _draft_reply(officer, SECOND_REPLY, "A")
    snap(officer, screenshot_dir, "suggestion-detail-unit-rehandling")
    head.reload()
    _approve_reply(head, SECOND_REPLY)

    # --- 7. the deputy is satisfied this time: the item is closed ---
    _evaluate(deputy, item_url, "满意", "问题已经解决，感谢。")
    expect(deputy.locator(".messages")).to_contain_text("建议已办结")
    expect(_status(deputy)).to_have_text("已办结")
    expect(deputy.get_by_test_id("replies")).to_contain_text(SECOND_REPLY)
    expect(deputy.get_by_test_id("evaluations").locator("article")).to_have_count(2)
    expect(deputy.get_by_test_id("deputy-actions")).to_have_count(0)
    snap(deputy, screenshot_dir, "suggestion-detail-deputy-closed")

    # --- 8. the statistics count it (the demo city has no other suggestions) and the portal shows it ---
    _nav(clerk, "建议统计")
    expect(clerk.get_by_role("heading", name="建议办理统计", level=1)).to_be_visible()
    rates = clerk.get_by_test_id("rates")
    for rate in ("completion", "on_time", "satisfaction", "satisfaction_incl_basic", "resolution", "communication"):
        expect(rates.get_by_test_id(f"rate-{rate}")).to_have_text("100.0%（1/1）")
    for figure in ("received", "registered", "assigned", "replied", "evaluated", "satisfied", "rehandled", "closed"):
        expect(clerk.get_by_test_id(f"figure-{figure}").locator(".stat-value")).to_have_text("1")
    expect(clerk.get_by_test_id("figure-key").locator(".stat-value")).to_have_text("0")
    expect(clerk.get_by_test_id("by-unit").locator("tr", has_text=LEAD_UNIT)).to_contain_text("100.0%（1/1）")
    expect(clerk.get_by_test_id("by-category").locator("tr", has_text="城乡建设")).to_contain_text("1")
    snap(clerk, screenshot_dir, "suggestion-stats")

    # The satisfaction numerator links to the ledger of the items behind it: this one.
    rates.get_by_test_id("rate-satisfaction").get_by_role("link", name="1").first.click()
    expect(clerk.get_by_test_id("figure-label")).to_contain_text("结果满意")
    expect(clerk.get_by_test_id("ledger-count")).to_have_text("共 1 件")
    row = clerk.get_by_test_id("ledger-row")
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("已办结")
    expect(row).to_contain_text(LEAD_UNIT)
    expect(row).to_contain_text("二次办理")
    snap(clerk, screenshot_dir, "suggestion-ledger")

    _nav(clerk, "办理看板")
    board_row = clerk.get_by_test_id("board").locator("tr", has_text=LEAD_UNIT)
    expect(board_row).to_be_visible()
    expect(clerk.get_by_test_id("total-replied")).to_have_text("1")
    expect(clerk.get_by_test_id("total-overdue")).to_have_text("0")
    snap(clerk, screenshot_dir, "suggestion-board")

    # Staff disclose the item ...
    _open_item(clerk, item_url)
    expect(_status(clerk)).to_have_text("已办结")
    disclose = clerk.get_by_test_id("form-disclose")
    expect(disclose).to_contain_text("本件建议尚未公开")
    disclose.get_by_role("button", name="向社会公开").click()
    expect(clerk.locator(".messages")).to_contain_text("已设为公开")
    expect(clerk.get_by_test_id("form-disclose")).to_contain_text("已向社会公开")
    expect(clerk.locator(".ballot-facts .tag", has_text="已公开")).to_be_visible()
    snap(clerk, screenshot_dir, "suggestion-detail-staff-closed")

    # ... and anyone, without logging in, finds it on the portal and reads the replies.
    visitor = new_page()
    visitor.goto("/portal/suggestions/")
    expect(visitor.get_by_role("heading", name="代表建议办理公开", level=1)).to_be_visible()
    expect(visitor.get_by_test_id("portal-item")).to_have_count(1)
    expect(visitor.get_by_test_id("portal-item")).to_contain_text(TITLE)
    expect(visitor.get_by_test_id("portal-item")).to_contain_text("已办结")
    assert_healthy(visitor)
    snap(visitor, screenshot_dir, "suggestion-portal-list")
    visitor.locator("#p-q").fill("加装电梯")
    visitor.get_by_role("button", name="查询").click()
    expect(visitor.get_by_test_id("portal-item")).to_contain_text(TITLE)
    visitor.get_by_test_id("portal-item").get_by_role("link").click()
    expect(visitor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    facts = visitor.get_by_test_id("portal-facts")
    expect(facts).to_contain_text(number)
    expect(facts).to_contain_text("联名代表：2 人")
    expect(facts).to_contain_text(f"{LEAD_UNIT}（主办）")
    expect(visitor.get_by_test_id("portal-body")).to_contain_text(BODY)
    replies = visitor.get_by_test_id("portal-reply")
    expect(replies).to_have_count(2)
    expect(replies.last).to_contain_text(SECOND_REPLY)
    expect(replies.first).to_contain_text(FIRST_REPLY)
    # The public sees neither the internal opinion nor the contact phone.
    expect(visitor.locator("body")).not_to_contain_text(OPINION)
    expect(visitor.locator("body")).not_to_contain_text("0571-88888888")
    assert_healthy(visitor)
    snap(visitor, screenshot_dir, "suggestion-portal-detail")

    problems.assert_none()
