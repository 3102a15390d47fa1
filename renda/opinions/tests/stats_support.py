"""A hand-made set of opinions in every state, for the statistics and dashboard tests.

The rows are written directly (not through the actions) so each test knows exactly which facts
every opinion carries; the actions that keep these facts are tested in the loop tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from renda.opinions.models import Opinion, Rating, Source, Status
from renda.organizations.models import Congress, Unit

JULY = dt.date(2026, 7, 1)
TEXT = "小区门口的路灯坏了三个月，晚上出行很不方便，请尽快修复。"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def opinion(congress: Congress, day: dt.date = dt.date(2026, 7, 10), **fields: Any) -> Opinion:
    values: dict[str, Any] = {"congress": congress, "source": Source.PORTAL, "text": TEXT, "received_at": at(day)}
    values.update(fields)
    return Opinion.objects.create(**values)


def july_set(city: Congress, unit: Unit, area: Congress | None = None) -> list[Opinion]:
    """Twelve July opinions of ``city``: see ``EXPECTED`` for what they add up to."""
    past, future = at(dt.date(2026, 7, 20)), timezone.now() + dt.timedelta(days=30)
    replied = {"unit": unit, "due_at": at(dt.date(2026, 7, 20))}
    return [
        opinion(city, status=Status.RECEIVED, area=area),
        opinion(city, status=Status.DISPATCHED, unit=unit, due_at=past, area=area, source=Source.STATION_QR),
        opinion(city, status=Status.ACCEPTED, unit=unit, due_at=future, area=area, category="urban"),
        opinion(city, status=Status.REPLIED, replied_on_time=True, **replied, category="urban"),
        opinion(city, status=Status.RELAYED, replied_on_time=False, **replied, category="urban"),
        opinion(city, status=Status.CLOSED, replied_on_time=True, rating=Rating.SATISFIED, **replied),
        opinion(city, status=Status.CLOSED, replied_on_time=True, rating=Rating.SATISFIED, **replied),
        opinion(city, status=Status.CLOSED, replied_on_time=True, rating=Rating.BASICALLY_SATISFIED, **replied),
        opinion(
            city,
            status=Status.CLOSED,
            replied_on_time=False,
            rating=Rating.DISSATISFIED,
            reopen_count=2,
            **replied,
        ),
        opinion(city, status=Status.ANSWERED_ON_SPOT, source=Source.RECEPTION),
        opinion(city, status=Status.REFUSED, source=Source.HOTLINE_12345),
        opinion(city, status=Status.CONVERTED, source=Source.DEPUTY_QR),
    ]


EXPECTED = {
    "received": 12,
    "waiting_triage": 1,
    "in_handling": 2,
    "handled": 9,  # 6 replied by a unit + answered on the spot, refused, converted
    "resolved": 5,  # 4 closed + answered on the spot
    "replied": 6,
    "replied_on_time": 4,
    "rated": 4,
    "satisfied": 2,
    "basically_satisfied": 1,
    "satisfied_or_basic": 3,
    "dissatisfied": 1,
    "reopened": 1,
    "answered_on_spot": 1,
    "refused": 1,
    "converted": 1,
}
