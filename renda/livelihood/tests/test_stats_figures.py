"""The figures of livelihood projects on a small hand-made data set (ORM rows, numbers checked by hand)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from renda.accounts.models import User
from renda.livelihood import stats
from renda.livelihood.models import Cycle, CycleStatus, Project, ProjectStatus, SubItem
from renda.organizations.models import Congress, Unit
from renda.organizations.roles import Role
from renda.tests_support.factories import CongressFactory, UserFactory


def _cycle(congress: Congress, year: int, status: str = CycleStatus.CLOSED) -> Cycle:
    return Cycle.objects.create(
        congress=congress,
        year=year,
        title=f"{year}年民生实事",
        status=status,
        solicit_opens_on=dt.date(year - 1, 7, 1),
        solicit_closes_on=dt.date(year - 1, 8, 1),
        slots=3,
        created_by=UserFactory(),
    )


def _project(cycle: Cycle, unit: Unit, name: str, status: str, investment: str, **fields: Any) -> Project:
    return Project.objects.create(
        cycle=cycle,
        name=name,
        content="内容",
        investment=Decimal(investment),
        funding_source="财政",
        lead_unit=unit,
        completion_date=dt.date(cycle.year, 12, 31),
        status=status,
        **fields,
    )


def _rated(satisfied: int, basic: int, dissatisfied: int, verdict: str = "satisfied") -> dict[str, Any]:
    return {
        "rating_satisfied": satisfied,
        "rating_basic": basic,
        "rating_dissatisfied": dissatisfied,
        "verdict": verdict,
    }


@pytest.fixture
def data(city: Congress, district: Congress, unit: Unit) -> dict[str, Any]:
    """2025 in the city: three decided projects (Σ 25 000.50 万元), one not selected.

    A: completed 2025-06-30, two sub-items rated (40/8/2 and 30/15/5), project rated 70/23/7;
    B: completed 2025-11-30, no sub-items, rated 20/10/20;
    C: unfinished, one sub-item, not rated.
    Coverage: 2 districts (one with a 2024 cycle), 3 townships (one with a 2025 cycle, one with a 2026 cycle).
    """
    cycle = _cycle(city, 2025)
    a = _project(
        cycle,
        unit,
        "甲",
        ProjectStatus.COMPLETED,
        "12000.25",
        completed_on=dt.date(2025, 6, 30),
        rank=1,
        **_rated(70, 23, 7),
    )
    SubItem.objects.create(project=a, order=1, name="甲一", **_rated(40, 8, 2))
    SubItem.objects.create(project=a, order=2, name="甲二", **_rated(30, 15, 5, "basically_satisfied"))
    b = _project(
        cycle,
        unit,
        "乙",
        ProjectStatus.COMPLETED,
        "3000.25",
        completed_on=dt.date(2025, 11, 30),
        rank=2,
        **_rated(20, 10, 20, "dissatisfied"),
    )
    c = _project(cycle, unit, "丙", ProjectStatus.UNFINISHED, "10000", rank=3)
    SubItem.objects.create(project=c, order=1, name="丙一")
    _project(cycle, unit, "丁", ProjectStatus.NOT_SELECTED, "99999", rank=4)
    _project(cycle, unit, "戊", ProjectStatus.EXCLUDED, "88888")
    other_district = CongressFactory(level="district", parent=city, code="xishan")
    townships = [CongressFactory(level="township", parent=district, code=f"t{index}") for index in range(2)]
    townships.append(CongressFactory(level="township", parent=other_district, code="t2"))
    _cycle(district, 2024)
    _cycle(townships[0], 2025)
    _cycle(townships[2], 2026)
    return {"cycle": cycle, "a": a, "b": b, "c": c, "district": district, "townships": townships}


def test_counts_and_funds(city: Congress, data: dict[str, Any]) -> None:
    figures = stats.compute(city, 2025, dt.date(2025, 12, 31))
    assert figures.projects == 3
    assert figures.sub_items == 3
    assert figures.funds_wan == Decimal("25000.50")
    assert figures.funds_yi == Decimal("2.5001")


@pytest.mark.parametrize(
    ("on", "numerator"),
    [(dt.date(2025, 6, 29), 0), (dt.date(2025, 6, 30), 1), (dt.date(2025, 11, 30), 2), (dt.date(2026, 3, 1), 2)],
)
def test_completion_rate_at_any_date(city: Congress, data: dict[str, Any], on: dt.date, numerator: int) -> None:
    completion = stats.compute(city, 2025, on).completion
    assert (completion.numerator, completion.denominator) == (numerator, 3)


def test_satisfaction_definitions(city: Congress, data: dict[str, Any]) -> None:
    figures = stats.compute(city, 2025, dt.date(2025, 12, 31))
    # Over all sub-items: 甲一 40/8/2 + 甲二 30/15/5 + 乙 (no sub-items) 20/10/20.
    overall = figures.satisfaction
    assert (overall.satisfied, overall.basic, overall.dissatisfied, overall.valid) == (90, 33, 27, 150)
    assert (overall.strict.numerator, overall.strict.denominator, overall.strict.percent) == (90, 150, 60.0)
    assert (overall.overall.numerator, overall.overall.denominator, overall.overall.percent) == (123, 150, 82.0)
    per_project = {row.name: row for row in figures.per_project}
    assert set(per_project) == {"甲", "乙"}  # 丙 is not rated
    assert per_project["甲"].counts.strict.percent == 70.0
    assert per_project["甲"].counts.overall.percent == 93.0
    assert per_project["乙"].counts.overall == stats.Rate(30, 50)
    assert [name for name, _verdict, _counts in per_project["甲"].sub_items] == ["甲一", "甲二"]


def test_pilot_coverage(city: Congress, data: dict[str, Any]) -> None:
    assert stats.coverage(city, 2025) == (stats.Rate(1, 2), stats.Rate(1, 3))
    assert stats.coverage(city, 2026) == (stats.Rate(1, 2), stats.Rate(2, 3))
    assert stats.coverage(city, 2023) == (stats.Rate(0, 2), stats.Rate(0, 3))


def test_rows_behind_each_figure(city: Congress, data: dict[str, Any]) -> None:
    on = dt.date(2025, 7, 1)

    def names(figure: str) -> list[str]:
        return [row.name for row in stats.figure_rows(city, 2025, on, figure)]

    assert names("projects") == ["甲", "乙", "丙"]
    assert names("completed") == ["甲"]
    assert names("rated") == ["甲", "乙"]
    assert names("sub_items") == ["甲一", "甲二", "丙一"]
    assert names("districts") == [data["district"].name]
    assert names("townships") == [data["townships"][0].name]
    assert names("nonsense") == []


def test_empty_year_has_zero_rates(city: Congress) -> None:
    figures = stats.compute(city, 2030, dt.date(2030, 1, 1))
    assert figures.cycle is None and figures.projects == 0
    assert figures.completion.percent is None and figures.satisfaction.overall.percent is None


# --- the page and the API ---


@pytest.fixture
def staff_client(make_person: Callable[..., User], client_for: Callable[[User], Client]) -> Client:
    return client_for(make_person(Role.COMMITTEE_STAFF))


def test_figures_page_for_staff_with_rows(staff_client: Client, data: dict[str, Any]) -> None:
    url = reverse("livelihood:figures")
    response = staff_client.get(url, {"year": "2025", "on": "2025-07-01", "figure": "completed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "25000.50" in page and "2.5001" in page
    assert "完成率（截至 2025-07-01：1/3）" in page
    assert "总体满意率（123/150）" in page
    assert page.count('data-testid="figure-row"') == 1
    assert reverse("portal:livelihood_project", kwargs={"project_id": data["a"].pk}) in page


@pytest.mark.parametrize("role", [Role.LEADER, Role.STAFF_ADMIN])
def test_figures_page_for_leaders_and_admins(
    role: str, make_person: Callable[..., User], client_for: Callable[[User], Client], data: dict[str, Any]
) -> None:
    assert client_for(make_person(role)).get(reverse("livelihood:figures")).status_code == 200


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.UNIT_OFFICER, Role.CITIZEN])
def test_figures_page_refuses_other_roles(
    role: str, make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    assert client_for(make_person(role)).get(reverse("livelihood:figures")).status_code == 403
    assert client_for(make_person(role)).get("/api/v1/livelihood/figures").status_code == 403


@pytest.mark.parametrize(("params", "message"), [({"on": "2025-13-01"}, "统计日期格式"), ({"year": "abc"}, "项目年度")])
def test_figures_page_bad_input_is_400(staff_client: Client, params: dict[str, str], message: str) -> None:
    response = staff_client.get(reverse("livelihood:figures"), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_figures_api(staff_client: Client, data: dict[str, Any]) -> None:
    body = staff_client.get("/api/v1/livelihood/figures", {"year": 2025, "on": "2025-12-01"}).json()
    assert body["projects"] == 3 and body["sub_items"] == 3
    assert Decimal(body["funds_wan"]) == Decimal("25000.50")
    assert body["completion"] == {"numerator": 2, "denominator": 3, "rate": 66.7}
    assert body["satisfaction"]["overall"] == {"numerator": 123, "denominator": 150, "rate": 82.0}
    assert body["coverage"]["townships"] == {"numerator": 1, "denominator": 3, "rate": 33.3}
    rows = staff_client.get(
        "/api/v1/livelihood/figures/rows", {"year": 2025, "on": "2025-12-01", "figure": "completed"}
    ).json()
    assert [row["name"] for row in rows] == ["甲", "乙"]
    bad = staff_client.get("/api/v1/livelihood/figures/rows", {"year": 2025, "figure": "x"})
    assert bad.status_code == 400 and bad.json()["field"] == "figure"
