"""Working days, calendar months and the named due-date rules of domain.md.

Three layers decide whether a day is a working day, the later one winning:

1. the national calendar of the ``chinesecalendar`` package (public holidays and
   the make-up working days, 调休), for the years it covers;
2. for years it does not cover (it raises ``NotImplementedError``): Monday to
   Friday are working days, Saturday and Sunday are not;
3. the congress's own ``CalendarAdjustment`` rows, and those of the congresses
   above it (the nearest congress wins): an extra holiday or an extra working
   day. Staff enter next year's State Council schedule here until the package
   is upgraded.

Counting rules (docs/calendar.md explains them in Chinese):

* **Working days.** "N working days from D" ends on the N-th working day
  *after* D: D itself never counts, whether or not it is a working day.
  ``working_days_between(a, b)`` counts the working days in ``(a, b]`` and is the
  inverse: ``working_days_between(d, add_working_days(d, n)) == n``.
* **Calendar months** (民法典 第二百零二条). "N months from D" ends on the day
  with D's day number in the N-th month after; when that month is shorter, on
  its last day: Jan 31 + 1 month = Feb 28 (29 in a leap year), Feb 28 + 1 month =
  Mar 28 (not Mar 31), Aug 31 + 1 month = Sep 30.
* **Calendar days** (民法典 第二百零一条). "N days from D" ends on D + N: the start
  day is not counted.
* **Rolling forward** (民法典 第二百零三条). A period counted in calendar days or
  months whose last day is not a working day ends on the next working day
  instead. A working-day period always ends on a working day already.

Dates are ``datetime.date`` (a ``datetime`` is refused: which day it means
depends on a time zone the caller must choose) in the years 2004–2099. Anything
else raises ``InvalidInput`` with a Chinese message and the field at fault.

Speed: the working days of the whole range are precomputed once per distinct
set of adjustments (a bytes map, a running count and the list of working days),
so ``add_working_days`` is two array look-ups. ``WorkCalendar.for_congress``
reads the congress's adjustments on every call (one small query, plus one per
level above it whose parent is not yet loaded on the object) and reuses the tables built for exactly that set, so a
change made in any process is seen by the next calendar built anywhere, with
no invalidation message to lose. Build one calendar per request or batch and
reuse it.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
import functools
import itertools
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import chinese_calendar

from renda.core.errors import InvalidInput
from renda.organizations.config import SETTINGS_BY_KEY

if TYPE_CHECKING:
    from renda.organizations.models import Congress

FIRST_SUPPORTED_YEAR = 2004
LAST_SUPPORTED_YEAR = 2099
FIRST_SUPPORTED_DATE = dt.date(FIRST_SUPPORTED_YEAR, 1, 1)
LAST_SUPPORTED_DATE = dt.date(LAST_SUPPORTED_YEAR, 12, 31)

_FIRST_ORDINAL = FIRST_SUPPORTED_DATE.toordinal()
_DAY_COUNT = LAST_SUPPORTED_DATE.toordinal() - _FIRST_ORDINAL + 1
_RANGE_TEXT = f"{FIRST_SUPPORTED_YEAR} 年至 {LAST_SUPPORTED_YEAR} 年"


def _offset(day: object, *, field: str, label: str) -> int:
    """Index of a supported date in the precomputed tables, or InvalidInput naming the field."""
    # A datetime is a date too, but which day it means depends on a time zone.
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise InvalidInput(f"{label}必须是日期（年-月-日）", code="invalid_date", field=field)
    index = day.toordinal() - _FIRST_ORDINAL
    if not 0 <= index < _DAY_COUNT:
        raise InvalidInput(f"{label}超出可计算的日期范围（{_RANGE_TEXT}）", code="out_of_range", field=field)
    return index


def _check_amount(n: object, *, field: str = "amount") -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput("期限长度必须是整数", code="invalid_type", field=field)
    if n < 0:
        raise InvalidInput("期限长度不能为负数", code="invalid_input", field=field)
    return n


def _result_out_of_range(field: str = "amount") -> InvalidInput:
    return InvalidInput(f"期限届满日超出可计算的日期范围（{_RANGE_TEXT}）", code="out_of_range", field=field)


@functools.cache
def package_covers(year: int) -> bool:
    """Whether the chinesecalendar package knows the holidays of this year (it raises for the others)."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@functools.cache
