"""Routing suggestions: which category, level and unit an opinion probably goes to (domain.md §3.2).

Staff always decide; a suggestion is shown next to the triage form, never applied.

- **Cold start.** Until a congress has a trained model, its ``KeywordRule`` rows suggest: the rule of
  highest priority (then the longest keyword) whose keyword occurs in the text wins, with a fixed
  confidence of ``RULE_CONFIDENCE`` and the keyword as the reason.
- **Trained model.** Once ``MIN_TRIAGED`` opinions of the congress carry staff's category, ``train``
  fits one linear classifier per target (category, level, unit) on character 1–3-grams of the
  tokens (a ``HashingVectorizer``, so there is no vocabulary to store, and ``SGDClassifier`` with the
  logistic loss, so there are probabilities). A stratified 20 % of the opinions is held out and never
  used for fitting; the accuracy recorded on the ``RoutingModel`` (overall and per class: precision,
  recall, F1, support) is measured on that held-out part only.
- **Versions.** A new version becomes active only if, on its own held-out part, its category accuracy
  is not below the active version's (or, for the first model, the keyword rules') on the same part;
  both figures are recorded. The held-out part is picked by a seeded hash of each opinion's id within
  its category, so it stays almost the same from one version to the next and an older model has
  rarely seen it.

The pickled classifiers are loaded once per process per model id (an LRU cache).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import pickle
import time
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from renda.core.audit import audit_record
from renda.core.errors import InvalidInput
from renda.insight.models import KeywordRule, OpinionAnalysis, RoutingModel
from renda.insight.tokens import tokenize
from renda.organizations.models import Unit

if TYPE_CHECKING:
    from sklearn.linear_model import SGDClassifier

    from renda.accounts.models import User
    from renda.opinions.models import Opinion
    from renda.organizations.models import Congress

# A congress needs this many triaged opinions before a model is trained.
MIN_TRIAGED = 200
# At most this many of the most recent triaged opinions are used (fitting stays within a minute).
MAX_TRAINING = 200_000
HOLDOUT_SHARE = 0.2
SEED = 20_240_601
RULE_CONFIDENCE = 0.5
TARGETS = ("category", "level", "unit")
RULES_TTL = 60.0

VECTORIZER_PARAMS: dict[str, Any] = {
    "analyzer": "char_wb",
    "ngram_range": (1, 3),
    "n_features": 2**20,
    "alternate_sign": False,
    "norm": "l2",
}
CLASSIFIER_PARAMS: dict[str, Any] = {
    "loss": "log_loss",
    "alpha": 1e-5,
    "max_iter": 30,
    "tol": 1e-4,
    "class_weight": None,
}


@dataclass(frozen=True)
class Suggestion:
    category: str
    level: str
    unit_id: int | None
    confidence: float
    # 0 = the keyword rules (cold start); otherwise the RoutingModel version.
    model_version: int
    reasons: tuple[str, ...] = ()


EMPTY = Suggestion(category="", level="", unit_id=None, confidence=0.0, model_version=0)


# --- keyword rules (cold start) ---


@dataclass(frozen=True)
class Rule:
    keyword: str
    category: str
    level: str
    unit_id: int | None
    priority: int


_rules_cache: dict[int, tuple[float, tuple[Rule, ...]]] = {}


def rules_for(congress_id: int) -> tuple[Rule, ...]:
    """The congress's keyword rules, best first (cached per process for RULES_TTL seconds)."""
    now = time.monotonic()
    cached = _rules_cache.get(congress_id)
    if cached is not None and now - cached[0] < RULES_TTL:
        return cached[1]
    rows = KeywordRule.objects.filter(congress_id=congress_id).values_list(
        "keyword", "category", "level", "unit_id", "priority"
    )
    rules = tuple(sorted((Rule(*row) for row in rows), key=lambda rule: (-rule.priority, -len(rule.keyword))))
    _rules_cache[congress_id] = (now, rules)
    return rules


