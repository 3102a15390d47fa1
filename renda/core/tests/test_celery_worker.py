"""A real Celery worker with beat, against the real Redis on 127.0.0.1:6379, delivers a reminder.

The worker is a separate process, so it cannot see the test's own database; this
test prepares a SQLite file of its own and reads the result from it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/14"

SETUP = """
import datetime as dt
from django.utils import timezone
from renda.core.todo import todo_open
from renda.organizations.models import Congress, Unit, RoleAssignment
from renda.accounts.models import User
city = Congress.objects.create(name="江城市人民代表大会", code="city", level="city")
unit = Unit.objects.create(congress=city, name="市住房和城乡建设局", kind="government_department")
officer = User.objects.create(username="officer", full_name="经办人", email="officer@example.gov.cn", notify_by_sms=False)
RoleAssignment.objects.create(user=officer, congress=city, role="unit_officer", unit=unit)
todo_open(congress=city, kind="test.duty", title="答复代表建议第 7 号", due_at=timezone.now() + dt.timedelta(days=2), unit=unit, url="/todo/")
"""


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.exceptions.ConnectionError:
        return False


def test_worker_and_beat_deliver_a_reminder_through_redis(tmp_path: Path) -> None:
    if not _redis_available():
        pytest.fail("Redis is not running on 127.0.0.1:6379; .ci/run starts it")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    database = tmp_path / "worker.sqlite3"
    mail_dir = tmp_path / "mail"
    environment = {
        **os.environ,
        "RENDA_SQLITE_PATH": str(database),
        "RENDA_VAR_DIR": str(tmp_path),
        "RENDA_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "RENDA_EMAIL_FILE_PATH": str(mail_dir),
        "RENDA_JOB_INTERVAL_SECONDS": "2",
        "DJANGO_SETTINGS_MODULE": "renda.settings",
    }
    environment.pop("DATABASE_URL", None)
    setup_environment = {key: value for key, value in environment.items() if key != "CELERY_BROKER_URL"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=setup_environment, check=True)
    subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=setup_environment, check=True)

    worker_environment = {**environment, "CELERY_BROKER_URL": REDIS_URL}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "renda",
            "worker",
            "-B",
            "--pool=solo",
            "--loglevel=INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=worker_environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        row = None
        while time.monotonic() < deadline:
            with sqlite3.connect(database, timeout=10) as connection:
                row = connection.execute(
                    "SELECT event, email_status, body FROM core_notification WHERE event = 'todo.reminder'"
                ).fetchone()
            if row is not None and row[1] == "sent":
                break
            if worker.poll() is not None:
                break
            time.sleep(1)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            output = worker.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            output = worker.communicate()[0].decode(errors="replace")
    assert row is not None, output[-3000:]
    assert row[1] == "sent", output[-3000:]
    assert "答复代表建议第 7 号" in row[2]
    sent_mail = "".join(path.read_text() for path in mail_dir.glob("*.log"))
    assert "officer@example.gov.cn" in sent_mail
    # Beat sent the periodic job, and the worker ran it and the delivery it queued.
    assert "Task renda.core.tasks.run_periodic_jobs[" in output
    assert "Task renda.core.tasks.deliver_batch[" in output
