"""Target: at least 100,000 ``add_working_days`` computations per second (small n) on this 2-core machine.

Sets up a throw-away database like the other scripts, creates a city congress
with two calendar adjustments (so the calendar measured is a per-congress one
with patched tables, not only the national one) and builds its calendar with
``WorkCalendar.for_congress``. Then it times ``calendar.add_working_days(start, n)``
over ``--calls`` pre-generated pairs: start dates drawn uniformly from
2024-01-01..2026-12-31, n uniformly from 1..20, fixed seed. Median of ``--runs``.

Baseline, same pairs, same loop, interleaved with the measured runs: plain
``start + timedelta(days=n)``. For scale, a naive day-by-day loop that asks
``chinese_calendar.is_workday`` for every day (what the precomputed tables
replace) is timed on the first ``--naive-calls`` pairs, and its answers are
checked against ``add_working_days``.

    .venv/bin/python bench/calendar_rate.py                  # 200,000 calls x 5 runs
    .venv/bin/python bench/calendar_rate.py --calls 20000 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import time

from _common import bootstrap, cleanup, emit, environment, loadavg, median

TARGET_PER_SECOND = 100_000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive-calls", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temp database")
    args = parser.parse_args()

    load_at_start = loadavg()
    bootstrap("calendar")
    try:
        import chinese_calendar

        from renda.core import calendar
        from renda.organizations.models import CalendarAdjustment, CalendarAdjustmentKind, Congress, CongressLevel

        city = Congress.objects.create(name="江城市人民代表大会", code="jiangcheng", level=CongressLevel.CITY)
        CalendarAdjustment.objects.create(
            congress=city, date=dt.date(2025, 5, 6), kind=CalendarAdjustmentKind.HOLIDAY, name="市庆"
        )
        CalendarAdjustment.objects.create(
            congress=city, date=dt.date(2026, 10, 8), kind=CalendarAdjustmentKind.WORKING_DAY, name="值班"
        )

        calendar.clear_calendar_cache()
        t0 = time.perf_counter()
        calendar.WorkCalendar()
        cold_national_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        work_calendar = calendar.WorkCalendar.for_congress(city)
        cold_congress_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(100):
            calendar.WorkCalendar.for_congress(city)
        warm_congress_ms = (time.perf_counter() - t0) * 1000 / 100

        rng = random.Random(args.seed)
        first = dt.date(2024, 1, 1).toordinal()
        span = dt.date(2026, 12, 31).toordinal() - first + 1
        pairs = [(dt.date.fromordinal(first + rng.randrange(span)), rng.randint(1, 20)) for _ in range(args.calls)]

        add_working_days = work_calendar.add_working_days
        timedelta = dt.timedelta

        def measured() -> None:
            for start, n in pairs:
                add_working_days(start, n)

        def baseline() -> None:
            for start, n in pairs:
                start + timedelta(days=n)

        def timed(fn) -> tuple[float, float]:
            gc.collect()
            c0 = time.process_time()
            t0 = time.perf_counter()
            fn()
            return time.perf_counter() - t0, time.process_time() - c0

        measured()  # warm-up
        measured_runs: list[tuple[float, float]] = []
        baseline_runs: list[tuple[float, float]] = []
        for _ in range(max(1, args.runs)):
            measured_runs.append(timed(measured))
            baseline_runs.append(timed(baseline))

        adjustments = work_calendar.adjustments

        def naive(start: dt.date, n: int) -> dt.date:
            day = start
            while n:
                day += timedelta(days=1)
                working = adjustments.get(day)
                if working is None:
                    # 2027 is past the package's data: weekdays, like the fallback.
                    working = (
                        chinese_calendar.is_workday(day) if calendar.package_covers(day.year) else day.weekday() < 5
                    )
                if working:
                    n -= 1
            return day

        sample = pairs[: args.naive_calls]
        t0 = time.perf_counter()
        naive_answers = [naive(start, n) for start, n in sample]
        naive_s = time.perf_counter() - t0
        mismatches = sum(
            add_working_days(start, n) != answer for (start, n), answer in zip(sample, naive_answers, strict=True)
        )

        n = args.calls
        rate = n / median([wall for wall, _cpu in measured_runs])
        baseline_rate = n / median([wall for wall, _cpu in baseline_runs])
        naive_rate = len(sample) / naive_s
        rows = [
            (
                "calls per run",
                f"{n:,} × {len(measured_runs)} runs (starts 2024-01-01..2026-12-31, n 1..20, seed {args.seed})",
            ),
            ("**add_working_days, median**", f"**{rate:,.0f} calls/s**"),
            ("runs (wall s)", ", ".join(f"{wall:.3f}" for wall, _cpu in measured_runs)),
            ("runs (CPU s)", ", ".join(f"{cpu:.3f}" for _wall, cpu in measured_runs)),
            ("baseline: date + timedelta, median", f"{baseline_rate:,.0f} calls/s"),
            ("ratio baseline / add_working_days", f"{baseline_rate / rate:.2f}x"),
            (
                "for scale: day-by-day chinese_calendar.is_workday",
                f"{naive_rate:,.0f} calls/s on {len(sample):,} calls",
            ),
            ("speed-up over day-by-day", f"{rate / naive_rate:,.0f}x"),
            ("answers differing from day-by-day", f"{mismatches}"),
            ("cold start: national tables", f"{cold_national_s * 1000:.1f} ms"),
            ("cold start: congress tables (1 query + patch)", f"{cold_congress_s * 1000:.1f} ms"),
            ("warm WorkCalendar.for_congress (query + cache hit)", f"{warm_congress_ms:.2f} ms"),
            ("load average start → end", f"{load_at_start} → {loadavg()}"),
        ]
        passed = rate >= TARGET_PER_SECOND and mismatches == 0
        verdicts = [
            f"{'PASS' if passed else 'FAIL'}: {rate:,.0f} add_working_days calls/s "
            f"(target ≥ {TARGET_PER_SECOND:,.0f}/s; {mismatches} wrong answers)"
        ]
        data = {
            "target_per_second": TARGET_PER_SECOND,
            "calls_per_run": n,
            "runs": len(measured_runs),
            "median_per_second": round(rate),
            "measured_wall_s": [round(wall, 4) for wall, _cpu in measured_runs],
            "measured_cpu_s": [round(cpu, 4) for _wall, cpu in measured_runs],
            "baseline_median_per_second": round(baseline_rate),
            "baseline_wall_s": [round(wall, 4) for wall, _cpu in baseline_runs],
            "ratio_baseline_over_measured": round(baseline_rate / rate, 2),
            "naive_per_second": round(naive_rate),
            "naive_calls": len(sample),
            "mismatches": mismatches,
            "cold_national_ms": round(cold_national_s * 1000, 1),
            "cold_congress_ms": round(cold_congress_s * 1000, 1),
            "warm_for_congress_ms": round(warm_congress_ms, 3),
            "load_at_start": load_at_start,
            "pass": passed,
            "target": f">= {TARGET_PER_SECOND:,.0f} add_working_days/s",
            "target_met": passed,
            "summary": f"add_working_days median {rate:,.0f}/s; baseline date+timedelta {baseline_rate:,.0f}/s ({baseline_rate / rate:.2f}x)",
            "environment": environment(),
        }
        emit("Calendar: add_working_days rate", rows, verdicts, data)
    finally:
        cleanup(args.keep)


if __name__ == "__main__":
    main()
