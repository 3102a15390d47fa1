"""Staff's actions on routing: the domain dictionary, the keyword rules, retraining (domain.md §3.2).

Who: the committee staff of the congress edit and retrain (``triage_congress_id``); its leaders read
(``reader_congress_id``). Each action checks that first, then its input, then changes and writes one
audit event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from renda.core.audit import audit_record
from renda.core.errors import InvalidInput, NotPermitted
from renda.insight import routing, tokens
from renda.insight.models import DictionaryTerm, KeywordRule
from renda.opinions.models import Category, Level
from renda.opinions.permissions import reader_congress_id, triage_congress_id
from renda.organizations.models import Congress, Unit

if TYPE_CHECKING:
    from renda.accounts.models import User

WORD_MAX = 30
PRIORITY_MAX = 100

# The default keyword rules (cold start): keyword, category, level, the handling unit's name.
DEFAULT_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("路灯", "urban", "L1", "市城市管理局"),
    ("加装电梯", "urban", "L2", "市住房和城乡建设局"),
    ("电梯", "urban", "L2", "市住房和城乡建设局"),
    ("物业", "urban", "L1", "市住房和城乡建设局"),
    ("老旧小区", "urban", "L2", "市住房和城乡建设局"),
    ("违章搭建", "urban", "L1", "市城市管理局"),
    ("违法建设", "urban", "L1", "市城市管理局"),
    ("积水", "urban", "L1", "市水务局"),
    ("下水道", "urban", "L1", "市水务局"),
    ("井盖", "urban", "L1", "市水务局"),
    ("停车", "traffic", "L1", "市公安局"),
    ("公交", "traffic", "L3", "市交通运输局"),
    ("红绿灯", "traffic", "L2", "市公安局"),
    ("信号灯", "traffic", "L2", "市公安局"),
    ("斑马线", "traffic", "L2", "市公安局"),
    ("路面", "traffic", "L2", "市交通运输局"),
    ("断头路", "traffic", "L3", "市交通运输局"),
    ("噪音", "environment", "L1", "市生态环境局"),
    ("油烟", "environment", "L1", "市生态环境局"),
    ("扬尘", "environment", "L2", "市生态环境局"),
    ("排污", "environment", "L2", "市生态环境局"),
    ("黑臭", "environment", "L2", "市生态环境局"),
    ("垃圾", "environment", "L1", "市城市管理局"),
    ("学位", "education", "L2", "市教育局"),
    ("入学", "education", "L2", "市教育局"),
    ("培训", "education", "L2", "市教育局"),
    ("挂号", "health", "L3", "市卫生健康委员会"),
    ("医院", "health", "L3", "市卫生健康委员会"),
    ("医保", "health", "L3", "市医疗保障局"),
    ("养老", "social", "L2", "市民政局"),
    ("低保", "social", "L1", "市民政局"),
    ("工资", "social", "L2", "市人力资源和社会保障局"),
    ("社保", "social", "L3", "市人力资源和社会保障局"),
    ("过期", "market", "L2", "市市场监督管理局"),
    ("预付卡", "market", "L2", "市市场监督管理局"),
    ("摊贩", "market", "L1", "市城市管理局"),
    ("占道经营", "market", "L1", "市城市管理局"),
    ("消防", "safety", "L2", "市应急管理局"),
    ("诈骗", "safety", "L3", "市公安局"),
    ("治安", "safety", "L2", "市公安局"),
    ("灌溉", "rural", "L1", "市农业农村局"),
    ("自来水", "rural", "L1", "市水务局"),
    ("村务", "governance", "L1", "市民政局"),
    ("办事", "governance", "L2", "市行政审批服务局"),
)


# --- who ---


def staff_congress_id(user: User | None) -> int | None:
    """The congress whose dictionary, rules and models the user edits now: its committee staff."""
    return triage_congress_id(user)


def reader_congress(user: User | None) -> int | None:
    """The congress whose routing pages the user may read: committee staff and leaders."""
    return reader_congress_id(user)


def _require_staff(actor: User | None, congress: Congress) -> None:
    if staff_congress_id(actor) != congress.pk:
        raise NotPermitted("只有本级人大的工作人员可以维护分流设置")


def _clean_word(value: object, *, field: str, label: str) -> str:
    word = "".join(str(value or "").split())
    if not word:
        raise InvalidInput(f"{label}不能为空", code="required", field=field)
    if len(word) > WORD_MAX:
        raise InvalidInput(f"{label}不能超过 {WORD_MAX} 个字", code="too_long", field=field)
    return word


# --- the domain dictionary ---


@transaction.atomic
def dictionary_term_add(*, actor: User, congress: Congress, word: str) -> DictionaryTerm:
    _require_staff(actor, congress)
    cleaned = _clean_word(word, field="word", label="词语")
    if len(cleaned) < 2:
        raise InvalidInput("词语至少 2 个字", code="too_short", field="word")
    if DictionaryTerm.objects.filter(congress=congress, word=cleaned).exists():
        raise InvalidInput(f"词典里已有“{cleaned}”", code="duplicate", field="word")
    term = DictionaryTerm.objects.create(congress=congress, word=cleaned, created_by=actor)
    audit_record(actor=actor, action="insight.dictionary_term_added", target=term, congress=congress)
    # Now (this process reads its own write) and again once committed (a read in between re-cached it).
    tokens.forget_dictionary(congress.pk)
    transaction.on_commit(lambda: tokens.forget_dictionary(congress.pk))
    return term


@transaction.atomic
def dictionary_term_delete(*, actor: User, term: DictionaryTerm) -> None:
    congress = term.congress
    _require_staff(actor, congress)
    audit_record(
        actor=actor,
        action="insight.dictionary_term_deleted",
        target=term,
        congress=congress,
        summary={"word": term.word},
    )
    term.delete()
    tokens.forget_dictionary(congress.pk)
    transaction.on_commit(lambda: tokens.forget_dictionary(congress.pk))


# --- the keyword rules ---


def _unit_of(congress: Congress, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None or unit.congress_id != congress.pk:
        raise InvalidInput("承办单位不存在或不属于本级人大", code="invalid_unit", field="unit")
    return unit


@transaction.atomic
def keyword_rule_add(
    *,
    actor: User,
    congress: Congress,
    keyword: str,
    category: str,
    level: str = "",
    unit_id: int | None = None,
    priority: int = 10,
) -> KeywordRule:
    _require_staff(actor, congress)
    cleaned = _clean_word(keyword, field="keyword", label="关键词")
    if category not in Category.values:
        raise InvalidInput("类别的取值无效", code="invalid_choice", field="category")
    if level and level not in Level.values:
        raise InvalidInput("分级的取值无效", code="invalid_choice", field="level")
    if not 0 <= priority <= PRIORITY_MAX:
        raise InvalidInput(f"优先级应在 0 到 {PRIORITY_MAX} 之间", code="out_of_range", field="priority")
    unit = _unit_of(congress, unit_id)
    if KeywordRule.objects.filter(congress=congress, keyword=cleaned).exists():
        raise InvalidInput(f"已有关键词“{cleaned}”的规则", code="duplicate", field="keyword")
    rule = KeywordRule.objects.create(
        congress=congress,
        keyword=cleaned,
        category=category,
        level=level,
        unit=unit,
        priority=priority,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="insight.keyword_rule_added",
        target=rule,
        congress=congress,
        summary={"category": category, "level": level, "unit": unit.pk if unit else None, "priority": priority},
    )
    routing.forget_rules(congress.pk)
    transaction.on_commit(lambda: routing.forget_rules(congress.pk))
    return rule


@transaction.atomic
def keyword_rule_delete(*, actor: User, rule: KeywordRule) -> None:
    congress = rule.congress
    _require_staff(actor, congress)
    audit_record(
        actor=actor,
        action="insight.keyword_rule_deleted",
        target=rule,
        congress=congress,
        summary={"keyword": rule.keyword},
    )
    rule.delete()
    routing.forget_rules(congress.pk)
    transaction.on_commit(lambda: routing.forget_rules(congress.pk))


@transaction.atomic
def keyword_rules_load_defaults(*, actor: User | None, congress: Congress) -> int:
    """Add the default rules the congress lacks (a unit is matched by name among its units). ``actor=None``: demo."""
    if actor is not None:
        _require_staff(actor, congress)
    units = dict(Unit.objects.filter(congress=congress, is_active=True).values_list("name", "pk"))
    existing = set(KeywordRule.objects.filter(congress=congress).values_list("keyword", flat=True))
    new = [
        KeywordRule(
            congress=congress,
            keyword=keyword,
            category=category,
            level=level,
            unit_id=units.get(unit_name),
            priority=10 + len(keyword),
            created_by=actor,
        )
        for keyword, category, level, unit_name in DEFAULT_RULES
        if keyword not in existing
    ]
    KeywordRule.objects.bulk_create(new)
    audit_record(
        actor=actor, action="insight.keyword_rules_defaults_loaded", congress=congress, summary={"added": len(new)}
    )
    routing.forget_rules(congress.pk)
    transaction.on_commit(lambda: routing.forget_rules(congress.pk))
    return len(new)


# --- retraining ---


@transaction.atomic
def routing_retrain_request(*, actor: User, congress: Congress) -> None:
    """Staff's "立即重新训练": queue the training job (run in-process without a broker)."""
    _require_staff(actor, congress)
    triaged = routing.triaged_count(congress)
    if triaged < routing.MIN_TRIAGED:
        raise InvalidInput(
            f"已分流的意见只有 {triaged} 条，至少 {routing.MIN_TRIAGED} 条才能训练模型",
            code="too_few",
            field="congress",
        )
    audit_record(actor=actor, action="insight.routing_retrain_requested", congress=congress)
    actor_id = actor.pk
    transaction.on_commit(lambda: _enqueue(congress.pk, actor_id))


def _enqueue(congress_id: int, actor_id: int | None) -> None:
    from renda.insight.tasks import retrain_routing

    retrain_routing.delay(congress_id, actor_id)
