"""Working days, month arithmetic and named due dates (renda/core/calendar.py, docs/calendar.md)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renda.core import calendar
from renda.core.calendar import (
    DUE_DATE_RULES,
    DurationUnit,
    WorkCalendar,
    add_days,
    add_months,
    due_date,
    due_date_details,
    package_covers,
)
from renda.core.errors import InvalidInput
from renda.organizations.config import SETTINGS_BY_KEY
from renda.organizations.models import CalendarAdjustment, CalendarAdjustmentKind, Congress

D = dt.date
NATIONAL = WorkCalendar()
# A year the pinned package does not cover: weekends plus what staff enter.
UNCOVERED_YEAR = 2030

dates = st.dates(
    min_value=D(2004, 1, 1), max_value=D(2097, 12, 31)
)  # 401 working days (~570 calendar days) stay before 2100
covered_dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 9, 30))


def _naive_is_working(day: dt.date, adjustments: dict[dt.date, bool] | None = None) -> bool:
    """The oracle: ask the package day by day (or weekdays where it has no data), then the overrides."""
    if adjustments and day in adjustments:
        return adjustments[day]
    if package_covers(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def _naive_add(start: dt.date, n: int, adjustments: dict[dt.date, bool] | None = None) -> dt.date:
    day, left = start, n
    while left:
        day += dt.timedelta(days=1)
        if _naive_is_working(day, adjustments):
            left -= 1
    return day


# --- the national calendar, checked against the package ---


def test_package_range_is_what_the_fallback_assumes() -> None:
    assert package_covers(2004) and package_covers(2024) and package_covers(2025) and package_covers(2026)
    assert not package_covers(UNCOVERED_YEAR)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(UNCOVERED_YEAR, 3, 1))


def test_every_covered_day_agrees_with_the_package() -> None:
    day = D(2004, 1, 1)
    while package_covers(day.year):
        assert NATIONAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("holidays", "make_up_days", "name"),
    [
        # 2024 春节: 2月10日至17日放假, 2月4日（周日）、2月18日（周日）上班.
        ((D(2024, 2, 10), D(2024, 2, 17)), (D(2024, 2, 4), D(2024, 2, 18)), "Spring Festival"),
        # 2024 国庆: 10月1日至7日放假, 9月29日（周日）、10月12日（周六）上班.
        ((D(2024, 10, 1), D(2024, 10, 7)), (D(2024, 9, 29), D(2024, 10, 12)), "National Day"),
        # 2025 春节 (as the package gives it): 1月28日至2月4日放假, 1月26日（周日）、2月8日（周六）上班.
        ((D(2025, 1, 28), D(2025, 2, 4)), (D(2025, 1, 26), D(2025, 2, 8)), "Spring Festival"),
        # 2025 国庆、中秋: 10月1日至8日放假, 9月28日（周日）、10月11日（周六）上班.
        ((D(2025, 10, 1), D(2025, 10, 8)), (D(2025, 9, 28), D(2025, 10, 11)), "National Day"),
    ],
)
def test_known_holidays_and_make_up_days(
    holidays: tuple[dt.date, dt.date], make_up_days: tuple[dt.date, ...], name: str
) -> None:
    first, last = holidays
    day = first
    while day <= last:
        assert not NATIONAL.is_working_day(day), day
        assert chinese_calendar.get_holiday_detail(day)[0] is True
        day += dt.timedelta(days=1)
    assert NATIONAL.is_working_day(first - dt.timedelta(days=1)) or (first - dt.timedelta(days=1)).weekday() >= 5
    for make_up in make_up_days:
        assert make_up.weekday() >= 5, "a make-up working day falls on a weekend"
        assert NATIONAL.is_working_day(make_up), make_up
        assert chinese_calendar.get_holiday_detail(make_up) == (False, name)


def test_working_days_across_national_day_2024() -> None:
    # The docstring's example: dispatched Friday Sep 27; Sun Sep 29 (make-up) is day 1, Mon Sep 30 day 2,
    # Oct 1–7 off, Oct 8–10 are days 3–5.
    assert NATIONAL.add_working_days(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert NATIONAL.add_working_days(D(2024, 9, 27), 2) == D(2024, 9, 30)
    assert NATIONAL.add_working_days(D(2024, 9, 27), 3) == D(2024, 10, 8)
    assert NATIONAL.add_working_days(D(2024, 9, 27), 5) == D(2024, 10, 10)
    assert NATIONAL.working_days_between(D(2024, 9, 27), D(2024, 10, 10)) == 5
    # Starting on a holiday: the start day never counts.
    assert NATIONAL.add_working_days(D(2024, 10, 3), 1) == D(2024, 10, 8)
    assert NATIONAL.add_working_days(D(2024, 10, 3), 0) == D(2024, 10, 3)


def test_working_days_across_spring_festival() -> None:
    # 2024: Thu Feb 8 → Fri Feb 9 (1), Sun Feb 18 make-up (2), Mon Feb 19 (3).
    assert NATIONAL.add_working_days(D(2024, 2, 8), 3) == D(2024, 2, 19)
    # 2025: Fri Jan 24 → Sun Jan 26 make-up (1), Mon Jan 27 (2), Jan 28–Feb 4 off, Wed Feb 5 (3).
    assert NATIONAL.add_working_days(D(2025, 1, 24), 3) == D(2025, 2, 5)
    assert NATIONAL.working_days_between(D(2025, 1, 27), D(2025, 2, 5)) == 1


# --- properties ---


@settings(deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=400))
def test_the_due_day_is_a_later_working_day(start: dt.date, n: int) -> None:
    end = NATIONAL.add_working_days(start, n)
    assert end > start
    assert NATIONAL.is_working_day(end)


@settings(deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=400))
def test_working_days_between_inverts_add(start: dt.date, n: int) -> None:
    assert NATIONAL.working_days_between(start, NATIONAL.add_working_days(start, n)) == n


@settings(deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=400))
def test_add_is_strictly_monotonic_in_n(start: dt.date, n: int) -> None:
    assert NATIONAL.add_working_days(start, n) < NATIONAL.add_working_days(start, n + 1)


@settings(deadline=None)
@given(first=dates, second=dates)
def test_between_is_antisymmetric_and_counts_working_days(first: dt.date, second: dt.date) -> None:
    assert NATIONAL.working_days_between(first, second) == -NATIONAL.working_days_between(second, first)
    if first <= second and (second - first).days <= 60:
        expected = sum(
            NATIONAL.is_working_day(first + dt.timedelta(days=k)) for k in range(1, (second - first).days + 1)
        )
        assert NATIONAL.working_days_between(first, second) == expected


@settings(deadline=None, max_examples=60)
@given(start=st.dates(min_value=D(2004, 1, 1), max_value=D(2031, 12, 1)), n=st.integers(min_value=0, max_value=40))
def test_add_matches_asking_the_package_day_by_day(start: dt.date, n: int) -> None:
    assert NATIONAL.add_working_days(start, n) == _naive_add(start, n)


@settings(deadline=None, max_examples=60)
@given(
    start=covered_dates,
    n=st.integers(min_value=0, max_value=30),
    adjustments=st.dictionaries(
        st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31)), st.booleans(), max_size=30
    ),
)
def test_overrides_beat_the_package(start: dt.date, n: int, adjustments: dict[dt.date, bool]) -> None:
    adjusted = WorkCalendar(adjustments)
    assert adjusted.add_working_days(start, n) == _naive_add(start, n, adjustments)
    for day, is_working in adjustments.items():
        assert adjusted.is_working_day(day) is is_working


@settings(deadline=None)
@given(day=dates)
def test_roll_forward_finds_the_first_working_day_on_or_after(day: dt.date) -> None:
    rolled = NATIONAL.roll_forward(day)
    assert rolled >= day and NATIONAL.is_working_day(rolled)
    assert NATIONAL.working_days_between(day, rolled) == (0 if rolled == day else 1)


@given(start=st.dates(min_value=D(2004, 1, 1), max_value=D(2089, 12, 31)), n=st.integers(min_value=0, max_value=120))
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(start: dt.date, n: int) -> None:
    end = add_months(start, n)
    months = (start.year * 12 + start.month - 1) + n
    assert (end.year, end.month) == (months // 12, months % 12 + 1)
    month_length = (D(end.year + end.month // 12, end.month % 12 + 1, 1) - dt.timedelta(days=1)).day
    assert end.day == min(start.day, month_length)
    if start.day <= 28:
        # Below day 29 nothing is ever clamped, so months add up.
        assert add_months(add_months(start, n // 2), n - n // 2) == end


# --- month ends, calendar days ---


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: the last day of the shorter month
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 2, 28), 1, D(2025, 3, 28)),  # same day number, not "month end to month end"
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 8, 31), 1, D(2024, 9, 30)),
        (D(2024, 3, 31), 1, D(2024, 4, 30)),
        (D(2024, 11, 30), 3, D(2025, 2, 28)),
        (D(2024, 1, 31), 2, D(2024, 3, 31)),  # two months at once, not one month twice (which gives Mar 29)
        (D(2024, 12, 15), 1, D(2025, 1, 15)),
        (D(2024, 5, 6), 0, D(2024, 5, 6)),
        (D(2099, 9, 30), 3, D(2099, 12, 30)),
    ],
)
def test_add_months_examples(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_add_days_does_not_count_the_start_day() -> None:
    assert add_days(D(2024, 9, 1), 30) == D(2024, 10, 1)
    assert add_days(D(2024, 2, 28), 1) == D(2024, 2, 29)


# --- bad input ---


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: NATIONAL.add_working_days(D(2024, 1, 1), -1), "amount"),
        (lambda: NATIONAL.add_working_days(D(2024, 1, 1), True), "amount"),
        (lambda: NATIONAL.add_working_days(D(2003, 12, 31), 1), "start"),
        (lambda: NATIONAL.add_working_days(D(2100, 1, 1), 1), "start"),
        (lambda: NATIONAL.add_working_days(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), 1), "start"),
        (lambda: NATIONAL.add_working_days("2024-01-01", 1), "start"),
        (lambda: NATIONAL.add_working_days(D(2099, 12, 20), 30), "amount"),
        (lambda: NATIONAL.working_days_between(D(2024, 1, 1), D(2100, 1, 1)), "end"),
        (lambda: NATIONAL.is_working_day(D(1999, 1, 1)), "date"),
        (lambda: add_months(D(2099, 12, 1), 1), "amount"),
        (lambda: add_months(D(2024, 1, 1), -1), "amount"),
        (lambda: add_months(D(2024, 1, 1), 10**18), "amount"),
        (lambda: add_days(D(2099, 12, 31), 1), "amount"),
        (lambda: add_days(D(2024, 1, 1), 10**18), "amount"),
        (lambda: due_date("no_such_rule", start=D(2024, 1, 1), congress=None), "rule"),
        (lambda: due_date("suggestion_reply", start=D(2024, 1, 1), congress=None, amount=-1), "amount"),
        (lambda: due_date("suggestion_reply", start=D(2002, 1, 1), congress=None), "start"),
        (lambda: due_date("opinion_handling", start=D(2099, 12, 30), congress=None), "amount"),
        (lambda: WorkCalendar({D(2100, 1, 1): False}), "date"),
    ],
)
def test_bad_input_names_the_field_in_chinese(call: object, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        call()  # type: ignore[operator]
    assert raised.value.field == field
    assert any("\u4e00" <= char <= "\u9fff" for char in raised.value.message)


def test_unknown_rule_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="suggestion_reply"):
        due_date("x" * 500, start=D(2024, 1, 1), congress=None)


# --- named rules ---


def test_every_rule_names_a_real_setting_and_a_unit() -> None:
    assert {
        "suggestion_reply",
        "suggestion_reply_complex",
        "suggestion_rehandling",
        "suggestion_sign_for",
        "suggestion_dispute_window",
        "opinion_handling",
        "opinion_handling_complex",
        "deliberation_handling_report",
        "filing_rules_days",
    } <= set(DUE_DATE_RULES)
    for rule in DUE_DATE_RULES.values():
        spec = SETTINGS_BY_KEY[rule.setting]
        assert spec.kind == "int"
        assert isinstance(rule.unit, DurationUnit)
        # The setting's label says the same unit as the rule.
        label = str(spec.label)
        if rule.unit == DurationUnit.WORKING_DAYS:
            assert "工作日" in label, rule.name
        elif rule.unit == DurationUnit.CALENDAR_MONTHS:
            assert "月" in label, rule.name
        else:
            assert "天" in label and "工作日" not in label, rule.name
        assert due_date(rule.name, start=D(2024, 3, 15), congress=None) > D(2024, 3, 15)


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        ("suggestion_reply", D(2024, 1, 31), D(2024, 4, 30)),  # 3 months, clamped to Apr 30 (Tue)
        ("suggestion_reply", D(2024, 6, 29), D(2024, 9, 29)),  # Sun Sep 29 is a make-up working day: no roll
        ("suggestion_reply", D(2024, 7, 1), D(2024, 10, 8)),  # Oct 1 is National Day: rolls to Oct 8
        ("suggestion_reply", D(2024, 8, 3), D(2024, 11, 4)),  # Sun Nov 3 rolls to Mon Nov 4
        ("suggestion_reply_complex", D(2024, 8, 1), D(2025, 2, 5)),  # Feb 1 2025 is Spring Festival
        ("suggestion_rehandling", D(2025, 1, 31), D(2025, 2, 28)),
        ("suggestion_sign_for", D(2024, 2, 8), D(2024, 2, 19)),  # 3 WD over Spring Festival 2024
        # 7 WD: Sun Sep 29 (1), Sep 30 (2), Oct 8–11 (3–6), Sat Oct 12, a make-up day (7).
        ("suggestion_dispute_window", D(2024, 9, 27), D(2024, 10, 12)),
        ("opinion_handling", D(2025, 9, 26), D(2025, 10, 10)),  # 5 WD over National Day 2025
        # 10 WD: Sep 28 (make-up), 29, 30, Oct 9, 10, Sat Oct 11 (make-up), 13, 14, 15, 16.
        ("opinion_handling_complex", D(2025, 9, 26), D(2025, 10, 16)),
        ("deliberation_handling_report", D(2024, 10, 31), D(2025, 2, 5)),  # Jan 31 2025 is Spring Festival
        ("filing_rules_days", D(2024, 9, 1), D(2024, 10, 8)),  # 30 days → Oct 1, rolled forward
        ("filing_other_documents_days", D(2024, 9, 1), D(2024, 9, 18)),  # Sep 16 is Mid-Autumn 2024: rolled
    ],
)
def test_named_rules_with_the_default_settings(rule: str, start: dt.date, expected: dt.date) -> None:
    assert due_date(rule, start=start, congress=None) == expected


def test_details_say_what_happened() -> None:
    result = due_date_details("filing_rules_days", start=D(2024, 9, 1), congress=None)
    assert result.amount == 30 and result.unadjusted == D(2024, 10, 1) and result.due == D(2024, 10, 8)
    assert result.rolled_forward and not result.uses_fallback
    assert "30日" in result.description and "顺延" in result.description
    working = due_date_details("opinion_handling", start=D(2025, 9, 26), congress=None)
    assert not working.rolled_forward and "5个工作日" in working.description


def test_amount_overrides_the_setting() -> None:
    assert due_date("suggestion_reply", start=D(2024, 1, 31), congress=None, amount=2) == D(2024, 4, 1)  # Mar 31 Sun
    assert due_date("opinion_handling", start=D(2024, 10, 3), congress=None, amount=0) == D(2024, 10, 3)


@pytest.mark.django_db
def test_the_congress_setting_gives_the_length(city: Congress, district: Congress) -> None:
    city.settings = {"suggestion_due_months": 2, "opinion_due_working_days": 1}
    city.save(update_fields=["settings"])
    assert due_date("suggestion_reply", start=D(2024, 1, 15), congress=city) == D(2024, 3, 15)
    assert due_date("suggestion_reply", start=D(2024, 1, 15), congress=district) == D(2024, 4, 15)
    assert due_date("opinion_handling", start=D(2024, 9, 30), congress=city) == D(2024, 10, 8)


# --- per-congress adjustments and the fallback ---


def _adjust(congress: Congress, day: dt.date, kind: str, name: str = "调整") -> CalendarAdjustment:
    return CalendarAdjustment.objects.create(congress=congress, date=day, kind=kind, name=name)


@pytest.mark.django_db
def test_congress_overrides_beat_the_package(city: Congress, district: Congress, other_city: Congress) -> None:
    monday = D(2024, 5, 6)  # an ordinary working day
    golden_week = D(2024, 10, 7)  # a National Day holiday
    _adjust(city, monday, CalendarAdjustmentKind.HOLIDAY, "地方假日")
    _adjust(city, golden_week, CalendarAdjustmentKind.WORKING_DAY, "值班")
    city_calendar = WorkCalendar.for_congress(city)
    assert not city_calendar.is_working_day(monday) and city_calendar.is_working_day(golden_week)
    assert NATIONAL.is_working_day(monday) and not NATIONAL.is_working_day(golden_week)
    assert NATIONAL.add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 8)
    assert city_calendar.add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 7)
    # Congresses below follow the city unless they decide the same day themselves.
    assert not WorkCalendar.for_congress(district).is_working_day(monday)
    _adjust(district, monday, CalendarAdjustmentKind.WORKING_DAY, "照常上班")
    district_calendar = WorkCalendar.for_congress(district)
    assert district_calendar.is_working_day(monday) and district_calendar.is_working_day(golden_week)
    # Another city is untouched.
    assert WorkCalendar.for_congress(other_city).is_working_day(monday)
    assert due_date("opinion_handling", start=D(2024, 9, 30), congress=city, amount=1) == D(2024, 10, 7)


@pytest.mark.django_db
def test_a_changed_adjustment_is_seen_by_the_next_calendar(city: Congress) -> None:
    monday = D(2024, 5, 6)
    assert WorkCalendar.for_congress(city).is_working_day(monday)
    adjustment = _adjust(city, monday, CalendarAdjustmentKind.HOLIDAY)
    assert not WorkCalendar.for_congress(city).is_working_day(monday)
    adjustment.kind = CalendarAdjustmentKind.WORKING_DAY
    adjustment.save(update_fields=["kind"])
    assert WorkCalendar.for_congress(city).is_working_day(monday)
    adjustment.delete()
    assert WorkCalendar.for_congress(city).adjustments == {}


@pytest.mark.django_db
def test_uncovered_year_falls_back_to_weekends_and_entered_holidays(city: Congress) -> None:
    new_year = D(UNCOVERED_YEAR, 1, 1)  # a Tuesday
    assert new_year.weekday() == 1
    assert NATIONAL.is_working_day(new_year)  # nobody has entered the holiday yet
    assert not NATIONAL.is_working_day(D(UNCOVERED_YEAR, 1, 5))  # Saturday
    assert NATIONAL.add_working_days(D(UNCOVERED_YEAR, 1, 4), 1) == D(UNCOVERED_YEAR, 1, 7)  # Fri → Mon
    _adjust(city, new_year, CalendarAdjustmentKind.HOLIDAY, "元旦")
    _adjust(city, D(UNCOVERED_YEAR, 1, 5), CalendarAdjustmentKind.WORKING_DAY, "调休上班")
    city_calendar = WorkCalendar.for_congress(city)
    assert not city_calendar.is_working_day(new_year)
    assert city_calendar.add_working_days(D(UNCOVERED_YEAR - 1, 12, 31), 1) == D(UNCOVERED_YEAR, 1, 2)
    assert city_calendar.add_working_days(D(UNCOVERED_YEAR, 1, 4), 1) == D(UNCOVERED_YEAR, 1, 5)
    result = due_date_details("suggestion_reply", start=D(UNCOVERED_YEAR - 1, 10, 1), congress=city)
    assert result.unadjusted == new_year and result.due == D(UNCOVERED_YEAR, 1, 2)
    assert result.uses_fallback
    assert not due_date_details("suggestion_reply", start=D(2024, 1, 1), congress=city).uses_fallback


@pytest.mark.django_db
def test_adjustments_reuse_one_table_per_distinct_set(city: Congress, other_city: Congress) -> None:
    calendar.clear_calendar_cache()
    for congress in (city, other_city):
        _adjust(congress, D(2024, 5, 6), CalendarAdjustmentKind.HOLIDAY)
    first = WorkCalendar.for_congress(city)
    second = WorkCalendar.for_congress(other_city)
    assert first._working is second._working
    assert WorkCalendar()._working is not first._working
