"""The unit head's home page: the to-do list is the centre, and an overdue item is shown in red."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.test_shell import login, snap

RED_BORDER = "rgb(164, 22, 26)"


def _unit_duties() -> None:
    from django.utils import timezone

    from renda.core.todo import todo_open
    from renda.organizations.models import Unit

    unit = Unit.objects.get(name="市住房和城乡建设局")
    now = timezone.now()
    todo_open(
        congress=unit.congress,
        kind="demo.reply",
        title="答复第 38 号代表建议（老旧小区加装电梯）",
        due_at=now - dt.timedelta(days=3),
        unit=unit,
        url="/todo/",
    )
    todo_open(
        congress=unit.congress,
        kind="demo.sign",
        title="签收第 41 号代表建议",
        due_at=now + dt.timedelta(days=2),
        unit=unit,
        url="/todo/",
    )


def test_overdue_item_is_red_on_the_unit_heads_home_page(page: Page, screenshot_dir: Path) -> None:
    _unit_duties()
    login(page, "unithead")
    expect(page.get_by_test_id("count-overdue")).to_have_text("1")
    overdue = page.locator("[data-testid=todo-item][data-overdue=true]")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("老旧小区加装电梯")
    expect(overdue).to_contain_text("已超期")
    assert overdue.evaluate("element => getComputedStyle(element).borderLeftColor") == RED_BORDER
    assert overdue.locator(".todo-due").evaluate("element => getComputedStyle(element).color") == RED_BORDER
    on_time = page.locator("[data-testid=todo-item]:not([data-overdue])")
    expect(on_time).to_contain_text("签收第 41 号代表建议")
    assert on_time.evaluate("element => getComputedStyle(element).borderLeftColor") != RED_BORDER
    snap(page, screenshot_dir, "home-unithead-overdue")
    page.get_by_role("link", name=re.compile("已超期")).first.click()
    expect(page).to_have_url(re.compile(r"/todo/\?status=overdue$"))
    expect(page.locator("[data-testid=todo-item]")).to_have_count(1)
    snap(page, screenshot_dir, "todo-overdue")
    page.goto("/inbox/")
    snap(page, screenshot_dir, "inbox")
    page.goto("/notifications/preferences/")
    snap(page, screenshot_dir, "notification-preferences")
