"""Chinese full-text search over N opinions (default 1,000,000): p95 < 300 ms, one- and two-character queries too.

Data: either ``--db PATH`` (the database kept by ``opinions_pipeline.py --keep``: analysed and
indexed) or, by default, ``opinions_data.build(N)`` indexed here with ``search.reindex()``.

Measured per query (``--reps`` times each, after one warm-up), as the committee staff of the city
(who may read every opinion of it):

- **search**: what the page does — ``search.search(opinions_visible_to(staff), q)``, then the
  paginator's ``count()`` and the first 20 rows;
- **page**: ``GET /opinions/search/?q=…`` through Django's test client (session, role middleware,
  template), the whole request;
- **baseline**: the same count + first 20 with ``text LIKE '%q%'`` on the visible opinions (no index).

Queries: one character (common and rare), two characters, longer words, two words, no match.

    .venv/bin/python bench/opinions_search.py --opinions 100000
    .venv/bin/python bench/opinions_search.py --db /tmp/renda-bench-opinions-pipeline-xxxx/bench.sqlite3
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from _common import cleanup, emit, environment, loadavg, median, percentile

TARGET_P95_MS = 300.0
QUERIES = ["灯", "梯", "蚊", "路灯", "噪音", "电梯", "积水", "加装电梯", "幸福东路12号", "路灯 晚上", "火星基地"]


def _reindex(world: Any) -> None:
    from renda.opinions import search

    search.reindex()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opinions", type=int, default=1_000_000)
    parser.add_argument("--db", help="an analysed database kept by opinions_pipeline.py --keep")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    import opinions_data

    try:
        world, setup = opinions_data.open_world(
            "opinions-search", db=args.db, count=args.opinions, prepare=_reindex, prepare_key="index_s"
        )
        from django.db.models import QuerySet
        from django.test import Client
        from django.urls import reverse

        from renda.opinions import search
        from renda.opinions.models import Opinion
        from renda.opinions.permissions import opinions_visible_to

        staff = world.staff
        staff.active_assignment = staff.role_assignments.get()
        visible = opinions_visible_to(staff)
        client = Client()
        client.force_login(staff, backend="renda.accounts.backends.UsernameOrPhoneBackend")
        url = reverse("opinions:search")

        def first_page(found: QuerySet[Opinion]) -> tuple[int, int]:
            return found.count(), len(list(found[:20]))

        def timed(action: Any) -> tuple[list[float], Any]:
            action()  # warm-up
            samples = []
            result = None
            for _ in range(args.reps):
                started = time.perf_counter()
                result = action()
                samples.append((time.perf_counter() - started) * 1000)
            return samples, result

        load_start = loadavg()
        per_query: dict[str, dict[str, Any]] = {}
        all_search: list[float] = []
        all_page: list[float] = []
        all_baseline: list[float] = []
        for query in QUERIES:
            search_ms, (count, shown) = timed(lambda q=query: first_page(search.search(visible, q)))
            page_ms, response = timed(lambda q=query: client.get(url, {"q": q}))
            assert response.status_code == 200, (query, response.status_code)

            def like(q: str = query) -> tuple[int, int]:
                found = visible
                for word in q.split():
                    found = found.filter(text__contains=word)
                return first_page(found.order_by("-pk"))

            baseline_ms, (like_count, _) = timed(like)
            # The index is exact: a substring search finds the same opinions as LIKE.
            assert count == like_count, (query, count, like_count)
            per_query[query] = {
                "matches": count,
                "shown": shown,
                "search_median_ms": round(median(search_ms), 1),
                "search_p95_ms": round(percentile(search_ms, 95), 1),
                "page_median_ms": round(median(page_ms), 1),
                "page_p95_ms": round(percentile(page_ms, 95), 1),
                "like_median_ms": round(median(baseline_ms), 1),
            }
            all_search += search_ms
            all_page += page_ms
            all_baseline += baseline_ms
            print(query, per_query[query], file=sys.stderr)
        n = world.count
        search_p95 = percentile(all_search, 95)
        page_p95 = percentile(all_page, 95)
        rows = [
            ("opinions", f"{n:,}"),
            *[(name, f"{seconds:.1f} s") for name, seconds in setup.items()],
            ("search (count + first 20) p95 over all queries", f"{search_p95:.1f} ms"),
            ("page GET /opinions/search/ p95 over all queries", f"{page_p95:.1f} ms"),
            ("baseline LIKE scan p95 over all queries", f"{percentile(all_baseline, 95):.1f} ms"),
            *[
                (
                    f"“{query}” ({row['matches']:,} matches)",
                    f"search {row['search_median_ms']} / page {row['page_median_ms']} / LIKE {row['like_median_ms']} ms (medians)",
                )
                for query, row in per_query.items()
            ],
            ("load average (start / end)", f"{load_start} / {loadavg()}"),
        ]
        worst = max(search_p95, page_p95)
        verdicts = [
            f"{'PASS' if worst < TARGET_P95_MS else 'FAIL'}: search p95 {search_p95:.1f} ms, whole page p95 "
            f"{page_p95:.1f} ms, incl. 1- and 2-character queries (target < {TARGET_P95_MS:.0f} ms)"
        ]
        emit(
            "Opinions — Chinese full-text search",
            rows,
            verdicts,
            {
                "opinions": n,
                "reps": args.reps,
                "search_p95_ms": round(search_p95, 1),
                "page_p95_ms": round(page_p95, 1),
                "like_p95_ms": round(percentile(all_baseline, 95), 1),
                "queries": per_query,
                "setup": {name: round(seconds, 1) for name, seconds in setup.items()},
                "environment": environment(),
            },
        )
    finally:
        cleanup(args.keep)


if __name__ == "__main__":
    main()
