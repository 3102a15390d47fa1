"""Statistics of suggestions, with the definitions of domain.md §1.9 and §11.

Every figure is a named ``Q`` filter over the facts the actions keep on ``Suggestion``
(status, year, session, category, phase, the first assignment and reply times, the
on-time flag, the result category, the communication and re-handling flags, the final
ratings). So a year's figures are one aggregate query with a filtered ``Count`` per
figure, a breakdown by unit or by category is one grouped query more, and the ledger
can list the items behind any figure with the same filter.

Definitions (a rate keeps its numerator and denominator):

- 办结率 = replied / assigned; 按时办结率 = replied on time / assigned, where an item
  counts as replied from its first answer (the first round) and as on time when every
  replying unit answered by its due date;
- 满意率 = 满意 / evaluated and 满意率(含基本满意) = (满意 + 基本满意) / evaluated. Both
  use the result rating (办理结果评价) of the item's **latest** evaluation: an item
  re-handled after 不满意 and then rated 满意 counts as 满意;
- 解决率 = result category A or B / replied (the category of the latest answer);
- 沟通率(见面率) = assigned items whose unit logged a communication / assigned.

Items the deputy withdrew are not counted as assigned: a withdrawn item is not handled
any further, so it would only lower every handling rate.

A unit's breakdown counts the items where the unit is a lead or parallel unit (any
round, assignment still active), with the item's figures; a co-handling unit is not
counted, since it does not answer the deputy itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.core.errors import InvalidInput
from renda.core.figures import Rate
from renda.organizations.models import Congress, CongressSession, Unit
from renda.suggestions.models import (
    REPLYING_ROLES,
    Assignment,
    AssignmentStatus,
    Category,
    Phase,
    Rating,
    Status,
    Suggestion,
)

# Board buckets for one unit (the staff board links to the ledger with ?unit=…&state=…).
DUE_SOON_DAYS = 7
UNIT_STATES = ("open", "due_soon", "overdue", "replied")

_ASSIGNED = Q(first_assigned_at__isnull=False) & ~Q(status=Status.WITHDRAWN)

# name → (label, filter). The order is the order of the statistics table.
FIGURES: dict[str, tuple[Promise, Q]] = {
    "received": (_("收到建议"), Q(submitted_at__isnull=False)),
    "session_phase": (_("会议期间提出"), Q(submitted_at__isnull=False, phase=Phase.SESSION)),
    "recess_phase": (_("闭会期间提出"), Q(submitted_at__isnull=False, phase=Phase.RECESS)),
    "registered": (_("立案"), Q(registered_at__isnull=False)),
    "assigned": (_("交办"), _ASSIGNED),
    "replied": (_("已答复（办结）"), Q(first_replied_at__isnull=False)),
    "replied_on_time": (_("按时答复"), Q(replied_on_time=True)),
    "evaluated": (_("代表已评价"), Q(evaluated_at__isnull=False)),
    "satisfied": (_("结果满意"), Q(evaluated_at__isnull=False, result_rating=Rating.SATISFIED)),
    "satisfied_or_basic": (
        _("结果满意或基本满意"),
        Q(evaluated_at__isnull=False, result_rating__in=[Rating.SATISFIED, Rating.BASICALLY_SATISFIED]),
    ),
    "category_ab": (
        _("问题解决或计划解决（A、B类）"),
        Q(first_replied_at__isnull=False, result_category__in=["A", "B"]),
    ),
    "communicated": (_("已与代表沟通"), Q(has_communication=True) & _ASSIGNED),
    "rehandled": (_("二次办理"), Q(was_rehandled=True)),
    "key": (_("重点督办"), Q(is_key=True)),
    "closed": (_("已办结（评价完成）"), Q(status=Status.CLOSED)),
}

# name → (label, numerator figure, denominator figure).
RATES: dict[str, tuple[Promise, str, str]] = {
    "completion": (_("办结率"), "replied", "assigned"),
    "on_time": (_("按时办结率"), "replied_on_time", "assigned"),
    "satisfaction": (_("满意率"), "satisfied", "evaluated"),
    "satisfaction_incl_basic": (_("满意率（含基本满意）"), "satisfied_or_basic", "evaluated"),
    "resolution": (_("解决率"), "category_ab", "replied"),
    "communication": (_("沟通率（见面率）"), "communicated", "assigned"),
}


def prefixed(q: Q, prefix: str) -> Q:
    """The same filter seen from a related model: ``prefixed(Q(year=1), "suggestion__")``."""
    if not prefix:
        return q
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        prefixed(child, prefix) if isinstance(child, Q) else _prefixed_lookup(child, prefix) for child in q.children
    ]
    return clone


def _prefixed_lookup(child: Any, prefix: str) -> tuple[str, Any]:
    lookup, value = child
    return prefix + lookup, value


def figure_q(name: str, prefix: str = "") -> Q:
    return prefixed(FIGURES[name][1], prefix)


@dataclass(frozen=True)
class Scope:
    """Which items are counted: one congress, narrowed by any of the other fields."""

    congress: Congress
    year: int | None = None
    session_id: int | None = None
    unit_id: int | None = None
    category: str = ""
    phase: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "congress_id": self.congress.pk,
            "year": self.year,
            "session_id": self.session_id,
            "unit_id": self.unit_id,
            "category": self.category or None,
            "phase": self.phase or None,
        }


def unit_items(unit_id: int) -> QuerySet[Assignment, Any]:
    """Ids of the items where the unit is a lead or parallel unit, in any round."""
    return Assignment.objects.filter(
        unit_id=unit_id, role__in=list(REPLYING_ROLES), status=AssignmentStatus.ACTIVE
    ).values("suggestion_id")


def scoped(scope: Scope) -> QuerySet[Suggestion]:
    """The submitted items of the scope (drafts are never counted or listed)."""
    items = Suggestion.objects.filter(congress=scope.congress, submitted_at__isnull=False).exclude(status=Status.DRAFT)
    if scope.year is not None:
        items = items.filter(year=scope.year)
    if scope.session_id is not None:
        items = items.filter(session_id=scope.session_id)
    if scope.category:
        items = items.filter(category=scope.category)
    if scope.phase:
        items = items.filter(phase=scope.phase)
    if scope.unit_id is not None:
        items = items.filter(pk__in=unit_items(scope.unit_id))
    return items


def unit_state_q(unit_id: int, state: str, now: dt.datetime | None = None) -> Q:
    """Items in one bucket of a unit's board: its current answer is open, due soon, overdue, or sent."""
    now = now or timezone.now()
    mine = Assignment.objects.filter(unit_id=unit_id, status=AssignmentStatus.ACTIVE, role__in=list(REPLYING_ROLES))
    if state == "replied":
        return Q(pk__in=mine.filter(replied_at__isnull=False).values("suggestion_id"))
    waiting = mine.filter(
        replied_at__isnull=True, suggestion__status__in=[Status.ASSIGNED, Status.IN_HANDLING, Status.REHANDLING]
    )
    if state == "due_soon":
        waiting = waiting.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=DUE_SOON_DAYS))
    elif state == "overdue":
        waiting = waiting.filter(due_at__lt=now)
    elif state != "open":
        raise ValueError(state)
    return Q(pk__in=waiting.values("suggestion_id"))


