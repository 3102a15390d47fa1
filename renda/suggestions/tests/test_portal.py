"""The public portal: only disclosed items, only sent replies, nothing internal, open without login."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.suggestions import actions
from renda.suggestions.models import Suggestion
from renda.suggestions.tests.conftest import SuggestionWorld, drive

SECRETS = ("不属于本单位职责", "情况复杂需要延期", "沟通内容保密", "13800138000", "评价意见保密", "内部审核意见")


def disclose(sw: SuggestionWorld, suggestion: Suggestion) -> Suggestion:
    actions.disclosure_set(actor=sw.staff, suggestion=suggestion, is_public=True)
    suggestion.refresh_from_db()
    return suggestion


@pytest.fixture
def replied(sw: SuggestionWorld) -> Suggestion:
    """A disclosed, replied item with every kind of internal record around it."""
    suggestion = drive(sw, "assigned")
    lead = suggestion.assignments.get(unit=sw.lead_unit)
    co = suggestion.assignments.get(unit=sw.co_unit)
    actions.dispute_raise(actor=sw.co_officer, assignment=co, reason="不属于本单位职责")
    actions.extension_request(
        actor=sw.lead_officer,
        assignment=lead,
        requested_due=(lead.due_at + dt.timedelta(days=30)).date(),
        reason="情况复杂需要延期",
    )
    actions.communication_add(
        actor=sw.lead_officer,
        assignment=lead,
        kind="phone",
        date=timezone.localdate(),
        participants="王建国代表",
        content="沟通内容保密",
    )
    reply = actions.reply_prepare(
        actor=sw.lead_officer,
        assignment=lead,
        category="A",
        text="已将加装电梯列入今年民生实事计划。",
        contact_person="刘科长",
        contact_phone="13800138000",
    )
    actions.reply_approve(actor=sw.lead_head, reply=reply)
    actions.suggestion_evaluate(
        actor=sw.deputy,
        suggestion=suggestion,
        process_rating="satisfied",
        result_rating="satisfied",
        comment="评价意见保密",
    )
    return disclose(sw, suggestion)


def test_portal_lists_only_disclosed_registered_items(sw: SuggestionWorld, client: Client, replied: Suggestion) -> None:
    hidden = drive(sw, "registered", title="关于未公开事项的建议")
    draft = drive(sw, "draft", title="关于草稿事项的建议")
    submitted = drive(sw, "submitted", title="关于待审核事项的建议")
    disclose(sw, submitted)  # disclosed but not yet registered: not on the portal
    response = client.get(reverse("portal:suggestions"))
    assert response.status_code == 200
    page = response.content.decode()
    assert replied.title in page and reverse("portal:suggestion", args=[replied.pk]) in page
    for other in (hidden, draft, submitted):
        assert other.title not in page
    assert page.count('data-testid="portal-item"') == 1


def test_portal_detail_shows_public_facts_and_sent_replies_only(
    sw: SuggestionWorld, client: Client, replied: Suggestion
) -> None:
    # A second-round reply still awaiting approval must not show.
    response = client.get(reverse("portal:suggestion", args=[replied.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for fact in (replied.title, replied.number, "城乡建设", "王建国", "2 人", replied.body[:20]):
        assert fact in page, fact
    assert "市住房和城乡建设局" in page and "市自然资源和规划局" in page  # handling units
    assert "已将加装电梯列入今年民生实事计划" in page
    assert "已经解决或基本解决" in page  # the category label
    for secret in SECRETS:
        assert secret not in page, secret
    assert "刘科长" not in page


def test_unsent_reply_is_not_shown(sw: SuggestionWorld, client: Client) -> None:
    suggestion = disclose(sw, drive(sw, "drafted"))
    page = client.get(reverse("portal:suggestion", args=[suggestion.pk])).content.decode()
    assert "已将加装电梯列入今年计划" not in page
    assert "尚未答复" in page


def test_undisclosed_or_withdrawn_items_are_404(sw: SuggestionWorld, client: Client) -> None:
    hidden = drive(sw, "registered")
    draft = drive(sw, "draft")
    assert client.get(reverse("portal:suggestion", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("portal:suggestion", args=[draft.pk])).status_code == 404
    assert client.get(reverse("portal:suggestion", args=[999999])).status_code == 404
    public = disclose(sw, drive(sw, "registered", title="关于撤回事项的建议"))
    assert client.get(reverse("portal:suggestion", args=[public.pk])).status_code == 200
    actions.suggestion_withdraw(actor=sw.deputy, suggestion=public, reason="已解决")
    assert client.get(reverse("portal:suggestion", args=[public.pk])).status_code == 404
    actions.disclosure_set(actor=sw.staff, suggestion=hidden, is_public=False)
    assert client.get("/api/v1/portal/suggestions/%d" % hidden.pk).status_code == 404  # noqa: UP031


def test_portal_filters(sw: SuggestionWorld, client: Client, replied: Suggestion) -> None:
    school = drive(
        sw, "registered", title="关于扩建中小学校舍的建议", body="学位紧张，建议扩建校舍。", category="education"
    )
    actions.suggestion_assign(actor=sw.staff, suggestion=school, plan=actions.Plan(lead=sw.other_unit))
    school = disclose(sw, school)
    url = reverse("portal:suggestions")

    def titles(**params: object) -> set[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        page = response.content.decode()
        return {item.title for item in (replied, school) if item.title in page}

    both = {replied.title, school.title}
    assert titles() == both
    assert titles(category="education") == {school.title}
    assert titles(category="nonsense") == both
    assert titles(unit=sw.lead_unit.pk) == {replied.title}
    assert titles(unit=sw.other_unit.pk) == {school.title}
    assert titles(year=replied.year) == both
    assert titles(year=replied.year - 1) == set()
    assert titles(year="abc") == both
    assert titles(q="电梯") == {replied.title}
    assert titles(q="民生实事") == {replied.title}  # the sent reply is searchable
    assert titles(q="校舍", category="urban") == set()
    response = client.get(url, {"q": "长" * 101})
    assert response.status_code == 400 and "不能超过 100 个字" in response.content.decode()


def test_portal_works_logged_out_and_logged_in(sw: SuggestionWorld, replied: Suggestion) -> None:
    from renda.conftest import login_client

    for client in (Client(), login_client(sw.lead_officer), login_client(sw.other_staff)):
        assert client.get(reverse("portal:suggestions")).status_code == 200
        assert client.get(reverse("portal:suggestion", args=[replied.pk])).status_code == 200


def test_api_portal_list_and_detail_are_public(sw: SuggestionWorld, client: Client, replied: Suggestion) -> None:
    hidden = drive(sw, "registered", title="关于未公开事项的建议")
    response = client.get("/api/v1/portal/suggestions")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["results"][0]["id"] == replied.pk
    assert client.get("/api/v1/portal/suggestions", {"q": "电梯", "category": "urban"}).json()["count"] == 1
    assert client.get("/api/v1/portal/suggestions", {"category": "education"}).json()["count"] == 0
    assert client.get("/api/v1/portal/suggestions", {"q": " "}).status_code == 200  # blank q: no filter
    too_long = client.get("/api/v1/portal/suggestions", {"q": "长" * 101})
    assert too_long.status_code == 400 and too_long.json()["field"] == "q"

    detail = client.get(f"/api/v1/portal/suggestions/{replied.pk}")
    assert detail.status_code == 200
    data = detail.json()
    assert set(data) == {
        "id",
        "number",
        "title",
        "year",
        "category",
        "category_label",
        "status",
        "lead_deputy",
        "cosigner_count",
        "body",
        "units",
        "replies",
    }
    assert data["cosigner_count"] == 2 and data["lead_deputy"] == "王建国"
    assert [reply["category_label"] for reply in data["replies"]] == ["已经解决或基本解决"]
    assert set(data["replies"][0]) == {"unit", "text", "sent_at", "category", "category_label"}
    for secret in SECRETS:
        assert secret not in detail.content.decode()
    assert client.get(f"/api/v1/portal/suggestions/{hidden.pk}").status_code == 404
