"""Helpers for the staff, unit, import and export tests: the loop world, an opinion with a routing suggestion."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from renda.accounts.models import User
from renda.conftest import login_client
from renda.insight.models import OpinionAnalysis
from renda.opinions import actions
from renda.opinions.models import Dispatch, Opinion
from renda.opinions.tests.loop_world import LoopWorld, build_world
from renda.organizations.models import Congress, Unit

__all__ = ["LoopWorld", "client_of", "dispatched", "loop", "suggest"]


@pytest.fixture
def loop(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def client_of(user: User) -> Client:
    return login_client(user, user.active_assignment)


def suggest(opinion: Opinion, unit: Unit, *, confidence: float = 0.82, version: int = 3, **fields: Any) -> None:
    """What insight would have stored for the opinion: a routing suggestion (set here so the test knows it)."""
    OpinionAnalysis.objects.update_or_create(
        opinion=opinion,
        defaults={
            "suggested_category": fields.get("category", "urban"),
            "suggested_level": fields.get("level", "L3"),
            "suggested_unit": unit,
            "confidence": confidence,
            "model_version": version,
            "analysed_at": timezone.now(),
        },
    )


def dispatched(loop: LoopWorld, unit: Unit | None = None, **fields: Any) -> Opinion:
    """An opinion graded and dispatched by the staff to ``unit`` (the world's unit by default)."""
    opinion = loop.submit(**fields)
    actions.triage_grade(actor=loop.staff, opinion=opinion, level="L3", category="urban", unit=unit or loop.unit)
    opinion.refresh_from_db()
    return opinion


def live_dispatch(opinion: Opinion) -> Dispatch:
    return Dispatch.objects.get(opinion=opinion, state__in=["pending", "accepted"])