def forget_rules(congress_id: int | None = None) -> None:
    """Drop the cached rules of one congress (or all): called when staff edit them."""
    if congress_id is None:
        _rules_cache.clear()
    else:
        _rules_cache.pop(congress_id, None)


def suggest_by_rules(rules: Sequence[Rule], text: str) -> Suggestion:
    lowered = text.lower()
    for rule in rules:
        if rule.keyword.lower() in lowered:
            return Suggestion(
                category=rule.category,
                level=rule.level,
                unit_id=rule.unit_id,
                confidence=RULE_CONFIDENCE,
                model_version=0,
                reasons=(f"关键词：{rule.keyword}",),
            )
    return EMPTY


# --- the classifiers (no database below, until ``train``) ---


def document(tokens: Sequence[str]) -> str:
    """What the vectorizer reads: the tokens, space separated (char n-grams stay inside a token)."""
    return " ".join(tokens)


@functools.cache
def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(**VECTORIZER_PARAMS)


@dataclass
class LinearModel:
    """A fitted linear classifier kept compact for one-at-a-time prediction.

    ``weights`` is the transposed coefficient matrix (features x classes, CSR, float32): a new
    opinion's few dozen n-gram columns pick a few dozen rows, so one prediction costs microseconds
    instead of the milliseconds of ``SGDClassifier.predict_proba`` on a 2**20-column matrix.
    Probabilities are computed as scikit-learn does for the logistic loss (one-vs-rest sigmoids,
    normalised across classes).
    """

    classes: list[str]
    weights: Any  # scipy.sparse.csr_matrix, shape (n_features, n_columns)
    intercept: Any  # numpy array, shape (n_columns,)

    def predict_proba(self, matrix: Any) -> Any:
        import numpy as np

        scores = np.asarray((matrix @ self.weights).todense()) + self.intercept
        positive = 1.0 / (1.0 + np.exp(-scores))
        if len(self.classes) == 2:  # one column: the second class's probability
            return np.hstack([1.0 - positive, positive])
        totals = positive.sum(axis=1, keepdims=True)
        totals[totals == 0] = 1.0
        return positive / totals


def _compact(classifier: SGDClassifier) -> LinearModel:
    import numpy as np
    from scipy import sparse

    weights = sparse.csr_matrix(classifier.coef_.T, dtype=np.float32)
    weights.eliminate_zeros()
    return LinearModel(
        classes=[str(label) for label in classifier.classes_],
        weights=weights,
        intercept=np.asarray(classifier.intercept_, dtype=np.float64),
    )


def fit(documents: Sequence[str], labels: Mapping[str, Sequence[str]], *, seed: int = SEED) -> dict[str, LinearModel]:
    """One classifier per target, on the documents whose label for it is not blank (needs two classes)."""
    from scipy import sparse
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier

    matrix = _vectorizer().transform(documents)
    classifiers: dict[str, LinearModel] = {}
    for target, values in labels.items():
        rows = [index for index, value in enumerate(values) if value]
        if len({values[index] for index in rows}) < 2:
            continue
        classifier = SGDClassifier(**CLASSIFIER_PARAMS, random_state=seed)
        with warnings.catch_warnings():
            # Stopping at max_iter is expected with few, easy rows; the held-out figures tell the quality.
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.fit(matrix[rows], [values[index] for index in rows])
        classifier.coef_ = sparse.csr_matrix(classifier.coef_)  # mostly zeros: only seen n-grams have weights
        classifiers[target] = _compact(classifier)
    return classifiers


@functools.cache
def _analyzer() -> Any:
    analyze: Any = _vectorizer().build_analyzer()
    return analyze


