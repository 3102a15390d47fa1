"""Two clerks assign the same registered item at the same moment, on PostgreSQL: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from renda.core.errors import InvalidTransition
from renda.organizations.models import Unit
from renda.suggestions import actions
from renda.suggestions.models import Assignment, AssignmentStatus, HandlingRole, Status, Suggestion
from renda.suggestions.tests.conftest import SuggestionWorld, acting, drive

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks only race on PostgreSQL"),
]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_assignments_one_wins(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "registered")
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[int, str] = {}

    def assign(unit_id: int) -> None:
        try:
            clerk = acting(type(sw.staff).objects.get(pk=sw.staff.pk))
            item = Suggestion.objects.get(pk=suggestion.pk)
            unit = Unit.objects.get(pk=unit_id)
            barrier.wait()
            try:
                actions.suggestion_assign(actor=clerk, suggestion=item, plan=actions.Plan(lead=unit))
                outcomes[unit_id] = "won"
            except InvalidTransition as error:
                outcomes[unit_id] = f"refused:{error.code}"
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=assign, args=(unit.pk,)) for unit in (sw.lead_unit, sw.other_unit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["refused:invalid_state", "won"], outcomes
    leads = Assignment.objects.filter(suggestion=suggestion, role=HandlingRole.LEAD, status=AssignmentStatus.ACTIVE)
    assert leads.count() == 1
    (winner,) = [unit_id for unit_id, outcome in outcomes.items() if outcome == "won"]
    assert leads.get().unit_id == winner
    assert Suggestion.objects.get(pk=suggestion.pk).status == Status.ASSIGNED
