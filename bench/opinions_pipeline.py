"""The whole analysis of N opinions (default 1,000,000) on SQLite, and one new opinion routed and clustered.

Targets (issue #6): the whole analysis of 1,000,000 opinions in under 5 minutes (tokenize, classify,
assign to near-duplicate clusters, store, index for search); one new opinion routed and clustered in
under 50 ms.

Data: ``opinions_data.build(N)`` (raw executemany; realistic Chinese with repeats and spikes). A
routing model is trained first on a 20,000-row triaged sample (``routing.train``), so the pipeline
classifies with the model (the slower path), not with keyword rules.

Measured, same run, same data:

- **pipeline**: ``renda.insight.pipeline.analyse_congress(city)`` over all N opinions, wall clock,
  with its per-stage timings (one run: it is the 5-minute measurement);
- **one new opinion**: ``api_hooks.on_opinion_received`` (analyse + cluster assign + search index)
  for ``--new`` opinions inserted after the pipeline (ORM ``create``, then the hook, each in its own
  transaction), median and p95; baseline: ``tokens.tokenize`` of the same texts;
- **component baselines** on a ``--sample`` of the same texts (docs/s): rjieba ``cut`` alone;
  the routing vectorizer + classifier (``routing.predict``); datasketch MinHash(128) + LSH insert and
  query over character 3-grams; raw ``executemany`` vs Django ``bulk_create`` of ``OpinionAnalysis``
  rows (rolled back).

    .venv/bin/python bench/opinions_pipeline.py                       # 1,000,000 (several minutes)
    .venv/bin/python bench/opinions_pipeline.py --opinions 50000 --keep
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from _common import bootstrap, cleanup, emit, environment, loadavg, median, percentile

TARGET_PIPELINE_S = 300.0
TARGET_ONE_MS = 50.0


def baselines(texts: list[str], tokens: list[list[str]], congress_id: int) -> dict[str, float]:
    """Docs (or rows) per second of each component alone, on the same texts."""
    import rjieba
    from django.db import connection, transaction
    from django.utils import timezone

    from renda.insight import routing
    from renda.insight.models import OpinionAnalysis
    from renda.opinions.models import Opinion

    rates: dict[str, float] = {}
    n = len(texts)
    started = time.perf_counter()
    for text in texts:
        rjieba.cut(text)
    rates["rjieba_cut"] = n / (time.perf_counter() - started)

    model = routing.active_model(congress_id)
    if model is not None:
        classifiers = routing._classifiers(model[0])
        documents = [routing.document(row) for row in tokens]
        started = time.perf_counter()
        routing.predict(classifiers, documents)
        rates["vectorizer_classifier"] = n / (time.perf_counter() - started)

    sample = texts[: min(n, 20_000)]
    try:
        from datasketch import MinHash, MinHashLSH

        started = time.perf_counter()
        lsh = MinHashLSH(threshold=0.5, num_perm=128)
        for index, text in enumerate(sample):
            sketch = MinHash(num_perm=128)
            sketch.update_batch([text[i : i + 3].encode() for i in range(max(1, len(text) - 2))])
            lsh.query(sketch)
            lsh.insert(str(index), sketch)
        rates["datasketch_minhash_lsh"] = len(sample) / (time.perf_counter() - started)
    except ImportError:  # pragma: no cover - datasketch is in requirements.txt
        pass

    ids = list(Opinion.objects.order_by("pk").values_list("pk", flat=True)[: min(n, 50_000)])
    now = timezone.now()
    table = connection.ops.quote_name(OpinionAnalysis._meta.db_table)
    sql = (
        f"INSERT INTO {table} (opinion_id, tokens, suggested_category, suggested_level, suggested_unit_id, "
        "confidence, model_version, analysed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            OpinionAnalysis.objects.filter(opinion_id__in=ids[:1]).exists()
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.executemany(sql, [(pk, "路灯 坏", "urban", "L1", None, 0.5, 0, stamp) for pk in ids])
            rates["raw_executemany_rows"] = len(ids) / (time.perf_counter() - started)
            raise Rollback
    except Rollback:
        pass
    try:
        with transaction.atomic():
            started = time.perf_counter()
            OpinionAnalysis.objects.bulk_create(
                [
                    OpinionAnalysis(opinion_id=pk, tokens="路灯 坏", suggested_category="urban", analysed_at=now)
                    for pk in ids
                ],
                batch_size=1000,
            )
            rates["django_bulk_create_rows"] = len(ids) / (time.perf_counter() - started)
            raise Rollback
    except Rollback:
        pass
    return rates


def one_new_opinion(world: Any, count: int, seed: int = 60) -> dict[str, Any]:
    import random

    from django.db import transaction
    from django.utils import timezone
    from opinions_data import FILLER
    from opinions_data import texts as make_texts

    from renda.insight.api_hooks import on_opinion_received
    from renda.insight.tokens import tokenize
    from renda.opinions import search
    from renda.opinions.models import Opinion

    rng = random.Random(seed)
    # Half new problems, half another report of a problem received in the last 20 days (it joins a cluster).
    fresh = make_texts(count - count // 2, seed, world.now, len(world.districts))
    recent = list(
        Opinion.objects.filter(received_at__gte=world.now - dt.timedelta(days=20))
        .order_by("?")
        .values_list("text", "address", "area_id")[: count // 2]
    )
    district_index = {district.pk: index for index, district in enumerate(world.districts)}
    repeats = [
        (text.rsplit("，", 1)[0] + "，" + rng.choice(FILLER), address, "", "", 0, district_index[area], world.now)
        for text, address, area in recent
    ]
    samples = fresh + repeats
    rng.shuffle(samples)
    hook_ms: list[float] = []
    index_ms: list[float] = []
    tokenize_ms: list[float] = []
    for text, address, _topic, _level, _unit, district, _moment in samples:
        with transaction.atomic():
            opinion = Opinion.objects.create(
                congress=world.city,
                source="portal",
                text=text,
                address=address,
                area=world.districts[district],
                received_at=timezone.now() - dt.timedelta(minutes=rng.uniform(0, 60)),
            )
            started = time.perf_counter()
            on_opinion_received(opinion)
            hook_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            search.index_opinion(opinion)  # again (an upsert): this part's share of the hook
            index_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        tokenize(text, world.city.pk)
        tokenize_ms.append((time.perf_counter() - started) * 1000)
    clustered = Opinion.objects.filter(pk__gte=opinion.pk - len(samples) + 1, cluster__isnull=False).count()
    return {
        "count": len(samples),
        "hook_median_ms": round(median(hook_ms), 2),
        "hook_p95_ms": round(percentile(hook_ms, 95), 2),
        "index_median_ms": round(median(index_ms), 3),
        "index_p95_ms": round(percentile(index_ms, 95), 3),
        "tokenize_median_ms": round(median(tokenize_ms), 3),
        "tokenize_p95_ms": round(percentile(tokenize_ms, 95), 3),
        "joined_a_cluster": clustered,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opinions", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=None, help="tokenizing worker processes (default: 1 on 2 cores)")
    parser.add_argument("--sample", type=int, default=100_000, help="docs for the component baselines")
    parser.add_argument("--new", type=int, default=300, help="new opinions through on_opinion_received")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument(
        "--keep", action="store_true", help="keep the analysed database (for the search/dashboard benches)"
    )
    args = parser.parse_args()
    db_path = bootstrap("opinions-pipeline")
    try:
        import opinions_data

        from renda.insight import routing
        from renda.insight.models import Cluster, OpinionAnalysis
        from renda.insight.pipeline import analyse_congress
        from renda.insight.tokens import tokenize
        from renda.opinions import search
        from renda.opinions.models import Opinion

        load_start = loadavg()
        started = time.perf_counter()
        world = opinions_data.build(args.opinions)
        generate_s = time.perf_counter() - started

        started = time.perf_counter()
        run = routing.train(world.city)
        train_s = time.perf_counter() - started
        category_accuracy = run.model.accuracy.get("category", {}).get("accuracy")

        rates: dict[str, float] = {}
        if not args.skip_baselines:
            sample = list(Opinion.objects.order_by("?").values_list("text", flat=True)[: args.sample])
            sample_tokens = [tokenize(text, world.city.pk) for text in sample]
            rates = baselines(sample, sample_tokens, world.city.pk)

        load_before = loadavg()
        report = analyse_congress(world.city, chunk_size=args.chunk, workers=args.workers)
        load_after = loadavg()
        pipeline_s = report.timings["total"]
        analysed = OpinionAnalysis.objects.count()
        clusters = Cluster.objects.count()
        indexed = len(search.indexed_terms(list(Opinion.objects.order_by("-pk").values_list("pk", flat=True)[:1000])))

        one = one_new_opinion(world, args.new)

        n = args.opinions
        rows = [
            ("opinions", f"{n:,}"),
            ("data generation (raw executemany)", f"{generate_s:.1f} s"),
            ("routing model training (setup, 20k sample)", f"{train_s:.1f} s, category accuracy {category_accuracy}"),
            ("**pipeline total**", f"**{pipeline_s:.1f} s** ({n / pipeline_s:,.0f} docs/s), workers {report.workers}"),
            *[
                (f"  stage {stage}", f"{seconds:.1f} s")
                for stage, seconds in report.timings.items()
                if stage != "total"
            ],
            (
                "analyses / clusters / clustered opinions",
                f"{analysed:,} / {clusters:,} / {report.clustered_opinions:,}",
            ),
            ("search entries (last 1000 checked)", f"{indexed}"),
            (
                "one new opinion (on_opinion_received) median / p95",
                f"{one['hook_median_ms']} / {one['hook_p95_ms']} ms",
            ),
            ("  of which search.index_opinion median / p95", f"{one['index_median_ms']} / {one['index_p95_ms']} ms"),
            ("baseline: tokenize alone median / p95", f"{one['tokenize_median_ms']} / {one['tokenize_p95_ms']} ms"),
            *[(f"component baseline: {name}", f"{rate:,.0f} /s") for name, rate in rates.items()],
            ("load average (start / before pipeline / after)", f"{load_start} / {load_before} / {load_after}"),
        ]
        verdicts = [
            f"{'PASS' if pipeline_s < TARGET_PIPELINE_S else 'FAIL'}: whole analysis of {n:,} opinions "
            f"{pipeline_s:.1f} s (target < {TARGET_PIPELINE_S:.0f} s)",
            f"{'PASS' if one['hook_p95_ms'] < TARGET_ONE_MS else 'FAIL'}: one new opinion routed and clustered p95 "
            f"{one['hook_p95_ms']} ms (target < {TARGET_ONE_MS:.0f} ms)",
        ]
        emit(
            "Opinions — the analysis pipeline",
            rows,
            verdicts,
            {
                "opinions": n,
                "pipeline_s": round(pipeline_s, 2),
                "timings": {stage: round(seconds, 2) for stage, seconds in report.timings.items()},
                "workers": report.workers,
                "analysed": analysed,
                "clusters": clusters,
                "clustered_opinions": report.clustered_opinions,
                "one_new_opinion": one,
                "baselines_per_s": {name: round(rate) for name, rate in rates.items()},
                "generate_s": round(generate_s, 2),
                "train_s": round(train_s, 2),
                "db": str(db_path) if args.keep else None,
                "environment": environment(),
            },
        )
    finally:
        cleanup(args.keep)


if __name__ == "__main__":
    main()