def _one_row(document_text: str) -> Any:
    """The vectorizer's row for one document without scikit-learn's per-call checks (same numbers).

    ``HashingVectorizer`` hashes each n-gram with signed MurmurHash3 (seed 0) to ``abs(h) % n_features``,
    counts, and L2-normalises; doing that here saves ~1 ms of input validation per opinion.
    """
    import numpy as np
    from scipy import sparse
    from sklearn.utils import murmurhash3_32

    n_features = VECTORIZER_PARAMS["n_features"]
    counts: dict[int, float] = defaultdict(float)
    for gram in _analyzer()(document_text):
        hashed = murmurhash3_32(gram, seed=0)
        index = (2147483647 - (n_features - 1)) % n_features if hashed == -2147483648 else abs(hashed) % n_features
        counts[index] += 1.0
    columns = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
    values = np.array([counts[column] for column in columns], dtype=np.float64)
    norm = float(np.sqrt((values**2).sum()))
    if norm:
        values /= norm
    return sparse.csr_matrix((values, columns, np.array([0, len(columns)])), shape=(1, n_features))


def vectorize(documents: Sequence[str]) -> Any:
    if len(documents) == 1:
        return _one_row(documents[0])
    return _vectorizer().transform(documents)


def predict(classifiers: Mapping[str, LinearModel], documents: Sequence[str]) -> list[dict[str, tuple[str, float]]]:
    """Per document, per target: the most probable label and its probability."""
    if not documents:
        return []
    matrix = vectorize(documents)
    results: list[dict[str, tuple[str, float]]] = [{} for _ in documents]
    for target, model in classifiers.items():
        probabilities = model.predict_proba(matrix)
        best = probabilities.argmax(axis=1)
        for index, column in enumerate(best):
            results[index][target] = (model.classes[column], float(probabilities[index, column]))
    return results


def score(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, and per class precision/recall/F1/support, over the rows whose true label is not blank."""
    pairs = [(true, guess) for true, guess in zip(truth, predicted, strict=True) if true]
    if not pairs:
        return {"accuracy": None, "size": 0, "classes": {}}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    correct = 0
    for true, guess in pairs:
        if true == guess:
            correct += 1
            counts[true]["tp"] += 1
        else:
            counts[true]["fn"] += 1
            counts[guess or "-"]["fp"] += 1
    classes: dict[str, dict[str, float | int]] = {}
    for label, count in sorted(counts.items()):
        support = count["tp"] + count["fn"]
        if not support:
            continue  # a label never true here (only guessed) has no row of its own
        precision = count["tp"] / (count["tp"] + count["fp"]) if count["tp"] + count["fp"] else 0.0
        recall = count["tp"] / support
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    return {"accuracy": round(correct / len(pairs), 4), "size": len(pairs), "classes": classes}


def evaluate(
    classifiers: Mapping[str, LinearModel], documents: Sequence[str], labels: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    predictions = predict(classifiers, documents)
    return {
        target: score(values, [row.get(target, ("", 0.0))[0] for row in predictions])
        for target, values in labels.items()
    }


def split_holdout(
    ids: Sequence[int], strata: Sequence[str], *, share: float = HOLDOUT_SHARE, seed: int = SEED
) -> tuple[list[int], list[int]]:
    """Stratified, seeded split: within each stratum, the ``share`` of ids with the lowest seeded hash."""
    groups: dict[str, list[int]] = defaultdict(list)
    for item, stratum in zip(ids, strata, strict=True):
        groups[stratum].append(item)
    train: list[int] = []
    holdout: list[int] = []
    for members in groups.values():
        members.sort(key=lambda item: hashlib.blake2b(f"{seed}:{item}".encode(), digest_size=8).digest())
        size = max(1, round(len(members) * share)) if len(members) >= 2 else 0
        holdout += members[:size]
        train += members[size:]
    return sorted(train), sorted(holdout)


# --- models per congress ---


@functools.lru_cache(maxsize=8)
def _classifiers(model_id: int) -> dict[str, LinearModel]:
    """The unpickled classifiers of a model version (artifacts are written only by ``train``)."""
    artifact = RoutingModel.objects.values_list("artifact", flat=True).get(pk=model_id)
    loaded: dict[str, LinearModel] = pickle.loads(bytes(artifact))  # noqa: S301 - our own artifact
    return loaded


def active_model(congress_id: int) -> tuple[int, int] | None:
    """(id, version) of the congress's active model, if any."""
    return (
        RoutingModel.objects.filter(congress_id=congress_id, is_active=True)
        .order_by("-version")
        .values_list("pk", "version")
        .first()
    )


def _from_prediction(row: dict[str, tuple[str, float]], version: int, units: set[int]) -> Suggestion:
    category, confidence = row.get("category", ("", 0.0))
    level, level_p = row.get("level", ("", 0.0))
    unit_label, unit_p = row.get("unit", ("", 0.0))
    unit_id = int(unit_label) if unit_label.isdigit() and int(unit_label) in units else None
    reasons = [f"类别 {category}：{confidence:.0%}"]
    if level:
        reasons.append(f"分级 {level}：{level_p:.0%}")
    if unit_id is not None:
        reasons.append(f"单位：{unit_p:.0%}")
    return Suggestion(
        category=category,
        level=level,
        unit_id=unit_id,
        confidence=round(confidence, 4),
        model_version=version,
        reasons=tuple(reasons),
    )


def _suggest_tokens(congress_id: int, texts: Sequence[str], token_lists: Sequence[list[str]]) -> list[Suggestion]:
    model = active_model(congress_id)
    if model is None:
        rules = rules_for(congress_id)
        return [suggest_by_rules(rules, text) for text in texts]
    model_id, version = model
    predictions = predict(_classifiers(model_id), [document(tokens) for tokens in token_lists])
    labels = {row["unit"][0] for row in predictions if "unit" in row}
    wanted = {int(label) for label in labels if label.isdigit()}
    units = set(Unit.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)) if wanted else set()
    return [_from_prediction(row, version, units) for row in predictions]


