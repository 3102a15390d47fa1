"""Citizens' opinions in a real browser (issue #6's "Done when").

1. The loop: a citizen scans a deputy's QR code and submits anonymously (captcha), gets a tracking
   code; the committee staff see the routing suggestion in the triage queue and dispatch to the
   suggested unit; the unit accepts and replies; the staff relay the answer; the citizen, by tracking
   code, rates 不满意 and asks for it to be handled again; the unit replies again; the citizen rates
   满意 and the status page says 已办结.
2. The dashboard: with thirty opinions received through the real intake action (a few of them
   triaged and handled), the staff read figures that link to the ledger, generate the month's
   民情民意分析报告 and the downloaded .docx has its title and tables.

The captcha is random and drawn as an SVG picture, and the module offers no test hook. The test
solves it the way a person would know the answer, without a private helper: it reads this browser's
session (the database session of the cookie the browser holds), takes the stored captcha record, and
offers the possible answers (the sums are at most 29) to ``captcha.captcha_check`` on a copy of that
record. The copy is thrown away, so the browser's own one-try captcha is still unused when the form
is posted with the answer found.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from e2e.test_shell import assert_healthy, login, snap

HOUSING = "市住房和城乡建设局"
TEXT = "我们小区是九十年代的老旧小区，六楼住着好几位八十多岁的老人，希望尽快给小区加装电梯，方便老人上下楼。"
REPLY_1 = "已将贵小区列入今年加装电梯计划，正在征求全体业主意见。"
REPLY_2 = "经再次核实，贵小区加装电梯已完成设计，预计下月开工，年底前投入使用。"


# --- fixtures ---


@pytest.fixture
def deputy_code(demo_city: str) -> str:
    """The demo roster (deputy profiles) and the default routing keyword rules; returns the deputy's 代表码."""
    from renda.deputies.demo import roster
    from renda.deputies.models import DeputyProfile
    from renda.insight.routing_actions import keyword_rules_load_defaults
    from renda.organizations.models import Congress

    city = Congress.objects.get(code="jiangcheng")
    roster.build(city=city)
    keyword_rules_load_defaults(actor=None, congress=city)
    return str(DeputyProfile.objects.get(user__username="deputy").public_code)


# Thirty opinions: (text, district index); the keyword in each lets the rules suggest a unit.
BOARD_TEXTS = [
    "小区门口的路灯坏了三个月，晚上出行很不方便，请尽快修复。",
    "老旧小区楼道破损严重，希望纳入改造计划。",
    "希望给我们单元加装电梯，老人上下楼太困难了。",
    "物业公司收费高服务差，门禁坏了一个月没人修。",
    "雨后小区门口积水很深，下水道经常堵塞。",
    "公交站台离小区太远，希望增设一个站点。",
    "晚上广场舞噪音太大，影响休息，请协调管理。",
    "楼下烧烤店油烟直排，窗户都不敢开。",
    "孩子明年上小学，想了解学位是否紧张。",
    "社区医院挂号难，希望增加全科医生。",
    "希望在社区增设养老服务站，方便老人就餐。",
    "工地拖欠农民工工资，已经两个月没发了。",
    "小区周边占道经营的摊贩太多，影响通行。",
    "老旧小区消防通道被私家车堵占，存在隐患。",
    "路口红绿灯时间太短，老人过马路来不及。",
]


