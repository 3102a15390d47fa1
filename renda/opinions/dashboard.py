"""The leaders' and committee staff's dashboard of citizens' opinions (issue #6 point 5).

Volumes this month and this year by source, hot topics, the table and chart by district, the
units holding overdue items, satisfaction. Every figure carries the link to the ledger
(``opinions:ledger``) filtered to its items: the period's dates, plus source, category, area,
unit, ``overdue`` or ``figure`` (a ``stats.FIGURES`` name).

Cost: one grouped aggregate query over the year's opinions of the congress (grouped by source,
area, category and the facts that decide every figure — ``stats.FACT_FIELDS`` —, counting the
year, the month and each month), one for the overdue units, and the two of
``insight.topics.hot_topics``; the figures are summed in Python from those groups
(``stats.PREDICATES``). Nothing is read per opinion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from renda.core.figures import Rate
from renda.insight import topics
from renda.opinions import permissions, stats
from renda.opinions.models import Category, Opinion, Source
from renda.organizations.models import Congress

if TYPE_CHECKING:
    from renda.accounts.models import User

UNKNOWN_AREA = "未填区域"
CHART_BAR_HEIGHT = 26
CHART_LABEL_WIDTH = 150
CHART_WIDTH = 560


# --- who reads it ---


def dashboard_congress_id(user: User | None) -> int | None:
    """The congress whose dashboard and reports the user reads: its committee staff and leaders."""
    return permissions.reader_congress_id(user)


def can_generate_report(user: User | None, congress_id: int) -> bool:
    """The staff's "生成报告" button: the committee staff of the congress (leaders read only)."""
    return permissions.triage_congress_id(user) == congress_id


# --- links ---


def ledger_link(period: stats.Period | None = None, **filters: Any) -> str:
    """The ledger filtered to a figure's items; blank filters are left out."""
    try:
        base = reverse("opinions:ledger")
    except NoReverseMatch:  # the ledger is another module's page: keep the dashboard readable without it
        base = "/opinions/ledger/"
    query: dict[str, str] = dict(period.as_query()) if period is not None else {}
    for key, value in filters.items():
        if value is None or value == "" or value is False:
            continue
        query[key] = "1" if value is True else str(value)
    return f"{base}?{urlencode(query)}" if query else base


# --- the figures ---


@dataclass
class Row:
    """A table row (a source, a district or a category): figures of the month and of the year, and their link."""

    key: str
    label: str
    month: dict[str, int] = field(default_factory=lambda: dict.fromkeys(stats.FIGURES, 0))
    year: dict[str, int] = field(default_factory=lambda: dict.fromkeys(stats.FIGURES, 0))
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def year_rates(self) -> list[Rate]:
        return stats.rates_of(self.year)


@dataclass
class Bar:
    label: str
    count: int
    link: str
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0


@dataclass
class Dashboard:
    congress: Congress
    month: dt.date
    month_period: stats.Period
    year_period: stats.Period
    now: dt.datetime
    month_counts: dict[str, int]
    year_counts: dict[str, int]
    by_source: list[Row]
    by_area: list[Row]
    by_category: list[Row]
    by_month: list[Bar]
    overdue_units: list[stats.OverdueUnit]
    hot: topics.HotTopics

    @property
    def month_rates(self) -> list[Rate]:
        return stats.rates_of(self.month_counts)

    @property
    def year_rates(self) -> list[Rate]:
        return stats.rates_of(self.year_counts)

    @property
    def overdue_total(self) -> int:
        return sum(unit.count for unit in self.overdue_units)

    def area_bars(self) -> list[Bar]:
        """The SVG bar chart by district (this year's opinions)."""
        return layout_bars(
            [Bar(row.label, row.year["received"], ledger_link(self.year_period, **row.filters)) for row in self.by_area]
        )


def layout_bars(bars: list[Bar], *, width: int = CHART_WIDTH - CHART_LABEL_WIDTH - 50) -> list[Bar]:
    peak = max([bar.count for bar in bars] + [1])
    for index, bar in enumerate(bars):
        bar.y = index * CHART_BAR_HEIGHT
        bar.width = round(width * bar.count / peak) if bar.count else 0
    return bars


COLUMN_STEP = 50
COLUMN_HEIGHT = 100


def layout_columns(bars: list[Bar]) -> list[Bar]:
    """A column chart: ``x`` and ``y`` of each column's top-left corner, its ``height``; the baseline at COLUMN_HEIGHT + 20."""
    peak = max([bar.count for bar in bars] + [1])
    for index, bar in enumerate(bars):
        bar.height = round(COLUMN_HEIGHT * bar.count / peak) if bar.count else 0
        bar.x = index * COLUMN_STEP + 8
        bar.y = COLUMN_HEIGHT + 20 - bar.height
        bar.width = COLUMN_STEP - 14
    return bars


def area_label(name: str) -> str:
    """``东湖区人民代表大会`` → ``东湖区``: the place, not its congress."""
    return name.removesuffix("人民代表大会").removesuffix("人大") or name


def district_of(congress: Congress) -> dict[int, int]:
    """Every congress below ``congress`` → the one directly below it (its district), for the area roll-up."""
    rows = list(Congress.objects.values_list("pk", "parent_id"))
    parent = dict(rows)
    result: dict[int, int] = {}
    for pk, _parent_id in rows:
        node: int | None = pk
        # Climb to the child of ``congress``; the tree is three levels deep.
        for _ in range(6):
            if node is None or parent.get(node) == congress.pk:
                break
            node = parent.get(node)
        if node is not None and parent.get(node) == congress.pk:
            result[pk] = node
    return result


