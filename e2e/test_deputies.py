"""A deputy's duty record in a real browser: self-report with a photo → staff verify → score → annual report.

The path of issue #5's "Done when": the deputy logs an inspection from their phone with a photo, the
committee staff verify it, the recomputed score rises by exactly the scheme's points for that kind, and
the annual 履职报告 (.docx) lists it.
"""

from __future__ import annotations

import io
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.test_shell import assert_healthy, login, snap

TITLE = "调研城东老旧小区加装电梯进展"


def _png() -> bytes:
    """A small valid PNG: the upload check reads the file's signature, not just its name."""
    width, height = 8, 8
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def research_points(demo_city: str) -> Decimal:
    """The demo roster (profiles and terms) and the clerk's default scoring scheme; returns the points of 调研."""
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.deputies.actions.scoring import scheme_create
    from renda.deputies.demo import roster
    from renda.deputies.models import EntryKind
    from renda.organizations.models import Congress

    city = Congress.objects.get(code="jiangcheng")
    roster.build(city=city)
    clerk = User.objects.get(username="clerk")
    clerk.active_assignment = clerk.role_assignments.get(congress=city)
    scheme = scheme_create(
        actor=clerk, congress=city, name="江城市代表履职积分办法", effective_year=timezone.localdate().year
    )
    return Decimal(scheme.items.get(kind=EntryKind.RESEARCH).points)


def _compute(page: Page) -> None:
    page.goto("/deputies/scores/")
    page.get_by_test_id("compute").click()
    expect(page.locator(".messages")).to_be_visible()


def _my_total(page: Page) -> Decimal:
    page.goto("/deputies/scores/mine/")
    return Decimal(page.get_by_test_id("score-total").inner_text().strip())


def test_self_reported_activity_is_verified_scored_and_reported(
    page: Page,
    new_page,  # type: ignore[no-untyped-def]
    screenshot_dir: Path,
    research_points: Decimal,
    tmp_path: Path,
) -> None:
    from django.utils import timezone

    # The clerk computes this quarter's scores before anything happens.
    login(page, "clerk")
    _compute(page)
    snap(page, screenshot_dir, "deputies-scores")

    deputy = new_page()
    login(deputy, "deputy")
    before = _my_total(deputy)

    # 1. The deputy logs a research visit with a photo, from the phone-width form.
    deputy.get_by_role("navigation", name="主导航").get_by_role("link", name="我的履职").click()
    expect(deputy.get_by_test_id("file-title")).to_contain_text("的履职档案")
    snap(deputy, screenshot_dir, "deputies-my-file-empty")
    deputy.get_by_test_id("new-entry").click()
    form = deputy.get_by_test_id("entry-form")
    form.locator("[name=kind]").select_option("research")
    form.locator("[name=date]").fill(timezone.localdate().isoformat())
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=detail]").fill("与社区、住建部门座谈，了解加装电梯的审批和资金情况。")
    form.locator("[name=hours]").fill("3")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(_png())
    deputy.locator("#upload-files").set_input_files(str(photo))
    snap(deputy, screenshot_dir, "deputies-entry-form")
    form.get_by_role("button", name="提交核实").click()
    expect(deputy.locator(".messages")).to_contain_text("已登记")
    expect(deputy.locator("body")).to_contain_text(TITLE)
    expect(deputy.locator("body")).to_contain_text("待核实")
    assert_healthy(deputy)
    snap(deputy, screenshot_dir, "deputies-entry-pending")

    # 2. The clerk finds it in the queue, opens it (the photo is shown), and verifies it.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="履职核实").click()
    queue = page.get_by_test_id("verify-queue")
    expect(queue).to_contain_text(TITLE)
    snap(page, screenshot_dir, "deputies-verify-queue")
    queue.get_by_role("link", name=TITLE).click()
    image = page.locator("img[src*='/deputies/evidence/']").first
    expect(image).to_be_visible()
    assert image.evaluate("(el) => el.naturalWidth") == 8
    snap(page, screenshot_dir, "deputies-entry-verify")
    page.get_by_test_id("verify-actions").get_by_role("button", name="核实通过").click()
    expect(page.locator(".messages")).to_contain_text("核实")
    expect(page.locator("body")).to_contain_text("已核实")

    # 3. Recomputed, the deputy's score rises by exactly the scheme's points for 调研.
    _compute(page)
    after = _my_total(deputy)
    assert after - before == research_points, (before, after, research_points)
    expect(deputy.locator("body")).to_contain_text("调研")
    snap(deputy, screenshot_dir, "deputies-my-score")

    # 4. The annual report (.docx) downloaded from the file page lists the activity.
    deputy.goto("/deputies/me/")
    with deputy.expect_download() as download:
        deputy.get_by_test_id("annual-report").click()
    import docx

    document = docx.Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(
        [paragraph.text for paragraph in document.paragraphs]
        + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    )
    assert "年度履职报告" in text
    assert TITLE in text
    assert "调研" in text
