"""Two ratings of the same round sent at the same moment, on PostgreSQL: one row, the other gets a 409."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from renda.core.errors import InvalidTransition
from renda.opinions import actions
from renda.opinions.models import Opinion, OpinionRating, Status
from renda.opinions.tests.loop_world import build_world
from renda.organizations.models import Congress, Unit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks only race on PostgreSQL"),
]


@pytest.mark.django_db(transaction=True)
def test_two_ratings_at_once_leave_one(city: Congress, unit: Unit) -> None:
    w = build_world(city, unit)
    opinion = w.submit()
    actions.triage_grade(actor=w.staff, opinion=opinion, level="L3", category="urban", unit=w.unit)
    actions.dispatch_accept(actor=w.officer, opinion=Opinion.objects.get(pk=opinion.pk))
    actions.dispatch_reply(actor=w.officer, opinion=Opinion.objects.get(pk=opinion.pk), text="已修复")
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}

    def rate(rating: str) -> None:
        try:
            item = Opinion.objects.get(pk=opinion.pk)
            barrier.wait()
            try:
                actions.opinion_rate(opinion=item, rating=rating, reopen=True)
                outcomes[rating] = "rated"
            except InvalidTransition as error:
                outcomes[rating] = f"refused:{error.status_code}"
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(rating,)) for rating in ("satisfied", "dissatisfied")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["rated", "refused:409"], outcomes
    assert OpinionRating.objects.filter(opinion=opinion).count() == 1
    winner = OpinionRating.objects.get(opinion=opinion).rating
    expected = Status.CLOSED if winner == "satisfied" else Status.DISPATCHED
    assert Opinion.objects.get(pk=opinion.pk).status == expected
