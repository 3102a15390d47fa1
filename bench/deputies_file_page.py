"""Target of issue #5: a deputy's file page (履职档案) answers with a p95 under 200 ms.

Data: the same city as ``deputies_scores.py`` — N deputies (default 10,000) and M duty entries
(default 1,000,000, about 100 per deputy over two years) written with raw ``executemany``.

Measured: ``GET /deputies/files/<id>/`` through Django's test client (the whole view, permission
checks, the per-kind counts, the timeline and the template) as the committee staff, for
``--requests`` deputies drawn at random, plus the busiest deputy's file; and the deputy's own
``GET /deputies/me/``. Baseline in the same run: the home page (``GET /``) for the same client,
which renders the same layout with no file behind it.

    .venv/bin/python bench/deputies_file_page.py
    .venv/bin/python bench/deputies_file_page.py --deputies 1000 --entries 100000 --requests 100
"""

from __future__ import annotations

import argparse
import random
import time

from _common import bootstrap, cleanup, emit, environment, loadavg, median, percentile

TARGET_MS = 200.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deputies", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    load_at_start = loadavg()
    bootstrap("deputies-file")
    try:
        from deputies_scores import build
        from django.db.models import Count
        from django.test import Client

        from renda.deputies.models import DeputyProfile, DutyEntry
        from renda.organizations.models import RoleAssignment

        started = time.perf_counter()
        city, staff = build(args.deputies, args.entries)
        build_s = time.perf_counter() - started
        profiles = list(DeputyProfile.objects.values_list("pk", flat=True))
        busiest = (
            DutyEntry.objects.values("profile_id").annotate(n=Count("pk")).order_by("-n").values_list("profile_id", "n")
        )[0]
        rng = random.Random(11)
        sample = rng.sample(profiles, min(args.requests, len(profiles)))

        client = Client()
        client.force_login(staff)  # type: ignore[arg-type]
        deputy_user = DeputyProfile.objects.get(pk=busiest[0]).user
        RoleAssignment.objects.get_or_create(user=deputy_user, congress=city, role="deputy")  # type: ignore[misc]
        deputy_client = Client()
        deputy_client.force_login(deputy_user)

        def timed(get_client: Client, url: str) -> float:
            began = time.perf_counter()
            response = get_client.get(url)
            elapsed = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, (url, response.status_code)
            return elapsed

        for url in ("/", f"/deputies/files/{sample[0]}/"):  # warm caches and templates
            timed(client, url)
        baseline = [timed(client, "/") for _ in range(len(sample))]
        files = [timed(client, f"/deputies/files/{profile_id}/") for profile_id in sample]
        heavy = [timed(client, f"/deputies/files/{busiest[0]}/") for _ in range(20)]
        own = [timed(deputy_client, "/deputies/me/") for _ in range(20)]
        p95 = percentile(files, 95)
        rows = [
            ("deputies / entries", f"{args.deputies:,} / {args.entries:,}"),
            ("build (raw bulk inserts)", f"{build_s:.1f} s"),
            ("baseline: home page, median / p95", f"{median(baseline):.1f} / {percentile(baseline, 95):.1f} ms"),
            ("file page (staff, random deputies), median / p95", f"{median(files):.1f} / {p95:.1f} ms"),
            (
                f"busiest deputy's file ({busiest[1]} entries), median / p95",
                f"{median(heavy):.1f} / {percentile(heavy, 95):.1f} ms",
            ),
            ("own file (deputy, /deputies/me/), median / p95", f"{median(own):.1f} / {percentile(own, 95):.1f} ms"),
            ("file p95 / home p95", f"{p95 / max(percentile(baseline, 95), 1e-9):.1f}×"),
        ]
        verdicts = [
            f"Deputy file page p95 < {TARGET_MS:.0f} ms: {'MET' if p95 < TARGET_MS else 'MISSED'} ({p95:.1f} ms; "
            f"busiest file p95 {percentile(heavy, 95):.1f} ms)"
        ]
        data = {
            "deputies": args.deputies,
            "entries": args.entries,
            "build_s": round(build_s, 2),
            "baseline_ms": [round(value, 2) for value in baseline],
            "file_ms": [round(value, 2) for value in files],
            "busiest_ms": [round(value, 2) for value in heavy],
            "own_ms": [round(value, 2) for value in own],
            "environment": {**environment(), "loadavg_at_start": load_at_start},
        }
        emit(f"Deputy file page: {args.deputies:,} deputies, {args.entries:,} entries", rows, verdicts, data)
    finally:
        cleanup(keep=args.keep)


if __name__ == "__main__":
    main()
