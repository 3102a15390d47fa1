"""Full-text search: the jieba words, AND semantics, the index kept in sync, hostile input, role scoping."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from renda.conftest import login_client
from renda.core.errors import InvalidInput
from renda.suggestions import actions, permissions
from renda.suggestions.models import SearchEntry, Suggestion
from renda.suggestions.search import query_words, reindex_all, search, tokens
from renda.suggestions.tests.conftest import SuggestionWorld, drive


def found(user: object, query: str) -> list[int]:
    return list(search(permissions.suggestions_visible_to(user), query).values_list("pk", flat=True))  # type: ignore[arg-type]


@pytest.fixture
def bus(sw: SuggestionWorld) -> Suggestion:
    return drive(
        sw,
        "registered",
        title="关于增设公交线路的建议",
        body="城东新区居民出行不便，建议增设通往火车站的公交线路，并延长末班车时间。",
        category="urban",
    )


def test_tokens_are_jieba_words_lower_cased_without_punctuation() -> None:
    words = tokens("关于老旧小区加装电梯的建议！ABC，")
    assert {"老旧", "小区", "加装", "电梯", "建议", "abc"} <= set(words)
    assert "！" not in words and "，" not in words
    # Cut for search: the long word and its parts are both stored.
    assert {"公交", "线路", "公交线路"} <= set(tokens("增设公交线路"))
    # A query is cut in precise mode, so it matches the long word the text stored.
    assert query_words("公交线路 公交线路") == ["公交线路"]


def test_every_word_must_match(sw: SuggestionWorld, bus: Suggestion) -> None:
    lift = drive(sw, "registered")
    assert found(sw.staff, "电梯") == [lift.pk]
    assert found(sw.staff, "公交线路") == [bus.pk]
    assert found(sw.staff, "加装电梯") == [lift.pk]
    assert found(sw.staff, "电梯 公交") == []
    assert found(sw.staff, "建议") == [lift.pk, bus.pk]  # newest first
    assert found(sw.staff, "地铁") == []


def test_the_index_follows_edits_and_sent_replies(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "draft")
    assert found(sw.deputy, "电梯") == [suggestion.pk]
    actions.suggestion_update(
        actor=sw.deputy,
        suggestion=suggestion,
        title="关于修缮学校操场的建议",
        body="操场破损。",
        category="education",
        phase="session",
        session=sw.session,
    )
    assert found(sw.deputy, "电梯") == []
    assert found(sw.deputy, "操场") == [suggestion.pk]


def test_reply_text_is_searchable_once_sent(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")  # the reply "已将加装电梯列入今年计划。" awaits the head's approval
    assert found(sw.staff, "今年计划") == []
    reply = suggestion.assignments.get(unit=sw.lead_unit).replies.get()
    actions.reply_approve(actor=sw.lead_head, reply=reply)
    assert found(sw.staff, "今年计划") == [suggestion.pk]
    assert found(sw.deputy, "计划") == [suggestion.pk]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '电梯"',
        "电梯*",
        "NEAR(电梯",
        "tokens:电梯",
        "电梯 AND OR NOT",
        "^电梯",
        "电梯 -公交",
        "'; DROP TABLE suggestions_searchentry; --",
        "电梯 | 公交 & !",
        "(((",
        "%_\\",
    ],
)
def test_special_characters_cannot_break_the_query(sw: SuggestionWorld, query: str) -> None:
    lift = drive(sw, "registered")
    result = found(sw.staff, query)
    assert result in ([], [lift.pk])
    assert SearchEntry.objects.filter(suggestion=lift).exists()


def test_special_characters_are_ignored_around_real_words(sw: SuggestionWorld) -> None:
    lift = drive(sw, "registered")
    assert found(sw.staff, '"电梯"') == [lift.pk]
    assert found(sw.staff, "电梯*") == [lift.pk]
    assert found(sw.staff, "！！！") == []


def test_blank_or_long_query_is_refused_on_q(sw: SuggestionWorld) -> None:
    visible = permissions.suggestions_visible_to(sw.staff)
    for query in ("", "   "):
        with pytest.raises(InvalidInput) as blank:
            search(visible, query)
        assert blank.value.field == "q" and blank.value.code == "required"
    with pytest.raises(InvalidInput) as long:
        search(visible, "电" * 101)
    assert long.value.field == "q" and long.value.code == "too_long"
    assert list(search(visible, "电" * 100)) == []


def test_results_are_scoped_to_what_the_person_may_see(sw: SuggestionWorld, bus: Suggestion) -> None:
    lift = drive(sw, "assigned")  # assigned to lead_unit (lead) and co_unit (co)
    draft = drive(sw, "draft", title="关于电梯维保的建议", body="电梯维保费用高。")
    # Units see only what is assigned to them.
    assert found(sw.lead_officer, "电梯") == [lift.pk]
    assert found(sw.co_officer, "电梯") == [lift.pk]
    assert found(sw.other_officer, "电梯") == []
    assert found(sw.other_officer, "公交") == []
    # Deputies: their own items (drafts too) and those they co-signed, never another's draft.
    assert found(sw.deputy, "电梯") == [draft.pk, lift.pk]
    assert found(sw.cosigners[0], "电梯") == [lift.pk]
    assert found(sw.outsider_deputy, "电梯") == []
    # Staff of the congress see every submitted item, not drafts; another congress sees nothing.
    assert found(sw.staff, "电梯") == [lift.pk]
    assert found(sw.other_staff, "电梯") == []
    assert found(sw.citizen, "电梯") == []
    # Once disclosed, the public roles find it too.
    actions.disclosure_set(actor=sw.staff, suggestion=lift, is_public=True)
    assert found(sw.citizen, "电梯") == [lift.pk]
    assert found(sw.outsider_deputy, "电梯") == [lift.pk]


def test_reindex_rebuilds_entries_and_index(sw: SuggestionWorld, bus: Suggestion) -> None:
    lift = drive(sw, "replied")
    SearchEntry.objects.all().delete()
    assert found(sw.staff, "电梯") == []
    assert reindex_all(batch_size=1) == 2
    assert found(sw.staff, "电梯") == [lift.pk]
    assert found(sw.staff, "今年计划") == [lift.pk]  # the sent reply is indexed too
    SearchEntry.objects.filter(suggestion=bus).update(tokens="")
    call_command("suggestions_reindex", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert found(sw.staff, "公交") == [bus.pk]


# --- the page ---


def test_search_page_lists_what_the_person_may_see(sw: SuggestionWorld, bus: Suggestion) -> None:
    lift = drive(sw, "assigned")
    url = reverse("suggestions:search")
    response = login_client(sw.lead_officer).get(url, {"q": "电梯"})
    assert response.status_code == 200
    page = response.content.decode()
    assert lift.title in page and reverse("suggestions:detail", args=[lift.pk]) in page
    response = login_client(sw.other_officer).get(url, {"q": "电梯"})
    assert response.status_code == 200
    assert lift.title not in response.content.decode()
    assert "没有找到" in response.content.decode()


def test_search_page_explains_a_blank_query(sw: SuggestionWorld) -> None:
    client = login_client(sw.staff)
    url = reverse("suggestions:search")
    assert client.get(url).status_code == 200  # the empty form
    response = client.get(url, {"q": "  "})
    assert response.status_code == 400
    assert "请输入检索词" in response.content.decode()
    response = client.get(url, {"q": "长" * 101})
    assert response.status_code == 400
    assert "不能超过 100 个字" in response.content.decode()


def test_search_page_needs_login(client: Client) -> None:
    response = client.get(reverse("suggestions:search"), {"q": "电梯"})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_search_page_paginates(sw: SuggestionWorld) -> None:
    for number in range(23):
        drive(sw, "submitted", title=f"关于电梯问题的第{number}件建议")
    client = login_client(sw.staff)
    first = client.get(reverse("suggestions:search"), {"q": "电梯"}).content.decode()
    assert first.count('data-testid="search-result"') == 20
    assert "page=2" in first
    second = client.get(reverse("suggestions:search"), {"q": "电梯", "page": 2}).content.decode()
    assert second.count('data-testid="search-result"') == 3


# --- the API ---


def test_api_search_is_role_scoped(sw: SuggestionWorld, bus: Suggestion) -> None:
    lift = drive(sw, "assigned")
    response = login_client(sw.lead_officer).get("/api/v1/suggestions/search", {"q": "电梯"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["results"][0]["id"] == lift.pk
    assert body["results"][0]["lead_deputy"] == "王建国"
    response = login_client(sw.other_officer).get("/api/v1/suggestions/search", {"q": "电梯"})
    assert response.json()["count"] == 0


def test_api_search_refuses_a_blank_query(sw: SuggestionWorld) -> None:
    client = login_client(sw.staff)
    response = client.get("/api/v1/suggestions/search", {"q": " "})
    assert response.status_code == 400
    assert response.json() == {"code": "required", "message": "请输入检索词", "field": "q"}
    response = client.get("/api/v1/suggestions/search")
    assert response.status_code == 400 and response.json()["field"] == "q"
    response = client.get("/api/v1/suggestions/search", {"q": "长" * 101})
    assert response.status_code == 400 and response.json()["code"] == "too_long"


def test_api_search_needs_login(client: Client) -> None:
    assert client.get("/api/v1/suggestions/search", {"q": "电梯"}).status_code == 401
