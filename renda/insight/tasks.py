"""Celery tasks of insight (found by ``app.autodiscover_tasks``; run in-process without a broker)."""

from __future__ import annotations

from celery import shared_task

from renda.core.tasks import RecordedTask


@shared_task(base=RecordedTask, name="renda.insight.tasks.retrain_routing", autoretry_for=())
def retrain_routing(congress_id: int, actor_id: int | None = None) -> dict[str, object]:
    """Staff's "立即重新训练": train a new routing version of the congress now."""
    from renda.accounts.models import User
    from renda.insight import routing
    from renda.organizations.models import Congress

    congress = Congress.objects.get(pk=congress_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    run = routing.train(congress, actor=actor)
    return {"version": run.model.version, "activated": run.activated, **run.comparison}


@shared_task(base=RecordedTask, name="renda.insight.tasks.retrain_due_models")
def retrain_due_models() -> int:
    from renda.insight.jobs import retrain_due_models as run

    return run()
