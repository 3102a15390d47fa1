"""Similar earlier items, by Chinese text similarity, for the review queue.

1. The item's words (its ``SearchEntry``) are weighted by tf·idf, with document
   frequencies from the full-text index; the 8 most informative become the probe.
2. For each probe word the index gives the items of the same congress that hold it
   (newest first, at most ``POSTING_CAP``); items holding the most (idf-weighted) probe
   words become the candidates, at most ``CANDIDATES``.
3. Each candidate's words are compared with the item's: cosine similarity of tf·idf
   vectors (0..1). Those scoring at least ``MIN_SCORE`` are returned, best first.

Every query is bounded, so the cost does not grow with the number of items.
"""

from __future__ import annotations

import math
from collections import Counter

from django.db.models.expressions import RawSQL

from renda.suggestions import search
from renda.suggestions.models import SearchEntry, Status, Suggestion

PROBE_WORDS = 8
POSTING_CAP = 2000
CANDIDATES = 60
MIN_SCORE = 0.2

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


def _words_of(suggestion: Suggestion) -> list[str]:
    stored = SearchEntry.objects.filter(suggestion_id=suggestion.pk).values_list("tokens", flat=True).first()
    if stored is None:
        return search.tokens(search.document_text(suggestion))
    return stored.split()


def _idf(total: int, frequency: float) -> float:
    return math.log((total + 1) / (frequency + 1)) + 1.0


def _norm(weights: dict[str, float]) -> float:
    return math.sqrt(sum(value * value for value in weights.values()))


def similar_to(suggestion: Suggestion, limit: int = 5) -> list[tuple[Suggestion, float]]:
    """Up to ``limit`` other items of the same congress most like this one, with a score from 0.2 to 1."""
    counts = Counter(_words_of(suggestion))
    if not counts or limit <= 0:
        return []
    total = max(SearchEntry.objects.count(), 1)
    frequencies = search.document_frequencies(counts)
    idf = {word: _idf(total, frequencies.get(word, 0)) for word in counts}
    weights = {word: count * idf[word] for word, count in counts.items()}

    # The probe: words the index knows, longest-weighted first; single characters say little.
    known = [word for word in counts if frequencies.get(word, 0) > 0]
    probe = sorted(known, key=lambda word: (len(word) < 2, -weights[word], word))[:PROBE_WORDS]
    if not probe:
        return []

    scope = Suggestion.objects.filter(congress_id=suggestion.congress_id, status__in=COMPARABLE_STATES).exclude(
        pk=suggestion.pk
    )
    hits: dict[int, float] = {}
    for word in probe:
        sql, params = search.matching_ids_sql([word])
        matching = RawSQL(sql, params)  # noqa: S611 (the word is a bound parameter)
        ids = scope.filter(pk__in=matching).order_by("-pk").values_list("pk", flat=True)[:POSTING_CAP]
        for pk in ids:
            hits[pk] = hits.get(pk, 0.0) + idf[word]
    if not hits:
        return []
    candidate_ids = sorted(hits, key=lambda pk: (-hits[pk], -pk))[:CANDIDATES]
    entries = dict(SearchEntry.objects.filter(suggestion_id__in=candidate_ids).values_list("suggestion_id", "tokens"))

    # Words only the candidates hold: their frequency is estimated from the candidates, scaled up.
    candidate_counts = {pk: Counter(text.split()) for pk, text in entries.items()}
    pool_frequency: Counter[str] = Counter()
    for words in candidate_counts.values():
        pool_frequency.update(word for word in words if word not in idf)
    scale = total / max(len(candidate_counts) + 1, 1)
    other_idf = {word: _idf(total, count * scale) for word, count in pool_frequency.items()}

    norm = _norm(weights)
    scored: list[tuple[int, float]] = []
    for pk, words in candidate_counts.items():
        vector = {word: count * (idf.get(word) or other_idf[word]) for word, count in words.items()}
        dot = sum(value * weights[word] for word, value in vector.items() if word in weights)
        denominator = norm * _norm(vector)
        score = min(1.0, dot / denominator) if denominator else 0.0
        if score >= MIN_SCORE:
            scored.append((pk, round(score, 3)))
    scored.sort(key=lambda item: (-item[1], -item[0]))
    scored = scored[:limit]
    items = Suggestion.objects.select_related("lead_deputy").in_bulk([pk for pk, _score in scored])
    return [(items[pk], score) for pk, score in scored if pk in items]
