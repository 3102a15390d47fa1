"""API: routing suggestions, the domain dictionary, the keyword rules and the model versions.

Committee staff of the congress read and edit; its leaders read. The same actions as the pages
(``renda.insight.routing_actions``): 403 for the wrong role, 400 naming the field for bad input.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from renda.accounts.models import User
from renda.core.errors import NotPermitted
from renda.insight import routing, routing_actions, tokens
from renda.insight.models import DictionaryTerm, KeywordRule, RoutingModel
from renda.organizations.models import Congress

router = Router(tags=["民情分析"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _reader_congress(actor: User) -> Congress:
    congress_id = routing_actions.reader_congress(actor)
    if congress_id is None:
        raise NotPermitted("只有本级人大的工作人员和领导可以查看分流设置")
    return Congress.objects.get(pk=congress_id)


def _staff_congress(actor: User) -> Congress:
    congress_id = routing_actions.staff_congress_id(actor)
    if congress_id is None:
        raise NotPermitted("只有本级人大的工作人员可以维护分流设置")
    return Congress.objects.get(pk=congress_id)


# --- suggestions ---


class TextIn(Schema):
    text: str = Field(..., max_length=2000, description="意见内容")


class SuggestionOut(Schema):
    category: str = Field(description="建议类别（空表示无法建议）")
    level: str = Field(description="建议分级 L1/L2/L3")
    unit_id: int | None = Field(description="建议承办单位")
    confidence: float = Field(description="置信度：模型为最高预测概率，关键词规则固定 0.5")
    model_version: int = Field(description="模型版本；0 表示关键词规则")
    reasons: list[str]


class TokensOut(Schema):
    tokens: list[str]


@router.post("/insight/routing/suggest", response=SuggestionOut, summary="分流建议（只供参考，由工作人员决定）")
def suggest(request: HttpRequest, payload: TextIn) -> dict[str, Any]:
    congress = _reader_congress(_user(request))
    result = routing.suggest(congress, payload.text)
    return {**dataclasses.asdict(result), "reasons": list(result.reasons)}


@router.post("/insight/tokens", response=TokensOut, summary="分词（含本级领域词典）")
def tokenize(request: HttpRequest, payload: TextIn) -> dict[str, list[str]]:
    congress = _reader_congress(_user(request))
    return {"tokens": tokens.tokenize(payload.text, congress.pk)}


# --- dictionary ---


class TermIn(Schema):
    word: str = Field(..., max_length=60, description="词语（2–30 字）")


class TermOut(Schema):
    id: int
    word: str
    created_at: dt.datetime


@router.get("/insight/dictionary", response=list[TermOut], summary="本级领域词典")
def list_terms(request: HttpRequest) -> list[DictionaryTerm]:
    congress = _reader_congress(_user(request))
    return list(DictionaryTerm.objects.filter(congress=congress))


@router.post("/insight/dictionary", response={201: TermOut}, summary="加入领域词（工作人员）")
def add_term(request: HttpRequest, payload: TermIn) -> Status[DictionaryTerm]:
    actor = _user(request)
    term = routing_actions.dictionary_term_add(actor=actor, congress=_staff_congress(actor), word=payload.word)
    return Status(201, term)


@router.delete("/insight/dictionary/{int:word_id}", response={204: None}, summary="删除领域词（工作人员）")
def delete_term(request: HttpRequest, word_id: int) -> Status[None]:
    actor = _user(request)
    congress = _reader_congress(actor)
    term = DictionaryTerm.objects.filter(pk=word_id, congress=congress).first()
    if term is None:
        raise Http404
    routing_actions.dictionary_term_delete(actor=actor, term=term)
    return Status(204, None)


# --- keyword rules ---


class RuleIn(Schema):
    keyword: str = Field(..., max_length=60, description="关键词")
    category: str = Field(..., description="类别")
    level: str = Field("", description="分级 L1/L2/L3，可空")
    unit_id: int | None = Field(None, description="承办单位，可空")
    priority: int = Field(10, description="优先级 0–100，高者优先")


class RuleOut(Schema):
    id: int
    keyword: str
    category: str
    level: str
    unit_id: int | None
    priority: int


@router.get("/insight/rules", response=list[RuleOut], summary="关键词规则")
def list_rules(request: HttpRequest) -> list[KeywordRule]:
    congress = _reader_congress(_user(request))
    return list(KeywordRule.objects.filter(congress=congress))


@router.post("/insight/rules", response={201: RuleOut}, summary="新增关键词规则（工作人员）")
def add_rule(request: HttpRequest, payload: RuleIn) -> Status[KeywordRule]:
    actor = _user(request)
    rule = routing_actions.keyword_rule_add(
        actor=actor,
        congress=_staff_congress(actor),
        keyword=payload.keyword,
        category=payload.category,
        level=payload.level,
        unit_id=payload.unit_id,
        priority=payload.priority,
    )
    return Status(201, rule)


@router.delete("/insight/rules/{int:rule_id}", response={204: None}, summary="删除关键词规则（工作人员）")
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    actor = _user(request)
    congress = _reader_congress(actor)
    rule = KeywordRule.objects.filter(pk=rule_id, congress=congress).first()
    if rule is None:
        raise Http404
    routing_actions.keyword_rule_delete(actor=actor, rule=rule)
    return Status(204, None)


class CountOut(Schema):
    added: int


@router.post("/insight/rules/defaults", response=CountOut, summary="载入默认关键词规则（工作人员）")
def load_default_rules(request: HttpRequest) -> dict[str, int]:
    actor = _user(request)
    return {"added": routing_actions.keyword_rules_load_defaults(actor=actor, congress=_staff_congress(actor))}


# --- models ---


class ModelOut(Schema):
    id: int
    version: int
    trained_at: dt.datetime
    training_size: int
    holdout_size: int
    is_active: bool
    accuracy: dict[str, Any] = Field(
        description="留出测试集上的准确率：按目标（类别/分级/单位），逐类精确率、召回率、F1、样本数"
    )


@router.get("/insight/routing/models", response=list[ModelOut], summary="分流模型版本及准确率")
def list_models(request: HttpRequest) -> list[RoutingModel]:
    congress = _reader_congress(_user(request))
    return list(RoutingModel.objects.filter(congress=congress).defer("artifact").order_by("-version")[:50])


class QueuedOut(Schema):
    queued: bool


@router.post("/insight/routing/retrain", response={202: QueuedOut}, summary="立即重新训练（工作人员）")
def retrain(request: HttpRequest) -> Status[dict[str, bool]]:
    actor = _user(request)
    routing_actions.routing_retrain_request(actor=actor, congress=_staff_congress(actor))
    return Status(202, {"queued": True})