def _national_flags() -> bytes:
    """1 for each working day of 2004–2099 by the package, or by weekdays where it has no data.

    Monday to Friday first; then, for the years the package covers, its holiday
    and make-up working-day tables (the exported ``holidays`` and ``workdays``
    dicts, which is what ``is_workday`` consults: calling it per day costs 0.2 s
    per process because it rescans its tables on every call). A test checks the
    result against ``is_workday`` for every covered day.
    """
    flags = bytearray(_DAY_COUNT)
    for index in range(_DAY_COUNT):
        # date.weekday() is (ordinal + 6) % 7: 0 is Monday.
        flags[index] = (index + _FIRST_ORDINAL + 6) % 7 < 5
    for table, is_working in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
        for day in table:
            if FIRST_SUPPORTED_YEAR <= day.year <= LAST_SUPPORTED_YEAR and package_covers(day.year):
                flags[day.toordinal() - _FIRST_ORDINAL] = is_working
    return bytes(flags)


@dataclass(frozen=True, slots=True)
class _Tables:
    flags: bytes  # flags[i] == 1: day i is a working day
    rank: array[int]  # rank[i]: working days among days 0..i
    working: array[int]  # indices of the working days, ascending


@functools.lru_cache(maxsize=64)  # about 0.3 MB each
def _tables(adjustments: frozenset[tuple[int, bool]]) -> _Tables:
    """The tables for one set of (day index, is working day) overrides; shared by congresses with the same set."""
    base = _national_flags()
    if adjustments:
        patched = bytearray(base)
        for index, is_working in adjustments:
            patched[index] = is_working
        flags = bytes(patched)
    else:
        flags = base
    return _Tables(
        flags=flags,
        rank=array("i", itertools.accumulate(flags)),
        working=array("i", itertools.compress(range(_DAY_COUNT), flags)),
    )


def clear_calendar_cache() -> None:
    """Forget every precomputed table (tests; a long-running process after a package upgrade)."""
    _tables.cache_clear()
    _national_flags.cache_clear()
    package_covers.cache_clear()


class WorkCalendar:
    """Which days are working days, for one congress or for the nation, and arithmetic on them.

    ``WorkCalendar()`` is the national calendar; ``WorkCalendar({date: True/False})``
    adds overrides (True: an extra working day, False: an extra holiday);
    ``WorkCalendar.for_congress(congress)`` reads a congress's adjustments.
    """

    __slots__ = ("_flags", "_rank", "_working", "adjustments", "congress_id")

    def __init__(self, adjustments: Mapping[dt.date, bool] | None = None, *, congress_id: int | None = None) -> None:
        self.adjustments: dict[dt.date, bool] = dict(adjustments or {})
        self.congress_id = congress_id
        key = frozenset(
            (_offset(day, field="date", label="调整日期"), bool(is_working))
            for day, is_working in self.adjustments.items()
        )
        tables = _tables(key)
        self._flags = tables.flags
        self._rank = tables.rank
        self._working = tables.working

    @classmethod
    def for_congress(cls, congress: Congress | None) -> WorkCalendar:
        """The calendar of a congress: its own adjustments over those of the congresses above it."""
        if congress is None:
            return cls()
        from renda.organizations.models import CalendarAdjustment, CalendarAdjustmentKind

        chain = [congress.pk, *congress.ancestor_ids()]
        nearness = {congress_id: depth for depth, congress_id in enumerate(chain)}
        rows = CalendarAdjustment.objects.filter(
            congress_id__in=chain, date__range=(FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE)
        ).values_list("congress_id", "date", "kind")
        chosen: dict[dt.date, tuple[int, bool]] = {}
        for congress_id, day, kind in rows:
            depth = nearness[congress_id]
            # The congress nearest to this one decides a day entered at several levels.
            if day not in chosen or depth < chosen[day][0]:
                chosen[day] = (depth, kind == CalendarAdjustmentKind.WORKING_DAY)
        return cls({day: is_working for day, (_depth, is_working) in chosen.items()}, congress_id=congress.pk)

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self._flags[_offset(day, field="date", label="日期")])

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start``; ``start`` itself is never counted.

        "5 working days from dispatch on Friday 2024-09-27" ends on Thursday
        2024-10-10: Saturday Sep 28 is a rest day, Sunday Sep 29 a make-up
        working day (1), Monday Sep 30 (2), Oct 1–7 the National Day holiday,
        then Oct 8, 9 and 10 are (3), (4) and (5).
        ``n == 0`` returns ``start`` unchanged.
        """
        index = _offset(start, field="start", label="起算日期")
        n = _check_amount(n)
        if n == 0:
            return start
        position = self._rank[index] + n - 1
        if position >= len(self._working):
            raise _result_out_of_range()
        return dt.date.fromordinal(self._working[position] + _FIRST_ORDINAL)

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """Working days after ``first`` up to and including ``last`` (negative when ``last`` is earlier)."""
        first_index = _offset(first, field="start", label="起始日期")
        last_index = _offset(last, field="end", label="结束日期")
        return self._rank[last_index] - self._rank[first_index]

    def roll_forward(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next working day (民法典 第二百零三条)."""
        index = _offset(day, field="date", label="日期")
        if self._flags[index]:
            return day
        position = self._rank[index]
        if position >= len(self._working):
            raise _result_out_of_range()
        return dt.date.fromordinal(self._working[position] + _FIRST_ORDINAL)


