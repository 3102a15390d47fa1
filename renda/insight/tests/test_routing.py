"""Routing: keyword rules at cold start, training on a held-out split, version activation, suggestions,
the analysis stored per opinion, the labelled-set accuracy floor, and who may see and edit what."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.models import AuditEvent
from renda.insight import labelled, routing, routing_actions, tokens
from renda.insight.management.commands.insight_evaluate import measure
from renda.insight.models import DictionaryTerm, KeywordRule, OpinionAnalysis, RoutingModel
from renda.opinions.models import Opinion, Source
from renda.organizations.models import Congress, Unit
from renda.organizations.roles import Role
from renda.tests_support import factories

# Measured with `manage.py insight_evaluate` (seed 1, 6,000 synthetic training rows): category 0.544,
# level 0.693, unit 0.462; the floors sit a little below so a change that makes routing worse fails.
CATEGORY_FLOOR = 0.52
LEVEL_FLOOR = 0.67
UNIT_FLOOR = 0.44


def _acting(user: User) -> User:
    """The person as an action sees them in a request: acting in their one role."""
    user.active_assignment = user.role_assignments.select_related("congress", "unit").get()  # type: ignore[attr-defined]
    return user


@pytest.fixture
def staff(make_person: Callable[..., User]) -> User:
    return _acting(make_person(Role.COMMITTEE_STAFF))


def _units(city: Congress) -> dict[str, Unit]:
    names = sorted({topic.unit for topic in labelled.phrases.SUBTOPICS})
    return {
        name: Unit.objects.filter(congress=city, name=name).first()
        or factories.UnitFactory(congress=city, name=name, kind="government_department")
        for name in names
    }


def _triaged(city: Congress, count: int, *, seed: int = 1) -> list[Opinion]:
    units = _units(city)
    now = timezone.now()
    rows = labelled.training_set(count, seed)
    return Opinion.objects.bulk_create(
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
        for index, row in enumerate(rows)
    )


# --- cold start ---


@pytest.mark.django_db
def test_rules_cold_start(city: Congress, staff: User, unit: Unit) -> None:
    routing_actions.keyword_rule_add(
        actor=staff, congress=city, keyword="电梯", category="urban", level="L2", unit_id=unit.pk
    )
    routing_actions.keyword_rule_add(
        actor=staff, congress=city, keyword="加装电梯", category="urban", level="L1", unit_id=None, priority=50
    )
    routing.forget_rules()
    suggestion = routing.suggest(city, "我们楼想加装电梯，一楼不同意")
    assert suggestion.category == "urban"
    assert suggestion.level == "L1"  # the higher priority rule wins
    assert suggestion.confidence == routing.RULE_CONFIDENCE
    assert suggestion.model_version == 0
    assert suggestion.reasons == ("关键词：加装电梯",)
    plain = routing.suggest(city, "电梯坏了一周")
    assert plain.unit_id == unit.pk and plain.level == "L2"
    nothing = routing.suggest(city, "这是一条完全无关的意见内容")
    assert nothing.category == "" and nothing.confidence == 0.0


@pytest.mark.django_db
def test_default_rules_match_units_by_name(city: Congress, staff: User, unit: Unit) -> None:
    added = routing_actions.keyword_rules_load_defaults(actor=staff, congress=city)
    assert added == len(routing_actions.DEFAULT_RULES)
    assert KeywordRule.objects.get(congress=city, keyword="加装电梯").unit == unit  # 市住房和城乡建设局
    assert routing_actions.keyword_rules_load_defaults(actor=staff, congress=city) == 0
    assert AuditEvent.objects.filter(action="insight.keyword_rules_defaults_loaded").count() == 2


@pytest.mark.django_db
def test_rule_and_term_input_errors(city: Congress, staff: User, other_unit: Unit) -> None:
    with pytest.raises(InvalidInput) as error:
        routing_actions.keyword_rule_add(actor=staff, congress=city, keyword=" ", category="urban")
    assert error.value.field == "keyword"
    with pytest.raises(InvalidInput) as error:
        routing_actions.keyword_rule_add(actor=staff, congress=city, keyword="噪音", category="nope")
    assert error.value.field == "category"
    with pytest.raises(InvalidInput) as error:
        routing_actions.keyword_rule_add(
            actor=staff, congress=city, keyword="噪音", category="urban", unit_id=other_unit.pk
        )
    assert error.value.field == "unit"
    routing_actions.dictionary_term_add(actor=staff, congress=city, word="翠湖天地")
    with pytest.raises(InvalidInput) as error:
        routing_actions.dictionary_term_add(actor=staff, congress=city, word="翠湖 天地")
    assert error.value.code == "duplicate"
    with pytest.raises(InvalidInput):
        routing_actions.dictionary_term_add(actor=staff, congress=city, word="翠" * 31)
    assert KeywordRule.objects.count() == 0
    assert DictionaryTerm.objects.count() == 1


@pytest.mark.django_db
def test_leader_may_not_edit(city: Congress, make_person: Callable[..., User]) -> None:
    leader = _acting(make_person(Role.LEADER))
    with pytest.raises(NotPermitted):
        routing_actions.dictionary_term_add(actor=leader, congress=city, word="翠湖天地")
    with pytest.raises(NotPermitted):
        routing_actions.keyword_rule_add(actor=leader, congress=city, keyword="噪音", category="environment")
    assert not DictionaryTerm.objects.exists() and not KeywordRule.objects.exists()


# --- training ---


@pytest.mark.django_db
def test_too_few_triaged_opinions(city: Congress, staff: User) -> None:
    _triaged(city, routing.MIN_TRIAGED - 1)
    with pytest.raises(InvalidInput) as error:
        routing.train(city)
    assert error.value.code == "too_few"
    with pytest.raises(InvalidInput):
        routing_actions.routing_retrain_request(actor=staff, congress=city)
    assert not RoutingModel.objects.exists()


@pytest.mark.django_db
def test_training_holds_out_a_stratified_split(city: Congress) -> None:
    opinions = _triaged(city, 300)
    run = routing.train(city)
    train_ids, holdout_ids = set(run.train_ids), set(run.holdout_ids)
    assert train_ids.isdisjoint(holdout_ids)
    assert train_ids | holdout_ids == {opinion.pk for opinion in opinions}
    model = run.model
    assert model.version == 1 and model.is_active and run.activated
    assert model.training_size == len(train_ids) and model.holdout_size == len(holdout_ids)
    assert model.params["holdout_ids"] == run.holdout_ids
    assert 0.15 <= len(holdout_ids) / 300 <= 0.25
    # Every category is represented in the held-out part (stratified).
    held_categories = {opinion.category for opinion in opinions if opinion.pk in holdout_ids}
    assert held_categories == {opinion.category for opinion in opinions}
    category = model.accuracy["category"]
    assert category["size"] == len(holdout_ids)
    assert set(category["classes"]) <= held_categories
    for figures in category["classes"].values():
        assert set(figures) == {"precision", "recall", "f1", "support"}
    assert sum(figures["support"] for figures in category["classes"].values()) == len(holdout_ids)
    assert model.accuracy["comparison"]["against"] == "rules"
    event = AuditEvent.objects.get(action="insight.routing_trained")
    assert event.summary["version"] == 1
    # The same seed gives the same split.
    again = routing.split_holdout([o.pk for o in opinions], [o.category for o in opinions])
    assert again == (run.train_ids, run.holdout_ids)


@pytest.mark.django_db
def test_activation_only_when_not_worse(city: Congress, monkeypatch: pytest.MonkeyPatch) -> None:
    _triaged(city, 250)
    first = routing.train(city)
    assert first.activated
    # A new version that scores worse on its own held-out part stays inactive; the old one stays on.
    real_evaluate = routing.evaluate

    def worse(classifiers: Any, documents: Any, labels: Any) -> dict[str, Any]:
        result = real_evaluate(classifiers, documents, labels)
        if set(labels) == {"category", "level", "unit"}:
            result["category"] = {**result["category"], "accuracy": 0.01}
        return result

    monkeypatch.setattr(routing, "evaluate", worse)
    second = routing.train(city)
    assert not second.activated and not second.model.is_active
    assert second.model.accuracy["comparison"]["against"] == "v1"
    assert second.model.accuracy["comparison"]["ours"] == 0.01
    assert RoutingModel.objects.get(is_active=True).version == 1
    monkeypatch.setattr(routing, "evaluate", real_evaluate)
    third = routing.train(city)
    assert third.activated  # the same data: not worse than v1
    assert list(RoutingModel.objects.filter(is_active=True).values_list("version", flat=True)) == [3]


@pytest.mark.django_db
def test_suggest_uses_active_model_and_analyse_stores_it(city: Congress) -> None:
    _triaged(city, 800)  # enough of every phrasing, whichever ids the database hands out
    run = routing.train(city)
    assert run.activated
    suggestion = routing.suggest(city, "我们小区路灯坏了好几盏，晚上漆黑一片，希望尽快处理。")
    assert suggestion.model_version == 1
    assert suggestion.category == "urban"
    assert suggestion.unit_id == Unit.objects.get(congress=city, name="市城市管理局").pk
    assert 0.0 < suggestion.confidence <= 1.0
    batch = routing.suggest_batch(city, ["公交车班次太少，早上等半小时", "工地拖欠农民工工资，快过年了还没发"])
    assert [item.category for item in batch] == ["traffic", "social"]
    opinion = Opinion.objects.create(
        congress=city, source=Source.PORTAL, text="学校门口没有斑马线，孩子过马路很危险", received_at=timezone.now()
    )
    analysis = routing.analyse(opinion)
    stored = OpinionAnalysis.objects.get(opinion=opinion)
    assert stored.suggested_category == analysis.suggested_category == "traffic"
    assert stored.model_version == 1 and "斑马线" in stored.tokens.split()
    assert opinion.category == ""  # a suggestion is never applied


@pytest.mark.django_db
def test_retrain_request_queues_the_job(city: Congress, staff: User, django_capture_on_commit_callbacks: Any) -> None:
    _triaged(city, 220)
    with django_capture_on_commit_callbacks(execute=True):
        routing_actions.routing_retrain_request(actor=staff, congress=city)
    model = RoutingModel.objects.get(congress=city)
    assert model.version == 1
    assert AuditEvent.objects.filter(action="insight.routing_retrain_requested").exists()
    assert AuditEvent.objects.get(action="insight.routing_trained").actor_id == staff.pk


@pytest.mark.django_db
def test_weekly_job_trains_congresses_due(city: Congress) -> None:
    from renda.insight import jobs

    _triaged(city, 210)
    night = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(3)))
    assert jobs.retrain_due_models(night.replace(hour=12)) == 0  # daytime: nothing
    assert jobs.retrain_due_models(night) == 1
    assert jobs.retrain_due_models(night + dt.timedelta(days=1)) == 0  # a week has not passed
    assert jobs.retrain_due_models(night + dt.timedelta(days=7)) == 1


# --- accuracy on the labelled set (never used for training) ---


def test_labelled_set_accuracy_floor() -> None:
    result = measure(6000, 1)
    model = result["model"]
    assert result["labelled_size"] == 1200
    assert model["category"]["accuracy"] >= CATEGORY_FLOOR
    assert model["level"]["accuracy"] >= LEVEL_FLOOR
    assert model["unit"]["accuracy"] >= UNIT_FLOOR
    # Better than the default keyword rules on the same rows.
    assert model["category"]["accuracy"] > result["rules"]["category"]["accuracy"]
    # No labelled text is in the training set.
    training_texts = {row.text for row in labelled.training_set(6000, 1)}
    assert training_texts.isdisjoint(row.text for row in labelled.load_labelled())


# --- pages and API ---


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["insight:dictionary", "insight:rules", "insight:models"])
def test_pages_staff_and_leader_read_others_refused(
    name: str, make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    assert client_for(make_person(Role.COMMITTEE_STAFF)).get(reverse(name)).status_code == 200
    assert client_for(make_person(Role.LEADER)).get(reverse(name)).status_code == 200
    for role in (Role.DEPUTY, Role.UNIT_OFFICER, Role.CITIZEN, Role.STATION_STAFF):
        assert client_for(make_person(role)).get(reverse(name)).status_code == 403, role


@pytest.mark.django_db
def test_pages_edit_dictionary_and_rules(
    city: Congress, staff: User, unit: Unit, make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(staff)
    response = client.post(reverse("insight:dictionary"), {"word": "翠湖天地"})
    assert response.status_code == 302
    term = DictionaryTerm.objects.get(congress=city)
    response = client.get(reverse("insight:dictionary"), {"text": "翠湖天地小区门口积水"})
    assert "翠湖天地</span>" in response.content.decode()
    response = client.post(reverse("insight:dictionary"), {"word": "翠湖天地"})
    assert response.status_code == 400 and "词典里已有" in response.content.decode()
    response = client.post(
        reverse("insight:rules"),
        {"keyword": "路灯", "category": "urban", "level": "L1", "unit": unit.pk, "priority": 20},
    )
    assert response.status_code == 302
    assert KeywordRule.objects.get(congress=city).unit == unit
    response = client.post(reverse("insight:rules"), {"keyword": "路灯", "category": "bad", "priority": 20})
    assert response.status_code == 400
    response = client.get(reverse("insight:models"), {"text": "晚上路灯不亮"})
    assert "关键词：路灯" in response.content.decode()
    leader = client_for(make_person(Role.LEADER))
    assert leader.post(reverse("insight:dictionary"), {"delete": term.pk}).status_code == 403
    assert leader.post(reverse("insight:retrain")).status_code == 403
    assert client.post(reverse("insight:dictionary"), {"delete": term.pk}).status_code == 302
    assert not DictionaryTerm.objects.exists()
    response = client.post(reverse("insight:retrain"))
    assert response.status_code == 400 and "至少 200 条" in response.content.decode()


@pytest.mark.django_db
def test_api_routing(
    city: Congress, staff: User, unit: Unit, make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(staff)
    body = {"keyword": "电梯", "category": "urban", "level": "L2", "unit_id": unit.pk, "priority": 10}
    response = client.post("/api/v1/insight/rules", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    rule_id = response.json()["id"]
    response = client.post(
        "/api/v1/insight/routing/suggest", {"text": "加装电梯进展太慢"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() | {"reasons": None} == {
        "category": "urban",
        "level": "L2",
        "unit_id": unit.pk,
        "confidence": 0.5,
        "model_version": 0,
        "reasons": None,
    }
    response = client.post("/api/v1/insight/dictionary", {"word": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "word"
    leader = client_for(make_person(Role.LEADER))
    assert leader.get("/api/v1/insight/rules").status_code == 200
    assert leader.get("/api/v1/insight/routing/models").status_code == 200
    assert leader.delete(f"/api/v1/insight/rules/{rule_id}").status_code == 403
    assert leader.post("/api/v1/insight/routing/retrain").status_code == 403
    deputy = client_for(make_person(Role.DEPUTY))
    assert deputy.get("/api/v1/insight/rules").status_code == 403
    assert (
        deputy.post("/api/v1/insight/routing/suggest", {"text": "电梯"}, content_type="application/json").status_code
        == 403
    )
    assert client.delete(f"/api/v1/insight/rules/{rule_id}").status_code == 204
    assert not KeywordRule.objects.exists()


def test_fast_single_row_matches_the_vectorizer() -> None:
    import numpy as np

    for row in labelled.load_labelled()[:50]:
        document = routing.document(tokens.cut(row.text))
        fast = routing._one_row(document).toarray()
        assert np.allclose(fast, routing._vectorizer().transform([document]).toarray())
