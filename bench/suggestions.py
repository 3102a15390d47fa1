"""Targets of issue #4 with N suggestions (default 100,000) and their replies, on SQLite:

- the statistics of a year: under 1 s (``stats.compute``, and the stats page as a whole);
- a unit's queue (``GET /suggestions/unit/``): p95 under 200 ms;
- a full-text search (``GET /suggestions/search/?q=…``, staff scope): p95 under 300 ms;
- Excel export of the whole year (``GET /suggestions/ledger/export.xlsx``): under 30 s, with Python
  memory (tracemalloc peak) flat: the peak at N rows is compared with the peak at N/10 rows.

Baseline in the same run: the login page, anonymous. Requests run in process with django.test.Client.

    .venv/bin/python bench/suggestions.py
    .venv/bin/python bench/suggestions.py --items 10000 --requests 30
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from _common import bootstrap, cleanup, emit, environment, loadavg, median, percentile

TARGET_STATS_S = 1.0
TARGET_QUEUE_P95_MS = 200.0
TARGET_SEARCH_P95_MS = 300.0
TARGET_EXPORT_S = 30.0
QUERIES = ["电梯", "老旧小区 加装电梯", "公交线路", "养老服务", "农田", "营商环境", "心理健康", "停车"]


def _timed_get(client, path: str) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed, response


def _export(client, year: int, *, trace: bool) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Seconds to produce and read the whole file, and (when traced, which is much slower) the peak bytes."""
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/suggestions/ledger/export.xlsx?year={year}")
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    peak = 0
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 200 and size > 0
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    load_at_start = loadavg()
    bootstrap("suggestions")
    try:
        import suggestions_data
        from django.test import Client

        from renda.suggestions import stats
        from renda.suggestions.models import Suggestion

        started = time.perf_counter()
        world = suggestions_data.build(args.items)
        build_s = time.perf_counter() - started
        staff, head = Client(), Client()
        staff.force_login(world.staff)
        head.force_login(world.head)
        anonymous = Client()

        # Statistics of the year: the computation alone, and the whole page.
        scope = stats.Scope(congress=world.city, year=world.year)
        stats.compute(scope)
        compute_s = []
        for _ in range(5):
            began = time.perf_counter()
            stats.compute(scope)
            compute_s.append(time.perf_counter() - began)
        page_ms = [_timed_get(staff, f"/suggestions/stats/?year={world.year}")[0] for _ in range(5)]

        timings: dict[str, list[float]] = {
            "unit queue": [],
            "unit queue, overdue tab": [],
            "search": [],
            "baseline": [],
        }
        for _ in range(5):
            head.get("/suggestions/unit/")
            staff.get("/suggestions/search/?q=电梯")
            anonymous.get("/accounts/login/")
        for index in range(args.requests):
            timings["unit queue"].append(_timed_get(head, "/suggestions/unit/")[0])
            timings["unit queue, overdue tab"].append(_timed_get(head, "/suggestions/unit/?tab=overdue")[0])
            query = QUERIES[index % len(QUERIES)]
            timings["search"].append(_timed_get(staff, f"/suggestions/search/?q={query}")[0])
            began = time.perf_counter()
            anonymous.get("/accounts/login/")
            timings["baseline"].append((time.perf_counter() - began) * 1000)

        # Export: the whole year, and a tenth of it, to see whether memory grows with the rows.
        small_year_rows = max(1, args.items // 10)
        export_s, _untraced = _export(staff, world.year, trace=False)
        _traced_s, export_peak = _export(staff, world.year, trace=True)
        cutoff = Suggestion.objects.order_by("pk").values_list("pk", flat=True)[small_year_rows]
        Suggestion.objects.filter(pk__gte=cutoff).update(year=world.year - 1)
        _small_s, small_peak = _export(staff, world.year, trace=True)
        Suggestion.objects.filter(year=world.year - 1).update(year=world.year)

        baseline = median(timings["baseline"])
        rows = [
            ("items (with replies, assignments, search entries)", f"{args.items:,} (built in {build_s:.0f} s)"),
            ("stats.compute of the year, median / max (s)", f"{median(compute_s):.3f} / {max(compute_s):.3f}"),
            ("stats page, median (ms)", f"{median(page_ms):.0f}"),
        ]
        data: dict[str, object] = {
            "items": args.items,
            "requests": args.requests,
            "stats_compute_s": {"median": round(median(compute_s), 3), "max": round(max(compute_s), 3)},
            "stats_page_ms_median": round(median(page_ms), 1),
        }
        for name, values in timings.items():
            p50, p95 = median(values), percentile(values, 95)
            rows.append((f"{name} p50 / p95 (ms)", f"{p50:.1f} / {p95:.1f}"))
            data[name] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "p50_vs_baseline": round(p50 / baseline, 1)}
        rows.append(("ledger export of the year (s)", f"{export_s:.1f}"))
        rows.append(
            (
                "export tracemalloc peak: full year / a tenth (MB)",
                f"{export_peak / 1e6:.1f} / {small_peak / 1e6:.1f} ({small_year_rows:,} rows)",
            )
        )
        data["export"] = {
            "seconds": round(export_s, 2),
            "peak_mb": round(export_peak / 1e6, 2),
            "tenth_rows": small_year_rows,
            "tenth_peak_mb": round(small_peak / 1e6, 2),
            "peak_ratio_full_vs_tenth": round(export_peak / max(small_peak, 1), 2),
        }
        queue_p95 = max(percentile(timings["unit queue"], 95), percentile(timings["unit queue, overdue tab"], 95))
        search_p95 = percentile(timings["search"], 95)
        flat = export_peak < 2 * small_peak
        verdicts = [
            f"Statistics of a year < {TARGET_STATS_S:.0f} s: {'MET' if max(compute_s) < TARGET_STATS_S else 'MISSED'}"
            f" (max {max(compute_s):.3f} s; whole page median {median(page_ms):.0f} ms)",
            f"Unit queue p95 < {TARGET_QUEUE_P95_MS:.0f} ms: {'MET' if queue_p95 < TARGET_QUEUE_P95_MS else 'MISSED'}"
            f" ({queue_p95:.1f} ms)",
            f"Search p95 < {TARGET_SEARCH_P95_MS:.0f} ms: {'MET' if search_p95 < TARGET_SEARCH_P95_MS else 'MISSED'}"
            f" ({search_p95:.1f} ms)",
            f"Export < {TARGET_EXPORT_S:.0f} s with flat memory: "
            f"{'MET' if export_s < TARGET_EXPORT_S and flat else 'MISSED'}"
            f" ({export_s:.1f} s; peak {export_peak / 1e6:.1f} MB vs {small_peak / 1e6:.1f} MB at a tenth of the rows)",
        ]
        data["environment"] = {**environment(), "loadavg_at_start": load_at_start}
        data["targets_met"] = all("MET" in verdict and "MISSED" not in verdict for verdict in verdicts)
        emit(f"Suggestions with {args.items:,} items", rows, verdicts, data)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
