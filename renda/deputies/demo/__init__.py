"""Demo data for the deputies' area, made by the real actions (see ``renda.organizations.demo``).

``build_roster`` runs right after the city is built, before the demo suggestions, so the
duty record's audit listeners log every suggestion a deputy submits or co-signs.
``build_activity`` runs after them: stations, groups, training, visits, self-reported
entries, reports to electors, then the scores of the year.
"""

from __future__ import annotations

from renda.deputies.demo import records, reports, roster, scores, stations
from renda.organizations.models import Congress


def build_roster(*, city: Congress, seed: int = 2026) -> None:
    roster.build(city=city, seed=seed)


def build_activity(*, city: Congress, seed: int = 2026) -> None:
    stations.build(city=city, seed=seed)
    records.build(city=city, seed=seed)
    reports.build(city=city, seed=seed)
    scores.build(city=city, seed=seed)
