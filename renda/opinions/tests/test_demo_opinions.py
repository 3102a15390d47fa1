"""The demo city gains a year of citizens' opinions, made by the real actions (a small year here)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from renda.core.audit import verify_chain
from renda.deputies.demo import build_roster
from renda.deputies.demo import stations as demo_stations
from renda.insight.models import Cluster, MonthlyReport, OpinionAnalysis
from renda.insight.routing_actions import keyword_rules_load_defaults
from renda.opinions.demo import DEMO_REPORT_MONTHS, build_demo_opinions
from renda.opinions.models import Opinion, OpinionRating, Source, Status
from renda.organizations.demo import build_demo_city
from renda.organizations.models import Congress


@pytest.mark.django_db
def test_demo_builds_a_year_of_opinions_through_every_channel_and_end() -> None:
    build_demo_city(seed=2026)
    city = Congress.objects.get(code="jiangcheng")
    build_roster(city=city, seed=2026)
    demo_stations.build(city=city, seed=2026)
    keyword_rules_load_defaults(actor=None, congress=city)

    made = build_demo_opinions(city=city, seed=2026, per_year=120)

    opinions = Opinion.objects.filter(congress=city)
    assert made == opinions.count() > 120  # the regular year plus a 40-report cluster, imports and spikes
    assert set(opinions.values_list("source", flat=True)) >= {
        Source.PORTAL,
        Source.STATION_QR,
        Source.DEPUTY_QR,
        Source.RECEPTION,
        Source.HOTLINE_12345,
    }
    statuses = set(opinions.values_list("status", flat=True))
    assert statuses >= {Status.RECEIVED, Status.CLOSED, Status.ANSWERED_ON_SPOT, Status.REFUSED, Status.CONVERTED}
    assert statuses & {Status.DISPATCHED, Status.ACCEPTED}
    # Every opinion was read on arrival; the broken lamp reported 40 times is one cluster handled as one.
    assert OpinionAnalysis.objects.filter(opinion__congress=city).count() == made
    lamp = Cluster.objects.filter(congress=city, handled_as_one=True).order_by("-size").first()
    assert lamp is not None and lamp.size >= 30
    # Ratings: one per round, and some citizens were not satisfied.
    assert OpinionRating.objects.filter(opinion__congress=city).exists()
    assert opinions.filter(reopen_count__gt=0).exists()
    # Nothing is dated after now; the last finished months have their report.
    assert not opinions.filter(received_at__gt=timezone.now()).exists()
    finished = timezone.localdate().month - 1 if timezone.localdate().year == 2026 else 12
    assert MonthlyReport.objects.filter(congress=city).count() == min(DEMO_REPORT_MONTHS, finished)
    assert verify_chain().ok
