"""Figures of citizens' opinions, with their definitions: every rate keeps its numerator and denominator.

Every figure is a named ``Q`` filter over the facts the actions keep on ``Opinion`` (status,
rating, the on-time flag of the current round), so a period's figures are one aggregate query
with a filtered ``Count`` per figure, a breakdown by source or area is the same query grouped,
and the ledger lists the items behind any figure with the same filter (``figure_q``).

The period is always the month or year an opinion was **received** in: "of the opinions received
in July, how many were handled". Definitions:

- 办理率 (handling) = handled / received, where *handled* means the citizen got an answer: answered
  on the spot, refused with the right channel, converted into a deputy's suggestion, or replied by a
  unit (replied, relayed or closed);
- 办结率 (resolution) = resolved / received, where *resolved* means closed after the citizen's rating
  or answered on the spot;
- 按时答复率 (on time) = replied on time / replied, for the current round (a reopened item counts
  again once its new answer is in);
- 满意率 = satisfied / rated and 满意率（含基本满意）= (satisfied + basically satisfied) / rated, on
  the citizen's **latest** rating (an item reopened after 不满意 and then rated 满意 counts as 满意);
- 转代表建议率 = converted into a suggestion / received.

Overdue is a fact of *now*, not of the period: items a unit holds past their due date
(``queues.overdue_q``), whatever month they came in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.core.errors import InvalidInput
from renda.core.figures import Rate
from renda.opinions.models import ENDED_AT_TRIAGE, UNIT_STATES, Opinion, Rating, Status
from renda.organizations.models import Congress, Unit

# A unit has answered: the rating, relay or closing may still be to come.
REPLIED_STATES = frozenset({Status.REPLIED, Status.RELAYED, Status.CLOSED})
HANDLED_STATES = ENDED_AT_TRIAGE | REPLIED_STATES
RESOLVED_STATES = frozenset({Status.CLOSED, Status.ANSWERED_ON_SPOT})

# name → (label, filter). The order is the order of the tables.
FIGURES: dict[str, tuple[Promise, Q]] = {
    "received": (_("收到意见"), Q()),
    "waiting_triage": (_("待分流"), Q(status=Status.RECEIVED)),
    "in_handling": (_("单位办理中"), Q(status__in=sorted(UNIT_STATES))),
    "handled": (_("已办理（已答复群众）"), Q(status__in=sorted(HANDLED_STATES))),
    "resolved": (_("已办结"), Q(status__in=sorted(RESOLVED_STATES))),
    "replied": (_("单位已答复"), Q(replied_on_time__isnull=False)),
    "replied_on_time": (_("按时答复"), Q(replied_on_time=True)),
    "rated": (_("群众已评价"), ~Q(rating="")),
    "satisfied": (_("满意"), Q(rating=Rating.SATISFIED)),
    "basically_satisfied": (_("基本满意"), Q(rating=Rating.BASICALLY_SATISFIED)),
    "satisfied_or_basic": (_("满意或基本满意"), Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY_SATISFIED])),
    "dissatisfied": (_("不满意"), Q(rating=Rating.DISSATISFIED)),
    "reopened": (_("重新办理过"), Q(reopen_count__gt=0)),
    "answered_on_spot": (_("当场答复"), Q(status=Status.ANSWERED_ON_SPOT)),
    "refused": (_("不予受理"), Q(status=Status.REFUSED)),
    "converted": (_("转为代表建议"), Q(status=Status.CONVERTED)),
}


@dataclass(frozen=True)
class Facts:
    """The facts of one opinion (or of a group of opinions sharing them) that decide its figures."""

    status: str
    rating: str
    replied_on_time: bool | None
    reopen_count: int


FACT_FIELDS = ("status", "rating", "replied_on_time", "reopen_count")

# The same figures as FIGURES, decided in Python from a group's facts: a grouped query over the facts
# (a few hundred groups) is much cheaper than one filtered Count per figure over a million rows.
# ``test_stats`` checks that both agree on every figure.
PREDICATES: dict[str, Callable[[Facts], bool]] = {
    "received": lambda facts: True,
    "waiting_triage": lambda facts: facts.status == Status.RECEIVED,
    "in_handling": lambda facts: facts.status in UNIT_STATES,
    "handled": lambda facts: facts.status in HANDLED_STATES,
    "resolved": lambda facts: facts.status in RESOLVED_STATES,
    "replied": lambda facts: facts.replied_on_time is not None,
    "replied_on_time": lambda facts: facts.replied_on_time is True,
    "rated": lambda facts: facts.rating != "",
    "satisfied": lambda facts: facts.rating == Rating.SATISFIED,
    "basically_satisfied": lambda facts: facts.rating == Rating.BASICALLY_SATISFIED,
    "satisfied_or_basic": lambda facts: facts.rating in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED),
    "dissatisfied": lambda facts: facts.rating == Rating.DISSATISFIED,
    "reopened": lambda facts: facts.reopen_count > 0,
    "answered_on_spot": lambda facts: facts.status == Status.ANSWERED_ON_SPOT,
    "refused": lambda facts: facts.status == Status.REFUSED,
    "converted": lambda facts: facts.status == Status.CONVERTED,
}


def figures_of(facts: Facts) -> list[str]:
    """The names of the figures an opinion with these facts counts in."""
    return [name for name, predicate in PREDICATES.items() if predicate(facts)]


# name → (label, numerator figure, denominator figure).
RATES: dict[str, tuple[Promise, str, str]] = {
    "handling": (_("办理率"), "handled", "received"),
    "resolution": (_("办结率"), "resolved", "received"),
    "on_time": (_("按时答复率"), "replied_on_time", "replied"),
    "satisfaction": (_("满意率"), "satisfied", "rated"),
    "satisfaction_incl_basic": (_("满意率（含基本满意）"), "satisfied_or_basic", "rated"),
    "conversion": (_("转代表建议率"), "converted", "received"),
}


def figure_q(name: str) -> Q:
    """The filter of one figure (the ledger's ``figure=`` parameter); an unknown name is InvalidInput."""
    if name not in FIGURES:
        raise InvalidInput("统计口径无效", code="invalid_choice", field="figure")
    return FIGURES[name][1]


@dataclass(frozen=True)
class Period:
    """Received from ``start`` (inclusive) to ``end`` (exclusive), local dates."""

    start: dt.date
    end: dt.date

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return local_midnight(self.start), local_midnight(self.end)

    def q(self) -> Q:
        start, end = self.bounds()
        return Q(received_at__gte=start, received_at__lt=end)

    def as_query(self) -> dict[str, str]:
        """The ledger's date filters for the period (``received_to`` is inclusive there)."""
        return {"received_from": self.start.isoformat(), "received_to": self.last_day.isoformat()}


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def month_period(month: dt.date) -> Period:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, following)


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before ``day``'s."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_month(value: str) -> dt.date:
    """``2026-07`` → 2026-07-01; anything else is InvalidInput naming the field."""
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise InvalidInput("月份须写成 2026-07 的格式", code="invalid", field="month") from None


