"""The weekly retraining of the routing models, called from ``renda.core.jobs.run_periodic_jobs``.

The periodic jobs run every few minutes (a thread under `make run`, Celery beat in production); this
one trains at most once a week per congress: a congress with at least ``routing.MIN_TRIAGED`` triaged
opinions whose newest model is older than ``RETRAIN_EVERY`` (or that has none) gets a new version,
from the night hour on. Staff's "立即重新训练" queues the same training at once
(``renda.insight.tasks.retrain_routing``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Count, Max
from django.utils import timezone

from renda.core.errors import DomainError
from renda.insight import routing
from renda.insight.models import RoutingModel
from renda.organizations.models import Congress

logger = logging.getLogger("renda.jobs")

RETRAIN_EVERY = dt.timedelta(days=7)
# Local hour from which the week's training may run (the quiet of the night).
NIGHT_HOUR = 2
NIGHT_END_HOUR = 6


def congresses_due(now: dt.datetime) -> list[Congress]:
    """Active congresses with enough triage history whose newest model is a week old (or missing)."""
    from renda.opinions.models import Opinion

    enough = (
        Opinion.objects.filter(triaged_at__isnull=False)
        .exclude(category="")
        .values("congress_id")
        .annotate(count=Count("pk"))
        .filter(count__gte=routing.MIN_TRIAGED)
        .values_list("congress_id", flat=True)
    )
    latest = dict(
        RoutingModel.objects.values("congress_id").annotate(last=Max("trained_at")).values_list("congress_id", "last")
    )
    due_ids = [
        congress_id
        for congress_id in enough
        if latest.get(congress_id) is None or now - latest[congress_id] >= RETRAIN_EVERY
    ]
    return list(Congress.objects.filter(pk__in=due_ids, is_active=True).order_by("pk"))


def retrain_due_models(now: dt.datetime | None = None, *, any_hour: bool = False) -> int:
    """Train a new version for every congress due; returns how many were trained."""
    now = now or timezone.now()
    hour = timezone.localtime(now).hour
    if not any_hour and not NIGHT_HOUR <= hour < NIGHT_END_HOUR:
        return 0
    trained = 0
    for congress in congresses_due(now):
        try:
            run = routing.train(congress, now=now)
        except DomainError as error:  # too few rows by now: try again next run
            logger.info("Routing model for congress %s not trained: %s", congress.pk, error.message)
            continue
        logger.info("Routing model v%s for congress %s: %s", run.model.version, congress.pk, run.comparison)
        trained += 1
    return trained