@pytest.fixture
def board_city(demo_city: str) -> dict[str, int]:
    """Thirty opinions through ``opinion_submit``; five dispatched, two of them answered and one rated 满意."""
    from renda.accounts.models import User
    from renda.insight.routing_actions import keyword_rules_load_defaults
    from renda.opinions import actions
    from renda.opinions.models import Source
    from renda.organizations.models import Congress, Unit

    city = Congress.objects.get(code="jiangcheng")
    keyword_rules_load_defaults(actor=None, congress=city)
    clerk = User.objects.get(username="clerk")
    clerk.active_assignment = clerk.role_assignments.get(congress=city, role="committee_staff")
    districts = list(Congress.objects.filter(parent=city, is_active=True).order_by("code"))
    opinions = []
    for number in range(30):
        text = BOARD_TEXTS[number % len(BOARD_TEXTS)]
        # Two in three come in anonymously on the portal; the rest the clerk enters from the 12345 hotline.
        hotline = number % 3 == 0
        opinions.append(
            actions.opinion_submit(
                actor=clerk if hotline else None,
                congress=city,
                text=f"{text}（第 {number + 1} 条）",
                source=Source.HOTLINE_12345 if hotline else Source.PORTAL,
                external_id=f"12345-{number:04d}" if hotline else "",
                area=districts[number % len(districts)],
                address=f"{number + 1} 号楼",
            )
        )
    officer = User.objects.get(username="officer")
    officer.active_assignment = officer.role_assignments.get(role="unit_officer")
    housing = Unit.objects.get(congress=city, name=HOUSING)
    for opinion in opinions[:5]:
        actions.triage_grade(actor=clerk, opinion=opinion, level="L2", category="urban", unit=housing)
    for opinion in opinions[:2]:
        actions.dispatch_accept(actor=officer, opinion=opinion)
        actions.dispatch_reply(actor=officer, opinion=opinion, text="已安排人员现场查看并处理。")
    actions.opinion_rate(opinion=opinions[0], rating="satisfied")
    return {"received": 30, "dispatched": 5}


# --- helpers ---


