"""The batch analysis of a congress's opinions: what ``api_hooks.on_opinion_received`` does, for a million at once.

For every opinion of the congress that has no ``OpinionAnalysis`` yet (or every opinion, with
``reanalyse``), the pipeline

1. tokenizes the text (``tokens.cut`` with the congress's dictionary), computes its search terms
   (``renda.opinions.search.terms``) and routes the whole chunk at once (``RoutingPlan.suggest``:
   what ``routing.suggest_batch`` does, with one vectoriser pass and one ``predict_proba`` per target
   per chunk, never per document) — in a worker process when ``workers`` > 0, overlapping with the
   main process's work on the previous chunk (the model is read once, before the workers fork);
2. (main process) stores the ``OpinionAnalysis`` rows and the search entries with raw
   ``executemany`` through Django's connection (portable SQL), one transaction per chunk;
3. adds the chunk to a ``clusters.ClusterIndex``; the opinions already analysed are added too,
   with their stored tokens, because clustering is a property of the whole congress.

After the last chunk the index is solved and saved: the congress's clusters (except those staff
handle as one) are replaced by the solved ones, ``Opinion.cluster`` is set, and the band rows of
the last window are stored so that ``clusters.assign`` continues incrementally from there.

Results equal the one-by-one path's (tests/test_pipeline.py): the same tokens, suggestions and
search terms; the same cluster membership. Cluster titles and categories may differ, because the
incremental path fixes them as the cluster grows (see ``clusters.assign``) while the batch reads
all members at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from renda.insight import routing
from renda.insight.clusters import ClusterIndex
from renda.insight.models import OpinionAnalysis
from renda.insight.tokens import cut, load_dictionary
from renda.opinions import search
from renda.opinions.models import Opinion

if TYPE_CHECKING:
    from renda.organizations.models import Congress

CHUNK_SIZE = 20_000
# Up to this many insert parameters rows per executemany call.
INSERT_BATCH = 50_000


@dataclass
class PipelineReport:
    congress_id: int
    opinions: int = 0
    analysed: int = 0
    indexed: int = 0
    clusters: int = 0
    clustered_opinions: int = 0
    band_rows: int = 0
    workers: int = 0
    # Seconds per stage, main process wall clock; with workers, "tokenize_classify" is the time the main
    # process waited for a chunk's worker result (the work itself overlaps the main process's).
    timings: dict[str, float] = field(default_factory=dict)

    def add_time(self, stage: str, seconds: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + seconds

    def summary(self) -> str:
        stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.timings.items())
        return (
            f"{self.opinions} 条意见，新分析 {self.analysed} 条，索引 {self.indexed} 条，"
            f"相似意见组 {self.clusters} 个（{self.clustered_opinions} 条）。{stages}"
        )


@dataclass
class _Row:
    opinion_id: int
    text: str
    received_at: dt.datetime
    area_id: int | None
    address: str
    category: str
    tokens: str | None  # stored tokens, or None when the opinion needs analysing


# --- the analysing worker (no database) ---


@dataclass(frozen=True)
class RoutingPlan:
    """What ``routing._suggest_tokens`` reads from the database, read once, so a worker needs none.

    ``classifiers`` is None for the keyword-rule cold start. ``units`` are the active units (a
    predicted unit that is not one is dropped, as ``_suggest_tokens`` does).
    """

    rules: tuple[routing.Rule, ...]
    classifiers: dict[str, Any] | None
    version: int
    units: frozenset[int]

    @classmethod
    def of(cls, congress_id: int) -> RoutingPlan:
        from renda.organizations.models import Unit

        model = routing.active_model(congress_id)
        if model is None:
            return cls(rules=routing.rules_for(congress_id), classifiers=None, version=0, units=frozenset())
        model_id, version = model
        units = frozenset(Unit.objects.filter(is_active=True).values_list("pk", flat=True))
        return cls(rules=(), classifiers=routing._classifiers(model_id), version=version, units=units)

    def suggest(self, texts: Sequence[str], token_lists: Sequence[Sequence[str]]) -> list[routing.Suggestion]:
        if self.classifiers is None:
            return [routing.suggest_by_rules(self.rules, text) for text in texts]
        predictions = routing.predict(self.classifiers, [routing.document(tokens) for tokens in token_lists])
        units = set(self.units)
        return [routing._from_prediction(row, self.version, units) for row in predictions]


Analysed = tuple[list[str], list[str], list[routing.Suggestion]]
_worker_state: tuple[frozenset[str], RoutingPlan] | None = None


def _init_worker(words: frozenset[str], plan: RoutingPlan) -> None:
    global _worker_state  # noqa: PLW0603 - per-process state of a pool worker
    _worker_state = (words, plan)


def _analyse_chunk(
    texts: Sequence[str], words: frozenset[str] | None = None, plan: RoutingPlan | None = None
) -> Analysed:
    """Tokens (space-joined), search terms and routing suggestion of each text (in a worker, or in-process)."""
    if words is None or plan is None:
        assert _worker_state is not None  # noqa: S101 - set by the pool's initializer
        words, plan = _worker_state
    token_lists = [cut(text, words) for text in texts]
    suggestions = plan.suggest(texts, token_lists) if texts else []
    return [" ".join(tokens) for tokens in token_lists], [search.terms(text) for text in texts], suggestions


# --- reading ---


def _chunks(congress_id: int, size: int) -> Iterator[list[_Row]]:
    last = 0
    while True:
        rows = list(
            Opinion.objects.filter(congress_id=congress_id, pk__gt=last)
            .order_by("pk")
            .values_list("pk", "text", "received_at", "area_id", "address", "category", "analysis__tokens")[:size]
        )
        if not rows:
            return
        last = rows[-1][0]
        yield [_Row(*row) for row in rows]


# --- writing ---


def _store_analyses(rows: Sequence[tuple[Any, ...]]) -> None:
    table = connection.ops.quote_name(OpinionAnalysis._meta.db_table)
    columns = [
        "opinion_id",
        "tokens",
        "suggested_category",
        "suggested_level",
        "suggested_unit_id",
        "confidence",
        "model_version",
        "analysed_at",
    ]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - quoted names
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(sql, rows[start : start + INSERT_BATCH])


def _drop_analyses(opinion_ids: Sequence[int]) -> None:
    for start in range(0, len(opinion_ids), 500):
        OpinionAnalysis.objects.filter(opinion_id__in=opinion_ids[start : start + 500]).delete()


def default_workers() -> int:
    """One tokenizing worker beside the main process on a machine with two cores or more."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