def uses_fallback(first: dt.date, last: dt.date) -> bool:
    """Whether any year from ``first`` to ``last`` lacks national data (weekends and entered days only)."""
    low, high = sorted((first.year, last.year))
    return not all(package_covers(year) for year in range(low, high + 1))


def add_days(start: dt.date, n: int) -> dt.date:
    """``start`` + n calendar days; the start day is not counted (民法典 第二百零一条)."""
    index = _offset(start, field="start", label="起算日期")
    n = _check_amount(n)
    if index + n >= _DAY_COUNT:
        raise _result_out_of_range()
    return start + dt.timedelta(days=n)


def add_months(start: dt.date, n: int) -> dt.date:
    """The same day number n calendar months later, or that month's last day if it is shorter.

    民法典 第二百零二条: "到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日".
    Jan 31 + 1 = Feb 29 (2024) / Feb 28 (2025); Feb 28 + 1 = Mar 28; Feb 29 + 12 = Feb 28;
    Mar 31 + 1 = Apr 30. The day number comes from ``start``, never from an
    intermediate month, so adding 2 months is not adding 1 month twice.
    """
    _offset(start, field="start", label="起算日期")
    n = _check_amount(n)
    year, month_index = divmod(start.month - 1 + n, 12)
    year += start.year
    if year > LAST_SUPPORTED_YEAR:
        raise _result_out_of_range()
    month = month_index + 1
    return dt.date(year, month, min(start.day, _stdlib_calendar.monthrange(year, month)[1]))


class DurationUnit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    CALENDAR_MONTHS = "calendar_months"

    @property
    def label(self) -> str:
        return {"working_days": "个工作日", "calendar_days": "日", "calendar_months": "个月"}[self.value]


@dataclass(frozen=True)
class DueDateRule:
    """A named deadline: its unit, the per-congress setting giving its length, and what starts it."""

    name: str
    label: str
    unit: DurationUnit
    setting: str
    counted_from: str
    section: str

    @property
    def rolls_forward(self) -> bool:
        """Calendar-day and month periods ending on a rest day move to the next working day."""
        return self.unit != DurationUnit.WORKING_DAYS

    def describe(self, amount: int) -> str:
        text = f"{self.label}：自{self.counted_from}起{amount}{self.unit.label}"
        if self.unit == DurationUnit.WORKING_DAYS:
            return text + "（当日不计入，届满日为其后第 " + str(amount) + " 个工作日）"
        return text + "（当日不计入；最后一日遇休息日的，顺延至其后第一个工作日）"


_WD = DurationUnit.WORKING_DAYS
_DAYS = DurationUnit.CALENDAR_DAYS
_MONTHS = DurationUnit.CALENDAR_MONTHS