def suggest(congress: Congress, text: str) -> Suggestion:
    """The suggestion for one text: the active model's, else the keyword rules'."""
    return _suggest_tokens(congress.pk, [text], [tokenize(text, congress.pk)])[0]


def suggest_batch(congress: Congress, texts: Sequence[str]) -> list[Suggestion]:
    return _suggest_tokens(congress.pk, texts, [tokenize(text, congress.pk) for text in texts])


def analyse(opinion: Opinion) -> OpinionAnalysis:
    """Tokenize and route one opinion and store the result (shown to staff at triage; < 50 ms)."""
    tokens = tokenize(opinion.text, opinion.congress_id)
    suggestion = _suggest_tokens(opinion.congress_id, [opinion.text], [tokens])[0]
    analysis, _created = OpinionAnalysis.objects.update_or_create(
        opinion=opinion,
        defaults={
            "tokens": " ".join(tokens),
            "suggested_category": suggestion.category,
            "suggested_level": suggestion.level,
            "suggested_unit_id": suggestion.unit_id,
            "confidence": suggestion.confidence,
            "model_version": suggestion.model_version,
            "analysed_at": timezone.now(),
        },
    )
    return analysis


# --- training ---


@dataclass
class TrainingRun:
    model: RoutingModel
    train_ids: list[int]
    holdout_ids: list[int]
    activated: bool
    comparison: dict[str, Any] = field(default_factory=dict)


def _triaged(congress: Congress) -> QuerySet[Opinion]:
    from renda.opinions.models import Opinion

    return Opinion.objects.filter(congress=congress, triaged_at__isnull=False).exclude(category="")


def triaged_count(congress: Congress) -> int:
    return _triaged(congress).count()


def triaged_rows(congress: Congress) -> list[tuple[int, str, str, str, int | None]]:
    """(id, text, category, level, unit id) of the congress's opinions that staff have triaged."""
    return list(
        _triaged(congress)
        .order_by("-received_at", "-pk")
        .values_list("pk", "text", "category", "level", "unit_id")[:MAX_TRAINING]
    )