# SQLite's page cache while the pipeline runs (KiB, negative per SQLite's convention): the cluster save
# updates hundreds of thousands of rows and indexes spread over the whole file; the default 2 MB thrashes.
PIPELINE_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def _large_page_cache() -> Iterator[None]:
    """A bigger SQLite page cache on this connection for the run, then the previous size back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{PIPELINE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def analyse_congress(
    congress: Congress,
    *,
    chunk_size: int = CHUNK_SIZE,
    workers: int | None = None,
    reanalyse: bool = False,
    cluster: bool = True,
    progress: Callable[[str], None] | None = None,
) -> PipelineReport:
    """Analyse every unanalysed opinion of the congress (all with ``reanalyse``), then recluster the congress."""
    with _large_page_cache():
        return _analyse_congress(
            congress, chunk_size=chunk_size, workers=workers, reanalyse=reanalyse, cluster=cluster, progress=progress
        )


def _analyse_congress(
    congress: Congress,
    *,
    chunk_size: int,
    workers: int | None,
    reanalyse: bool,
    cluster: bool,
    progress: Callable[[str], None] | None,
) -> PipelineReport:
    workers = default_workers() if workers is None else max(0, workers)
    report = PipelineReport(congress_id=congress.pk, workers=workers)
    words = load_dictionary(congress.pk)
    plan = RoutingPlan.of(congress.pk)
    analysed_at = connection.ops.adapt_datetimefield_value(timezone.now())
    index = ClusterIndex() if cluster else None
    pool: Pool | None = None
    if workers:
        # fork: the workers inherit the loaded segmenter; they never touch the database.
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(words, plan))
    pending: deque[tuple[list[_Row], list[int], AsyncResult[Analysed] | None]] = deque()
    started = time.perf_counter()

    def finish(rows: list[_Row], new: list[int], job: AsyncResult[Analysed] | None) -> None:
        moment = time.perf_counter()
        if job is not None:
            token_strings, term_strings, suggestions = job.get()
        else:
            token_strings, term_strings, suggestions = _analyse_chunk(
                [rows[position].text for position in new], words, plan
            )
        report.add_time("tokenize_classify", time.perf_counter() - moment)
        intern = sys.intern
        token_lists = [list(map(intern, tokens.split())) for tokens in token_strings]

        moment = time.perf_counter()
        new_ids = [rows[position].opinion_id for position in new]
        with transaction.atomic():
            if reanalyse:
                _drop_analyses(new_ids)
            _store_analyses(
                [
                    (
                        opinion_id,
                        tokens,
                        suggestion.category,
                        suggestion.level,
                        suggestion.unit_id,
                        suggestion.confidence,
                        suggestion.model_version,
                        analysed_at,
                    )
                    for opinion_id, tokens, suggestion in zip(new_ids, token_strings, suggestions, strict=True)
                ]
            )
            report.add_time("store", time.perf_counter() - moment)
            moment = time.perf_counter()
            search.index_terms(list(zip(new_ids, term_strings, strict=True)))
            report.add_time("index", time.perf_counter() - moment)
        report.analysed += len(new)
        report.indexed += len(new) if search.has_index() else 0

        if index is not None:
            moment = time.perf_counter()
            tokens_of: list[Sequence[str]] = [()] * len(rows)
            for position, tokens in zip(new, token_lists, strict=True):
                tokens_of[position] = tokens
            for position, row in enumerate(rows):
                if row.tokens is not None and not (reanalyse or tokens_of[position]):
                    tokens_of[position] = list(map(intern, row.tokens.split()))
            index.add(
                opinion_ids=[row.opinion_id for row in rows],
                congress_ids=[congress.pk] * len(rows),
                received_at=[row.received_at for row in rows],
                texts=[row.text for row in rows],
                tokens=tokens_of,
                area_ids=[row.area_id for row in rows],
                addresses=[row.address for row in rows],
                categories=[row.category for row in rows],
            )
            report.add_time("cluster_add", time.perf_counter() - moment)
        report.opinions += len(rows)
        if progress is not None:
            progress(f"{report.opinions} 条（{time.perf_counter() - started:.1f} s）")

    try:
        reader = _chunks(congress.pk, chunk_size)
        while True:
            moment = time.perf_counter()
            rows = next(reader, None)
            report.add_time("read", time.perf_counter() - moment)
            if rows is None:
                break
            new = [position for position, row in enumerate(rows) if reanalyse or row.tokens is None]
            job = None
            if pool is not None and new:
                job = pool.apply_async(_analyse_chunk, ([rows[position].text for position in new],))
            pending.append((rows, new, job))
            if len(pending) > 1:
                finish(*pending.popleft())
        while pending:
            finish(*pending.popleft())
    finally:
        if pool is not None:
            pool.close()
            pool.join()

    if index is not None:
        moment = time.perf_counter()
        index.solve()
        report.add_time("cluster_solve", time.perf_counter() - moment)
        moment = time.perf_counter()
        saved = index.save()
        report.add_time("cluster_save", time.perf_counter() - moment)
        report.clusters = saved.clusters
        report.clustered_opinions = saved.clustered_opinions
        report.band_rows = saved.band_rows
    report.timings["total"] = time.perf_counter() - started
    return report


def unanalysed_count(congress: Congress) -> int:
    return Opinion.objects.filter(congress=congress, analysis__isnull=True).count()
