"""The score engine (履职积分), domain.md §2.2.

A deputy's score for a year up to the end of a quarter is, for each item of the
congress's scheme, ``min(count × points, cap)`` over the deputy's *verified* duty
entries of that kind dated 1 January … the last day of the quarter, summed and
clamped to ``[0, max_total]``. A negative item (absence) deducts; its cap, when
set, bounds the deduction. The grade comes from the scheme's bands.

``compute_scores`` works on sets: one aggregate query grouped by deputy and kind,
one query for the deputies in office, then an upsert of every ``DeputyScore`` row
in batches (primary keys stay stable, so a link to a score survives a nightly
recompute). Permission and audit belong to the action
(``renda.deputies.actions.scoring.scores_compute``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Field, Q, QuerySet
from django.utils import timezone

from renda.deputies.models import (
    DeputyScore,
    DeputyStatus,
    DeputyTerm,
    DutyEntry,
    EntryKind,
    EntryStatus,
    Grade,
    ScoringItem,
    ScoringScheme,
)
from renda.organizations.models import Congress

# The Yinchuan-like default on a 100-point scale: (kind, points per verified act, yearly cap or None).
# The caps add up to more than 100 on purpose: a deputy reaches full marks by several routes.
DEFAULT_ITEMS: tuple[tuple[str, Decimal, Decimal | None], ...] = (
    (EntryKind.ATTEND_SESSION, Decimal(10), Decimal(10)),
    (EntryKind.ATTEND_SC, Decimal(4), Decimal(12)),
    (EntryKind.INSPECTION, Decimal(3), Decimal(15)),
    (EntryKind.RESEARCH, Decimal(3), Decimal(15)),
    (EntryKind.LAW_INSPECTION, Decimal(3), Decimal(9)),
    (EntryKind.GROUP_ACTIVITY, Decimal(2), Decimal(12)),
    (EntryKind.STATION_RECEPTION, Decimal(3), Decimal(15)),
    (EntryKind.CONTACT_CITIZENS, Decimal(1), Decimal(10)),
    (EntryKind.SUGGESTION, Decimal(4), Decimal(12)),
    (EntryKind.SUGGESTION_COSIGNED, Decimal(1), Decimal(3)),
    (EntryKind.MOTION, Decimal(6), Decimal(12)),
    (EntryKind.TRAINING, Decimal(2), Decimal(8)),
    (EntryKind.REPORT_TO_ELECTORS, Decimal(5), Decimal(5)),
    (EntryKind.PRACTICAL_DEED, Decimal(3), Decimal(9)),
    (EntryKind.ABSENT, Decimal(-5), None),
)

QUARTERS = (1, 2, 3, 4)
UPSERT_BATCH = 500


def default_items() -> list[tuple[str, Decimal, Decimal | None]]:
    """The default items of a new scheme: (kind, points, cap); see ``DEFAULT_ITEMS``."""
    return [(str(kind), points, cap) for kind, points, cap in DEFAULT_ITEMS]


def quarter_end(year: int, quarter: int) -> dt.date:
    """The last day counted for scores "up to the end of" a quarter."""
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, quarter * 3 + 1, 1) - dt.timedelta(days=1)


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def scheme_for(congress: Congress, year: int) -> ScoringScheme | None:
    """The scheme in force for a year: the active one with the latest effective year not after it."""
    return (
        ScoringScheme.objects.filter(congress=congress, is_active=True, effective_year__lte=year)
        .order_by("-effective_year")
        .first()
    )


def grade_for(scheme: ScoringScheme, total: Decimal) -> str:
    if total >= scheme.good_threshold:
        return str(Grade.GOOD)
    if total >= scheme.fair_threshold:
        return str(Grade.FAIR)
    return str(Grade.POOR)


def item_score(count: int, points: Decimal, cap: Decimal | None) -> tuple[Decimal, Decimal]:
    """(raw, counted) for one item: the cap bounds the absolute value, so it also limits a deduction."""
    raw = points * count
    if cap is None:
        return raw, raw
    if raw >= 0:
        return raw, min(raw, cap)
    return raw, max(raw, -cap)


def _number(value: Decimal | None) -> float | None:
    if value is None:
        return None
    number = float(round(value, 1))
    return number or 0.0  # a deduction counted zero times is 0, not "-0.0"


class Explainer:
    """Builds breakdowns for one scheme. Lines are cached by (kind, count): thousands of deputies share them,
    and the label is translated once per item rather than once per deputy."""

    def __init__(self, items: list[ScoringItem], max_total: Decimal) -> None:
        self.items = [(item.kind, str(EntryKind(item.kind).label), item.points, item.cap) for item in items]
        self.max_total = max_total
        self._lines: dict[tuple[str, int], tuple[Decimal, dict[str, Any]]] = {}

    def line(
        self, kind: str, label: str, points: Decimal, cap: Decimal | None, count: int
    ) -> tuple[Decimal, dict[str, Any]]:
        key = (kind, count)
        cached = self._lines.get(key)
        if cached is None:
            raw, counted = item_score(count, points, cap)
            cached = (
                counted,
                {
                    "kind": kind,
                    "label": label,
                    "count": count,
                    "points": _number(points),
                    "raw": _number(raw),
                    "cap": _number(cap),
                    "score": _number(counted),
                },
            )
            self._lines[key] = cached
        return cached

    def explain(self, counts: dict[str, int]) -> tuple[Decimal, list[dict[str, Any]]]:
        """The total (clamped to [0, max_total]) and the breakdown, one line per item of the scheme."""
        breakdown: list[dict[str, Any]] = []
        total = Decimal(0)
        for kind, label, points, cap in self.items:
            counted, line = self.line(kind, label, points, cap, counts.get(kind, 0))
            total += counted
            breakdown.append(line)
        return min(max(total, Decimal(0)), self.max_total), breakdown


def explain(
    items: list[ScoringItem], counts: dict[str, int], max_total: Decimal
) -> tuple[Decimal, list[dict[str, Any]]]:
    """The total (clamped to [0, max_total]) and the breakdown of one deputy's counts."""
    return Explainer(items, max_total).explain(counts)


