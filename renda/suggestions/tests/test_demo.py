"""The demo city gains a year of suggestions in every state, made by the real actions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from renda.core.audit import verify_chain
from renda.organizations.demo import build_demo_city
from renda.organizations.models import Congress
from renda.suggestions.demo import build_demo_suggestions
from renda.suggestions.models import Assignment, Dispute, Status, Suggestion


@pytest.mark.django_db
def test_demo_year_covers_every_state() -> None:
    build_demo_city(seed=2026)
    count = build_demo_suggestions(city=Congress.objects.get(code="jiangcheng"), seed=2026)
    assert count > 200
    states = set(Suggestion.objects.values_list("status", flat=True))
    assert {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.RETURNED,
        Status.NOT_REGISTERED,
        Status.MERGED,
        Status.REGISTERED,
        Status.ASSIGNED,
        Status.IN_HANDLING,
        Status.REPLIED,
        Status.REHANDLING,
        Status.CLOSED,
        Status.WITHDRAWN,
    } <= states
    now = timezone.now()
    assert Assignment.objects.filter(status="active", replied_at__isnull=True, due_at__lt=now).exists()  # overdue
    assert Dispute.objects.filter(status="pending").exists()
    assert Suggestion.objects.filter(is_key=True).exists()
    assert Suggestion.objects.filter(was_rehandled=True, status=Status.CLOSED).exists()
    assert Suggestion.objects.filter(replied_on_time=False).exists()
    assert Suggestion.objects.filter(is_public=True).exists()
    # History made on the simulated clock: nothing happens in the future.
    assert not Suggestion.objects.filter(first_replied_at__gt=now).exists()
    assert verify_chain().ok
