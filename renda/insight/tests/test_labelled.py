"""The labelled set stays a measure of carry-over to unseen wording (docs/insight.md, "Accuracy, honestly
measured"): the held pools still write the labelled CSV byte for byte, and nothing on the training side
(problem phrasings, places, scope phrases, templates) shares a run of four or more characters with the held
phrasings or the labelled rows, except inside a word of the base domain dictionary (both sides may say 加装电梯).
The training set's texts never equal a labelled text: see test_routing.py::test_labelled_set_accuracy_floor."""

from __future__ import annotations

import re
from pathlib import Path

from renda.insight import labelled, tokens
from renda.insight.labelled import phrases

RUN = 4  # the shortest shared run of characters that counts as copying


def _runs(text: str) -> set[str]:
    """Every run of at least RUN consecutive characters of the text."""
    return {text[start:end] for start in range(len(text)) for end in range(start + RUN, len(text) + 1)}


def _inside_base_word(run: str) -> bool:
    return any(run in word for word in tokens.BASE_WORDS)


def _pieces(text: str) -> list[str]:
    """The text cut at punctuation and template placeholders (a run across them is not a wording)."""
    return [piece for piece in re.split(r"[\W_]+", re.sub(r"\{\w+\}", " ", text)) if piece]


def _train_phrasings() -> list[str]:
    return [phrasing for topic in phrases.SUBTOPICS for phrasing in topic.train]


def _held_phrasings() -> list[str]:
    return [phrasing for topic in phrases.SUBTOPICS for phrasing in topic.held]


def test_held_pools_still_write_the_labelled_csv(tmp_path: Path) -> None:
    written = tmp_path / "labelled.csv"
    assert labelled.write_labelled(written) == labelled.LABELLED_SIZE
    assert written.read_bytes() == labelled.LABELLED_CSV.read_bytes()


def test_pool_sizes_and_disjoint_pools() -> None:
    assert len(phrases.SUBTOPICS) == 29
    for topic in phrases.SUBTOPICS:
        assert len(topic.held) == 3
        assert len(topic.train) >= 10
        assert all(phrasing.strip() for phrasing in topic.train)
    train = _train_phrasings()
    assert len(set(train)) == len(train)
    assert set(train).isdisjoint(_held_phrasings())
    assert set(phrases.TRAIN_PLACES).isdisjoint(phrases.HELD_PLACES)
    assert set(phrases.TRAIN_TEMPLATES).isdisjoint(phrases.HELD_TEMPLATES)
    train_scope = {scope for scopes in phrases.TRAIN_SCOPE.values() for scope in scopes}
    assert train_scope.isdisjoint(scope for scopes in phrases.HELD_SCOPE.values() for scope in scopes)


def test_training_set_takes_every_train_phrasing_in_turn() -> None:
    train = _train_phrasings()
    rows = labelled.training_set(len(train), 1)
    assert all(any(phrasing in row.text for row in rows) for phrasing in train)
    assert {row.category for row in rows[: len(phrases.SUBTOPICS)]} == {t.category for t in phrases.SUBTOPICS}


def test_train_phrasings_share_no_run_with_held_phrasings() -> None:
    copied = [
        (train, held, run)
        for train in _train_phrasings()
        for held in _held_phrasings()
        for run in sorted(_runs(train) & _runs(held))
        if not _inside_base_word(run)
    ]
    assert copied == []


def test_training_pools_share_no_run_with_labelled_rows() -> None:
    labelled_runs = {run for row in labelled.load_labelled() for piece in _pieces(row.text) for run in _runs(piece)}
    training_side = [
        *_train_phrasings(),
        *phrases.TRAIN_PLACES,
        *(scope for scopes in phrases.TRAIN_SCOPE.values() for scope in scopes),
        *phrases.TRAIN_TEMPLATES,
    ]
    copied = [
        (text, run)
        for text in training_side
        for piece in _pieces(text)
        for run in sorted(_runs(piece) & labelled_runs)
        if not _inside_base_word(run)
    ]
    assert copied == []


def test_checks_catch_a_copied_phrasing() -> None:
    """The helpers above do flag a paraphrase that keeps four characters of a held phrasing."""
    held = phrases.SUBTOPICS[0].held[0]  # 照明灯一直不亮，…
    assert {"照明灯一", "明灯一直"} <= _runs("路边照明灯一直坏着")
    assert _runs("路边照明灯一直坏着") & _runs(held)
    assert _inside_base_word("加装电梯")
    assert not _inside_base_word("装电梯的")
    assert _pieces("{place}：{problem}，拖了好久了") == ["拖了好久了"]
