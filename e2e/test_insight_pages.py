"""Browser walk through the reading-the-text pages and the opinions pages outside the loop test.

The clerk opens hot topics, clusters and one cluster, spike watches and alerts, keyword rules, the
dictionary with the tokenizer preview, the routing models with a suggestion preview, search, the import
page and its row report; station staff open the reception entry form. Every page is screenshotted at
desktop and phone width (``snap`` fails on a phone layout that overflows), must show no server error, and
must not show English words in its main content on a Chinese browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.test_shell import assert_healthy, login, snap

# Words that are names, not untranslated text.
ALLOWED_LATIN = {"csv", "xlsx", "excel", "utf", "gbk", "docx", "word", "api", "sms", "png", "svg"}

IMPORT_CSV = (
    "工单编号,来电时间,诉求内容,所属区域,诉求地址,联系人,联系电话,诉求类别\n"
    "GD20261101001,2026-11-05 09:30:00,东湖路与新华路路口的路灯坏了一个多月，晚上出行很危险。,,东湖路 12 号,"
    "李四,13800001111,\n"
    "GD20261101002,2026-11-07 10:00,太短了,,,,,\n"
)


@pytest.fixture
def opinion_year(demo_city: str) -> int:
    """A small demo year of opinions (the demo's own builder): clusters, spikes, imports, monthly reports."""
    from renda.deputies.demo import build_roster
    from renda.deputies.demo import stations as demo_stations
    from renda.insight.routing_actions import keyword_rules_load_defaults
    from renda.opinions.demo import build_demo_opinions
    from renda.organizations.models import Congress

    city = Congress.objects.get(code="jiangcheng")
    build_roster(city=city, seed=2026)
    demo_stations.build(city=city, seed=2026)
    keyword_rules_load_defaults(actor=None, congress=city)
    return build_demo_opinions(city=city, seed=2026, per_year=120)


def stray_english(page: Page) -> list[str]:
    """Latin words of three letters or more in the page's main content (names and codes aside)."""
    text = re.sub(r"https?://\S+", " ", page.locator("main").inner_text())  # links are addresses, not words
    words = re.findall(r"[A-Za-z]{3,}", text)
    return sorted({word for word in words if word.lower() not in ALLOWED_LATIN})


def visit(page: Page, screenshot_dir: Path, url: str, name: str, heading: str) -> None:
    page.goto(url)
    expect(page.locator("h1").first).to_contain_text(heading)
    assert_healthy(page)
    assert stray_english(page) == [], f"{url}: {stray_english(page)}"
    snap(page, screenshot_dir, name)


def test_insight_and_opinion_staff_pages(
    page: Page,
    new_page,  # type: ignore[no-untyped-def]
    screenshot_dir: Path,
    tmp_path: Path,
    opinion_year: int,
) -> None:
    login(page, "clerk")

    visit(page, screenshot_dir, "/insight/topics/", "insight-topics", "热点话题")
    expect(page.get_by_test_id("topics-total")).to_be_visible()

    visit(page, screenshot_dir, "/insight/clusters/", "insight-clusters", "相似意见组")
    first = page.get_by_test_id("cluster-row").first
    expect(first).to_be_visible()
    first.locator("a").first.click()
    expect(page.get_by_test_id("cluster-title")).to_be_visible()
    expect(page.get_by_test_id("cluster-members")).to_be_visible()
    assert_healthy(page)
    assert stray_english(page) == []
    snap(page, screenshot_dir, "insight-cluster")

    visit(page, screenshot_dir, "/insight/watches/", "insight-watches", "我的关注")
    visit(page, screenshot_dir, "/insight/alerts/", "insight-alerts", "激增预警")
    visit(page, screenshot_dir, "/insight/routing/rules/", "insight-rules", "关键词规则")
    expect(page.get_by_test_id("rule-row").first).to_be_visible()

    visit(page, screenshot_dir, "/insight/routing/dictionary/", "insight-dictionary-empty", "领域词典")
    preview = page.get_by_test_id("token-preview")
    preview.locator("[name=text]").fill("老旧小区加装电梯的补贴什么时候发放")
    preview.get_by_role("button", name="分词").click()
    expect(page.get_by_test_id("token-result")).to_contain_text("加装电梯")
    assert_healthy(page)
    assert stray_english(page) == []
    snap(page, screenshot_dir, "insight-dictionary")

    visit(page, screenshot_dir, "/insight/routing/models/", "insight-models", "分流模型")

    page.goto("/opinions/search/?q=路灯")
    expect(page.get_by_test_id("search-result").first).to_be_visible()
    assert_healthy(page)
    assert stray_english(page) == []
    snap(page, screenshot_dir, "opinions-search")

    visit(page, screenshot_dir, "/opinions/import/", "opinions-import", "导入群众意见")
    upload = tmp_path / "12345.csv"
    upload.write_bytes(IMPORT_CSV.encode("gbk"))
    page.locator("[name=file]").set_input_files(upload)
    page.get_by_role("button", name="校验").click()
    expect(page.get_by_test_id("import-report")).to_be_visible()
    expect(page.get_by_test_id("import-row")).to_have_count(2)
    expect(page.get_by_test_id("import-row-error")).to_contain_text("诉求内容至少")
    assert_healthy(page)
    assert stray_english(page) == []
    snap(page, screenshot_dir, "opinions-import-report")

    station = new_page()
    login(station, "station")
    visit(station, screenshot_dir, "/opinions/entries/new/", "opinions-entry", "登记群众意见")
    expect(station.get_by_test_id("entry-form")).to_be_visible()
