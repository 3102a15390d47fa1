"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

Run with ``.venv/bin/pytest -q e2e`` (``make test-browser``). The English catalogue must be
compiled first (``make messages``). Screenshots of every page visited are written to
``e2e/screenshots/`` at desktop (1280x800) and phone (390x844) widths.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told otherwise. The tests themselves only touch the ORM in fixtures.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("RENDA_E2E_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "Renda#2026"
DEMO_SEED = 2026
# Busy machines (a shared CI runner) may raise it: RENDA_E2E_TIMEOUT_MS=30000.
TIMEOUT_MS = int(os.environ.get("RENDA_E2E_TIMEOUT_MS", "10000"))


def pytest_configure(config: pytest.Config) -> None:
    # WhiteNoise warns once that STATIC_ROOT is missing; the tests serve static files through the finders.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
    # The live server answers from several threads. On SQLite they would share one in-memory database,
    # where a second concurrent write fails at once ("database table is locked") instead of waiting, as
    # it does on a file with the busy timeout of production. So the browser tests use a file, like `make run`.
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp(prefix="renda-e2e-")) / "e2e.sqlite3")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (make system-deps)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def demo_city(live_server, transactional_db) -> str:  # type: ignore[no-untyped-def]
    """The deterministic demo city in the live server's (transactional) database; returns the base URL."""
    from renda.organizations.demo import build_demo_city

    build_demo_city(seed=DEMO_SEED)
    return str(live_server.url)


@dataclass
class BrowserProblems:
    """Things that must never happen on any page: 5xx responses, uncaught JS errors, console errors."""

    server_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("response", lambda r: r.status >= 500 and self.server_errors.append(f"{r.status} {r.url}"))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))

    def assert_none(self) -> None:
        # Deliberate 4xx pages (wrong password 401, 403, 404) log "Failed to load resource"; the tests
        # assert those statuses themselves.
        console = [text for text in self.console_errors if not re.search(r"status of 4\d\d ", text)]
        assert not self.server_errors, f"server errors: {self.server_errors}"
        assert not self.page_errors, f"uncaught page errors: {self.page_errors}"
        assert not console, f"console errors: {console}"


@pytest.fixture
def context(browser: Browser, demo_city: str) -> Iterator[BrowserContext]:
    # A Chinese browser: LocaleMiddleware honours Accept-Language, and headless chromium says en-US.
    context = browser.new_context(base_url=demo_city, viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def page(context: BrowserContext, problems: BrowserProblems) -> Iterator[Page]:
    page = context.new_page()
    problems.watch(page)
    yield page
    problems.assert_none()


@pytest.fixture
def new_page(browser: Browser, demo_city: str, problems: BrowserProblems):  # type: ignore[no-untyped-def]
    """Open another page in a fresh context (a second person in another browser)."""
    opened: list[BrowserContext] = []

    def open_page() -> Page:
        other = browser.new_context(base_url=demo_city, viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        other.set_default_timeout(TIMEOUT_MS)
        opened.append(other)
        page = other.new_page()
        problems.watch(page)
        return page

    yield open_page
    for other in opened:
        other.close()
