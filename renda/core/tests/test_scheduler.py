from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest
from django.db import OperationalError
from django.utils import timezone

from renda.accounts.models import User
from renda.core import scheduler, todo
from renda.core.models import Notification
from renda.organizations.models import Congress, Unit
from renda.organizations.roles import Role


def _delivered(officer: User) -> bool:
    """Whether the reminder is there yet. The test database is SQLite's shared in-memory cache, which
    locks whole tables without waiting: while the scheduler thread writes, a read is refused, not slow."""
    try:
        return Notification.objects.filter(recipient=officer).exists()
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        return False


@pytest.mark.django_db(transaction=True)
def test_in_process_scheduler_runs_the_periodic_jobs_without_a_broker(
    settings: object,
    city: Congress,
    unit: Unit,
    make_person: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.RENDA_JOB_INTERVAL_SECONDS = 0.2  # type: ignore[attr-defined]
    officer = make_person(Role.UNIT_OFFICER)
    todo.todo_open(congress=city, kind="x", title="签收建议", due_at=timezone.now() + dt.timedelta(days=2), unit=unit)
    scheduler._started.clear()
    stop = scheduler.start_in_process_scheduler()
    assert stop is not None
    assert scheduler.start_in_process_scheduler() is None  # once per process
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _delivered(officer):
            time.sleep(0.1)
    finally:
        stop.set()
        if scheduler._thread is not None:
            scheduler._thread.join(timeout=10)
        scheduler._started.clear()
    assert Notification.objects.filter(recipient=officer, event="todo.reminder").exists(), caplog.text[-3000:]
