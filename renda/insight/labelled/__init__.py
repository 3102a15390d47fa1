"""The labelled evaluation set and the synthetic training set (see docs/insight.md).

- ``opinions_labelled.csv`` (1,200 rows: id, text, category, level, unit) was written once by
  ``python -m renda.insight.labelled`` from the ``held`` phrasings, places, scope words and templates
  of ``phrases.py``, then spot-checked by hand; it is read by ``load_labelled``.
- ``training_set`` builds opinions from the other, disjoint pools (``train`` phrasings, taken in turn,
  so even a small training set has every one...): a model fitted on it has never seen a row, a phrasing
  or a template of the labelled set.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from renda.insight.labelled import phrases

LABELLED_CSV = Path(__file__).with_name("opinions_labelled.csv")
LABELLED_SEED = 6_2026
LABELLED_SIZE = 1200


@dataclass(frozen=True)
class LabelledRow:
    id: int
    text: str
    category: str
    level: str
    unit: str


def _generate(
    size: int,
    seed: int,
    *,
    held: bool,
) -> list[LabelledRow]:
    rng = random.Random(seed)
    places = phrases.HELD_PLACES if held else phrases.TRAIN_PLACES
    scopes = phrases.HELD_SCOPE if held else phrases.TRAIN_SCOPE
    templates = phrases.HELD_TEMPLATES if held else phrases.TRAIN_TEMPLATES
    levels = list(phrases.LEVEL_WEIGHTS)
    weights = list(phrases.LEVEL_WEIGHTS.values())
    # The training set goes through the train phrasings in turn (the first phrasing of each sub-topic,
    # then the second…, then again from the start), so even a small training set covers every phrasing and
    # none is drawn more than once above another; the labelled set keeps the random draw it was written with.
    turns = [
        (topic, topic.train[rank])
        for rank in range(max(len(topic.train) for topic in phrases.SUBTOPICS))
        for topic in phrases.SUBTOPICS
        if rank < len(topic.train)
    ]
    rows: list[LabelledRow] = []
    for index in range(size):
        if held:
            topic = phrases.SUBTOPICS[index % len(phrases.SUBTOPICS)] if index < len(phrases.SUBTOPICS) else None
            topic = topic or rng.choice(phrases.SUBTOPICS)
            problem = ""
        else:
            topic, problem = turns[index % len(turns)]
        level = rng.choices(levels, weights)[0]
        text = rng.choice(templates).format(
            place=rng.choice(places),
            scope=rng.choice(scopes[level]),
            problem=problem or rng.choice(topic.held),
        )
        rows.append(LabelledRow(index + 1, text, topic.category, level, topic.unit))
    return rows


def training_set(size: int = 6000, seed: int = 1) -> list[LabelledRow]:
    """Synthetic triaged opinions from the training pools only (never the labelled set's wordings)."""
    return _generate(size, seed, held=False)


def write_labelled(path: Path = LABELLED_CSV, size: int = LABELLED_SIZE, seed: int = LABELLED_SEED) -> int:
    rows = _generate(size, seed, held=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "category", "level", "unit"])
        for row in rows:
            writer.writerow([row.id, row.text, row.category, row.level, row.unit])
    return len(rows)


def load_labelled(path: Path = LABELLED_CSV) -> list[LabelledRow]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            LabelledRow(int(row["id"]), row["text"], row["category"], row["level"], row["unit"])
            for row in csv.DictReader(handle)
        ]
