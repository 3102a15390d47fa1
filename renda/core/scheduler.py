"""The in-process scheduler for the embedded default (`make run`): one daemon thread, no broker.

Production uses Celery beat instead (see docs/deploy.md); both call the same
``run_periodic_jobs``.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger("renda.scheduler")
_started = threading.Event()
_thread: threading.Thread | None = None


def _loop(stop: threading.Event) -> None:
    from renda.core.jobs import run_periodic_jobs

    while not stop.wait(settings.RENDA_JOB_INTERVAL_SECONDS):
        close_old_connections()
        try:
            run_periodic_jobs()
        except Exception:
            logger.exception("Periodic jobs failed; they run again at the next interval")
        finally:
            close_old_connections()
    connections.close_all()  # this thread's own connections; a stopped scheduler holds none


def start_in_process_scheduler() -> threading.Event | None:
    """Start the thread once per process. Returns the event that stops it."""
    if _started.is_set():
        return None
    global _thread  # noqa: PLW0603 - one scheduler per process, by design
    _started.set()
    stop = threading.Event()
    _thread = threading.Thread(target=_loop, args=(stop,), name="renda-scheduler", daemon=True)
    _thread.start()
    logger.info("In-process scheduler started: periodic jobs every %s s", settings.RENDA_JOB_INTERVAL_SECONDS)
    return stop
