"""The application shell in a real browser: login (with TOTP), roles, audit viewer, language, admin pages.

Every page visited is also photographed at desktop and phone widths (``e2e/screenshots/``), and at phone
width the page must not scroll sideways.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, DESKTOP, PHONE

# username -> (label shown as the active role after login, needs TOTP)
DEMO_ROLES: dict[str, tuple[str, bool]] = {
    "admin": ("系统管理员", True),
    "clerk": ("工作机构人员", True),
    "leader": ("领导", True),
    "auditor": ("审计员", True),
    "member": ("常委会组成人员", False),
    "deputy": ("人大代表", False),
    "officer": ("承办单位经办人", False),
    "unithead": ("承办单位负责人", False),
    "station": ("联络站工作人员", False),
    "citizen": ("群众", False),
}
SERVER_ERROR_TEXT = "系统暂时出错"
LOGIN_ERROR = "用户名（手机号）或密码错误"
ENGLISH_CATALOGUE = Path(__file__).resolve().parent.parent / "renda" / "locale" / "en" / "LC_MESSAGES" / "django.mo"


def snap(page: Page, screenshot_dir: Path, name: str) -> None:
    """Full-page screenshots at desktop and phone width; the phone layout must not overflow sideways."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screenshot_dir / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    overflow = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll('body *')].filter((el) => {
                const box = el.getBoundingClientRect();
                if (box.width === 0 || box.right <= width + 1) return false;
                // Inside a horizontally scrolling box (tables, the nav bar) is fine.
                for (let up = el.parentElement; up; up = up.parentElement) {
                    const style = getComputedStyle(up);
                    if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) return false;
                }
                return true;
            });
            return {
                scroll: document.documentElement.scrollWidth,
                width,
                wide: wide.slice(0, 5).map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right)),
            };
        }"""
    )
    page.screenshot(path=screenshot_dir / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    assert overflow["scroll"] <= overflow["width"] and not overflow["wide"], (
        f"{name}: phone layout overflows: {overflow}"
    )


def assert_healthy(page: Page) -> None:
    expect(page.locator("body")).not_to_contain_text(SERVER_ERROR_TEXT)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def login(page: Page, username: str, *, screenshot_dir: Path | None = None) -> None:
    """Password, then (for staff) the demo TOTP code; ends on the home page."""
    page.goto("/accounts/login/")
    page.locator("[name=identifier]").fill(username)
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    if screenshot_dir is not None:
        snap(page, screenshot_dir, "login")
    page.get_by_role("button", name="登录", exact=True).click()
    if DEMO_ROLES[username][1]:
        expect(page).to_have_url(re.compile(r"/accounts/login/totp/$"))
        code = page.get_by_test_id("demo-totp").inner_text().strip()
        assert re.fullmatch(r"\d{6}", code), code
        page.locator("[name=code]").fill(code)
        if screenshot_dir is not None:
            snap(page, screenshot_dir, "totp")
        page.get_by_role("button", name="验证并登录").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("active-role")).to_be_visible()


@pytest.mark.parametrize("username", list(DEMO_ROLES))
def test_login_each_demo_role(page: Page, screenshot_dir: Path, username: str) -> None:
    label = DEMO_ROLES[username][0]
    login(page, username, screenshot_dir=screenshot_dir if username in {"admin"} else None)
    expect(page.get_by_test_id("active-role")).to_have_text(label)
    assert_healthy(page)
    # Only roles with more than one assignment get the switcher; the rest see a badge.
    if username in {"member", "deputy", "leader"}:
        expect(page.locator("#role-select")).to_be_visible()
    else:
        expect(page.locator(".role-badge")).to_contain_text(label)
    snap(page, screenshot_dir, f"home-{username}")


def test_wrong_password_stays_on_login_page(page: Page, screenshot_dir: Path) -> None:
    page.goto("/accounts/login/")
    page.locator("[name=identifier]").fill("member")
    page.locator("[name=password]").fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text(LOGIN_ERROR)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("[name=identifier]")).to_have_value("member")
    expect(page.get_by_test_id("active-role")).to_have_count(0)
    assert_healthy(page)
    snap(page, screenshot_dir, "login-error")


def switch_role(page: Page, label: str) -> None:
    """Pick another role in the header; the select submits itself on change (app.js)."""
    select = page.locator("#role-select")
    value = select.locator("option", has_text=label).get_attribute("value")
    assert value, f"no role option {label!r}"
    with page.expect_navigation():
        select.select_option(value)
    expect(page.get_by_test_id("active-role")).to_have_text(label)
    expect(page.locator("#role-select")).to_have_value(value)


def test_member_switches_role_and_back(page: Page) -> None:
    login(page, "member")
    active = page.get_by_test_id("active-role")
    expect(active).to_have_text("常委会组成人员")

    deputy_role = "人大代表"
    switch_role(page, deputy_role)
    expect(page.locator(".messages")).to_contain_text("已切换为")
    expect(page.locator(".role-list li", has_text="当前")).to_contain_text("人大代表")
    switch_role(page, "常委会组成人员")
    expect(page.locator(".role-list li", has_text="当前")).to_contain_text("常委会组成人员")

    # Without JavaScript's auto-submit, the 切换 button does the same.
    select = page.locator("#role-select")
    select.evaluate("(el) => el.removeAttribute('data-autosubmit')")
    select.select_option(select.locator("option", has_text=deputy_role).get_attribute("value"))
    page.get_by_role("button", name="切换").click()
    expect(active).to_have_text("人大代表")
    # The choice sticks to the session.
    page.reload()
    expect(active).to_have_text("人大代表")
    assert_healthy(page)


def _audit_filter(page: Page, **values: str) -> None:
    """Fill the filter form and wait for htmx to swap in the rows."""
    for name, value in values.items():
        page.locator(f"[name={name}]").fill(value)
    with page.expect_response(lambda response: "/audit/?" in response.url and response.status == 200):
        page.get_by_role("button", name="筛选").click()
    for name, value in values.items():
        expect(page).to_have_url(re.compile(rf"[?&]{name}={re.escape(value)}(&|$)"))


def test_auditor_filters_audit_log(page: Page, new_page, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    # Others act first, in their own browsers: citizen logs in; member logs in and switches role.
    login(new_page(), "citizen")
    member = new_page()
    login(member, "member")
    switch_role(member, "人大代表")

    login(page, "auditor")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="审计日志").click()
    expect(page).to_have_url(re.compile(r"/audit/$"))
    table = page.get_by_test_id("audit-table")
    expect(table.locator("tbody")).to_contain_text("demo.city_built")
    assert_healthy(page)
    snap(page, screenshot_dir, "audit")

    _audit_filter(page, action="account.login")
    actions = table.locator("tbody td[data-label='操作']")
    expect(actions.first).to_have_text("account.login")
    texts = [text.strip() for text in actions.all_inner_texts()]
    assert texts and set(texts) == {"account.login"}, texts
    actors = {actor.strip() for actor in table.locator("tbody td[data-label='操作人']").all_inner_texts()}
    assert actors == {"member", "citizen", "auditor"}, actors
    snap(page, screenshot_dir, "audit-logins")

    _audit_filter(page, action="account.role_switched")
    expect(actions).to_have_count(1)
    expect(actions).to_have_text("account.role_switched")
    expect(table.locator("tbody td[data-label='操作人']")).to_have_text("member")
    expect(table.locator("tbody td[data-label='角色']")).to_have_text(re.compile(r"^\s*(deputy|人大代表)\s*$"))
    snap(page, screenshot_dir, "audit-filtered")

    _audit_filter(page, actor="no-such-person-xyz")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody")).to_contain_text("没有符合条件的事件。")
    assert_healthy(page)


def test_language_toggle_to_english_and_back(page: Page, screenshot_dir: Path) -> None:
    login(page, "citizen")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    toggle = page.locator(".lang-switch button")
    expect(toggle).to_have_text("中文")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("active-role")).to_be_visible()
    if ENGLISH_CATALOGUE.exists():  # compiled by `make messages`; without it the page stays in Chinese
        nav = page.get_by_role("navigation").first
        expect(nav.get_by_role("link", name="Home", exact=True)).to_be_visible()
    snap(page, screenshot_dir, "home-citizen-en")
    toggle.click()
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".lang-switch button")).to_have_text("English")
    expect(page.get_by_test_id("active-role")).to_have_text("群众")
    assert_healthy(page)


def test_admin_pages_and_deputy_is_refused(page: Page, new_page, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    login(page, "admin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="人大机构").click()
    tree = page.get_by_test_id("congress-tree")
    expect(tree).to_contain_text("江城市人民代表大会")
    expect(tree.locator(".tree-row.depth-1")).to_have_count(6)
    for row in tree.locator(".tree-row.depth-1").all():
        expect(row.locator(".tag")).to_have_text("县（市、区）级")
    assert_healthy(page)
    snap(page, screenshot_dir, "congress-tree")

    tree.get_by_role("link", name="江城市人民代表大会").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("江城市人民代表大会")
    assert_healthy(page)
    snap(page, screenshot_dir, "congress-detail")

    page.goto("/manage/units/")
    expect(page.locator("table")).to_contain_text("市住房和城乡建设局")
    assert_healthy(page)
    snap(page, screenshot_dir, "units")

    page.goto("/manage/users/")
    expect(page.locator("table")).to_be_visible()
    assert_healthy(page)
    snap(page, screenshot_dir, "users")
    page.locator("[name=q]").fill("member")
    page.get_by_role("button", name="筛选").click()
    page.locator("table tbody tr", has_text="member").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/manage/users/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("member")
    expect(page.locator(".role-list")).to_contain_text("常委会组成人员")
    assert_healthy(page)
    snap(page, screenshot_dir, "user-detail")

    page.goto("/accounts/tokens/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_healthy(page)
    snap(page, screenshot_dir, "tokens")

    page.goto("/accounts/password/change/")
    expect(page.locator("[type=password]").first).to_be_visible()
    assert_healthy(page)
    snap(page, screenshot_dir, "password-change")

    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    snap(page, screenshot_dir, "404")

    deputy = new_page()
    login(deputy, "deputy")
    response = deputy.goto("/manage/congresses/")
    assert response is not None and response.status == 403
    expect(deputy.get_by_role("heading", name="无权访问")).to_be_visible()
    expect(deputy.get_by_test_id("congress-tree")).to_have_count(0)
    assert_healthy(deputy)
    snap(deputy, screenshot_dir, "403")


def test_sms_login_page(page: Page, screenshot_dir: Path) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="代表、群众可使用短信验证码登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/sms/$"))
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    expect(page.get_by_role("button", name="获取验证码")).to_be_visible()
    assert_healthy(page)
    snap(page, screenshot_dir, "sms-login")
