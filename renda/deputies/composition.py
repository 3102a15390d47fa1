"""Composition of the deputies in office (代表构成统计): gender, age, occupation, party, ethnicity.

Counted over the deputies of one congress in office on a date (a term that has started, has
not ended, and was not left by resignation, recall or termination before that date). Each
figure is a count and a percentage of that total, to one decimal place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from renda.deputies.actions.roster import age_on
from renda.deputies.models import DeputyProfile, DeputyStatus, DeputyTerm, Gender, Occupation, Party
from renda.organizations.models import Congress

HAN = "汉族"
# (key, label, lowest age, highest age) of each band, age counted on the date of the statistics.
AGE_BANDS: tuple[tuple[str, Any, int, int | None], ...] = (
    ("le35", _("35岁及以下"), 0, 35),
    ("36_45", _("36–45岁"), 36, 45),
    ("46_55", _("46–55岁"), 46, 55),
    ("56_65", _("56–65岁"), 56, 65),
    ("gt65", _("65岁以上"), 66, None),
)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int
    percent: Decimal
    indent: bool = False  # a sub-item ("其中") of the line above it


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    figures: list[Figure]


@dataclass(frozen=True)
class Composition:
    congress: Congress
    on: dt.date
    total: int
    breakdowns: list[Breakdown]

    def breakdown(self, key: str) -> Breakdown:
        return next(item for item in self.breakdowns if item.key == key)

    def figure(self, breakdown: str, key: str) -> Figure:
        return next(item for item in self.breakdown(breakdown).figures if item.key == key)


def in_office_terms(congress: Congress, on: dt.date) -> QuerySet[DeputyTerm]:
    """The terms of ``congress`` in office on ``on`` (the one definition, also used by the roster filter)."""
    return (
        DeputyTerm.objects.filter(congress=congress, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .filter(Q(status=DeputyStatus.IN_OFFICE) | Q(status_on__gt=on))
    )


def percent(count: int, total: int) -> Decimal:
    if total == 0:
        return Decimal("0.0")
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _figures(counts: Counter[str], total: int, labels: list[tuple[str, str]]) -> list[Figure]:
    return [Figure(key, label, counts[key], percent(counts[key], total)) for key, label in labels]


def age_band(age: int) -> str:
    for key, _label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return key
    return AGE_BANDS[0][0]


def compute(congress: Congress, on: dt.date) -> Composition:
    """The composition of ``congress``'s deputies in office on ``on``."""
    profile_ids = in_office_terms(congress, on).values("profile_id")
    people = list(
        DeputyProfile.objects.filter(pk__in=profile_ids).values_list(
            "gender", "birth_date", "occupation", "party", "ethnicity"
        )
    )
    total = len(people)
    genders: Counter[str] = Counter(gender for gender, *_rest in people)
    ages: Counter[str] = Counter(age_band(age_on(born, on)) for _g, born, *_rest in people)
    occupations: Counter[str] = Counter(row[2] for row in people)
    parties: Counter[str] = Counter(row[3] for row in people)
    han = sum(1 for row in people if row[4] == HAN)

    non_cpc = total - parties[Party.CPC]
    party_figures = [
        Figure(Party.CPC, str(Party.CPC.label), parties[Party.CPC], percent(parties[Party.CPC], total)),
        Figure("non_cpc", gettext("非中共党员"), non_cpc, percent(non_cpc, total)),
        *[
            Figure(value, str(label), parties[value], percent(parties[value], total), indent=True)
            for value, label in Party.choices
            if value != Party.CPC and parties[value]
        ],
    ]
    return Composition(
        congress=congress,
        on=on,
        total=total,
        breakdowns=[
            Breakdown(
                "gender", gettext("性别"), _figures(genders, total, [(v, str(label)) for v, label in Gender.choices])
            ),
            Breakdown(
                "age",
                gettext("年龄"),
                _figures(ages, total, [(key, str(label)) for key, label, _low, _high in AGE_BANDS]),
            ),
            Breakdown(
                "occupation",
                "职业构成",
                _figures(occupations, total, [(v, str(label)) for v, label in Occupation.choices]),
            ),
            Breakdown("party", gettext("政治面貌"), party_figures),
            Breakdown(
                "ethnicity",
                gettext("民族"),
                [
                    Figure("han", gettext(HAN), han, percent(han, total)),
                    Figure("minority", gettext("少数民族"), total - han, percent(total - han, total)),
                ],
            ),
        ],
    )
