"""The nightly recomputation of scores, called from ``renda.core.jobs.run_periodic_jobs``.

The periodic jobs run every few minutes (a thread under `make run`, Celery beat in
production); this one does its work at most once a day per congress: it recomputes the
current quarter of every congress with a scheme in force, unless that was already done
today (by this job or by staff pressing the button). In the first month of a quarter it
also recomputes the previous quarter, so entries verified late still reach the year-end
score that the consequences are derived from.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from renda.core.models import AuditEvent
from renda.deputies import scoring
from renda.deputies.actions.scoring import scores_compute
from renda.deputies.models import DeputyScore, ScoringScheme
from renda.organizations.models import Congress

logger = logging.getLogger("renda.jobs")

# Local hour from which the day's recomputation may run (the quiet of the night).
NIGHT_HOUR = 1
LATE_VERIFICATION_DAYS = 31


def _periods(today: dt.date) -> list[tuple[int, int]]:
    quarter = scoring.quarter_of(today)
    periods = [(today.year, quarter)]
    quarter_start = dt.date(today.year, (quarter - 1) * 3 + 1, 1)
    if (today - quarter_start).days < LATE_VERIFICATION_DAYS:
        periods.append((today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1))
    return periods


def recompute_current_scores(now: dt.datetime | None = None) -> int:
    """Recompute due periods as the system; returns how many (congress, period) computations ran."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < NIGHT_HOUR:
        return 0
    today = local.date()
    ran = 0
    congress_ids = ScoringScheme.objects.filter(is_active=True).values_list("congress_id", flat=True).distinct()
    for congress in Congress.objects.filter(pk__in=list(congress_ids), is_active=True):
        for year, quarter in _periods(today):
            scheme = scoring.scheme_for(congress, year)
            if scheme is None:
                continue
            start_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
            day = (start_of_day, start_of_day + dt.timedelta(days=1))
            # Scores computed that day; or, for a congress with nobody to score, the audit event of the run.
            done_today = (
                DeputyScore.objects.filter(scheme=scheme, year=year, quarter=quarter, computed_at__range=day).exists()
                or AuditEvent.objects.filter(
                    action="deputies.scores_computed",
                    target_type="deputies.scoringscheme",
                    target_id=str(scheme.pk),
                    occurred_at__range=day,
                    summary__year=year,
                    summary__quarter=quarter,
                ).exists()
            )
            if done_today:
                continue
            result = scores_compute(actor=None, congress=congress, year=year, quarter=quarter, now=now)
            logger.info("Scores recomputed: %s", result.summary())
            ran += 1
    return ran
