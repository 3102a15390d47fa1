"""Similar earlier items, by Chinese text similarity, for the review queue.

1. Word weights are tf·idf. Document frequencies come from the most recent ``SAMPLE_SIZE``
   search entries, kept in memory for ``SAMPLE_TTL`` seconds once the corpus is that large:
   an estimate that costs nothing per call and is the same on SQLite and PostgreSQL.
2. The item's 8 most informative words (multi-character words first) are the probe. For
   each, the full-text index gives the items of the same congress holding it (newest first,
   at most ``POSTING_CAP``); those holding the most idf-weighted probe words become the
   candidates, at most ``CANDIDATES``.
3. Each candidate's words are compared with the item's: cosine similarity of the tf·idf
   vectors (0..1). Those scoring at least ``MIN_SCORE`` are returned, best first.

Every query is bounded, so the cost does not grow with the number of items.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass

from django.db import connection

from renda.suggestions import search
from renda.suggestions.models import SearchEntry, Status, Suggestion

PROBE_WORDS = 8
POSTING_CAP = 1000
CANDIDATES = 50
MIN_SCORE = 0.2
SAMPLE_SIZE = 2000
SAMPLE_TTL = 600.0

# Items worth comparing with: submitted, and registered or any later stage of handling.
COMPARABLE_STATES = (
    Status.SUBMITTED,
    Status.REGISTERED,
    Status.ASSIGNED,
    Status.IN_HANDLING,
    Status.REPLIED,
    Status.REHANDLING,
    Status.CLOSED,
)


@dataclass(frozen=True)
class _Frequencies:
    documents: int
    counts: dict[str, int]
    taken_at: float

    def idf(self, word: str) -> float:
        return math.log((self.documents + 1) / (self.counts.get(word, 0) + 1)) + 1.0


_lock = threading.Lock()
_cached: _Frequencies | None = None


def _frequencies() -> _Frequencies:
    """Document frequencies in the most recent entries.

    A full sample is kept for ``SAMPLE_TTL`` seconds; a smaller corpus is read whole on every
    call (it is cheap), so the figures are exact while there are few items.
    """
    global _cached  # noqa: PLW0603 - a per-process cache of an estimate
    with _lock:
        now = time.monotonic()
        if _cached is not None and now - _cached.taken_at <= SAMPLE_TTL:
            return _cached
        counts: Counter[str] = Counter()
        documents = 0
        for text in SearchEntry.objects.order_by("-suggestion_id").values_list("tokens", flat=True)[:SAMPLE_SIZE]:
            counts.update(set(text.split()))
            documents += 1
        sample = _Frequencies(documents, dict(counts), now)
        _cached = sample if documents >= SAMPLE_SIZE else None
        return sample


def _words_of(suggestion: Suggestion) -> list[str]:
    stored = SearchEntry.objects.filter(suggestion_id=suggestion.pk).values_list("tokens", flat=True).first()
    if stored is None:
        return search.tokens(search.document_text(suggestion))
    return stored.split()


def _vector(counts: Counter[str], frequencies: _Frequencies) -> dict[str, float]:
    return {word: count * frequencies.idf(word) for word, count in counts.items()}


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(value * value for value in vector.values()))


def _holders(word: str, suggestion: Suggestion) -> list[int]:
    """Comparable items of the item's congress whose entry holds ``word``, newest first, at most POSTING_CAP."""
    matching, params = search.matching_ids_sql([word])
    marks = ", ".join(["%s"] * len(COMPARABLE_STATES))
    sql = (
        f"SELECT id FROM suggestions_suggestion WHERE id IN ({matching})"  # noqa: S608 - fixed SQL, bound values
        f" AND congress_id = %s AND status IN ({marks}) AND id <> %s ORDER BY id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, suggestion.congress_id, *COMPARABLE_STATES, suggestion.pk, POSTING_CAP])
        return [row[0] for row in cursor.fetchall()]


def similar_to(suggestion: Suggestion, limit: int = 5) -> list[tuple[Suggestion, float]]:
    """Up to ``limit`` other items of the same congress most like this one, with a score from 0.2 to 1."""
    counts = Counter(_words_of(suggestion))
    if not counts or limit <= 0:
        return []
    frequencies = _frequencies()
    weights = _vector(counts, frequencies)
    norm = _norm(weights)

    # The probe: the most informative words; single characters say little.
    probe = sorted(counts, key=lambda word: (len(word) < 2, -weights[word], word))[:PROBE_WORDS]
    hits: dict[int, float] = {}
    for word in probe:
        for pk in _holders(word, suggestion):
            hits[pk] = hits.get(pk, 0.0) + frequencies.idf(word)
    if not hits:
        return []
    candidates = sorted(hits, key=lambda pk: (-hits[pk], -pk))[:CANDIDATES]

    scored: list[tuple[int, float]] = []
    entries = SearchEntry.objects.filter(suggestion_id__in=candidates).values_list("suggestion_id", "tokens")
    for pk, text in entries:
        vector = _vector(Counter(text.split()), frequencies)
        dot = sum(value * weights[word] for word, value in vector.items() if word in weights)
        denominator = norm * _norm(vector)
        score = min(1.0, dot / denominator) if denominator else 0.0
        if score >= MIN_SCORE:
            scored.append((pk, round(score, 3)))
    scored.sort(key=lambda item: (-item[1], -item[0]))
    scored = scored[:limit]
    items = Suggestion.objects.select_related("lead_deputy").in_bulk([pk for pk, _score in scored])
    return [(items[pk], score) for pk, score in scored if pk in items]