def _month_starts(year: int) -> list[dt.date]:
    return [dt.date(year, month, 1) for month in range(1, 13)]


def build_dashboard(congress: Congress, *, month: dt.date | None = None, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    month = (month or timezone.localdate(now)).replace(day=1)
    month_period = stats.month_period(month)
    year_period = stats.year_period(month.year)
    month_starts = _month_starts(month.year)
    aggregates: dict[str, Any] = {"in_year": Count("pk"), "in_month": Count("pk", filter=month_period.q())}
    for index, start in enumerate(month_starts):
        aggregates[f"month_{index}"] = Count("pk", filter=stats.month_period(start).q())
    # One grouped query: by source, area and category, and by the facts that decide every figure.
    rows = list(
        Opinion.objects.filter(year_period.q(), congress=congress)
        .values("source", "area_id", "category", *stats.FACT_FIELDS)
        .annotate(**aggregates)
        .order_by()
    )

    districts = district_of(congress)
    area_names = {
        pk: area_label(name) for pk, name in Congress.objects.filter(parent=congress).values_list("pk", "name")
    }
    month_counts = dict.fromkeys(stats.FIGURES, 0)
    year_counts = dict.fromkeys(stats.FIGURES, 0)
    per_month = [0] * 12
    sources = {key: Row(key, str(label), filters={"source": key}) for key, label in Source.choices}
    categories = {key: Row(key, str(label), filters={"category": key}) for key, label in Category.choices}
    areas = {pk: Row(str(pk), name, filters={"area": pk}) for pk, name in sorted(area_names.items())}
    unknown_area = Row("", UNKNOWN_AREA)
    for item in rows:
        row = cast(dict[str, Any], item)
        district = districts.get(row["area_id"]) if row["area_id"] is not None else None
        targets = [sources.get(row["source"]), areas.get(district) if district else unknown_area]
        targets.append(categories.get(row["category"]) if row["category"] else None)
        in_month, in_year = int(row["in_month"]), int(row["in_year"])
        facts = stats.Facts(row["status"], row["rating"], row["replied_on_time"], int(row["reopen_count"]))
        for name in stats.figures_of(facts):
            month_counts[name] += in_month
            year_counts[name] += in_year
            for target in targets:
                if target is not None:
                    target.month[name] += in_month
                    target.year[name] += in_year
        for index in range(12):
            per_month[index] += int(row[f"month_{index}"])

    area_rows = sorted(areas.values(), key=lambda item: (-item.year["received"], item.label))
    if unknown_area.year["received"]:
        area_rows.append(unknown_area)
    by_month = layout_columns(
        [
            Bar(f"{start.month}月", count, ledger_link(stats.month_period(start)))
            for start, count in zip(month_starts, per_month, strict=True)
        ]
    )
    until = min(month_period.last_day, timezone.localdate(now))
    return Dashboard(
        congress=congress,
        month=month,
        month_period=month_period,
        year_period=year_period,
        now=now,
        month_counts=month_counts,
        year_counts=year_counts,
        by_source=[row for row in sources.values() if row.year["received"]],
        by_area=area_rows,
        by_category=sorted(
            (row for row in categories.values() if row.year["received"]),
            key=lambda item: (-item.month["received"], -item.year["received"]),
        ),
        by_month=by_month,
        overdue_units=stats.overdue_units(congress, now),
        hot=topics.hot_topics(congress, weeks=topics.DEFAULT_WEEKS, until=until),
    )


def overdue_link(unit_id: int | None = None) -> str:
    """Items held past their due date (now), optionally of one unit."""
    return ledger_link(None, overdue=True, unit=unit_id)


def hot_topic_rows(dashboard: Dashboard) -> list[dict[str, Any]]:
    """The hot topics table: this week, last week and the change, each linking to the items of its week."""
    hot = dashboard.hot
    this_week, last_week = hot.weeks[-1], hot.weeks[-2]
    this_period = stats.Period(this_week, this_week + dt.timedelta(days=7))
    last_period = stats.Period(last_week, this_week)
    rows = []
    for trend in hot.by_category[:10]:
        if not trend.total:
            continue
        rows.append(
            {
                "trend": trend,
                "link_this": ledger_link(this_period, category=trend.key),
                "link_last": ledger_link(last_period, category=trend.key),
                "link_all": ledger_link(
                    stats.Period(hot.weeks[0], this_week + dt.timedelta(days=7)), category=trend.key
                ),
            }
        )
    return rows


def cluster_link(cluster_id: int) -> str:
    try:
        return reverse("opinions:cluster_detail", kwargs={"cluster_id": cluster_id})
    except NoReverseMatch:  # O3's page; the list renders without it
        return ""


def satisfaction_rows(dashboard: Dashboard) -> list[dict[str, Any]]:
    """The year's ratings by kind, each with its count, share of the rated and link."""
    rated = dashboard.year_counts["rated"]
    result = []
    for name in ("satisfied", "basically_satisfied", "dissatisfied"):
        count = dashboard.year_counts[name]
        result.append(
            {
                "name": name,
                "label": str(stats.FIGURES[name][0]),
                "count": count,
                "share": round(100.0 * count / rated, 1) if rated else None,
                "link": ledger_link(dashboard.year_period, figure=name),
            }
        )
    return result
