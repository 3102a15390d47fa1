"""Shared set-up for the benchmark scripts: a throw-away SQLite database, never var/renda.sqlite3.

Import this module before anything from Django or ``renda``: ``bootstrap()``
points the settings at a fresh temporary directory (database file, secret key,
media), configures Django and runs the migrations.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

_TEMP_DIR: Path | None = None


def bootstrap(name: str) -> Path:
    """Create a temp dir, point Renda's settings at it, set Django up and migrate. Returns the DB path."""
    global _TEMP_DIR
    _TEMP_DIR = Path(tempfile.mkdtemp(prefix=f"renda-bench-{name}-"))
    db_path = _TEMP_DIR / "bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "renda.settings"
    os.environ["RENDA_SQLITE_PATH"] = str(db_path)
    os.environ["RENDA_VAR_DIR"] = str(_TEMP_DIR)  # secret key and media go to the temp dir too
    os.environ["RENDA_ENV"] = "development"
    os.environ["RENDA_DEBUG"] = "0"  # DEBUG=True would record every query and skew the timings
    os.environ.pop("DATABASE_URL", None)  # these targets are about the embedded SQLite default
    os.environ.setdefault("RENDA_LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    assert settings.DATABASES["default"]["NAME"] == str(db_path), "benchmark must not touch var/renda.sqlite3"
    assert not settings.DEBUG
    call_command("migrate", verbosity=0)
    return db_path


def cleanup(keep: bool = False) -> None:
    from django.db import connections

    connections.close_all()
    if _TEMP_DIR is not None and not keep:
        shutil.rmtree(_TEMP_DIR, ignore_errors=True)
    elif _TEMP_DIR is not None:
        print(f"(kept {_TEMP_DIR})", file=sys.stderr)


def environment() -> dict[str, Any]:
    import django

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "loadavg_at_end": loadavg(),
        "git": git_revision(),
    }


def git_revision() -> str:
    """The commit measured, with "+dirty" when the working tree has uncommitted changes."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "n/a"
    return head + ("+dirty" if dirty else "")


def loadavg() -> str:
    """1/5/15-minute load average: other work on this 2-core machine inflates wall-clock timings."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100): the smallest value with at least pct% of samples at or below it."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def emit(title: str, rows: list[tuple[str, str]], verdicts: list[str], data: dict[str, Any]) -> None:
    """Print a small markdown table, the verdict lines, and the same figures as JSON."""
    print(f"## {title}\n")
    print("| metric | value |")
    print("|---|---|")
    for key, value in rows:
        print(f"| {key} | {value} |")
    print()
    for verdict in verdicts:
        print(verdict)
    print()
    print("```json")
    print(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))
    print("```")
    sys.stdout.flush()
