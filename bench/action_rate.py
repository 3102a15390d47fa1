"""Target: at least 500 actions per second, each with its audit event, on SQLite (file DB, WAL, as in settings).

Creates a congress, a unit and a staff administrator whose ``active_assignment``
is a ``staff_admin`` RoleAssignment (as ``ActiveRoleMiddleware`` would set it),
then calls ``renda.organizations.actions.unit_update`` ``--actions`` times,
alternating ``short_name`` so every call really changes the row. Each call is
one transaction: the unit UPDATE, the chain-head read/update and the audit
INSERT, committed together.

Baseline: the same number of plain ``Unit.save(update_fields=["short_name"])``
calls, each in its own ``transaction.atomic()``, with no permission check, no
validation and no audit event.

Action and baseline repetitions are interleaved; the medians are reported.

    .venv/bin/python bench/action_rate.py                 # 3000 actions x 3 repetitions
    .venv/bin/python bench/action_rate.py --actions 500 --reps 1
"""

from __future__ import annotations

import argparse
import gc
import time

from _common import bootstrap, cleanup, emit, environment, loadavg, median

TARGET_PER_SECOND = 500.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=3000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the temp database")
    args = parser.parse_args()
    n = args.actions

    load_at_start = loadavg()
    bootstrap("action")
    try:
        from django.conf import settings
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        from renda.accounts.models import User
        from renda.core.audit import RequestContext, set_request_context, verify_chain
        from renda.core.models import AuditEvent
        from renda.organizations.actions import unit_update
        from renda.organizations.models import Congress, CongressLevel, RoleAssignment, Unit, UnitKind
        from renda.organizations.roles import Role

        with connection.cursor() as cursor:
            journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]

        city = Congress.objects.create(
            name="江城市人民代表大会", short_name="江城市人大", code="jiangcheng", level=CongressLevel.CITY
        )
        district = Congress.objects.create(
            name="东湖区人民代表大会", short_name="东湖区人大", code="donghu", level=CongressLevel.DISTRICT, parent=city
        )
        unit = Unit.objects.create(
            congress=city, name="市住房和城乡建设局", short_name="住建局", kind=UnitKind.GOVERNMENT_DEPARTMENT
        )
        Unit.objects.create(congress=district, name="东湖区人民政府办公室", kind=UnitKind.GOVERNMENT_OFFICE)
        baseline_unit = Unit.objects.create(
            congress=city, name="市交通运输局", short_name="交通局", kind=UnitKind.GOVERNMENT_DEPARTMENT
        )
        admin = User.objects.create(username="admin", full_name="系统管理员")
        assignment = RoleAssignment.objects.create(user=admin, congress=city, role=Role.STAFF_ADMIN)
        actor = User.objects.get(pk=admin.pk)
        actor.active_assignment = RoleAssignment.objects.select_related("congress", "unit").get(pk=assignment.pk)
        # What ActiveRoleMiddleware publishes for a request: the role, the congress, the client IP.
        set_request_context(RequestContext(ip_address="10.0.0.8", acting_role=Role.STAFF_ADMIN, congress_id=city.pk))

        unit = Unit.objects.get(pk=unit.pk)
        baseline_unit = Unit.objects.get(pk=baseline_unit.pk)
        names = ("住建局", "住房城建局")
        counter = {"action": 0, "plain": 0}

        def one_action() -> None:
            counter["action"] += 1
            unit_update(
                actor=actor,
                unit=unit,
                name=unit.name,
                short_name=names[counter["action"] % 2],
                kind=unit.kind,
                parent=None,
                is_active=True,
            )

        def one_plain_save() -> None:
            counter["plain"] += 1
            with transaction.atomic():
                baseline_unit.short_name = names[counter["plain"] % 2]
                baseline_unit.save(update_fields=["short_name"])

        def run(fn, count: int) -> tuple[float, float]:
            gc.collect()
            c0 = time.process_time()
            t0 = time.perf_counter()
            for _ in range(count):
                fn()
            return time.perf_counter() - t0, time.process_time() - c0

        for _ in range(args.warmup):
            one_action()
            one_plain_save()

        # Queries per call, for the analysis (one extra call each, not timed).
        with CaptureQueriesContext(connection) as captured:
            one_action()
        action_queries = [q["sql"] for q in captured.captured_queries]
        with CaptureQueriesContext(connection) as captured:
            one_plain_save()
        plain_queries = [q["sql"] for q in captured.captured_queries]

        action_runs: list[tuple[float, float]] = []
        plain_runs: list[tuple[float, float]] = []
        for _ in range(max(1, args.reps)):
            action_runs.append(run(one_action, n))
            plain_runs.append(run(one_plain_save, n))

        events = AuditEvent.objects.count()
        report = verify_chain()
        assert report.ok and report.checked == events, report
        assert events == counter["action"], (events, counter)
        with connection.cursor() as cursor:
            page_count = cursor.execute("PRAGMA page_count").fetchone()[0]

        action_rates = [n / wall for wall, _cpu in action_runs]
        plain_rates = [n / wall for wall, _cpu in plain_runs]
        action_rate = median(action_rates)
        plain_rate = median(plain_rates)
        action_ms = 1000 / action_rate
        plain_ms = 1000 / plain_rate
        passed = action_rate >= TARGET_PER_SECOND
        data = {
            "benchmark": "action_rate",
            "action": "renda.organizations.actions.unit_update",
            "actions_per_rep": n,
            "reps": len(action_runs),
            "sqlite_journal_mode": journal_mode,
            "sqlite_synchronous": synchronous,
            "transaction_mode": settings.DATABASES["default"]["OPTIONS"].get("transaction_mode"),
            "action_rates_per_s": [round(x, 1) for x in action_rates],
            "action_median_per_s": round(action_rate, 1),
            "action_median_ms": round(action_ms, 3),
            "action_cpu_s": [round(cpu, 2) for _wall, cpu in action_runs],
            "action_per_cpu_second_median": round(median([n / cpu for _wall, cpu in action_runs]), 1),
            "baseline_plain_save_rates_per_s": [round(x, 1) for x in plain_rates],
            "baseline_plain_save_median_per_s": round(plain_rate, 1),
            "baseline_plain_save_median_ms": round(plain_ms, 3),
            "baseline_cpu_s": [round(cpu, 2) for _wall, cpu in plain_runs],
            "baseline_per_cpu_second_median": round(median([n / cpu for _wall, cpu in plain_runs]), 1),
            "ratio_baseline_to_action": round(plain_rate / action_rate, 2),
            "queries_per_action": len(action_queries),
            "queries_per_plain_save": len(plain_queries),
            "action_queries": action_queries,
            "audit_events_written": events,
            "chain_verified": report.ok,
            "db_pages": page_count,
            "target": f">= {TARGET_PER_SECOND:.0f} actions/s",
            "target_met": passed,
            "loadavg_at_start": load_at_start,
            "environment": environment(),
        }
        rows = [
            (
                "SQLite",
                f"journal_mode={journal_mode}, synchronous={synchronous} (1 = NORMAL), BEGIN {data['transaction_mode']}",
            ),
            ("actions per repetition", f"{n:,} × {len(action_runs)} reps (after {args.warmup} warm-up)"),
            ("unit_update rates", ", ".join(f"{x:,.0f}/s" for x in action_rates)),
            ("**unit_update median**", f"**{action_rate:,.0f} actions/s ({action_ms:.2f} ms each)**"),
            ("baseline: plain save in atomic", ", ".join(f"{x:,.0f}/s" for x in plain_rates)),
            ("baseline median", f"{plain_rate:,.0f} saves/s ({plain_ms:.2f} ms each)"),
            ("ratio baseline / action", f"{plain_rate / action_rate:.2f}x"),
            (
                "process CPU s per rep: action / baseline",
                f"{', '.join(f'{c:.2f}' for _w, c in action_runs)} / {', '.join(f'{c:.2f}' for _w, c in plain_runs)}",
            ),
            (
                "per CPU-second (idle-core ceiling): action / baseline",
                f"{data['action_per_cpu_second_median']:,.0f}/s / {data['baseline_per_cpu_second_median']:,.0f}/s",
            ),
            ("SQL statements per call: action / baseline", f"{len(action_queries)} / {len(plain_queries)}"),
            ("audit events written, chain verified", f"{events:,}, {'ok' if report.ok else 'BROKEN'}"),
            ("load average start → end", f"{load_at_start} → {loadavg()}"),
        ]
        verdicts = [f"Target >= {TARGET_PER_SECOND:.0f} actions/s on SQLite: {'PASS' if passed else 'FAIL'}"]
        emit("action_rate", rows, verdicts, data)
    finally:
        cleanup(keep=args.keep)


if __name__ == "__main__":
    main()
