"""One new opinion routed: ``renda.insight.routing.analyse`` (tokenize + classify + store) under 50 ms.

Data: a congress with 2,000 triaged synthetic opinions (``renda.insight.labelled.training_set``) and an
active model trained on them (``routing.train``: held-out split, three targets); then N (default 500)
new opinions from the labelled set's wordings, each analysed once (the ``OpinionAnalysis`` row is
written). Baseline in the same run: ``tokenize`` alone on the same texts.

    .venv/bin/python bench/opinion_route_one.py
    .venv/bin/python bench/opinion_route_one.py --calls 100
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _common import bootstrap, cleanup, emit, environment, loadavg, median, percentile

TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--history", type=int, default=2000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    bootstrap("route-one")
    try:
        from django.utils import timezone

        from renda.insight import labelled, routing, tokens
        from renda.opinions.models import Opinion, Source
        from renda.organizations.models import Congress, Unit

        city = Congress.objects.create(name="江城市人民代表大会", short_name="江城市人大", code="bench", level="city")
        units = {
            name: Unit.objects.create(congress=city, name=name, kind="government_department")
            for name in sorted({topic.unit for topic in labelled.phrases.SUBTOPICS})
        }
        now = timezone.now()
        Opinion.objects.bulk_create(
            Opinion(
                congress=city,
                source=Source.PORTAL,
                text=row.text,
                category=row.category,
                level=row.level,
                unit=units[row.unit],
                triaged_at=now,
                received_at=now - dt.timedelta(minutes=index),
            )
            for index, row in enumerate(labelled.training_set(args.history, 7))
        )
        started = time.perf_counter()
        run = routing.train(city)
        train_seconds = time.perf_counter() - started
        texts = [row.text for row in labelled.load_labelled()][: args.calls]
        new = Opinion.objects.bulk_create(
            Opinion(congress=city, source=Source.PORTAL, text=text, received_at=now) for text in texts
        )
        tokens.tokenize("预热", city.pk)
        routing.analyse(new[0])  # loads the model into the per-process cache

        baseline: list[float] = []
        for text in texts:
            started = time.perf_counter()
            tokens.tokenize(text, city.pk)
            baseline.append((time.perf_counter() - started) * 1000)
        suggest_only: list[float] = []
        for text in texts:
            started = time.perf_counter()
            routing.suggest(city, text)
            suggest_only.append((time.perf_counter() - started) * 1000)
        timings: list[float] = []
        for opinion in new:
            started = time.perf_counter()
            routing.analyse(opinion)
            timings.append((time.perf_counter() - started) * 1000)

        p50, p95 = median(timings), percentile(timings, 95)
        b50, b95 = median(baseline), percentile(baseline, 95)
        emit(
            "One opinion routed (analyse: tokenize + classify + store)",
            [
                ("calls", str(len(timings))),
                ("model", f"v{run.model.version}, trained on {run.model.training_size} in {train_seconds:.1f} s"),
                ("analyse median / p95", f"{p50:.2f} ms / {p95:.2f} ms"),
                (
                    "suggest only (no store) median / p95",
                    f"{median(suggest_only):.2f} ms / {percentile(suggest_only, 95):.2f} ms",
                ),
                ("baseline tokenize median / p95", f"{b50:.3f} ms / {b95:.3f} ms"),
                ("load average", loadavg()),
            ],
            [f"{'PASS' if p95 < TARGET_MS else 'FAIL'}: p95 {p95:.2f} ms (target < {TARGET_MS:.0f} ms)"],
            {
                "calls": len(timings),
                "analyse_ms": {"median": p50, "p95": p95},
                "suggest_ms": {"median": median(suggest_only), "p95": percentile(suggest_only, 95)},
                "tokenize_ms": {"median": b50, "p95": b95},
                "train_seconds": train_seconds,
                "environment": environment(),
            },
        )
    finally:
        cleanup(args.keep)


if __name__ == "__main__":
    main()