@dataclass
class Row:
    """One line of figures: the whole scope, one unit, or one category."""

    key: str
    label: str
    counts: dict[str, int]
    rates: list[Rate] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rates = [
            Rate(
                name=name,
                label=str(label),
                numerator=self.counts[numerator],
                denominator=self.counts[denominator],
                numerator_figure=numerator,
                denominator_figure=denominator,
            )
            for name, (label, numerator, denominator) in RATES.items()
        ]

    def figures(self) -> list[tuple[str, str, int]]:
        return [(name, str(label), self.counts[name]) for name, (label, _q) in FIGURES.items()]


@dataclass
class Statistics:
    scope: Scope
    total: Row
    by_unit: list[Row]
    by_category: list[Row]

    def as_json(self) -> dict[str, Any]:
        def row_json(row: Row) -> dict[str, Any]:
            return {
                "key": row.key,
                "label": row.label,
                "counts": row.counts,
                "rates": {rate.name: _rate_json(rate) for rate in row.rates},
            }

        return {
            "scope": self.scope.as_dict(),
            "figures": {name: {"label": label, "count": count} for name, label, count in self.total.figures()},
            "rates": {rate.name: _rate_json(rate) for rate in self.total.rates},
            "by_unit": [row_json(row) for row in self.by_unit],
            "by_category": [row_json(row) for row in self.by_category],
        }


def _rate_json(rate: Rate) -> dict[str, Any]:
    return {"label": rate.label, "numerator": rate.numerator, "denominator": rate.denominator, "rate": rate.rate}


def _counts(prefix: str = "", distinct: bool = False) -> dict[str, Count]:
    target = f"{prefix}pk" if prefix else "pk"
    return {name: Count(target, filter=figure_q(name, prefix), distinct=distinct) for name in FIGURES}


def compute(scope: Scope) -> Statistics:
    """Every figure of the scope, by unit and by category: three aggregate queries."""
    items = scoped(scope)
    total = Row(key="", label=str(_("合计")), counts=items.aggregate(**_counts()))

    unit_rows = (
        Assignment.objects.filter(suggestion__in=items, role__in=list(REPLYING_ROLES), status=AssignmentStatus.ACTIVE)
        .values("unit_id", "unit__name", "unit__sort_order")
        .annotate(**_counts("suggestion__", distinct=True))
        .order_by("unit__sort_order", "unit__name")
    )
    by_unit = [
        Row(key=str(row["unit_id"]), label=row["unit__name"], counts={name: row[name] for name in FIGURES})
        for row in cast("list[dict[str, Any]]", list(unit_rows))
    ]

    labels = dict(Category.choices)
    grouped = cast("list[dict[str, Any]]", list(items.values("category").annotate(**_counts()).order_by()))
    category_rows = {row["category"]: row for row in grouped}
    by_category = [
        Row(
            key=value,
            label=str(labels[value]),
            counts={name: category_rows[value][name] for name in FIGURES},
        )
        for value in Category.values
        if value in category_rows
    ]
    return Statistics(scope=scope, total=total, by_unit=by_unit, by_category=by_category)