DUE_DATE_RULES: dict[str, DueDateRule] = {
    rule.name: rule
    for rule in (
        # §1.5–1.6 suggestions
        DueDateRule("suggestion_reply", "建议答复期限", _MONTHS, "suggestion_due_months", "交办之日", "§1.6"),
        DueDateRule(
            "suggestion_reply_complex",
            "复杂建议答复期限",
            _MONTHS,
            "suggestion_complex_due_months",
            "交办之日",
            "§1.6",
        ),
        DueDateRule(
            "suggestion_extension_cap",
            "建议延期最迟期限",
            _MONTHS,
            "suggestion_extension_cap_months",
            "原答复期限届满之日",
            "§1.6",
        ),
        DueDateRule(
            "suggestion_rehandling",
            "二次办理答复期限",
            _MONTHS,
            "suggestion_rehandling_due_months",
            "重新交办之日",
            "§1.5",
        ),
        DueDateRule("suggestion_sign_for", "建议签收期限", _WD, "suggestion_sign_for_working_days", "交办之日", "§1.5"),
        DueDateRule(
            "suggestion_dispute_window",
            "交办异议期",
            _WD,
            "suggestion_dispute_window_working_days",
            "交办之日",
            "§1.5",
        ),
        DueDateRule(
            "suggestion_cohandler_opinion",
            "会办单位提出意见期限",
            _MONTHS,
            "suggestion_cohandler_opinion_months",
            "收到交办之日",
            "§1.5",
        ),
        DueDateRule(
            "suggestion_evaluation",
            "代表反馈意见期限",
            _WD,
            "suggestion_evaluation_working_days",
            "收到答复之日",
            "§1.5",
        ),
        # §3.1 citizens' opinions
        DueDateRule("opinion_handling", "群众意见办理期限", _WD, "opinion_due_working_days", "派单之日", "§3.1"),
        DueDateRule(
            "opinion_handling_complex",
            "复杂群众意见办理期限",
            _WD,
            "opinion_complex_due_working_days",
            "派单之日",
            "§3.1",
        ),
        # §5.2 deliberation opinions
        DueDateRule(
            "deliberation_opinion_compile",
            "审议意见整理期限",
            _DAYS,
            "deliberation_opinion_compile_days",
            "常委会会议闭幕之日",
            "§5.2",
        ),
        DueDateRule(
            "deliberation_handling_report",
            "审议意见研究处理情况报告期限",
            _MONTHS,
            "deliberation_handling_report_months",
            "审议意见交办之日",
            "§5.2",
        ),
        # §7 filing and review
        DueDateRule("filing_rules_days", "规章报送备案期限", _DAYS, "filing_days_for_rules", "公布之日", "§7"),
        DueDateRule(
            "filing_other_documents_days",
            "其他规范性文件报送备案期限",
            _DAYS,
            "filing_days_for_other_documents",
            "公布之日",
            "§7",
        ),
        DueDateRule("review_reply", "审查意见回复期限", _MONTHS, "review_reply_months", "审查意见送达之日", "§7"),
        # §8 legislation, §9 appointments
        DueDateRule("public_comment_period", "法规草案征求意见截止", _DAYS, "public_comment_days", "公布之日", "§8"),
        DueDateRule(
            "law_exam_resit", "任前法律考试补考期限", _DAYS, "law_exam_resit_within_days", "首次考试之日", "§9"
        ),
    )
}

for _rule in DUE_DATE_RULES.values():
    # A rule naming a setting that does not exist would fail on first use; fail on import instead.
    if _rule.setting not in SETTINGS_BY_KEY:  # pragma: no cover
        raise RuntimeError(f"due-date rule {_rule.name} names unknown setting {_rule.setting}")


def get_rule(name: object) -> DueDateRule:
    rule = DUE_DATE_RULES.get(name) if isinstance(name, str) else None
    if rule is None:
        raise InvalidInput(
            f"未知的期限规则：{str(name)[:40]}（可用：{'、'.join(DUE_DATE_RULES)}）",
            code="invalid_choice",
            field="rule",
        )
    return rule


@dataclass(frozen=True)
class DueDate:
    """A computed deadline and how it was reached."""

    rule: DueDateRule
    start: dt.date
    amount: int
    unadjusted: dt.date  # before rolling forward off a rest day
    due: dt.date
    uses_fallback: bool  # some year in [start, due] has no national data

    @property
    def rolled_forward(self) -> bool:
        return self.due != self.unadjusted

    @property
    def description(self) -> str:
        return self.rule.describe(self.amount)


def due_date_details(
    rule: str,
    *,
    start: dt.date,
    congress: Congress | None,
    amount: int | None = None,
    calendar: WorkCalendar | None = None,
) -> DueDate:
    """Compute a named deadline. ``amount`` overrides the congress's setting (e.g. an approved extension).

    ``calendar`` lets a caller computing many deadlines build the congress's calendar once.
    """
    found = get_rule(rule)
    _offset(start, field="start", label="起算日期")
    if amount is None:
        length = congress.setting(found.setting) if congress is not None else SETTINGS_BY_KEY[found.setting].default
    else:
        length = amount
    length = _check_amount(length)
    if calendar is None:
        calendar = WorkCalendar.for_congress(congress)
    if found.unit == DurationUnit.WORKING_DAYS:
        unadjusted = calendar.add_working_days(start, length)
        due = unadjusted
    else:
        unadjusted = add_days(start, length) if found.unit == DurationUnit.CALENDAR_DAYS else add_months(start, length)
        due = calendar.roll_forward(unadjusted)
    return DueDate(
        rule=found,
        start=start,
        amount=length,
        unadjusted=unadjusted,
        due=due,
        uses_fallback=uses_fallback(start, due),
    )


def due_date(rule: str, *, start: dt.date, congress: Congress | None, amount: int | None = None) -> dt.date:
    """The last day of the named period (see ``DUE_DATE_RULES`` and docs/calendar.md)."""
    return due_date_details(rule, start=start, congress=congress, amount=amount).due


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of ``day`` in the server's time zone: a deadline "by <day>" holds until midnight."""
    from django.utils import timezone

    start_of_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start_of_next) - dt.timedelta(microseconds=1)
