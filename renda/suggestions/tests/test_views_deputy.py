"""The deputy's pages and the shared item page: drafting, co-signing, evaluating, the timeline, attachments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from renda.accounts.models import User
from renda.conftest import login_client
from renda.suggestions import actions
from renda.suggestions.models import Attachment, Cosigner, CosignerStatus, Evaluation, Status, Suggestion
from renda.suggestions.tests.conftest import SuggestionWorld, drive

FORM = {"title": "关于增设社区食堂的建议", "body": "老年人吃饭难，建议增设社区食堂。", "category": "social"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _url(name: str, suggestion: Suggestion | None = None, **kwargs: Any) -> str:
    if suggestion is not None:
        kwargs["suggestion_id"] = suggestion.pk
    return reverse(f"suggestions:{name}", kwargs=kwargs)


def _client(user: User) -> Client:
    return login_client(user)


def test_deputy_drafts_invites_two_cosigners_who_confirm_and_submits(sw: SuggestionWorld) -> None:
    lead = _client(sw.deputy)
    assert lead.get(_url("create")).status_code == 200
    response = lead.post(_url("create"), {**FORM, "phase": "session", "session": sw.session.pk})
    suggestion = Suggestion.objects.get(title=FORM["title"])
    assert response.status_code == 302 and response.url == _url("detail", suggestion)
    assert suggestion.status == Status.DRAFT and suggestion.lead_deputy == sw.deputy
    assert suggestion.session == sw.session and suggestion.delegation == sw.delegation

    # Search by name: the lead and the already invited never appear.
    page = lead.get(_url("cosigners", suggestion), {"q": "李"}).content.decode()
    assert "李红" in page and "张伟" not in page
    response = lead.post(_url("cosigners", suggestion), {"op": "invite", "deputies": [sw.cosigners[0].pk]})
    assert response.status_code == 302
    page = lead.get(_url("cosigners", suggestion), {"q": "李"}).content.decode()
    assert "李红" not in page.split("invite-form")[-1] and "没有找到可邀请" in page
    lead.post(_url("cosigners", suggestion), {"op": "invite", "deputies": [sw.cosigners[1].pk]})
    assert suggestion.cosigners.filter(status=CosignerStatus.INVITED).count() == 2

    # Submitting with invitations unanswered is refused with a message.
    lead.post(_url("submit", suggestion))
    suggestion.refresh_from_db()
    assert suggestion.status == Status.DRAFT

    for cosigner in sw.cosigners:
        client = _client(cosigner)
        mine = client.get(_url("mine")).content.decode()
        assert "待确认的联名邀请" in mine and FORM["title"] in mine
        detail = client.get(_url("detail", suggestion)).content.decode()
        assert "cosign-invitation" in detail and FORM["body"] in detail
        assert client.post(_url("cosign", suggestion), {"accept": "1", "next": "mine"}).status_code == 302
    assert suggestion.cosigners.filter(status=CosignerStatus.CONFIRMED).count() == 2

    assert lead.post(_url("submit", suggestion)).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.SUBMITTED
    page = lead.get(_url("detail", suggestion)).content.decode()
    assert page.count("已确认") >= 2 and "待审核" in page
    # The co-signers now find it among what they co-sign.
    assert FORM["title"] in _client(sw.cosigners[0]).get(_url("mine")).content.decode()


def test_cosigner_declines_and_lead_removes_an_invitation(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "draft")
    lead = _client(sw.deputy)
    lead.post(_url("cosigners", suggestion), {"op": "invite", "deputies": [c.pk for c in sw.cosigners]})
    _client(sw.cosigners[0]).post(_url("cosign", suggestion), {"accept": "0"})
    assert Cosigner.objects.get(deputy=sw.cosigners[0]).status == CosignerStatus.DECLINED
    lead.post(_url("cosigners", suggestion), {"op": "remove", "deputy": sw.cosigners[1].pk})
    assert not Cosigner.objects.filter(deputy=sw.cosigners[1]).exists()
    # A co-signer may not manage the list.
    assert _client(sw.cosigners[0]).get(_url("cosigners", suggestion)).status_code == 403


def test_bad_input_shows_the_chinese_error_and_saves_nothing(sw: SuggestionWorld) -> None:
    lead = _client(sw.deputy)
    response = lead.post(_url("create"), {**FORM, "body": "   ", "phase": "recess"})
    assert response.status_code == 400
    assert "内容不能为空" in response.content.decode()
    response = lead.post(_url("create"), {**FORM, "title": "长" * 101, "phase": "recess"})
    assert response.status_code == 400
    assert "标题不能超过 100 个字" in response.content.decode()
    response = lead.post(_url("create"), {**FORM, "phase": "session"})
    assert response.status_code == 400 and "须选择会议" in response.content.decode()
    assert not Suggestion.objects.exists()

    suggestion = drive(sw, "draft")
    response = lead.post(_url("edit", suggestion), {**FORM, "title": "", "phase": "recess"})
    assert response.status_code == 400 and "标题不能为空" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.title == "关于老旧小区加装电梯的建议"
    # Inviting nobody, or someone who is not a deputy, is refused.
    assert lead.post(_url("cosigners", suggestion), {"op": "invite"}).status_code == 400
    response = lead.post(_url("cosigners", suggestion), {"op": "invite", "deputies": [sw.staff.pk]})
    assert response.status_code == 400 and "不是本级人大代表" in response.content.decode()
    assert not Cosigner.objects.exists()


def test_edit_shows_the_review_note_when_returned_and_explains_otherwise(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "submitted")
    lead = _client(sw.deputy)
    page = lead.get(_url("edit", suggestion))
    assert page.status_code == 200 and "not-editable" in page.content.decode()
    response = lead.post(_url("edit", suggestion), {**FORM, "phase": "recess"})
    assert response.status_code == 409
    actions.suggestion_return(actor=sw.staff, suggestion=suggestion, note="请补充具体点位")
    page = lead.get(_url("edit", suggestion)).content.decode()
    assert "请补充具体点位" in page and "suggestion-form" in page
    assert lead.post(_url("edit", suggestion), {**FORM, "phase": "recess"}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.title == FORM["title"] and suggestion.status == Status.RETURNED


def test_only_deputies_have_my_suggestions_and_the_new_form(sw: SuggestionWorld) -> None:
    for person in (sw.staff, sw.lead_officer, sw.leader, sw.citizen):
        client = _client(person)
        assert client.get(_url("mine")).status_code == 403
        assert client.get(_url("create")).status_code == 403
        assert client.post(_url("create"), {**FORM, "phase": "recess"}).status_code == 403
    assert not Suggestion.objects.exists()


def test_cosigner_sees_the_item_but_may_not_evaluate_submit_or_withdraw(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "replied")
    client = _client(sw.cosigners[0])
    page = client.get(_url("detail", suggestion))
    assert page.status_code == 200 and "已将加装电梯列入今年计划" in page.content.decode()
    assert "evaluate-link" not in page.content.decode()
    assert client.get(_url("evaluate", suggestion)).status_code == 403
    data = {"process_rating": "dissatisfied", "result_rating": "dissatisfied"}
    assert client.post(_url("evaluate", suggestion), data).status_code == 403
    assert client.post(_url("withdraw", suggestion)).status_code == 403
    assert client.get(_url("edit", suggestion)).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REPLIED and not Evaluation.objects.exists()


def test_another_deputy_gets_404(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "replied")
    client = _client(sw.outsider_deputy)
    for name in ("detail", "edit", "cosigners", "evaluate"):
        assert client.get(_url(name, suggestion)).status_code == 404, name
    assert client.post(_url("evaluate", suggestion), {"process_rating": "satisfied"}).status_code == 404
    assert client.post(_url("withdraw", suggestion)).status_code == 404
    assert FORM["title"] not in client.get(_url("mine")).content.decode()
    assert suggestion.title not in client.get(_url("mine")).content.decode()


def test_evaluate_once_and_the_second_is_refused_with_409(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "replied")
    lead = _client(sw.deputy)
    page = lead.get(_url("evaluate", suggestion)).content.decode()
    assert "二次办理" in page and "evaluate-form" in page
    # A missing rating names the field.
    response = lead.post(_url("evaluate", suggestion), {"process_rating": "satisfied"})
    assert response.status_code == 400 and "办理结果评价的取值无效" in response.content.decode()
    data = {"process_rating": "satisfied", "result_rating": "basically_satisfied", "comment": "感谢"}
    assert lead.post(_url("evaluate", suggestion), data).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.CLOSED
    response = lead.post(_url("evaluate", suggestion), {**data, "result_rating": "dissatisfied"})
    assert response.status_code == 409 and "不能重复评价" in response.content.decode()
    assert Evaluation.objects.count() == 1
    suggestion.refresh_from_db()
    assert suggestion.status == Status.CLOSED and suggestion.result_rating == "basically_satisfied"


def test_dissatisfied_evaluation_starts_rehandling(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "replied")
    data = {"process_rating": "satisfied", "result_rating": "dissatisfied"}
    _client(sw.deputy).post(_url("evaluate", suggestion), data)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REHANDLING and suggestion.round == 2
    page = _client(sw.deputy).get(_url("detail", suggestion)).content.decode()
    assert "第 2 轮办理" in page and "启动二次办理" in page


def test_withdraw_with_a_reason(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "assigned")
    assert _client(sw.deputy).post(_url("withdraw", suggestion), {"reason": "已自行解决"}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.WITHDRAWN
    assert "已自行解决" in _client(sw.deputy).get(_url("detail", suggestion)).content.decode()


def test_timeline_hides_internal_steps_from_the_deputy(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")
    lead = suggestion.assignments.get(unit=sw.lead_unit)
    actions.dispute_raise(actor=sw.lead_officer, assignment=lead, reason="职责不清")
    deputy_page = _client(sw.deputy).get(_url("detail", suggestion)).content.decode()
    staff_page = _client(sw.staff).get(_url("detail", suggestion)).content.decode()
    unit_page = _client(sw.lead_officer).get(_url("detail", suggestion)).content.decode()
    for internal in ('data-action="reply_drafted"', 'data-action="disputed"', "职责不清"):
        assert internal not in deputy_page
        assert internal in staff_page and internal in unit_page
    # Both see the public steps; only internal viewers see who acted.
    for page in (deputy_page, staff_page):
        assert 'data-action="assigned"' in page and 'data-action="communicated"' in page
        assert "市住房和城乡建设局（主办）" in page
    assert "住建经办" in staff_page and "住建经办" not in deputy_page
    assert "陈书记员" in staff_page and "陈书记员" not in deputy_page


def test_attachment_download_follows_who_may_see_the_reply(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")
    assignment = suggestion.assignments.get(unit=sw.lead_unit)
    reply = assignment.replies.get()
    attachment = actions.attachment_add(
        actor=sw.lead_officer, reply=reply, upload=SimpleUploadedFile("答复.pdf", b"%PDF-1.4 reply", "application/pdf")
    )
    url = _url("attachment", attachment_id=attachment.pk)
    # Not yet sent: only those who see internal handling.
    assert _client(sw.deputy).get(url).status_code == 404
    assert _client(sw.co_officer).get(url).status_code == 200
    response = _client(sw.staff).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 reply"  # type: ignore[attr-defined]

    actions.reply_approve(actor=sw.lead_head, reply=reply)
    for person in (sw.deputy, sw.cosigners[0], sw.leader, sw.lead_head):
        assert _client(person).get(url).status_code == 200, person
    for person in (sw.outsider_deputy, sw.other_officer, sw.citizen, sw.other_staff):
        assert _client(person).get(url).status_code == 404, person
    assert _client(sw.deputy).get(_url("attachment", attachment_id=attachment.pk + 999)).status_code == 404
    assert "attachment-link" in _client(sw.deputy).get(_url("detail", suggestion)).content.decode()
    assert Attachment.objects.count() == 1
