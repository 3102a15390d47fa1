"""Browser walk through the deputies' and livelihood pages that no flow test opens.

The demo's own builders fill the city (roster, stations, duty records, reports to electors, scores, the
livelihood years); then the clerk, a deputy and an anonymous citizen open each page. Every page must
answer without a server error, show no English words in its main content on a Chinese browser, and
lay out on a phone without overflowing sideways (``snap`` checks it and writes both screenshots).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from e2e.test_insight_pages import stray_english
from e2e.test_shell import assert_healthy, login, snap


@pytest.fixture
def walk_urls(demo_city: str) -> dict[str, str]:
    """The demo city with deputies and livelihood data; returns the detail pages to open, by name."""
    from renda.deputies.demo import build_activity, build_roster
    from renda.deputies.models import (
        DeputyGroup,
        DeputyProfile,
        DeputyScore,
        ElectorReport,
        Station,
        TrainingSession,
    )
    from renda.livelihood.demo import build_demo_livelihood
    from renda.livelihood.models import Project
    from renda.organizations.models import Congress

    city = Congress.objects.get(code="jiangcheng")
    build_roster(city=city, seed=2026)
    build_activity(city=city, seed=2026)
    build_demo_livelihood(city=city, seed=2026)
    station = Station.objects.filter(is_public=True).order_by("pk").first()
    project = Project.objects.filter(cycle__congress=city, plan_published_at__isnull=False).order_by("pk").first()
    assert station is not None and project is not None
    return {
        "profile": f"/deputies/profiles/{DeputyProfile.objects.order_by('pk').first().pk}/",  # type: ignore[union-attr]
        "station": f"/deputies/stations/{station.pk}/",
        "group": f"/deputies/groups/{DeputyGroup.objects.order_by('pk').first().pk}/",  # type: ignore[union-attr]
        "training": f"/deputies/training/{TrainingSession.objects.order_by('pk').first().pk}/",  # type: ignore[union-attr]
        "report": f"/deputies/reports/{ElectorReport.objects.order_by('pk').first().pk}/",  # type: ignore[union-attr]
        "score": f"/deputies/scores/{DeputyScore.objects.order_by('pk').first().pk}/",  # type: ignore[union-attr]
        "public_station": f"/portal/stations/{station.public_code}/",
        "public_year": f"/portal/livelihood/{project.cycle.year}/",
        "public_project": f"/portal/livelihood/projects/{project.pk}/",
    }


def visit(page: Page, screenshot_dir: Path, url: str, name: str, english: dict[str, list[str]]) -> None:
    page.goto(url)
    assert_healthy(page)
    if words := stray_english(page):
        english[url] = words
    snap(page, screenshot_dir, name)


def test_deputies_and_livelihood_pages(
    page: Page,
    new_page,  # type: ignore[no-untyped-def]
    screenshot_dir: Path,
    walk_urls: dict[str, str],
) -> None:
    english: dict[str, list[str]] = {}
    login(page, "clerk")
    staff_pages = [
        ("/deputies/roster/", "deputies-roster"),
        (walk_urls["profile"], "deputies-profile"),
        ("/deputies/roster/composition/", "deputies-composition"),
        ("/deputies/roster/import/", "deputies-roster-import"),
        ("/deputies/stations/", "deputies-stations"),
        (walk_urls["station"], "deputies-station"),
        ("/deputies/groups/", "deputies-groups"),
        (walk_urls["group"], "deputies-group"),
        ("/deputies/training/", "deputies-training-list"),
        (walk_urls["training"], "deputies-training"),
        ("/deputies/contacts/", "deputies-contacts"),
        ("/deputies/reports/", "deputies-reports"),
        (walk_urls["report"], "deputies-report"),
        ("/deputies/scores/", "deputies-scores"),
        (walk_urls["score"], "deputies-score"),
        ("/deputies/scores/scheme/", "deputies-scheme"),
        ("/deputies/scores/consequences/", "deputies-consequences"),
        ("/deputies/figures/", "deputies-figures"),
        ("/livelihood/", "livelihood-cycles"),
    ]
    for url, name in staff_pages:
        visit(page, screenshot_dir, url, name, english)

    deputy = new_page()
    login(deputy, "deputy")
    for url, name in [("/deputies/me/", "deputies-my-file"), ("/deputies/scores/mine/", "deputies-my-score")]:
        visit(deputy, screenshot_dir, url, name, english)

    citizen = new_page()
    public_pages = [
        ("/portal/stations/", "portal-stations"),
        (walk_urls["public_station"], "portal-station"),
        ("/portal/livelihood/", "portal-livelihood"),
        (walk_urls["public_year"], "portal-livelihood-year"),
        (walk_urls["public_project"], "portal-livelihood-project"),
        ("/portal/livelihood/propose/", "portal-livelihood-propose"),
    ]
    for url, name in public_pages:
        visit(citizen, screenshot_dir, url, name, english)
    assert english == {}, f"English words on Chinese pages: {english}"