def _rules_category_accuracy(congress_id: int, texts: Sequence[str], categories: Sequence[str]) -> float | None:
    rules = rules_for(congress_id)
    guesses = [suggest_by_rules(rules, text).category for text in texts]
    result: float | None = score(categories, guesses)["accuracy"]
    return result


def train(
    congress: Congress, *, actor: User | None = None, now: dt.datetime | None = None, seed: int = SEED
) -> TrainingRun:
    """Fit a new version on the triage history, measure it on the held-out part, activate it if not worse."""
    now = now or timezone.now()
    rows = triaged_rows(congress)
    if len(rows) < MIN_TRIAGED:
        raise InvalidInput(
            f"已分流的意见只有 {len(rows)} 条，至少 {MIN_TRIAGED} 条才能训练模型；在此之前使用关键词规则",
            code="too_few",
            field="congress",
        )
    by_id = {row[0]: row for row in rows}
    train_ids, holdout_ids = split_holdout([row[0] for row in rows], [row[2] for row in rows], seed=seed)
    if set(train_ids) & set(holdout_ids):  # pragma: no cover - split_holdout partitions by construction
        raise RuntimeError("training and held-out opinions overlap")

    def part(ids: list[int]) -> tuple[list[str], list[str], dict[str, list[str]]]:
        texts = [by_id[item][1] for item in ids]
        documents = [document(tokenize(text, congress.pk)) for text in texts]
        labels = {
            "category": [by_id[item][2] for item in ids],
            "level": [by_id[item][3] for item in ids],
            "unit": [str(by_id[item][4]) if by_id[item][4] else "" for item in ids],
        }
        return texts, documents, labels

    _train_texts, train_documents, train_labels = part(train_ids)
    holdout_texts, holdout_documents, holdout_labels = part(holdout_ids)
    classifiers = fit(train_documents, train_labels, seed=seed)
    accuracy = evaluate(classifiers, holdout_documents, holdout_labels)
    ours = accuracy["category"]["accuracy"] or 0.0

    current = active_model(congress.pk)
    if current is not None:
        theirs_eval = evaluate(_classifiers(current[0]), holdout_documents, {"category": holdout_labels["category"]})
        against = f"v{current[1]}"
        theirs = theirs_eval["category"]["accuracy"] or 0.0
    else:
        against = "rules"
        theirs = _rules_category_accuracy(congress.pk, holdout_texts, holdout_labels["category"]) or 0.0
    activated = ours >= theirs
    comparison = {"against": against, "theirs": theirs, "ours": ours, "activated": activated}
    artifact = pickle.dumps(classifiers, protocol=pickle.HIGHEST_PROTOCOL)

    with transaction.atomic():
        version = (RoutingModel.objects.filter(congress=congress).aggregate(top=Max("version"))["top"] or 0) + 1
        if activated:
            RoutingModel.objects.filter(congress=congress, is_active=True).update(is_active=False)
        model = RoutingModel.objects.create(
            congress=congress,
            version=version,
            trained_at=now,
            training_size=len(train_ids),
            holdout_size=len(holdout_ids),
            accuracy={**accuracy, "comparison": comparison},
            params={
                "vectorizer": {**VECTORIZER_PARAMS, "ngram_range": list(VECTORIZER_PARAMS["ngram_range"])},
                "classifier": CLASSIFIER_PARAMS,
                "seed": seed,
                "holdout_share": HOLDOUT_SHARE,
                "holdout_ids": holdout_ids,
                "targets": sorted(classifiers),
            },
            artifact=artifact,
            is_active=activated,
        )
        audit_record(
            actor=actor,
            action="insight.routing_trained",
            target=model,
            congress=congress,
            summary={
                "version": version,
                "training_size": len(train_ids),
                "holdout_size": len(holdout_ids),
                "category_accuracy": ours,
                "compared_with": against,
                "their_accuracy": theirs,
                "activated": activated,
            },
        )
    return TrainingRun(
        model=model, train_ids=train_ids, holdout_ids=holdout_ids, activated=activated, comparison=comparison
    )
