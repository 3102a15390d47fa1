"""Full-text search over opinions: terms, 1- and 2-character queries, visibility, the page and the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from renda.accounts.models import User
from renda.conftest import login_client
from renda.opinions import search
from renda.opinions.actions import opinion_submit
from renda.opinions.models import Opinion, Source
from renda.opinions.permissions import opinions_visible_to
from renda.organizations.models import Congress
from renda.organizations.roles import Role

LAMP = "幸福路12号门口的路灯坏了三个月，晚上出行很不方便，请尽快修复。"
LIFT = "阳光小区5栋申请加装电梯，老人上下楼太困难了，希望给予支持。"
NOISE = "和平街夜间施工噪音扰民，凌晨两点还在打桩，居民无法休息。"


def submit(congress: Congress, text: str) -> Opinion:
    return opinion_submit(actor=None, congress=congress, text=text, source=Source.PORTAL)


def acting(user: User) -> User:
    """The user acting in their only role, as the role middleware sets it."""
    user.active_assignment = user.role_assignments.get()
    return user


def found(user: User | None, query: str) -> set[str]:
    if user is not None:
        acting(user)
    return {opinion.text for opinion in search.search(opinions_visible_to(user), query)}


# --- terms (no database) ---


def test_terms_are_bigrams_in_order_then_distinct_unigrams() -> None:
    assert search.terms("路灯坏了，灯") == "路灯 灯坏 坏了 路 灯 坏 了"


def test_ascii_runs_are_one_unit_and_full_width_is_normalised() -> None:
    assert search.terms("幸福路１２号 ABC") == "幸福 福路 路12 12号 幸 福 路 12 号 abc"


def test_query_phrases() -> None:
    assert search.query_phrases("灯") == [["灯"]]
    assert search.query_phrases("路灯") == [["路灯"]]
    assert search.query_phrases("加装电梯") == [["加装", "装电", "电梯"]]
    assert search.query_phrases("路灯  12号") == [["路灯"], ["12号"]]
    assert search.query_phrases("，。！") == []


# --- searching (the intake hook indexes each opinion) ---


@pytest.fixture
def corpus(city: Congress, other_city: Congress) -> dict[str, Opinion]:
    return {
        "lamp": submit(city, LAMP),
        "lift": submit(city, LIFT),
        "noise": submit(city, NOISE),
        "elsewhere": submit(other_city, "河州市人民路的路灯不亮，晚上很黑，请修一下。"),
    }


@pytest.fixture
def staff(make_person: Callable[..., User]) -> User:
    return make_person(Role.COMMITTEE_STAFF)


@pytest.mark.django_db
def test_received_opinion_is_indexed(corpus: dict[str, Opinion]) -> None:
    lamp = corpus["lamp"]
    assert search.indexed_terms([lamp.pk]) == {lamp.pk: search.terms(LAMP)}


@pytest.mark.django_db
def test_one_and_two_character_queries(corpus: dict[str, Opinion], staff: User) -> None:
    assert found(staff, "灯") == {LAMP}
    assert found(staff, "梯") == {LIFT}
    assert found(staff, "路灯") == {LAMP}
    assert found(staff, "电梯") == {LIFT}  # inside the dictionary word 加装电梯
    assert found(staff, "噪音") == {NOISE}
    assert found(staff, "夜") == {NOISE}


@pytest.mark.django_db
def test_longer_queries_are_exact_substrings(corpus: dict[str, Opinion], staff: User) -> None:
    assert found(staff, "加装电梯") == {LIFT}
    assert found(staff, "路灯坏了") == {LAMP}
    assert found(staff, "12号") == {LAMP}
    assert found(staff, "灯路") == set()  # both characters are there, not in this order
    assert found(staff, "坏了三个月") == {LAMP}
    assert found(staff, "了晚") == set()  # a bigram never spans punctuation (了，晚)


@pytest.mark.django_db
def test_every_word_must_match(corpus: dict[str, Opinion], staff: User) -> None:
    assert found(staff, "晚上 路灯") == {LAMP}
    assert found(staff, "晚上 电梯") == set()
    assert found(staff, "老人 电梯") == {LIFT}


@pytest.mark.django_db
def test_results_respect_visibility(
    corpus: dict[str, Opinion], staff: User, make_person: Callable[..., User], other_city: Congress
) -> None:
    leader = make_person(Role.LEADER)
    other_staff = make_person(Role.COMMITTEE_STAFF, congress=other_city)
    officer = make_person(Role.UNIT_OFFICER)  # nothing dispatched to the unit
    citizen = make_person(Role.CITIZEN)
    assert found(leader, "路灯") == {LAMP}
    assert found(other_staff, "路灯") == {corpus["elsewhere"].text}
    assert found(officer, "路灯") == set()
    assert found(None, "路灯") == set()
    assert found(citizen, "路灯") == set()  # a citizen finds only their own opinions


@pytest.mark.django_db
def test_bad_queries_are_refused(staff: User) -> None:
    from renda.core.errors import InvalidInput

    for query in ("", "   ", "路" * 101):
        with pytest.raises(InvalidInput) as error:
            search.search(opinions_visible_to(acting(staff)), query)
        assert error.value.field == "q"
    assert list(search.search(opinions_visible_to(acting(staff)), "，。")) == []


@pytest.mark.django_db
def test_reindex_rebuilds_the_index(corpus: dict[str, Opinion], staff: User) -> None:
    search.unindex([opinion.pk for opinion in corpus.values()])
    assert found(staff, "灯") == set()
    assert search.reindex() == 4
    assert found(staff, "灯") == {LAMP}
    assert search.reindex(Opinion.objects.filter(pk=corpus["lamp"].pk)) == 1
    assert found(staff, "灯") == {LAMP}
    assert search.indexed_terms([corpus["lamp"].pk]) == {corpus["lamp"].pk: search.terms(LAMP)}


# --- the page and the API ---


@pytest.mark.django_db
def test_search_page(corpus: dict[str, Opinion], staff: User) -> None:
    client = login_client(staff)
    response = client.get(reverse("opinions:search"), {"q": "灯"})
    assert response.status_code == 200
    assert [opinion.pk for opinion in response.context["page"]] == [corpus["lamp"].pk]
    assert "幸福路12号" in response.content.decode()
    response = client.get(reverse("opinions:search"))
    assert response.status_code == 200
    assert response.context["page"] is None
    response = client.get(reverse("opinions:search"), {"q": " "})
    assert response.status_code == 400
    assert "请输入检索词" in response.content.decode()


@pytest.mark.django_db
def test_search_page_shows_html_as_text(city: Congress, staff: User) -> None:
    submit(city, "<script>alert(1)</script>路灯坏了很久了，请尽快修复一下。")
    response = login_client(staff).get(reverse("opinions:search"), {"q": "路灯"})
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


@pytest.mark.django_db
def test_search_page_needs_login() -> None:
    response = Client().get(reverse("opinions:search"), {"q": "灯"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_search_api(corpus: dict[str, Opinion], staff: User, make_person: Callable[..., User]) -> None:
    client = login_client(staff)
    response = client.get("/api/v1/opinions/search", {"q": "电梯"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == corpus["lift"].pk
    response = client.get("/api/v1/opinions/search", {"q": "路" * 101})
    assert response.status_code == 400
    assert "检索词" in response.json()["message"]
    officer = make_person(Role.UNIT_OFFICER)
    response = login_client(officer).get("/api/v1/opinions/search", {"q": "电梯"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
