"""Figures of the livelihood projects of one congress and year, with the definitions of domain.md §4 and §11.

Every rate keeps its numerator and denominator:

- 大项 = projects the vote decided (status decided, implementing, completed or unfinished);
  子项 = the sub-items of those projects;
- 资金 = Σ planned investment of the decided projects, in 万元 (and 亿元 = 万元 / 10 000);
- 完成率 on a date = decided projects whose ``completed_on`` is on or before the date / decided
  projects, so a mid-year snapshot (Bayannur's 79 of 86) and the final rate are the same figure;
- 满意率 (strict) = 满意 / valid votes; 总体满意率 = (满意 + 基本满意) / valid votes, where the valid
  votes are 满意 + 基本满意 + 不满意. Per project from the project's own counts; overall over
  every rated sub-item, a project rated without sub-items counting once with its own counts;
- 试点覆盖 = district-level and township-level congresses under the congress with at least one
  cycle in the year or before, of all active congresses at that level.

Each figure has a name; ``figure_rows`` returns the rows behind it, so the page can link
from a number to the projects (or congresses) it counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.livelihood.models import Cycle, Project, ProjectStatus, SubItem
from renda.organizations.models import Congress, CongressLevel

DECIDED_STATUSES = (
    ProjectStatus.DECIDED,
    ProjectStatus.IMPLEMENTING,
    ProjectStatus.COMPLETED,
    ProjectStatus.UNFINISHED,
)
_DECIDED = Q(status__in=DECIDED_STATUSES)
_RATED = Q(rating_satisfied__isnull=False, rating_basic__isnull=False, rating_dissatisfied__isnull=False)

WAN_PER_YI = Decimal(10_000)

# name → label; the order of the figures on the page.
FIGURE_LABELS: dict[str, Promise] = {
    "projects": _("票决确定项目（大项）"),
    "sub_items": _("子项"),
    "funds": _("计划投资"),
    "completed": _("已完成项目"),
    "rated": _("已测评项目"),
    "districts": _("开展票决制的县级人大"),
    "townships": _("开展票决制的乡镇人大"),
}


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        """Percentage with one decimal; None when nothing is counted."""
        if self.denominator == 0:
            return None
        return round(100 * self.numerator / self.denominator, 1)

    def as_json(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "rate": self.percent}


@dataclass(frozen=True)
class Counts:
    """Raw satisfaction counts (满意 / 基本满意 / 不满意) and the two rates built on them."""

    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0

    @property
    def valid(self) -> int:
        return self.satisfied + self.basic + self.dissatisfied

    @property
    def strict(self) -> Rate:
        return Rate(self.satisfied, self.valid)

    @property
    def overall(self) -> Rate:
        return Rate(self.satisfied + self.basic, self.valid)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.satisfied + other.satisfied, self.basic + other.basic, self.dissatisfied + other.dissatisfied
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "satisfied": self.satisfied,
            "basic": self.basic,
            "dissatisfied": self.dissatisfied,
            "valid": self.valid,
            "strict": self.strict.as_json(),
            "overall": self.overall.as_json(),
        }


def _counts(row: Project | SubItem) -> Counts:
    return Counts(row.rating_satisfied or 0, row.rating_basic or 0, row.rating_dissatisfied or 0)


@dataclass(frozen=True)
class ProjectSatisfaction:
    project_id: int
    name: str
    verdict: str
    verdict_label: str
    counts: Counts
    sub_items: list[tuple[str, str, Counts]]  # (name, verdict label, counts) of each rated sub-item


@dataclass
class Figures:
    congress: Congress
    year: int
    on: dt.date
    cycle: Cycle | None
    projects: int = 0
    sub_items: int = 0
    funds_wan: Decimal = Decimal(0)
    completion: Rate = Rate(0, 0)
    satisfaction: Counts = Counts()
    per_project: list[ProjectSatisfaction] = field(default_factory=list)
    districts: Rate = Rate(0, 0)
    townships: Rate = Rate(0, 0)

    @property
    def funds_yi(self) -> Decimal:
        # 四舍五入 to four decimals (1 万元 precision).
        return (self.funds_wan / WAN_PER_YI).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    def as_json(self) -> dict[str, Any]:
        return {
            "congress_id": self.congress.pk,
            "year": self.year,
            "on": self.on,
            "cycle_id": self.cycle.pk if self.cycle else None,
            "projects": self.projects,
            "sub_items": self.sub_items,
            "funds_wan": self.funds_wan,
            "funds_yi": self.funds_yi,
            "completion": self.completion.as_json(),
            "satisfaction": self.satisfaction.as_json(),
            "per_project": [
                {
                    "project_id": row.project_id,
                    "name": row.name,
                    "verdict": row.verdict,
                    **row.counts.as_json(),
                    "sub_items": [
                        {"name": name, "verdict": verdict, **counts.as_json()}
                        for name, verdict, counts in row.sub_items
                    ],
                }
                for row in self.per_project
            ],
            "coverage": {"districts": self.districts.as_json(), "townships": self.townships.as_json()},
        }


def cycle_for(congress: Congress, year: int) -> Cycle | None:
    return Cycle.objects.filter(congress=congress, year=year).first()


def decided_projects(cycle: Cycle | None) -> QuerySet[Project]:
    if cycle is None:
        return Project.objects.none()
    return Project.objects.filter(_DECIDED, cycle=cycle)


def _below(congress: Congress, level: str) -> QuerySet[Congress]:
    """Active congresses at ``level`` under ``congress`` (its children, or its grandchildren)."""
    base = Congress.objects.filter(level=level, is_active=True)
    return base.filter(Q(parent=congress) | Q(parent__parent=congress))


def _with_cycle(congresses: QuerySet[Congress], year: int) -> QuerySet[Congress]:
    return congresses.filter(livelihood_cycles__year__lte=year).distinct()


def coverage(congress: Congress, year: int) -> tuple[Rate, Rate]:
    """(districts, townships) under ``congress`` with a cycle in ``year`` or before, of all of them."""
    rates = []
    for level in (CongressLevel.DISTRICT, CongressLevel.TOWNSHIP):
        below = _below(congress, level)
        rates.append(Rate(_with_cycle(below, year).count(), below.count()))
    return rates[0], rates[1]


def compute(congress: Congress, year: int, on: dt.date) -> Figures:
    """Every figure of ``congress`` for project year ``year``, the completion rate as of ``on``."""
    cycle = cycle_for(congress, year)
    figures = Figures(congress=congress, year=year, on=on, cycle=cycle)
    figures.districts, figures.townships = coverage(congress, year)
    if cycle is None:
        return figures
    decided = list(decided_projects(cycle).prefetch_related("sub_items").order_by("rank", "list_order", "pk"))
    figures.projects = len(decided)
    figures.sub_items = sum(len(project.sub_items.all()) for project in decided)
    figures.funds_wan = sum((project.investment for project in decided), Decimal(0))
    completed = sum(1 for project in decided if project.completed_on is not None and project.completed_on <= on)
    figures.completion = Rate(completed, len(decided))
    overall = Counts()
    for project in decided:
        rated_sub_items = [item for item in project.sub_items.all() if item.rating_satisfied is not None]
        project_rated = project.rating_satisfied is not None
        if not project_rated and not rated_sub_items:
            continue
        if rated_sub_items:
            for item in rated_sub_items:
                overall += _counts(item)
        else:
            overall += _counts(project)
        figures.per_project.append(
            ProjectSatisfaction(
                project_id=project.pk,
                name=project.name,
                verdict=project.verdict,
                verdict_label=str(project.get_verdict_display()) if project.verdict else "",
                counts=_counts(project),
                sub_items=[
                    (item.name, str(item.get_verdict_display()) if item.verdict else "", _counts(item))
                    for item in rated_sub_items
                ],
            )
        )
    figures.satisfaction = overall
    return figures


def figure_rows(congress: Congress, year: int, on: dt.date, figure: str) -> QuerySet[Any]:
    """The rows a figure counts: projects, sub-items or congresses (an empty set for an unknown name)."""
    cycle = cycle_for(congress, year)
    decided = decided_projects(cycle).select_related("lead_unit").order_by("rank", "list_order", "pk")
    if figure in ("projects", "funds"):
        return decided
    if figure == "completed":
        return decided.filter(completed_on__isnull=False, completed_on__lte=on)
    if figure == "rated":
        return decided.filter(_RATED | Q(sub_items__rating_satisfied__isnull=False)).distinct()
    if figure == "sub_items":
        return (
            SubItem.objects.filter(project__in=decided)
            .select_related("project")
            .order_by("project__rank", "project__pk", "order")
        )
    if figure == "districts":
        return _with_cycle(_below(congress, CongressLevel.DISTRICT), year).order_by("code")
    if figure == "townships":
        return _with_cycle(_below(congress, CongressLevel.TOWNSHIP), year).order_by("code")
    return Project.objects.none()