def _solve_captcha(page: Page) -> str:
    """The answer to the captcha in this browser's session, found through the module's own check."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from renda.core.errors import InvalidInput
    from renda.opinions import captcha

    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    stored = SessionStore(session_key=cookie["value"]).load()[captcha.SESSION_KEY]
    for candidate in range(0, 40):
        try:
            captcha.captcha_check(SimpleNamespace(session={captcha.SESSION_KEY: dict(stored)}), str(candidate))
        except InvalidInput:
            continue
        return str(candidate)
    raise AssertionError("no answer in 0..39 matches the captcha")


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name).click()


def _message(page: Page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def _open_from_unit_queue(officer: Page, screenshot_dir: Path | None = None) -> None:
    _nav(officer, "意见办理")
    queue = officer.get_by_test_id("unit-queue")
    row = queue.get_by_test_id("queue-row").filter(has_text=TEXT[:20])
    expect(row).to_have_count(1)
    assert_healthy(officer)
    if screenshot_dir is not None:
        snap(officer, screenshot_dir, "opinions-unit-queue")
    row.get_by_role("link").click()
    expect(officer.get_by_test_id("opinion-text")).to_contain_text(TEXT)


def _accept_and_reply(officer: Page, text: str) -> None:
    officer.get_by_test_id("accept-form").get_by_role("button", name="接单").click()
    _message(officer, "已接单")
    expect(officer.get_by_test_id("opinion-status")).to_have_text("办理中")
    form = officer.get_by_test_id("reply-form")
    form.locator("[name=text]").fill(text)
    form.get_by_role("button", name="答复").click()
    _message(officer, "已答复")
    expect(officer.get_by_test_id("opinion-status")).to_have_text("已答复")


def _rate(citizen: Page, rating: str, *, comment: str = "", reopen: bool = False) -> None:
    form = citizen.get_by_test_id("rating-form")
    form.locator(f"[name=rating][value={rating}]").check()
    if comment:
        form.locator("[name=comment]").fill(comment)
    if reopen:
        form.locator("[name=reopen]").check()
    form.get_by_role("button", name="提交评价").click()


# --- 1. the loop ---


def test_citizen_opinion_loop_by_deputy_qr(
    page: Page,
    new_page,  # type: ignore[no-untyped-def]
    screenshot_dir: Path,
    deputy_code: str,
) -> None:
    # The citizen (not logged in) scans the deputy's QR code.
    citizen = page
    citizen.goto(f"/portal/opinions/new/?deputy={deputy_code}")
    expect(citizen.get_by_test_id("addressee")).to_contain_text("代表")
    expect(citizen.get_by_test_id("captcha-image")).to_be_visible()
    form = citizen.get_by_test_id("opinion-form")
    form.locator("[name=text]").fill(TEXT)
    form.locator("[name=address]").fill("江城市东湖路 18 号院")
    form.locator("[name=captcha]").fill(_solve_captcha(citizen))
    assert_healthy(citizen)
    snap(citizen, screenshot_dir, "opinions-form")
    form.get_by_test_id("opinion-submit").click()
    expect(citizen).to_have_url(re.compile(r"/portal/opinions/sent/$"))
    code = citizen.get_by_test_id("tracking-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{10}", code), code
    assert_healthy(citizen)
    snap(citizen, screenshot_dir, "opinions-sent")

    # The committee staff see it in the triage queue with the suggested unit.
    clerk = new_page()
    login(clerk, "clerk")
    _nav(clerk, "意见分流")
    row = clerk.get_by_test_id("triage-queue").get_by_test_id("queue-row").filter(has_text=TEXT[:20])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("代表码")
    expect(row.get_by_test_id("queue-suggestion")).to_contain_text(f"建议：{HOUSING}")
    expect(row.get_by_test_id("queue-suggestion")).to_contain_text("关键词规则")
    assert_healthy(clerk)
    snap(clerk, screenshot_dir, "opinions-triage-queue")

    # On its page the suggestion is prefilled into the grade form; the clerk checks it and dispatches.
    row.get_by_role("link").click()
    expect(clerk.get_by_test_id("routing-suggestion")).to_contain_text(HOUSING)
    grade = clerk.get_by_test_id("grade-form")
    expect(grade.locator("[name=unit] option:checked")).to_have_text(HOUSING)
    expect(grade.locator("[name=category]")).to_have_value("urban")
    expect(clerk.get_by_test_id("contact-masked")).to_contain_text("匿名")
    assert_healthy(clerk)
    snap(clerk, screenshot_dir, "opinions-detail-triage")
    grade.get_by_role("button", name="派单").click()
    _message(clerk, f"已派单至{HOUSING}")
    expect(clerk.get_by_test_id("opinion-status")).to_have_text("已派单")
    detail_url = clerk.url

    # The unit's officer accepts and replies.
    officer = new_page()
    login(officer, "officer")
    _open_from_unit_queue(officer, screenshot_dir)
    _accept_and_reply(officer, REPLY_1)
    assert_healthy(officer)
    snap(officer, screenshot_dir, "opinions-detail-unit")

    # The clerk relays the answer to the citizen.
    clerk.goto(detail_url)
    clerk.get_by_test_id("relay").click()
    _message(clerk, "已向群众反馈答复")
    expect(clerk.get_by_test_id("opinion-status")).to_have_text("已反馈群众")
    snap(clerk, screenshot_dir, "opinions-detail-relayed")

    # The citizen checks by tracking code (lower case is fine), is not satisfied and asks again.
    citizen.goto("/portal/opinions/track/")
    citizen.get_by_test_id("track-form").locator("[name=code]").fill(code.lower())
    assert_healthy(citizen)
    snap(citizen, screenshot_dir, "opinions-track")
    citizen.get_by_test_id("track-form").get_by_role("button", name="查询").click()
    expect(citizen).to_have_url(re.compile(rf"/portal/opinions/track/{code}/$"))
    status = citizen.get_by_test_id("opinion-status")
    expect(status.get_by_test_id("status")).to_have_text("已反馈群众")
    expect(status.get_by_test_id("unit")).to_have_text(HOUSING)
    expect(citizen.get_by_test_id("answer")).to_contain_text(REPLY_1)
    assert_healthy(citizen)
    snap(citizen, screenshot_dir, "opinions-status")
    _rate(citizen, "dissatisfied", comment="只说在征求意见，没有时间表。", reopen=True)
    _message(citizen, "已要求承办单位重新办理")
    expect(status.get_by_test_id("status")).to_have_text("已派单")
    expect(status).to_contain_text("第 2 轮（重新办理）")
    expect(citizen.get_by_test_id("answer-rating")).to_contain_text("不满意（已要求重新办理）")
    expect(citizen.get_by_test_id("rating-form")).to_have_count(0)
    snap(citizen, screenshot_dir, "opinions-status-reopened")

    # Round two: the same unit accepts and replies again.
    _open_from_unit_queue(officer)
    expect(officer.locator("body")).to_contain_text("第 2 轮办理")
    _accept_and_reply(officer, REPLY_2)

    # The citizen reads the second answer and is satisfied: the opinion is closed.
    citizen.reload()
    expect(citizen.get_by_test_id("answer")).to_have_count(2)
    expect(citizen.get_by_test_id("answer").nth(1)).to_contain_text(REPLY_2)
    _rate(citizen, "satisfied")
    _message(citizen, "该意见已办结")
    expect(status.get_by_test_id("status")).to_have_text("已办结")
    expect(citizen.get_by_test_id("rating-form")).to_have_count(0)
    assert_healthy(citizen)
    snap(citizen, screenshot_dir, "opinions-status-closed")

    # The staff see it closed, with both rounds and both ratings on record.
    clerk.goto(detail_url)
    expect(clerk.get_by_test_id("opinion-status")).to_have_text("已办结")
    dispatches = clerk.get_by_test_id("dispatches")
    expect(dispatches).to_contain_text("第 2 轮评价：满意")
    expect(dispatches).to_contain_text("要求重新办理")


# --- 2. the dashboard and the monthly report ---


def test_dashboard_links_to_ledger_and_monthly_report_downloads(
    page: Page,
    new_page,  # type: ignore[no-untyped-def]
    screenshot_dir: Path,
    board_city: dict[str, int],
    tmp_path: Path,
) -> None:
    from django.utils import timezone

    login(page, "clerk")
    _nav(page, "民情看板")
    expect(page).to_have_url(re.compile(r"/opinions/dashboard/$"))
    month = page.get_by_test_id("month-received")
    expect(month.locator(".stat-value")).to_have_text(str(board_city["received"]))
    expect(page.get_by_test_id("month-waiting").locator(".stat-value")).to_have_text(
        str(board_city["received"] - board_city["dispatched"])
    )
    expect(page.get_by_test_id("by-source").locator("tr[data-key=hotline_12345]")).to_contain_text("10")
    expect(page.get_by_test_id("rating-satisfied").locator(".stat-value")).to_have_text("1")
    assert_healthy(page)
    snap(page, screenshot_dir, "opinions-dashboard")

    # A figure is a link to the ledger with the items it counts.
    month.click()
    expect(page).to_have_url(re.compile(r"/opinions/ledger/\?"))
    expect(page.get_by_test_id("ledger-count")).to_have_text(f"共 {board_city['received']} 件")
    expect(page.get_by_test_id("ledger-row")).to_have_count(board_city["received"])
    assert_healthy(page)
    snap(page, screenshot_dir, "opinions-ledger")
    page.go_back()
    page.get_by_test_id("month-waiting").click()
    expect(page.get_by_test_id("ledger-count")).to_have_text(
        f"共 {board_city['received'] - board_city['dispatched']} 件"
    )

    # The monthly report: generate this month's, download it, read it.
    page.goto("/opinions/dashboard/")
    page.get_by_test_id("reports-link").click()
    this_month = timezone.localdate().strftime("%Y-%m")
    generate = page.get_by_test_id("report-generate")
    generate.locator("[name=month]").fill(this_month)
    generate.get_by_role("button", name="生成报告").click()
    _message(page, f"报告已生成：{this_month}")
    row = page.get_by_test_id("reports").locator(f"tr[data-month='{this_month}']")
    expect(row).to_contain_text(str(board_city["received"]))
    assert_healthy(page)
    snap(page, screenshot_dir, "opinions-reports")
    with page.expect_download() as download:
        row.get_by_test_id("report-download").click()
    assert download.value.suggested_filename.endswith(f"民情民意分析报告-{this_month}.docx")
    import docx

    document = docx.Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    title = document.paragraphs[0]
    assert title.style is not None and title.style.name == "Title", title.style
    assert title.text.endswith("民情民意分析报告"), title.text
    assert "江城市" in title.text, title.text
    year, number = this_month.split("-")
    assert document.paragraphs[1].text == f"（{int(year)}年{int(number)}月）"
    assert document.tables, "the report has no tables"
    by_source = document.tables[0]
    assert [cell.text for cell in by_source.rows[0].cells] == ["来源", "件数", "占比"]
    counts = {row.cells[0].text: row.cells[1].text for row in by_source.rows[1:]}
    assert counts == {"网上提交": "20", "12345 热线": "10"}, counts

    # A leader reads the same dashboard but may not generate reports.
    leader = new_page()
    login(leader, "leader")
    leader.goto("/opinions/dashboard/")
    expect(leader.get_by_test_id("month-received").locator(".stat-value")).to_have_text(str(board_city["received"]))
    leader.get_by_test_id("reports-link").click()
    expect(leader.get_by_test_id("reports").locator(f"tr[data-month='{this_month}']")).to_be_visible()
    expect(leader.get_by_test_id("report-generate")).to_have_count(0)
    assert_healthy(leader)
