"""The demo city gains two years of livelihood projects, made by the real actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.ballots.models import BallotSheet, BallotVoter
from renda.core.audit import verify_chain
from renda.livelihood import stats
from renda.livelihood.demo import RATERS_PRESENT, VOTERS_PRESENT, build_demo_livelihood
from renda.livelihood.models import (
    Cycle,
    CycleStatus,
    ProblemStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    ReportKind,
    Verdict,
)
from renda.organizations.demo import build_demo_city
from renda.organizations.models import Congress


@pytest.mark.django_db
def test_demo_builds_a_closed_year_and_a_year_under_way() -> None:
    build_demo_city(seed=2026)
    city = Congress.objects.get(code="jiangcheng")
    build_demo_livelihood(city=city, seed=2026)

    closed = Cycle.objects.get(congress=city, year=2025)
    current = Cycle.objects.get(congress=city, year=2026)
    assert closed.status == CycleStatus.CLOSED and current.status == CycleStatus.IMPLEMENTING
    for cycle in (closed, current):
        projects = Project.objects.filter(cycle=cycle)
        assert projects.exclude(status=ProjectStatus.EXCLUDED).count() == 13
        assert projects.filter(status=ProjectStatus.EXCLUDED).exclude(exclusion_reason="").count() == 1
        assert projects.filter(status__in=stats.DECIDED_STATUSES).count() == 10
        assert projects.filter(status=ProjectStatus.NOT_SELECTED).count() == 3
        # The vote: one paper per deputy present, counted into the projects' votes.
        assert cycle.vote_ballot is not None
        assert BallotVoter.objects.filter(ballot=cycle.vote_ballot).count() == VOTERS_PRESENT
        assert BallotSheet.objects.filter(ballot=cycle.vote_ballot).count() == VOTERS_PRESENT
        assert sorted(projects.exclude(rank=None).values_list("rank", flat=True)) == list(range(1, 14))

    # 2025: four quarterly reports, completion reports (one unfinished, explained), rating, problems closed.
    decided_2025 = Project.objects.filter(cycle=closed, status__in=stats.DECIDED_STATUSES)
    assert ProgressReport.objects.filter(project__cycle=closed, kind=ReportKind.QUARTERLY).count() == 40
    assert ProgressReport.objects.filter(project__cycle=closed, kind=ReportKind.COMPLETION).count() == 10
    unfinished = decided_2025.get(status=ProjectStatus.UNFINISHED)
    assert unfinished.unfinished_explanation and unfinished.completed_on is None
    assert decided_2025.filter(verdict=Verdict.SATISFIED).count() >= 8
    assert decided_2025.filter(key_supervision_next_year=True).count() == 1
    assert not decided_2025.filter(problems__status=ProblemStatus.OPEN).exists()
    assert BallotVoter.objects.filter(ballot=closed.rating_ballot).count() == RATERS_PRESENT

    # 2026: reports for the quarters already past, some problems still open.
    today = timezone.localdate()
    quarters_past = sum(1 for quarter in (1, 2, 3) if dt.date(2026, quarter * 3, 25) <= today)
    assert (
        ProgressReport.objects.filter(project__cycle=current, kind=ReportKind.QUARTERLY).count() == 10 * quarters_past
    )
    if quarters_past == 3:
        assert Project.objects.filter(cycle=current, problems__status=ProblemStatus.OPEN).exists()

    figures = stats.compute(city, 2026, today)
    assert (figures.districts.numerator, figures.townships.numerator) == (2, 5)
    assert stats.compute(city, 2025, dt.date(2025, 12, 31)).completion == stats.Rate(9, 10)
    assert verify_chain().ok

    # The portal shows both years.
    client = Client()
    page = client.get(reverse("portal:livelihood_cycle", kwargs={"year": 2025})).content.decode()
    assert "得票" in page and "未列入候选的项目" in page