def profiles_in_office(congress: Congress, year: int) -> QuerySet[DeputyTerm]:
    """Terms of the congress that were in office at some time in the year (a term left earlier does not count)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return DeputyTerm.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start),
        Q(status=DeputyStatus.IN_OFFICE) | Q(status_on__isnull=True) | Q(status_on__gte=start),
        congress=congress,
        starts_on__lte=end,
    )


def verified_counts(congress: Congress, year: int, quarter: int) -> dict[int, dict[str, int]]:
    """{profile id: {kind: count}} of verified entries from 1 January to the end of the quarter: one query."""
    rows = (
        DutyEntry.objects.filter(
            congress=congress,
            status=EntryStatus.VERIFIED,
            date__gte=dt.date(year, 1, 1),
            date__lte=quarter_end(year, quarter),
        )
        .order_by()
        .values_list("profile_id", "kind")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for profile_id, kind, n in rows:
        counts[profile_id][kind] = n
    return counts


@dataclass
class ComputeResult:
    scheme: ScoringScheme
    year: int
    quarter: int
    deputies: int = 0
    entries: int = 0
    removed: int = 0
    by_grade: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "scheme_id": self.scheme.pk,
            "year": self.year,
            "quarter": self.quarter,
            "deputies": self.deputies,
            "entries": self.entries,
            "removed": self.removed,
            "by_grade": self.by_grade,
        }


def compute_scores(scheme: ScoringScheme, year: int, quarter: int, *, now: dt.datetime | None = None) -> ComputeResult:
    """Write the scores of every deputy in office for the year up to the quarter. Call inside a transaction."""
    now = now or timezone.now()
    congress = scheme.congress
    explainer = Explainer(list(scheme.items.order_by("pk")), scheme.max_total)
    profile_ids = sorted(set(profiles_in_office(congress, year).values_list("profile_id", flat=True)))
    counts = verified_counts(congress, year, quarter)
    result = ComputeResult(scheme=scheme, year=year, quarter=quarter, by_grade={grade: 0 for grade in Grade.values})
    rows: list[tuple[Any, ...]] = []
    for profile_id in profile_ids:
        mine = counts.get(profile_id, {})
        result.entries += sum(mine.values())
        total, breakdown = explainer.explain(mine)
        grade = grade_for(scheme, total)
        result.by_grade[grade] += 1
        rows.append((scheme.pk, profile_id, year, quarter, total, grade, breakdown, now))
    result.deputies = len(rows)
    _upsert(rows)
    # Deputies no longer in office that year, and scores of the period made under another scheme. Found in
    # Python rather than with a NOT IN list, which would exceed SQLite's parameter limit at 10,000 deputies.
    wanted = set(profile_ids)
    stale = [
        pk
        for pk, scheme_id, profile_id in DeputyScore.objects.filter(
            scheme__congress=congress, year=year, quarter=quarter
        ).values_list("pk", "scheme_id", "profile_id")
        if scheme_id != scheme.pk or profile_id not in wanted
    ]
    for start in range(0, len(stale), UPSERT_BATCH):
        result.removed += DeputyScore.objects.filter(pk__in=stale[start : start + UPSERT_BATCH]).delete()[0]
    return result


_UPSERT_FIELDS = ("scheme", "profile", "year", "quarter", "total", "grade", "breakdown", "computed_at")
_UPDATED = ("total", "grade", "breakdown", "computed_at")


def _concrete(field: object) -> Field[Any, Any]:
    assert isinstance(field, Field)  # noqa: S101 - every name in _UPSERT_FIELDS is a concrete field
    return field


def _upsert(rows: list[tuple[Any, ...]]) -> None:
    """Insert or update score rows by (scheme, profile, year, quarter): one prepared statement, many rows.

    ``INSERT … ON CONFLICT … DO UPDATE`` is the same SQL on SQLite and PostgreSQL; each value goes through
    its field's ``get_db_prep_save``, so JSON and decimals are adapted as the ORM would. At 10,000 deputies
    this is several times faster than ``bulk_create(update_conflicts=True)``, whose SQL is rebuilt for
    every batch of about a hundred rows (SQLite's parameter limit).
    """
    meta = DeputyScore._meta
    fields = [_concrete(meta.get_field(name)) for name in _UPSERT_FIELDS]
    quote = connection.ops.quote_name
    columns = [quote(str(field.column)) for field in fields]
    updated = [quote(str(_concrete(meta.get_field(name)).column)) for name in _UPDATED]
    # Identifiers come from the model's _meta and are quoted; every value is a parameter.
    placeholders = ", ".join(["%s"] * len(columns))
    assignments = ", ".join(f"{column} = EXCLUDED.{column}" for column in updated)
    target = ", ".join(columns[:4])
    sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    sql += f" ON CONFLICT ({target}) DO UPDATE SET {assignments}"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_BATCH):
            cursor.executemany(
                sql,
                [
                    [field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True)]
                    for row in rows[start : start + UPSERT_BATCH]
                ],
            )


def score_rows(congress: Congress, year: int, quarter: int) -> QuerySet[DeputyScore]:
    """The publication list: scores of the period under the scheme in force, highest first."""
    scheme = scheme_for(congress, year)
    if scheme is None:
        return DeputyScore.objects.none()
    return (
        DeputyScore.objects.filter(scheme=scheme, year=year, quarter=quarter)
        .select_related("profile")
        .order_by("-total", "profile__name", "pk")
    )


def delegations_of(congress: Congress, profile_ids: list[int]) -> dict[int, str]:
    """The delegation name of each deputy in the congress (their latest term)."""
    names: dict[int, str] = {}
    terms = (
        DeputyTerm.objects.filter(congress=congress, profile_id__in=profile_ids)
        .order_by("profile_id", "starts_on")
        .values_list("profile_id", "delegation__name")
    )
    for profile_id, name in terms:
        names[profile_id] = name or ""
    return names
