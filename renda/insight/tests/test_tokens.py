"""Tokens: rjieba with the base domain dictionary and the congress's own words; stop-words dropped."""

from __future__ import annotations

import pytest

from renda.insight import tokens
from renda.insight.models import DictionaryTerm
from renda.organizations.models import Congress


def test_base_dictionary_words_stay_whole() -> None:
    result = tokens.tokenize("小区加装电梯的事情一直没人管，老旧小区停车难，晚上噪音扰民")
    assert "加装电梯" in result
    assert "老旧小区" in result
    assert "停车难" in result
    assert "噪音扰民" in result
    assert "加装" not in result and "电梯" not in result


def test_stop_words_and_punctuation_dropped() -> None:
    result = tokens.tokenize("希望有关部门尽快解决！！我们的路灯坏了，谢谢。<script>")
    assert "路灯" in result
    for dropped in ("希望", "的", "我们", "谢谢", "！", "，", "。", "<", ">", "尽快"):
        assert dropped not in result
    assert "script" in result  # markup is just text here; it is escaped wherever it is shown


def test_merge_keeps_congress_words_whole() -> None:
    words = frozenset({"翠湖天地", "路灯坏"})
    assert tokens.cut("翠湖天地小区门口积水")[:2] == ["翠湖", "天地"]
    assert tokens.cut("翠湖天地小区门口积水", words)[:2] == ["翠湖天地", "小区"]
    assert "路灯坏" in tokens.cut("幸福路的路灯坏了三个月", words)


@pytest.mark.django_db
def test_congress_dictionary_is_per_congress(city: Congress, other_city: Congress) -> None:
    DictionaryTerm.objects.create(congress=city, word="翠湖天地")
    tokens.forget_dictionary()
    assert "翠湖天地" in tokens.tokenize("翠湖天地小区门口积水", city.pk)
    assert "翠湖天地" not in tokens.tokenize("翠湖天地小区门口积水", other_city.pk)
    assert tokens.load_dictionary(city.pk) == frozenset({"翠湖天地"})
    assert tokens.load_dictionary(None) == frozenset()


def test_empty_and_odd_input() -> None:
    assert tokens.tokenize("") == []
    assert tokens.tokenize("   ，。！") == []
    assert tokens.tokenize("ABC Road 12号") == ["abc", "road", "12", "号"]