# --- scope from request parameters, and the ledger's extra filters ---


def build_scope(
    congress: Congress,
    *,
    year: int | None = None,
    session_id: int | None = None,
    unit_id: int | None = None,
    category: str = "",
    phase: str = "",
) -> Scope:
    """A scope whose session and unit belong to ``congress``; bad values are InvalidInput naming the field."""
    if year is not None and not 1949 <= year <= 2200:
        raise InvalidInput(str(_("年度无效")), code="invalid_input", field="year")
    if session_id is not None and not CongressSession.objects.filter(pk=session_id, congress=congress).exists():
        raise InvalidInput(str(_("会议不存在或不属于本级人大")), code="wrong_congress", field="session_id")
    if unit_id is not None and not Unit.objects.filter(pk=unit_id, congress=congress).exists():
        raise InvalidInput(str(_("承办单位不存在或不属于本级人大")), code="wrong_congress", field="unit_id")
    if category and category not in Category.values:
        raise InvalidInput(str(_("类别无效")), code="invalid_choice", field="category")
    if phase and phase not in Phase.values:
        raise InvalidInput(str(_("提出时间只能是会议期间或闭会期间")), code="invalid_choice", field="phase")
    return Scope(congress=congress, year=year, session_id=session_id, unit_id=unit_id, category=category, phase=phase)


@dataclass(frozen=True)
class LedgerFilter:
    """The ledger's filters on top of the scope; ``state`` (a unit's board bucket) needs ``scope.unit_id``."""

    status: str = ""
    figure: str = ""
    key: bool | None = None
    public: bool | None = None
    state: str = ""

    def validate(self, scope: Scope) -> None:
        if self.status and self.status not in Status.values:
            raise InvalidInput(str(_("状态无效")), code="invalid_choice", field="status")
        if self.figure and self.figure not in FIGURES:
            raise InvalidInput(str(_("统计口径无效")), code="invalid_choice", field="figure")
        if self.state and self.state not in UNIT_STATES:
            raise InvalidInput(str(_("办理状态无效")), code="invalid_choice", field="state")
        if self.state and scope.unit_id is None:
            raise InvalidInput(str(_("按办理状态筛选时，请同时选择承办单位")), code="required", field="unit")


def ledger_items(scope: Scope, filters: LedgerFilter | None = None) -> QuerySet[Suggestion]:
    """The items of the scope that pass the ledger's filters, in ledger order (year, number)."""
    filters = filters or LedgerFilter()
    filters.validate(scope)
    items = scoped(scope)
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.figure:
        items = items.filter(figure_q(filters.figure))
    if filters.key is not None:
        items = items.filter(is_key=filters.key)
    if filters.public is not None:
        items = items.filter(is_public=filters.public)
    if filters.state and scope.unit_id is not None:
        items = items.filter(unit_state_q(scope.unit_id, filters.state))
    return items.order_by("-year", "sequence", "pk")


def lead_unit_names(suggestion_ids: list[int]) -> dict[int, str]:
    """The lead and parallel units of each item (every round, without repeats), joined by "、"."""
    names: dict[int, list[str]] = {}
    rows = (
        Assignment.objects.filter(
            suggestion_id__in=suggestion_ids, role__in=list(REPLYING_ROLES), status=AssignmentStatus.ACTIVE
        )
        .order_by("suggestion_id", "round", "role", "pk")
        .values_list("suggestion_id", "unit__name")
    )
    for suggestion_id, name in rows:
        units = names.setdefault(suggestion_id, [])
        if name not in units:
            units.append(name)
    return {suggestion_id: "、".join(units) for suggestion_id, units in names.items()}


UNIT_STATE_LABELS: dict[str, Promise] = {
    "open": _("未答复"),
    "due_soon": _("即将到期"),
    "overdue": _("已逾期"),
    "replied": _("已答复"),
}


def describe(scope: Scope) -> str:
    """The scope in words, for the head of an export: 江城市人民代表大会 2026年 …"""
    parts = [scope.congress.name]
    if scope.year is not None:
        parts.append(str(_("%(year)s年") % {"year": scope.year}))
    if scope.session_id is not None:
        session = CongressSession.objects.filter(pk=scope.session_id).first()
        parts.append(session.name if session else "")
    if scope.unit_id is not None:
        unit = Unit.objects.filter(pk=scope.unit_id).first()
        parts.append(unit.name if unit else "")
    if scope.category:
        parts.append(str(dict(Category.choices).get(scope.category, scope.category)))
    if scope.phase:
        parts.append(str(dict(Phase.choices).get(scope.phase, scope.phase)))
    return " ".join(part for part in parts if part)
