"""The definitions of the opinion figures and rates, on a hand-made set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from renda.core.errors import InvalidInput
from renda.opinions import stats
from renda.opinions.models import Opinion, Status
from renda.opinions.tests.stats_support import EXPECTED, JULY, july_set, opinion
from renda.organizations.models import Congress, Unit

pytestmark = pytest.mark.django_db


def test_figures_of_a_month_follow_the_definitions(city: Congress, unit: Unit, other_city: Congress) -> None:
    july_set(city, unit)
    opinion(city, dt.date(2026, 6, 30), status=Status.CLOSED, rating="satisfied")  # June: not counted
    opinion(city, dt.date(2026, 8, 1), status=Status.RECEIVED)  # August: not counted
    opinion(other_city, status=Status.RECEIVED)  # another congress: not counted
    assert stats.figures(city, stats.month_period(JULY)) == EXPECTED


def test_rates_keep_numerator_and_denominator(city: Congress, unit: Unit) -> None:
    july_set(city, unit)
    rates = {rate.name: rate for rate in stats.rates_of(stats.figures(city, stats.month_period(JULY)))}
    assert (rates["handling"].numerator, rates["handling"].denominator, rates["handling"].rate) == (9, 12, 75.0)
    assert (rates["resolution"].numerator, rates["resolution"].denominator) == (5, 12)
    assert (rates["on_time"].numerator, rates["on_time"].denominator, rates["on_time"].rate) == (4, 6, 66.7)
    assert (rates["satisfaction"].numerator, rates["satisfaction"].denominator, rates["satisfaction"].rate) == (
        2,
        4,
        50.0,
    )
    assert rates["satisfaction_incl_basic"].rate == 75.0
    assert (rates["conversion"].numerator, rates["conversion"].denominator) == (1, 12)


def test_a_rate_over_nothing_is_none_not_zero(city: Congress) -> None:
    rates = stats.rates_of(stats.figures(city, stats.month_period(JULY)))
    assert all(rate.rate is None and rate.denominator == 0 for rate in rates)


def test_every_figure_filter_matches_its_count(city: Congress, unit: Unit) -> None:
    july_set(city, unit)
    july = Opinion.objects.filter(stats.month_period(JULY).q(), congress=city)
    for name, expected in EXPECTED.items():
        assert july.filter(stats.figure_q(name)).count() == expected, name


def test_figures_are_one_query(city: Congress, unit: Unit, django_assert_num_queries: Any) -> None:
    july_set(city, unit)
    with django_assert_num_queries(1):
        stats.figures(city, stats.month_period(JULY))


def test_overdue_units_count_items_held_past_due(city: Congress, unit: Unit) -> None:
    july_set(city, unit)
    units = stats.overdue_units(city)
    assert [(item.unit_id, item.count) for item in units] == [(unit.pk, 1)]
    assert units[0].oldest_due_at.date() == dt.date(2026, 7, 20)


def test_unknown_figure_and_bad_month_are_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        stats.figure_q("everything")
    assert error.value.field == "figure"
    with pytest.raises(InvalidInput) as error:
        stats.parse_month("2026-13")
    assert error.value.field == "month"
    assert stats.parse_month("2026-07") == JULY


def test_periods() -> None:
    period = stats.month_period(dt.date(2026, 12, 15))
    assert (period.start, period.end, period.last_day) == (
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
        dt.date(2026, 12, 31),
    )
    assert period.as_query() == {"received_from": "2026-12-01", "received_to": "2026-12-31"}
    assert stats.previous_month(dt.date(2026, 1, 1)) == dt.date(2025, 12, 1)


def test_predicates_agree_with_the_filters(city: Congress, unit: Unit) -> None:
    """The dashboard decides figures in Python from grouped facts: the same answer as each figure's filter."""
    assert list(stats.PREDICATES) == list(stats.FIGURES)
    for item in july_set(city, unit):
        facts = stats.Facts(item.status, item.rating, item.replied_on_time, item.reopen_count)
        in_filters = [
            name for name in stats.FIGURES if Opinion.objects.filter(stats.figure_q(name), pk=item.pk).exists()
        ]
        assert stats.figures_of(facts) == in_filters, item.status
