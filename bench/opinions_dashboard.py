"""The leader/staff dashboard over N opinions (default 1,000,000): target < 1 s.

Data: ``--db PATH`` (kept by ``opinions_pipeline.py --keep``: analysed, clustered) or, by default,
``opinions_data.build(N)`` clustered here with the pipeline (without that, the top clusters are empty).

Measured (``--reps`` runs after one warm-up, median and p95):

- ``renda.insight.topics.hot_topics(city)`` (O5: volume by topic/area/source/week, WoW, top clusters);
- ``renda.opinions.dashboard.build_dashboard(city)`` (O7: every figure of the page counted live, hot topics
  included): what the first view and the background recount (``opinions.dashboard_snapshots``) cost;
- ``GET /opinions/dashboard/`` as the leader through Django's test client (the whole request), as readers
  get it: the live count took longer than ``snapshots.SLOW_SECONDS``, so the page shows the kept counts
  (``renda.opinions.snapshots``), recounted in the background every few minutes — the target;
- ``GET /opinions/dashboard/?fresh=1`` as the committee staff: a recount on demand (live, for comparison);
- baseline: ``SELECT COUNT(*)`` of the city's opinions (one pass over an index).

A database kept by an earlier version is migrated first (``migrate``: new indexes and tables).

Then every SQL statement of one ``build_dashboard`` run is timed on its own (``execute_wrapper``),
with SQLite's ``EXPLAIN QUERY PLAN`` for the slowest, so a miss names its query and why.

    .venv/bin/python bench/opinions_dashboard.py --db /tmp/renda-bench-opinions-pipeline-xxxx/bench.sqlite3
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from _common import cleanup, emit, environment, loadavg, median, percentile

TARGET_S = 1.0


def _analyse(world: Any) -> None:
    from renda.insight.pipeline import analyse_congress

    analyse_congress(world.city)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opinions", type=int, default=1_000_000)
    parser.add_argument("--db", help="an analysed database kept by opinions_pipeline.py --keep")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    import opinions_data

    try:
        world, setup = opinions_data.open_world(
            "opinions-dashboard", db=args.db, count=args.opinions, prepare=_analyse, prepare_key="pipeline_s"
        )
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from renda.insight import topics
        from renda.opinions import dashboard
        from renda.opinions.models import Opinion

        city = world.city
        client = Client()
        client.force_login(world.leader, backend="renda.accounts.backends.UsernameOrPhoneBackend")
        url = reverse("opinions:dashboard")

        def timed(action: Any) -> list[float]:
            action()
            samples = []
            for _ in range(args.reps):
                started = time.perf_counter()
                action()
                samples.append(time.perf_counter() - started)
            return samples

        load_start = loadavg()
        results: dict[str, list[float]] = {
            "baseline COUNT(*)": timed(lambda: Opinion.objects.filter(congress=city).count()),
            "topics.hot_topics": timed(lambda: topics.hot_topics(city)),
            "dashboard.build_dashboard": timed(lambda: dashboard.build_dashboard(city)),
        }
        status: list[int] = []
        results["GET /opinions/dashboard/ (leader, kept counts)"] = timed(
            lambda: status.append(client.get(url).status_code)
        )
        staff = Client()
        staff.force_login(world.staff, backend="renda.accounts.backends.UsernameOrPhoneBackend")
        results["GET /opinions/dashboard/?fresh=1 (staff, live recount)"] = timed(
            lambda: status.append(staff.get(url, {"fresh": "1"}).status_code)
        )
        assert set(status) == {200}, status

        # Each statement of one build_dashboard run, timed on its own.
        statements: list[tuple[float, str, Any]] = []

        def trace(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - started, sql, params))

        with connection.execute_wrapper(trace):
            dashboard.build_dashboard(city)
        statements.sort(key=lambda item: -item[0])
        slowest = []
        for seconds, sql, params in statements[:3]:
            plan = ""
            if connection.vendor == "sqlite" and sql.lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                    plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            slowest.append({"ms": round(seconds * 1000, 1), "sql": sql[:400], "plan": plan})

        figures = {name: (median(values), percentile(values, 95)) for name, values in results.items()}
        rows = [
            ("opinions", f"{world.count:,}"),
            *[(name, f"{seconds:.1f} s") for name, seconds in setup.items()],
            *[(name, f"median {m * 1000:.0f} ms, p95 {p * 1000:.0f} ms") for name, (m, p) in figures.items()],
            ("statements in one build_dashboard", str(len(statements))),
            *[
                (f"slowest statement {index + 1}", f"{row['ms']} ms: {row['plan'] or row['sql'][:120]}")
                for index, row in enumerate(slowest)
            ],
            ("load average (start / end)", f"{load_start} / {loadavg()}"),
        ]
        page_p95 = figures["GET /opinions/dashboard/ (leader, kept counts)"][1]
        verdicts = [
            f"{'PASS' if page_p95 < TARGET_S else 'FAIL'}: dashboard page p95 {page_p95 * 1000:.0f} ms over "
            f"{world.count:,} opinions (target < {TARGET_S * 1000:.0f} ms)"
        ]
        emit(
            "Opinions — dashboard",
            rows,
            verdicts,
            {
                "opinions": world.count,
                "reps": args.reps,
                "timings_ms": {
                    name: {"median": round(m * 1000, 1), "p95": round(p * 1000, 1)} for name, (m, p) in figures.items()
                },
                "statements": len(statements),
                "slowest": slowest,
                "setup": {name: round(seconds, 1) for name, seconds in setup.items()},
                "environment": environment(),
            },
        )
    finally:
        cleanup(args.keep)


if __name__ == "__main__":
    main()
