"""Target: a unit's to-do page with 10,000 open items, p95 under 200 ms server time.

Creates one unit with 10,000 open to-do items (a tenth of them overdue), logs
the unit head in with ``force_login``, and times ``GET /todo/`` (the first page
of the open list, with the four counts) and ``GET /todo/?status=overdue`` in
process. Baseline in the same run: anonymous GET of the login page.

    .venv/bin/python bench/todo_page.py
    .venv/bin/python bench/todo_page.py --items 2000 --requests 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _common import bootstrap, cleanup, emit, environment, loadavg, median, percentile

TARGET_P95_MS = 200.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    load_at_start = loadavg()
    bootstrap("todo")
    try:
        from django.test import Client
        from django.utils import timezone

        from renda.accounts.models import User
        from renda.core.models import TodoItem
        from renda.organizations.models import Congress, RoleAssignment, Unit

        city = Congress.objects.create(name="江城市人民代表大会", code="city", level="city")
        unit = Unit.objects.create(congress=city, name="市住房和城乡建设局", kind="government_department")
        head = User.objects.create(username="head", full_name="单位负责人")
        RoleAssignment.objects.create(user=head, congress=city, role="unit_head", unit=unit)
        now = timezone.now()
        TodoItem.objects.bulk_create(
            (
                TodoItem(
                    congress=city,
                    kind="bench.duty",
                    title=f"答复第 {index} 号代表建议",
                    assignee_unit=unit,
                    due_at=now + dt.timedelta(hours=(index % 2000) - 200),
                    url="/todo/",
                )
                for index in range(args.items)
            ),
            batch_size=2000,
        )
        client = Client()
        client.force_login(head, backend="renda.accounts.backends.UsernameOrPhoneBackend")
        anonymous = Client()
        timings: dict[str, list[float]] = {"/todo/": [], "/todo/?status=overdue": [], "/accounts/login/ (baseline)": []}
        for _ in range(10):
            client.get("/todo/")
            anonymous.get("/accounts/login/")
        for _ in range(args.requests):
            for path in ("/todo/", "/todo/?status=overdue"):
                started = time.perf_counter()
                response = client.get(path)
                timings[path].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            started = time.perf_counter()
            anonymous.get("/accounts/login/")
            timings["/accounts/login/ (baseline)"].append((time.perf_counter() - started) * 1000)
        from renda.core import todo

        overdue_count = todo.count_buckets(todo.todos_for(head)).overdue
        rows = []
        data: dict[str, object] = {"items": args.items, "overdue_items": overdue_count, "requests": args.requests}
        baseline_p50 = median(timings["/accounts/login/ (baseline)"])
        for path, values in timings.items():
            p50, p95 = median(values), percentile(values, 95)
            rows.append((f"{path} p50 / p95 (ms)", f"{p50:.1f} / {p95:.1f}"))
            data[path] = {
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "p50_vs_baseline": round(p50 / baseline_p50, 2),
            }
        worst = max(percentile(timings[path], 95) for path in ("/todo/", "/todo/?status=overdue"))
        verdict = "MET" if worst < TARGET_P95_MS else "MISSED"
        data["environment"] = {**environment(), "loadavg_at_start": load_at_start}
        data["target"] = f"p95 < {TARGET_P95_MS:.0f} ms"
        data["target_met"] = verdict == "MET"
        data["summary"] = (
            f"/todo/ with {args.items:,} open items: worst p95 {worst:.1f} ms; login page p50 {baseline_p50:.1f} ms"
        )
        emit(
            f"Unit to-do page with {args.items:,} open items",
            rows,
            [f"Target p95 < {TARGET_P95_MS:.0f} ms: {verdict} (worst p95 {worst:.1f} ms)"],
            data,
        )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
