"""The dashboard's counts, kept when counting takes long (issue #6: the dashboard over 1,000,000 opinions < 1 s).

Every figure of the dashboard is counted live (``dashboard.build_dashboard``). For a congress with
a very large year (hundreds of thousands of opinions) one count takes seconds, so a count that took
longer than ``SLOW_SECONDS`` is kept as a ``DashboardSnapshot`` of its congress and month. While
it is younger than ``MAX_AGE``, the page and the API show it, with its time ("统计时间"); the
periodic job ``opinions.dashboard_snapshots`` recounts the snapshots of the current month in the
background before they grow old, so readers rarely wait. Staff can recount at once (``fresh``).

A congress whose count is quick never gets a snapshot: its figures are always live. The links of
a kept figure open the live ledger, which may already hold a few newer items.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any

from django.utils import timezone

from renda.insight import topics
from renda.insight.models import Cluster
from renda.opinions import dashboard as board
from renda.opinions import stats
from renda.opinions.models import DashboardSnapshot
from renda.organizations.models import Congress

# A count slower than this is kept; a kept count older than MAX_AGE is recounted on reading.
SLOW_SECONDS = 0.5
MAX_AGE = dt.timedelta(minutes=5)
# The job recounts the current month's snapshots older than this (the scheduler runs every minute or so).
REFRESH_AFTER = dt.timedelta(minutes=2)


@dataclasses.dataclass(frozen=True)
class Counted:
    """A dashboard and when its counts were made (``kept``: read from a snapshot, not counted now)."""

    board: board.Dashboard
    computed_at: dt.datetime
    seconds: float
    kept: bool


# --- to JSON and back ---


def _trend_out(trend: topics.Trend) -> dict[str, Any]:
    return dataclasses.asdict(trend)


def _trend_in(data: dict[str, Any]) -> topics.Trend:
    return topics.Trend(**data)


def _row_in(data: dict[str, Any]) -> board.Row:
    return board.Row(**data)


def _bar_in(data: dict[str, Any]) -> board.Bar:
    return board.Bar(**data)


def to_payload(data: board.Dashboard) -> dict[str, Any]:
    hot = data.hot
    return {
        "now": data.now.isoformat(),
        "month_counts": data.month_counts,
        "year_counts": data.year_counts,
        "by_source": [dataclasses.asdict(row) for row in data.by_source],
        "by_area": [dataclasses.asdict(row) for row in data.by_area],
        "by_category": [dataclasses.asdict(row) for row in data.by_category],
        "by_month": [dataclasses.asdict(bar) for bar in data.by_month],
        "overdue_units": [
            {**dataclasses.asdict(unit), "oldest_due_at": unit.oldest_due_at.isoformat()} for unit in data.overdue_units
        ],
        "hot": {
            "weeks": [week.isoformat() for week in hot.weeks],
            "total": _trend_out(hot.total),
            "by_category": [_trend_out(trend) for trend in hot.by_category],
            "by_area": [_trend_out(trend) for trend in hot.by_area],
            "by_source": [_trend_out(trend) for trend in hot.by_source],
            "top_clusters": [cluster.pk for cluster in hot.top_clusters],
        },
    }


def from_payload(congress: Congress, month: dt.date, payload: dict[str, Any]) -> board.Dashboard:
    hot = payload["hot"]
    clusters = {
        cluster.pk: cluster for cluster in Cluster.objects.filter(pk__in=hot["top_clusters"]).select_related("area")
    }
    return board.Dashboard(
        congress=congress,
        month=month,
        month_period=stats.month_period(month),
        year_period=stats.year_period(month.year),
        now=dt.datetime.fromisoformat(payload["now"]),
        month_counts=payload["month_counts"],
        year_counts=payload["year_counts"],
        by_source=[_row_in(row) for row in payload["by_source"]],
        by_area=[_row_in(row) for row in payload["by_area"]],
        by_category=[_row_in(row) for row in payload["by_category"]],
        by_month=[_bar_in(bar) for bar in payload["by_month"]],
        overdue_units=[
            stats.OverdueUnit(**{**unit, "oldest_due_at": dt.datetime.fromisoformat(unit["oldest_due_at"])})
            for unit in payload["overdue_units"]
        ],
        hot=topics.HotTopics(
            congress=congress,
            weeks=[dt.date.fromisoformat(week) for week in hot["weeks"]],
            total=_trend_in(hot["total"]),
            by_category=[_trend_in(trend) for trend in hot["by_category"]],
            by_area=[_trend_in(trend) for trend in hot["by_area"]],
            by_source=[_trend_in(trend) for trend in hot["by_source"]],
            # A cluster merged away since the count is left out.
            top_clusters=[clusters[pk] for pk in hot["top_clusters"] if pk in clusters],
        ),
    )


# --- reading and recounting ---


def count(congress: Congress, month: dt.date, now: dt.datetime) -> Counted:
    """Count the dashboard now; keep it when counting was slow (or refresh a kept one)."""
    started = time.perf_counter()
    data = board.build_dashboard(congress, month=month, now=now)
    seconds = time.perf_counter() - started
    if seconds >= SLOW_SECONDS or DashboardSnapshot.objects.filter(congress=congress, month=month).exists():
        DashboardSnapshot.objects.update_or_create(
            congress=congress,
            month=month,
            defaults={"computed_at": now, "seconds": round(seconds, 3), "payload": to_payload(data)},
        )
    return Counted(board=data, computed_at=now, seconds=seconds, kept=False)


def dashboard_for(
    congress: Congress, *, month: dt.date | None = None, now: dt.datetime | None = None, fresh: bool = False
) -> Counted:
    """The dashboard of ``congress`` for ``month`` (default: this month): kept counts if recent, else counted now."""
    now = now or timezone.now()
    month = (month or timezone.localdate(now)).replace(day=1)
    if not fresh:
        kept = DashboardSnapshot.objects.filter(congress=congress, month=month, computed_at__gte=now - MAX_AGE).first()
        if kept is not None:
            return Counted(
                board=from_payload(congress, month, kept.payload),
                computed_at=kept.computed_at,
                seconds=kept.seconds,
                kept=True,
            )
    return count(congress, month, now)


def refresh_snapshots(now: dt.datetime) -> str:
    """Periodic job: recount this month's kept dashboards before they are too old to show."""
    month = timezone.localdate(now).replace(day=1)
    due = list(
        DashboardSnapshot.objects.filter(month=month, computed_at__lt=now - REFRESH_AFTER).select_related("congress")
    )
    for snapshot in due:
        count(snapshot.congress, month, now)
    # Earlier months' snapshots are recounted only when someone opens them again.
    DashboardSnapshot.objects.filter(month__lt=month, computed_at__lt=now - dt.timedelta(days=1)).delete()
    return f"recounted {len(due)}"
