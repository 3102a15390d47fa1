"""Measure routing on the labelled set: fit on the synthetic training set, score on the labelled CSV.

The labelled rows are never used for fitting (their phrasings, places and templates are not in the
training pools either). Prints Markdown tables for docs/insight.md: overall per target, then
precision/recall/F1/support per category, with the keyword-rule baseline on the same rows.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from renda.insight import labelled, routing, tokens
from renda.insight.routing_actions import DEFAULT_RULES
from renda.opinions.models import Category


def measure(training_size: int = 6000, seed: int = 1) -> dict[str, Any]:
    train_rows = labelled.training_set(training_size, seed)
    held_rows = labelled.load_labelled()

    def part(rows: list[labelled.LabelledRow]) -> tuple[list[str], dict[str, list[str]]]:
        documents = [routing.document(tokens.cut(row.text)) for row in rows]
        labels = {
            "category": [row.category for row in rows],
            "level": [row.level for row in rows],
            "unit": [row.unit for row in rows],
        }
        return documents, labels

    started = time.perf_counter()
    train_documents, train_labels = part(train_rows)
    classifiers = routing.fit(train_documents, train_labels, seed=seed)
    fit_seconds = time.perf_counter() - started
    held_documents, held_labels = part(held_rows)
    model = routing.evaluate(classifiers, held_documents, held_labels)
    rules = [
        routing.Rule(keyword, category, level, None, 10 + len(keyword))
        for keyword, category, level, _unit in DEFAULT_RULES
    ]
    ordered = sorted(rules, key=lambda rule: (-rule.priority, -len(rule.keyword)))
    rule_guesses = [routing.suggest_by_rules(ordered, row.text) for row in held_rows]
    unit_of_rule = {keyword: unit for keyword, _c, _l, unit in DEFAULT_RULES}
    baseline = {
        "category": routing.score(held_labels["category"], [guess.category for guess in rule_guesses]),
        "level": routing.score(held_labels["level"], [guess.level for guess in rule_guesses]),
        "unit": routing.score(
            held_labels["unit"],
            [unit_of_rule[guess.reasons[0].split("：", 1)[1]] if guess.reasons else "" for guess in rule_guesses],
        ),
    }
    return {
        "training_size": len(train_rows),
        "labelled_size": len(held_rows),
        "fit_seconds": fit_seconds,
        "model": model,
        "rules": baseline,
    }


class Command(BaseCommand):
    help = "Routing accuracy on the labelled set (never used for training), per target and per category."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--training-size", type=int, default=6000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        result = measure(options["training_size"], options["seed"])
        model, rules = result["model"], result["rules"]
        out = self.stdout.write
        out(
            f"Trained on {result['training_size']} synthetic opinions ({result['fit_seconds']:.1f} s), "
            f"scored on the {result['labelled_size']} labelled opinions.\n"
        )
        out("| Target | Model accuracy | Keyword rules accuracy |")
        out("|---|---:|---:|")
        for target in routing.TARGETS:
            out(f"| {target} | {model[target]['accuracy']:.3f} | {rules[target]['accuracy']:.3f} |")
        out("")
        out("| Category | Precision | Recall | F1 | Support | Rules recall |")
        out("|---|---:|---:|---:|---:|---:|")
        names = dict(Category.choices)
        for label, figures in model["category"]["classes"].items():
            rule_recall = rules["category"]["classes"].get(label, {}).get("recall", 0.0)
            out(
                f"| {names.get(label, label)} ({label}) | {figures['precision']:.3f} | {figures['recall']:.3f} | "
                f"{figures['f1']:.3f} | {figures['support']} | {rule_recall:.3f} |"
            )