def rates_of(counts: dict[str, int]) -> list[Rate]:
    return [
        Rate(name, str(label), counts.get(numerator, 0), counts.get(denominator, 0), numerator, denominator)
        for name, (label, numerator, denominator) in RATES.items()
    ]


def count_kwargs(prefix: str = "", extra: Q | None = None) -> dict[str, Count]:
    """One filtered ``Count`` per figure (``<prefix><name>``), optionally all within ``extra``."""
    result = {}
    for name, (_label, q) in FIGURES.items():
        condition = q if extra is None else (extra & q)
        result[f"{prefix}{name}"] = Count("pk", filter=condition) if condition else Count("pk")
    return result


def figures(congress: Congress | int, period: Period) -> dict[str, int]:
    """Every figure of the opinions received in ``period``: one aggregate query."""
    congress_id = congress if isinstance(congress, int) else congress.pk
    counts = Opinion.objects.filter(period.q(), congress_id=congress_id).aggregate(**count_kwargs())
    return {name: int(counts[name] or 0) for name in FIGURES}


@dataclass
class OverdueUnit:
    unit_id: int
    name: str
    count: int
    oldest_due_at: dt.datetime


def overdue_units(congress: Congress | int, now: dt.datetime | None = None) -> list[OverdueUnit]:
    """Units holding opinions of the congress past their due date: how many and the oldest deadline; one query."""
    congress_id = congress if isinstance(congress, int) else congress.pk
    now = now or timezone.now()
    rows = list(
        Opinion.objects.filter(congress_id=congress_id, status__in=sorted(UNIT_STATES), due_at__lt=now)
        .filter(unit__isnull=False)
        .values_list("unit_id")
        .annotate(count=Count("pk"), oldest=Min("due_at"))
        .order_by()
    )
    names = dict(Unit.objects.filter(pk__in=[row[0] for row in rows]).values_list("pk", "name"))
    units = [OverdueUnit(unit_id, names.get(unit_id, "—"), count, oldest) for unit_id, count, oldest in rows]
    return sorted(units, key=lambda item: (-item.count, item.oldest_due_at))


@dataclass
class Breakdown:
    """One row of a table by source, area or category: its figures and rates."""

    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rates(self) -> list[Rate]:
        return rates_of(self.counts)
