"""The handling unit's pages: queue, item panel, the buttons behind it, and the reply letter download."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from docx import Document

from renda.conftest import login_client
from renda.suggestions import actions
from renda.suggestions.models import (
    Assignment,
    Attachment,
    CommunicationLog,
    Dispute,
    Extension,
    Reply,
    ReplyStatus,
    Status,
    Suggestion,
)
from renda.suggestions.tests.conftest import SuggestionWorld, drive
from renda.suggestions.views import unit as unit_views

pytestmark = pytest.mark.django_db


def lead_of(suggestion: Suggestion, sw: SuggestionWorld) -> Assignment:
    return suggestion.assignments.get(unit=sw.lead_unit, round=suggestion.round)


def co_of(suggestion: Suggestion, sw: SuggestionWorld) -> Assignment:
    return suggestion.assignments.get(unit=sw.co_unit, round=suggestion.round)


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"suggestions:{name}", kwargs=kwargs)


def reply_data(**extra: str) -> dict[str, str]:
    return {
        "reply-category": "A",
        "reply-text": "已将加装电梯列入今年计划。",
        "reply-contact_person": "刘科长",
        **extra,
    }


def communication_data() -> dict[str, str]:
    return {
        "communicate-kind": "phone",
        "communicate-date": timezone.localdate().isoformat(),
        "communicate-participants": "王建国代表、住建局经办人",
        "communicate-content": "电话听取代表意见，代表希望先做试点。",
    }


# --- sign, communicate, reply, approve ---


def test_sign_for_redirects_to_item_and_starts_handling(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "assigned")
    assignment = lead_of(suggestion, sw)
    response = login_client(sw.lead_officer).post(url("handling_sign", suggestion_assignment_id=assignment.pk))
    assert response.status_code == 302
    assert response.url == url("detail", suggestion_id=suggestion.pk)
    assignment.refresh_from_db()
    suggestion.refresh_from_db()
    assert assignment.signed_at is not None and assignment.signed_by == sw.lead_officer
    assert suggestion.status == Status.IN_HANDLING


def test_signing_twice_is_a_state_error_shown_in_chinese(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "signed")
    response = login_client(sw.lead_officer).post(
        url("handling_sign", suggestion_assignment_id=lead_of(suggestion, sw).pk)
    )
    assert response.status_code == 409
    assert "已经签收" in response.content.decode()


def test_communication_then_reply_then_head_approves(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "signed")
    assignment = lead_of(suggestion, sw)
    officer = login_client(sw.lead_officer)

    response = officer.post(url("handling_communicate", suggestion_assignment_id=assignment.pk), communication_data())
    assert response.status_code == 302
    assert CommunicationLog.objects.filter(assignment=assignment, kind="phone").count() == 1

    response = officer.post(url("handling_reply", suggestion_assignment_id=assignment.pk), reply_data())
    assert response.status_code == 302
    reply = Reply.objects.get(assignment=assignment)
    assert reply.status == ReplyStatus.PENDING_APPROVAL and reply.contact_person == "刘科长"

    upload = SimpleUploadedFile("答复.pdf", b"%PDF-1.4 sealed", "application/pdf")
    response = officer.post(url("attachment_add", reply_id=reply.pk), {"attachment-file": upload})
    assert response.status_code == 302
    assert Attachment.objects.filter(reply=reply, name="答复.pdf").exists()

    response = login_client(sw.lead_head).post(url("reply_approve", reply_id=reply.pk), {"approve-note": "同意"})
    assert response.status_code == 302
    assert response.url == url("detail", suggestion_id=suggestion.pk)
    reply.refresh_from_db()
    suggestion.refresh_from_db()
    assert reply.status == ReplyStatus.SENT
    assert suggestion.status == Status.REPLIED
    assert suggestion.result_category == "A"


def test_reply_without_communication_log_is_refused_naming_it(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "signed")
    assignment = lead_of(suggestion, sw)
    response = login_client(sw.lead_officer).post(
        url("handling_reply", suggestion_assignment_id=assignment.pk), reply_data()
    )
    assert response.status_code == 400
    assert "沟通记录" in response.content.decode()
    assert not Reply.objects.filter(assignment=assignment).exists()


def test_reply_with_bad_category_names_the_field(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "communicated")
    assignment = lead_of(suggestion, sw)
    response = login_client(sw.lead_officer).post(
        url("handling_reply", suggestion_assignment_id=assignment.pk), reply_data(**{"reply-category": "Z"})
    )
    assert response.status_code == 400
    assert "办理结果分类" in response.content.decode()
    assert not Reply.objects.filter(assignment=assignment).exists()


def test_co_handling_unit_cannot_reply(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "communicated")
    co = co_of(suggestion, sw)
    actions.communication_add(
        actor=sw.co_officer,
        assignment=co,
        kind="phone",
        date=timezone.localdate(),
        participants="代表",
        content="沟通",
    )
    response = login_client(sw.co_officer).post(url("handling_reply", suggestion_assignment_id=co.pk), reply_data())
    assert response.status_code == 403
    assert "会办单位" in response.content.decode()
    assert not Reply.objects.filter(assignment__suggestion=suggestion).exists()


def test_co_handling_unit_sends_opinion_the_lead_sees_it(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "signed")
    co = co_of(suggestion, sw)
    response = login_client(sw.co_officer).post(
        url("handling_opinion", suggestion_assignment_id=co.pk), {"opinion-text": "规划上支持加装。"}
    )
    assert response.status_code == 302
    co.refresh_from_db()
    assert co.opinion == "规划上支持加装。" and co.opinion_sent_at is not None
    context = panel(sw.lead_officer, suggestion)
    html = render_to_string("suggestions/_unit_panel.html", context)
    assert "规划上支持加装。" in html and 'data-testid="co-opinions"' in html


def test_officer_cannot_approve(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")
    reply = lead_of(suggestion, sw).replies.get()
    response = login_client(sw.lead_officer).post(url("reply_approve", reply_id=reply.pk))
    assert response.status_code == 403
    reply.refresh_from_db()
    suggestion.refresh_from_db()
    assert reply.status == ReplyStatus.PENDING_APPROVAL
    assert suggestion.status == Status.IN_HANDLING
    response = login_client(sw.lead_officer).post(url("reply_return", reply_id=reply.pk), {"return-note": "改"})
    assert response.status_code == 403
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.PENDING_APPROVAL


def test_head_returns_reply_with_note_and_note_is_required(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")
    reply = lead_of(suggestion, sw).replies.get()
    head = login_client(sw.lead_head)
    response = head.post(url("reply_return", reply_id=reply.pk), {"return-note": ""})
    assert response.status_code == 400
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.PENDING_APPROVAL
    response = head.post(url("reply_return", reply_id=reply.pk), {"return-note": "请补充资金安排"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.RETURNED and reply.approval_note == "请补充资金安排"


def test_dispute_and_extension(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "signed")
    assignment = lead_of(suggestion, sw)
    officer = login_client(sw.lead_officer)
    response = officer.post(
        url("handling_dispute", suggestion_assignment_id=assignment.pk),
        {"dispute-reason": "主要属于规划部门职责", "dispute-suggested_unit": str(sw.co_unit.pk)},
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get(assignment=assignment)
    assert dispute.suggested_unit == sw.co_unit

    too_early = timezone.localdate(assignment.due_at)
    response = officer.post(
        url("handling_extension", suggestion_assignment_id=assignment.pk),
        {"extension-requested_due": too_early.isoformat(), "extension-reason": "情况复杂"},
    )
    assert response.status_code == 400
    assert "延期后的期限" in response.content.decode()
    assert not Extension.objects.exists()
    response = officer.post(
        url("handling_extension", suggestion_assignment_id=assignment.pk),
        {"extension-requested_due": (too_early + dt.timedelta(days=30)).isoformat(), "extension-reason": "情况复杂"},
    )
    assert response.status_code == 302
    assert Extension.objects.filter(assignment=assignment).count() == 1


def test_dispute_after_the_window_is_refused(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "assigned")
    assignment = lead_of(suggestion, sw)
    Assignment.objects.filter(pk=assignment.pk).update(dispute_until=timezone.now() - dt.timedelta(days=1))
    response = login_client(sw.lead_officer).post(
        url("handling_dispute", suggestion_assignment_id=assignment.pk), {"dispute-reason": "不属于本单位"}
    )
    assert response.status_code == 409
    assert "异议期" in response.content.decode()
    assert not Dispute.objects.exists()


def test_another_units_officer_gets_404_on_every_route(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")
    assignment = lead_of(suggestion, sw)
    reply = assignment.replies.get()
    client = login_client(sw.other_officer)
    before = (
        list(Assignment.objects.values()),
        list(Reply.objects.values()),
        CommunicationLog.objects.count(),
        Dispute.objects.count(),
        Extension.objects.count(),
    )
    for verb in ("sign", "dispute", "extension", "communicate", "opinion", "reply"):
        response = client.post(url(f"handling_{verb}", suggestion_assignment_id=assignment.pk), reply_data())
        assert response.status_code == 404, verb
    for name in ("reply_approve", "reply_return", "attachment_add"):
        assert client.post(url(name, reply_id=reply.pk), {"return-note": "x"}).status_code == 404, name
    assert client.get(url("reply_letter", reply_id=reply.pk)).status_code == 404
    after = (
        list(Assignment.objects.values()),
        list(Reply.objects.values()),
        CommunicationLog.objects.count(),
        Dispute.objects.count(),
        Extension.objects.count(),
    )
    assert after == before


def test_get_on_a_button_route_is_not_served(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "assigned")
    response = login_client(sw.lead_officer).get(
        url("handling_sign", suggestion_assignment_id=lead_of(suggestion, sw).pk)
    )
    assert response.status_code == 405


# --- the panel ---


def panel(user: Any, suggestion: Suggestion) -> dict[str, Any]:
    request = RequestFactory().get("/")
    request.user = user
    context = unit_views.panel_context(request, suggestion)
    context["request"] = request
    return context


def test_panel_for_lead_officer_co_officer_head_and_others(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "assigned")
    lead_html = render_to_string("suggestions/_unit_panel.html", panel(sw.lead_officer, suggestion))
    assert 'data-testid="sign-form"' in lead_html
    assert 'data-testid="reply-form"' in lead_html
    assert 'data-testid="communication-required"' in lead_html
    assert 'data-testid="dispute-form"' in lead_html
    assert 'data-testid="extension-form"' in lead_html
    assert 'data-testid="opinion-form"' not in lead_html
    assert "A — 已经解决或基本解决" in lead_html

    co_html = render_to_string("suggestions/_unit_panel.html", panel(sw.co_officer, suggestion))
    assert 'data-testid="opinion-form"' in co_html
    assert 'data-testid="reply-form"' not in co_html
    assert 'data-testid="extension-form"' not in co_html

    for outsider in (sw.other_officer, sw.deputy, sw.staff):
        request = RequestFactory().get("/")
        request.user = outsider
        assert unit_views.panel_context(request, suggestion) == {}


def test_panel_shows_head_the_approve_buttons_and_officer_not(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")
    head_html = render_to_string("suggestions/_unit_panel.html", panel(sw.lead_head, suggestion))
    assert 'data-testid="approve-form"' in head_html and 'data-testid="return-form"' in head_html
    assert 'data-testid="letter-link"' in head_html
    officer_html = render_to_string("suggestions/_unit_panel.html", panel(sw.lead_officer, suggestion))
    assert 'data-testid="approve-form"' not in officer_html
    assert 'data-testid="attachment-form"' in officer_html


def test_refused_post_shows_the_panel_with_the_form_errors(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "signed")
    response = login_client(sw.lead_officer).post(
        url("handling_communicate", suggestion_assignment_id=lead_of(suggestion, sw).pk),
        {**communication_data(), "communicate-participants": ""},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="unit-panel"' in body and "communicate-participants" in body
    assert not CommunicationLog.objects.exists()


# --- the queue ---


def queue(client: Any, tab: str = "") -> Any:
    return client.get(url("unit_queue") + (f"?tab={tab}" if tab else ""))


def test_queue_tabs_and_counts(sw: SuggestionWorld) -> None:
    unsigned = drive(sw, "assigned", title="待签收的建议")
    signed = drive(sw, "signed", title="办理中的建议")
    overdue = drive(sw, "signed", title="已超期的建议")
    soon = drive(sw, "assigned", title="快到期的建议")
    replied = drive(sw, "replied", title="已答复的建议")
    now = timezone.now()
    Assignment.objects.filter(suggestion=overdue).update(due_at=now - dt.timedelta(days=3))
    Assignment.objects.filter(suggestion=soon).update(due_at=now + dt.timedelta(days=2))
    client = login_client(sw.lead_officer)

    response = queue(client)
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts == {"todo": 4, "unsigned": 2, "handling": 2, "due_soon": 1, "overdue": 1, "replied": 1}
    body = response.content.decode()
    # Most urgent first: the overdue item, then the one due in two days.
    assert body.index("已超期的建议") < body.index("快到期的建议") < body.index("待签收的建议")
    assert "已超期 3 天" in body or "已超期 2 天" in body
    assert "todo-overdue" in body

    def titles(tab: str) -> set[str]:
        return {row["suggestion"].title for row in queue(client, tab).context["rows"]}

    assert titles("unsigned") == {unsigned.title, soon.title}
    assert titles("handling") == {signed.title, overdue.title}
    assert titles("due_soon") == {soon.title}
    assert titles("overdue") == {overdue.title}
    assert titles("replied") == {replied.title}

    # The co-handling unit sees the same items as 会办, done once its opinion is sent.
    co_client = login_client(sw.co_officer)
    response = queue(co_client, "todo")
    assert "会办" in response.content.decode()
    actions.opinion_send(actor=sw.co_officer, assignment=co_of(signed, sw), text="同意")
    assert queue(co_client).context["counts"]["replied"] == 1

    # Another unit sees none of them.
    other = queue(login_client(sw.other_officer))
    assert other.context["counts"] == dict.fromkeys(counts, 0)


def test_queue_counts_are_one_query_and_the_page_stays_small(
    sw: SuggestionWorld, django_assert_max_num_queries: Any
) -> None:
    for index in range(3):
        drive(sw, "assigned", title=f"建议{index}")
    client = login_client(sw.lead_officer)
    queue(client)  # warm the session and role lookups
    with django_assert_max_num_queries(12):
        response = queue(client, "unsigned")
    assert len(response.context["rows"]) == 3


def test_queue_leaves_out_withdrawn_items_and_earlier_rounds(sw: SuggestionWorld) -> None:
    withdrawn = drive(sw, "assigned", title="撤回的建议")
    actions.suggestion_withdraw(actor=sw.deputy, suggestion=withdrawn)
    rated = drive(sw, "replied", title="二次办理的建议")
    actions.suggestion_evaluate(
        actor=sw.deputy, suggestion=rated, process_rating="dissatisfied", result_rating="dissatisfied"
    )
    rows = queue(login_client(sw.lead_officer), "todo").context["rows"]
    assert [row["suggestion"].title for row in rows] == ["二次办理的建议"]
    assert rows[0]["assignment"].round == 2


def test_queue_is_for_units_only(sw: SuggestionWorld) -> None:
    assert queue(login_client(sw.deputy)).status_code == 403
    assert queue(login_client(sw.staff)).status_code == 403


# --- the letter ---


def test_letter_download_pending_only_unit_and_staff_then_everyone_who_sees_it(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")
    reply = lead_of(suggestion, sw).replies.get()
    letter = url("reply_letter", reply_id=reply.pk)
    response = login_client(sw.lead_officer).get(letter)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "已将加装电梯列入今年计划。" in text and sw.lead_unit.name in text
    assert login_client(sw.staff).get(letter).status_code == 200
    assert login_client(sw.deputy).get(letter).status_code == 404
    assert login_client(sw.co_officer).get(letter).status_code == 404

    actions.reply_approve(actor=sw.lead_head, reply=reply)
    assert login_client(sw.deputy).get(letter).status_code == 200
    assert login_client(sw.co_officer).get(letter).status_code == 200
    assert login_client(sw.outsider_deputy).get(letter).status_code == 404
    assert login_client(sw.citizen).get(letter).status_code == 404
