"""Hot topics: opinion volume by topic (category), area, source and ISO week, with week-on-week change.

One aggregate query groups the congress's opinions of the period by (category, area, source), with
one conditional count per week (at most 11 x areas x 7 rows), over the index (congress, received_at);
the roll-ups by each dimension are summed in Python. A second query lists the period's largest
clusters. Weeks start on Monday in the congress's time zone.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from renda.insight.models import Cluster
from renda.opinions.models import Category, Opinion, Source
from renda.organizations.models import Congress

DEFAULT_WEEKS = 8
MAX_WEEKS = 26
TOP_CLUSTERS = 10
UNCATEGORISED = "未分类"


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def parse_week(value: str) -> dt.date | None:
    """``2025-W10`` or a date inside the week (``2025-03-05``); None for anything else."""
    value = value.strip()
    try:
        if "W" in value.upper():
            year, week = value.upper().split("-W")
            return dt.date.fromisocalendar(int(year), int(week), 1)
        return week_start(dt.date.fromisoformat(value))
    except ValueError:
        return None


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Trend:
    """One row of a table: a topic, area or source, its count per week (oldest first) and the WoW change."""

    key: str
    label: str
    counts: list[int]
    change: int = 0
    change_pct: float | None = None

    @property
    def this_week(self) -> int:
        return self.counts[-1] if self.counts else 0

    @property
    def last_week(self) -> int:
        return self.counts[-2] if len(self.counts) > 1 else 0

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class HotTopics:
    congress: Congress
    weeks: list[dt.date]
    total: Trend
    by_category: list[Trend] = field(default_factory=list)
    by_area: list[Trend] = field(default_factory=list)
    by_source: list[Trend] = field(default_factory=list)
    top_clusters: list[Cluster] = field(default_factory=list)

    @property
    def week_labels(self) -> list[str]:
        return [iso_week(week) for week in self.weeks]

    @property
    def peak(self) -> int:
        return max([*self.total.counts, 1])


def _trend(key: str, label: str, counts: list[int]) -> Trend:
    trend = Trend(key=key, label=label, counts=counts)
    trend.change = trend.this_week - trend.last_week
    trend.change_pct = round(100.0 * trend.change / trend.last_week, 1) if trend.last_week else None
    return trend


def _midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the congress's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _week_counts(bounds: list[dt.datetime]) -> dict[str, Count]:
    """One conditional count per week between consecutive ``bounds``: plain comparisons the database
    does itself over the (congress, received_at) index, instead of truncating every row's date."""
    return {
        f"w{index}": Count("pk", filter=Q(received_at__gte=low, received_at__lt=high))
        for index, (low, high) in enumerate(itertools.pairwise(bounds))
    }


def hot_topics(congress: Congress, *, weeks: int = DEFAULT_WEEKS, until: dt.date | None = None) -> HotTopics:
    """The ``weeks`` ISO weeks ending with the week of ``until`` (default: this week)."""
    weeks = max(2, min(weeks, MAX_WEEKS))
    last = week_start(until or timezone.localdate())
    first = last - dt.timedelta(weeks=weeks - 1)
    week_list = [first + dt.timedelta(weeks=index) for index in range(weeks)]
    bounds = [_midnight(week) for week in week_list] + [_midnight(last + dt.timedelta(weeks=1))]
    start, end = bounds[0], bounds[-1]
    rows = (
        Opinion.objects.filter(congress=congress, received_at__gte=start, received_at__lt=end)
        .values_list("category", "area_id", "source")
        .annotate(**_week_counts(bounds))
        .order_by()
    )
    total = [0] * weeks
    by: dict[str, dict[object, list[int]]] = {"category": {}, "area": {}, "source": {}}
    for category, area_id, source, *counts in rows:
        for index, count in enumerate(counts):
            if not count:
                continue
            total[index] += count
            for name, key in (("category", category), ("area", area_id), ("source", source)):
                by[name].setdefault(key, [0] * weeks)[index] += count
    categories: dict[object, str] = {key: str(label) for key, label in Category.choices}
    sources: dict[object, str] = {key: str(label) for key, label in Source.choices}
    areas: dict[object, str] = dict(
        Congress.objects.filter(pk__in=[k for k in by["area"] if k is not None]).values_list("pk", "name")
    )

    def table(name: str, label_of: dict[object, str], none_label: str) -> list[Trend]:
        trends = [
            _trend("" if key is None else str(key), str(label_of.get(key, none_label)) if key else none_label, counts)
            for key, counts in by[name].items()
        ]
        return sorted(trends, key=lambda t: (-t.this_week, -t.total, t.label))

    clusters = list(
        Cluster.objects.filter(congress=congress, last_received_at__gte=start, first_received_at__lt=end)
        .select_related("area")
        .order_by("-size", "-last_received_at")[:TOP_CLUSTERS]
    )
    return HotTopics(
        congress=congress,
        weeks=week_list,
        total=_trend("", "合计", total),
        by_category=table("category", categories, UNCATEGORISED),
        by_area=table("area", areas, "未填区域"),
        by_source=table("source", sources, "—"),
        top_clusters=clusters,
    )


def weekly_counts(
    congress: Congress, week: dt.date
) -> tuple[dict[tuple[str, int | None], int], dict[tuple[str, int | None], int]]:
    """Opinions per (category, area) in ``week`` and in the week before (spike alerts); one query."""
    previous = week - dt.timedelta(weeks=1)
    bounds = [_midnight(previous), _midnight(week), _midnight(week + dt.timedelta(weeks=1))]
    rows = (
        Opinion.objects.filter(congress=congress, received_at__gte=bounds[0], received_at__lt=bounds[-1])
        .exclude(category="")
        .values_list("category", "area_id")
        .annotate(**_week_counts(bounds))
        .order_by()
    )
    this: dict[tuple[str, int | None], int] = defaultdict(int)
    before: dict[tuple[str, int | None], int] = defaultdict(int)
    for category, area_id, in_before, in_this in rows:
        if in_this:
            this[(category, area_id)] += in_this
        if in_before:
            before[(category, area_id)] += in_before
    return dict(this), dict(before)
