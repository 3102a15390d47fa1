"""Motions (议案): the threshold, delegation motions, the deadline, the presidium's decisions,
withdrawal, refusals by role, the pages and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from renda.conftest import login_client
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent
from renda.motions import actions
from renda.motions.models import Motion, MotionCosigner, MotionStatus
from renda.motions.tests.conftest import MotionWorld, draft, filed, with_cosigners
from renda.suggestions.models import Cosigner, CosignerStatus, Status, Suggestion

pytestmark = pytest.mark.django_db


def events(motion: Motion) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="motions.motion", target_id=str(motion.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- filing: the threshold ---


def test_joint_motion_short_of_cosigners_is_refused_with_the_count(mw: MotionWorld) -> None:
    motion = with_cosigners(mw, draft(mw), count=6)
    with pytest.raises(InvalidInput) as caught:
        actions.motion_file(actor=mw.sw.deputy, motion=motion)
    assert caught.value.field == "cosigners"
    assert "至少 10 名" in caught.value.message and "已确认 7 名" in caught.value.message
    assert "还差 3 名" in caught.value.message
    motion.refresh_from_db()
    assert motion.status == MotionStatus.DRAFT and motion.filed_at is None and motion.number == ""
    assert "motion.filed" not in events(motion)


def test_ten_deputies_confirmed_files_the_motion(mw: MotionWorld) -> None:
    motion = filed(mw)
    motion.refresh_from_db()
    assert motion.status == MotionStatus.FILED
    assert motion.filed_at is not None and motion.number == "001"
    assert events(motion)[-1] == "motion.filed"


def test_unconfirmed_invitations_do_not_count(mw: MotionWorld) -> None:
    motion = with_cosigners(mw, draft(mw), count=8)
    actions.cosigner_invite(actor=mw.sw.deputy, motion=motion, deputies=[mw.deputies[8]])  # invited, never answers
    assert actions.confirmed_count(motion) == 9
    with pytest.raises(InvalidInput, match="还差 1 名"):
        actions.motion_file(actor=mw.sw.deputy, motion=motion)


def test_declined_cosigner_does_not_count(mw: MotionWorld) -> None:
    motion = with_cosigners(mw, draft(mw), count=8)
    actions.cosigner_invite(actor=mw.sw.deputy, motion=motion, deputies=[mw.deputies[8]])
    actions.cosigner_respond(actor=mw.deputies[8], motion=motion, accept=False)
    with pytest.raises(InvalidInput, match="还差 1 名"):
        actions.motion_file(actor=mw.sw.deputy, motion=motion)


def test_threshold_is_a_congress_setting(mw: MotionWorld) -> None:
    mw.sw.city.settings = {"motion_cosigner_threshold": 3}
    mw.sw.city.save()
    motion = with_cosigners(mw, draft(mw), count=2)
    assert actions.motion_file(actor=mw.sw.deputy, motion=motion).status == MotionStatus.FILED


def test_only_deputies_of_the_congress_may_be_invited(mw: MotionWorld) -> None:
    motion = draft(mw)
    with pytest.raises(InvalidInput) as caught:
        actions.cosigner_invite(actor=mw.sw.deputy, motion=motion, deputies=[mw.sw.staff])
    assert caught.value.field == "deputies"
    with pytest.raises(InvalidInput):
        actions.cosigner_invite(actor=mw.sw.deputy, motion=motion, deputies=[mw.sw.deputy])
    assert not MotionCosigner.objects.exists()


def test_required_parts_and_lengths(mw: MotionWorld) -> None:
    for field, value in (("reason", ""), ("grounds", "  "), ("plan", "方" * 5001), ("title", "题" * 101)):
        with pytest.raises(InvalidInput) as caught:
            draft(mw, **{field: value})
        assert caught.value.field == field
    assert not Motion.objects.exists()


def test_session_of_another_congress_is_refused(mw: MotionWorld, other_city: object) -> None:
    from renda.organizations.models import CongressSession

    foreign = CongressSession.objects.create(
        congress=other_city,
        term=1,
        number=1,
        name="外市会议",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 1, 2),
    )
    with pytest.raises(InvalidInput) as caught:
        actions.motion_create(
            actor=mw.sw.deputy, congress=mw.sw.city, session=foreign, title="t", reason="r", grounds="g", plan="p"
        )
    assert caught.value.field == "session"


# --- delegation motions ---


def test_delegation_motion_needs_no_cosigners(mw: MotionWorld) -> None:
    motion = draft(mw, proposer_kind="delegation")
    assert motion.delegation == mw.sw.delegation
    motion = actions.motion_file(actor=mw.sw.deputy, motion=motion)
    assert motion.status == MotionStatus.FILED


def test_delegation_motion_refused_when_not_allowed_or_not_in_a_delegation(mw: MotionWorld) -> None:
    lone = mw.deputies[0]
    with pytest.raises(InvalidInput) as caught:
        actions.motion_create(
            actor=lone,
            congress=mw.sw.city,
            session=mw.sw.session,
            title="t",
            reason="r",
            grounds="g",
            plan="p",
            proposer_kind="delegation",
        )
    assert caught.value.field == "proposer_kind"
    motion = draft(mw, proposer_kind="delegation")
    mw.sw.city.settings = {"motion_delegation_may_submit": False}
    mw.sw.city.save()
    motion.congress.refresh_from_db()
    with pytest.raises(InvalidInput) as caught:
        actions.motion_file(actor=mw.sw.deputy, motion=motion)
    assert caught.value.field == "proposer_kind"
    motion.refresh_from_db()
    assert motion.status == MotionStatus.DRAFT


# --- the deadline ---


def test_motion_filed_after_the_deadline_becomes_a_suggestion_in_the_review_queue(mw: MotionWorld) -> None:
    motion = with_cosigners(mw, draft(mw), count=2)  # short of the threshold: a suggestion needs none
    mw.sw.session.motion_deadline = timezone.now() - dt.timedelta(minutes=1)
    mw.sw.session.save()
    motion = actions.motion_file(actor=mw.sw.deputy, motion=Motion.objects.get(pk=motion.pk))
    motion.refresh_from_db()
    assert motion.status == MotionStatus.CONVERTED_TO_SUGGESTION
    suggestion = motion.converted_suggestion
    assert suggestion is not None and suggestion.status == Status.SUBMITTED
    assert "截止" in motion.decision_note
    assert events(motion)[-1] == "motion.converted_after_deadline"
    assert Suggestion.objects.filter(status=Status.SUBMITTED, congress=mw.sw.city).filter(pk=suggestion.pk).exists()
    assert suggestion.cosigners.filter(status=CosignerStatus.CONFIRMED).count() == 2


# --- the presidium's decisions ---


def test_list_then_vote(mw: MotionWorld) -> None:
    motion = filed(mw)
    with pytest.raises(InvalidTransition):
        actions.motion_record_vote(actor=mw.sw.staff, motion=motion, result="adopted")
    actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="list")
    motion.refresh_from_db()
    assert motion.status == MotionStatus.LISTED_ON_AGENDA and motion.decided_at is not None
    actions.motion_record_vote(actor=mw.sw.staff, motion=motion, result="adopted", note="赞成 420 票")
    motion.refresh_from_db()
    assert motion.status == MotionStatus.ADOPTED and motion.voted_at is not None
    assert events(motion)[-2:] == ["motion.decided", "motion.voted"]


def test_rejected_vote(mw: MotionWorld) -> None:
    motion = filed(mw)
    actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="list")
    assert actions.motion_record_vote(actor=mw.sw.staff, motion=motion, result="rejected").status == "rejected"


def test_refer_needs_a_special_committee_of_the_congress(mw: MotionWorld) -> None:
    motion = filed(mw)
    with pytest.raises(InvalidInput) as caught:
        actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="refer")
    assert caught.value.field == "committee"
    with pytest.raises(InvalidInput):
        actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="refer", committee=mw.sw.lead_unit)
    motion.refresh_from_db()
    assert motion.status == MotionStatus.FILED
    actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="refer", committee=mw.committee)
    motion.refresh_from_db()
    assert motion.status == MotionStatus.REFERRED_TO_COMMITTEE and motion.committee == mw.committee


def test_not_listed_needs_a_reason(mw: MotionWorld) -> None:
    motion = filed(mw)
    with pytest.raises(InvalidInput) as caught:
        actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="not_list")
    assert caught.value.field == "note"
    actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="not_list", note="不属于本级人大职权范围")
    motion.refresh_from_db()
    assert motion.status == MotionStatus.NOT_LISTED
    with pytest.raises(InvalidTransition):
        actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="list")


def test_unknown_decision_is_refused(mw: MotionWorld) -> None:
    motion = filed(mw)
    with pytest.raises(InvalidInput) as caught:
        actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="adopt")
    assert caught.value.field == "decision"


def test_convert_creates_a_submitted_suggestion_with_the_cosigners(mw: MotionWorld) -> None:
    motion = filed(mw)
    actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="convert", category="urban", note="转作建议")
    motion.refresh_from_db()
    assert motion.status == MotionStatus.CONVERTED_TO_SUGGESTION
    suggestion = motion.converted_suggestion
    assert suggestion is not None
    assert suggestion.status == Status.SUBMITTED and suggestion.submitted_at is not None
    assert suggestion.title == motion.title and suggestion.category == "urban"
    assert suggestion.phase == "session" and suggestion.session == mw.sw.session
    assert suggestion.lead_deputy == mw.sw.deputy and suggestion.delegation == mw.sw.delegation
    assert "【案由】" in suggestion.body and motion.plan in suggestion.body
    confirmed = set(Cosigner.objects.filter(suggestion=suggestion, status="confirmed").values_list("deputy", flat=True))
    assert confirmed == {deputy.pk for deputy in mw.deputies}
    assert AuditEvent.objects.filter(
        target_type="suggestions.suggestion", target_id=str(suggestion.pk), action="suggestion.converted_from_motion"
    ).exists()
    # It is now in the suggestion review queue: staff can register it.
    from renda.suggestions import actions as suggestion_actions

    suggestion_actions.suggestion_register(actor=mw.sw.staff, suggestion=suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REGISTERED


def test_convert_defaults_to_category_other(mw: MotionWorld) -> None:
    motion = filed(mw)
    actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="convert")
    motion.refresh_from_db()
    assert motion.converted_suggestion is not None and motion.converted_suggestion.category == "other"


# --- withdrawal ---


def test_lead_withdraws_a_draft(mw: MotionWorld) -> None:
    motion = actions.motion_withdraw(actor=mw.sw.deputy, motion=draft(mw))
    assert motion.status == MotionStatus.WITHDRAWN


def test_withdrawal_after_filing_needs_the_presidium(mw: MotionWorld) -> None:
    motion = filed(mw)
    with pytest.raises(InvalidTransition):
        actions.motion_withdraw_agreed(actor=mw.sw.staff, motion=motion)  # nobody asked
    motion = actions.motion_withdraw(actor=mw.sw.deputy, motion=motion, reason="情况已变化")
    assert motion.status == MotionStatus.FILED and motion.withdrawal_requested_at is not None
    with pytest.raises(InvalidTransition):
        actions.motion_withdraw(actor=mw.sw.deputy, motion=motion)
    with pytest.raises(NotPermitted):
        actions.motion_withdraw_agreed(actor=mw.sw.deputy, motion=motion)
    actions.motion_withdraw_agreed(actor=mw.sw.staff, motion=motion, agree=False)
    motion.refresh_from_db()
    assert motion.status == MotionStatus.FILED and motion.withdrawal_requested_at is None
    actions.motion_withdraw(actor=mw.sw.deputy, motion=motion)
    actions.motion_withdraw_agreed(actor=mw.sw.staff, motion=motion, agree=True)
    motion.refresh_from_db()
    assert motion.status == MotionStatus.WITHDRAWN and motion.withdrawn_at is not None


def test_no_withdrawal_after_the_vote(mw: MotionWorld) -> None:
    motion = filed(mw)
    actions.motion_decide(actor=mw.sw.staff, motion=motion, decision="list")
    actions.motion_record_vote(actor=mw.sw.staff, motion=motion, result="adopted")
    with pytest.raises(InvalidTransition):
        actions.motion_withdraw(actor=mw.sw.deputy, motion=motion)


# --- wrong roles ---


def test_wrong_roles_are_refused(mw: MotionWorld) -> None:
    motion = with_cosigners(mw, draft(mw))
    with pytest.raises(NotPermitted):
        actions.motion_file(actor=mw.deputies[0], motion=motion)  # a co-signer is not the lead
    with pytest.raises(NotPermitted):
        actions.motion_create(
            actor=mw.sw.staff, congress=mw.sw.city, session=mw.sw.session, title="t", reason="r", grounds="g", plan="p"
        )
    actions.motion_file(actor=mw.sw.deputy, motion=motion)
    for person in (mw.sw.deputy, mw.sw.leader, mw.sw.other_staff, mw.sw.lead_officer):
        with pytest.raises(NotPermitted):
            actions.motion_decide(actor=person, motion=motion, decision="list")
    with pytest.raises(NotPermitted):
        actions.cosigner_respond(actor=mw.sw.outsider_deputy, motion=motion, accept=True)
    motion.refresh_from_db()
    assert motion.status == MotionStatus.FILED


# --- pages ---


def test_pages_deputy_drafts_invites_and_files(mw: MotionWorld) -> None:
    client = login_client(mw.sw.deputy)
    assert client.get(reverse("motions:create")).status_code == 200
    response = client.post(
        reverse("motions:create"),
        {
            "session": mw.sw.session.pk,
            "title": "关于制定物业管理条例的议案",
            "proposer_kind": "deputies",
            "reason": "物业纠纷多。",
            "grounds": "《民法典》物业服务合同。",
            "plan": "制定条例。",
        },
    )
    assert response.status_code == 302
    motion = Motion.objects.get()
    detail = reverse("motions:detail", kwargs={"motion_id": motion.pk})
    assert response.url == detail
    response = client.post(reverse("motions:file", kwargs={"motion_id": motion.pk}))
    assert response.status_code == 400
    assert "还差 9 名" in response.content.decode()
    motion.refresh_from_db()
    assert motion.status == MotionStatus.DRAFT
    response = client.post(
        reverse("motions:invite", kwargs={"motion_id": motion.pk}), {"deputies": [d.pk for d in mw.deputies]}
    )
    assert response.status_code == 302
    for deputy in mw.deputies:
        page = login_client(deputy).get(detail)
        assert "确认联名" in page.content.decode()
        assert (
            login_client(deputy)
            .post(reverse("motions:respond", kwargs={"motion_id": motion.pk}), {"accept": "1"})
            .status_code
            == 302
        )
    page = client.get(detail).content.decode()
    assert "已确认 10 人" in page
    assert client.post(reverse("motions:file", kwargs={"motion_id": motion.pk})).status_code == 302
    motion.refresh_from_db()
    assert motion.status == MotionStatus.FILED
    assert "关于制定物业管理条例的议案" in client.get(reverse("motions:list")).content.decode()


def test_page_create_shows_the_field_error(mw: MotionWorld) -> None:
    client = login_client(mw.sw.deputy)
    response = client.post(
        reverse("motions:create"),
        {
            "session": mw.sw.session.pk,
            "title": "t",
            "proposer_kind": "deputies",
            "reason": "",
            "grounds": "g",
            "plan": "p",
        },
    )
    assert response.status_code == 400
    assert not Motion.objects.exists()


def test_pages_staff_decide_and_list_filter(mw: MotionWorld) -> None:
    motion = filed(mw)
    draft(mw, title="别人看不到的草稿")
    staff = login_client(mw.sw.staff)
    listing = staff.get(reverse("motions:list")).content.decode()
    assert motion.title in listing and "别人看不到的草稿" not in listing
    assert motion.title not in staff.get(reverse("motions:list") + "?status=adopted").content.decode()
    page = staff.get(reverse("motions:detail", kwargs={"motion_id": motion.pk})).content.decode()
    assert "记录主席团决定" in page
    response = staff.post(
        reverse("motions:decide", kwargs={"motion_id": motion.pk}), {"decision": "refer", "committee": ""}
    )
    assert response.status_code == 400 and "专门委员会" in response.content.decode()
    response = staff.post(
        reverse("motions:decide", kwargs={"motion_id": motion.pk}),
        {"decision": "refer", "committee": str(mw.committee.pk)},
    )
    assert response.status_code == 302
    motion.refresh_from_db()
    assert motion.status == MotionStatus.REFERRED_TO_COMMITTEE


def test_pages_refuse_wrong_roles_and_change_nothing(mw: MotionWorld) -> None:
    secret = draft(mw, title="草稿")
    motion = filed(mw)
    detail = reverse("motions:detail", kwargs={"motion_id": motion.pk})
    # Someone who may not see a motion gets 404, even for a draft that exists.
    for person in (mw.sw.lead_officer, mw.sw.citizen, mw.sw.other_staff, mw.sw.outsider_deputy):
        client = login_client(person)
        assert client.get(detail).status_code == 404
        assert client.get(reverse("motions:detail", kwargs={"motion_id": secret.pk})).status_code == 404
        assert (
            client.post(reverse("motions:decide", kwargs={"motion_id": motion.pk}), {"decision": "list"}).status_code
            == 404
        )
    assert login_client(mw.sw.staff).get(reverse("motions:detail", kwargs={"motion_id": secret.pk})).status_code == 404
    # The lead deputy sees the motion but may not record the presidium's decision; staff may not file.
    deputy = login_client(mw.sw.deputy)
    assert (
        deputy.post(reverse("motions:decide", kwargs={"motion_id": motion.pk}), {"decision": "list"}).status_code == 403
    )
    assert (
        deputy.post(reverse("motions:vote", kwargs={"motion_id": motion.pk}), {"result": "adopted"}).status_code == 403
    )
    leader = login_client(mw.sw.leader)
    assert leader.get(detail).status_code == 200
    assert (
        leader.post(reverse("motions:decide", kwargs={"motion_id": motion.pk}), {"decision": "list"}).status_code == 403
    )
    assert login_client(mw.sw.staff).get(reverse("motions:edit", kwargs={"motion_id": motion.pk})).status_code == 403
    assert login_client(mw.sw.staff).get(reverse("motions:create")).status_code == 403
    motion.refresh_from_db()
    assert motion.status == MotionStatus.FILED
    assert events(motion)[-1] == "motion.filed"


# --- API ---


def test_api_happy_path(mw: MotionWorld) -> None:
    deputy = login_client(mw.sw.deputy)
    response = deputy.post(
        "/api/v1/motions",
        {
            "session_id": mw.sw.session.pk,
            "title": "关于制定河道保护条例的议案",
            "reason": "河道污染。",
            "grounds": "《水法》。",
            "plan": "制定条例。",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    motion_id = response.json()["id"]
    base = f"/api/v1/motions/{motion_id}"
    response = deputy.post(f"{base}/file", content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "cosigners"
    response = deputy.patch(base, {"title": "关于制定河道保护条例的议案（修改）"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["title"].endswith("（修改）")
    response = deputy.post(
        f"{base}/cosigners", {"deputy_ids": [d.pk for d in mw.deputies]}, content_type="application/json"
    )
    assert response.status_code == 201 and len(response.json()["cosigners"]) == 9
    for person in mw.deputies:
        assert (
            login_client(person).post(f"{base}/cosign", {"accept": True}, content_type="application/json").status_code
            == 200
        )
    response = deputy.post(f"{base}/file", content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "filed"
    assert response.json()["confirmed_count"] == 10 and response.json()["threshold"] == 10
    staff = login_client(mw.sw.staff)
    assert [m["id"] for m in staff.get("/api/v1/motions?status=filed").json()["items"]] == [motion_id]
    response = staff.post(f"{base}/decision", {"decision": "list"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "listed_on_agenda"
    response = deputy.post(f"{base}/withdraw", {"reason": "撤回"}, content_type="application/json")
    assert response.json()["withdrawal_requested_at"] is not None
    response = staff.post(f"{base}/withdraw/agree", {"agree": False}, content_type="application/json")
    assert response.status_code == 200 and response.json()["withdrawal_requested_at"] is None
    response = staff.post(f"{base}/vote", {"result": "adopted"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "adopted"


def test_api_refusals(mw: MotionWorld) -> None:
    motion = filed(mw)
    base = f"/api/v1/motions/{motion.pk}"
    outsider = login_client(mw.sw.lead_officer)
    assert outsider.get(base).status_code == 404
    response = outsider.post(f"{base}/decision", {"decision": "list"}, content_type="application/json")
    assert response.status_code == 404 and set(response.json()) == {"code", "message", "field"}
    deputy = login_client(mw.sw.deputy)
    assert deputy.post(f"{base}/decision", {"decision": "list"}, content_type="application/json").status_code == 403
    response = login_client(mw.sw.staff).post(
        f"{base}/decision", {"decision": "refer", "committee_id": mw.sw.lead_unit.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "committee_id"
    response = login_client(mw.sw.staff).post(f"{base}/vote", {"result": "adopted"}, content_type="application/json")
    assert response.status_code == 409
    response = login_client(mw.sw.staff).post(
        "/api/v1/motions",
        {
            "congress_id": mw.sw.city.pk,
            "session_id": mw.sw.session.pk,
            "title": "t",
            "reason": "r",
            "grounds": "g",
            "plan": "p",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    motion.refresh_from_db()
    assert motion.status == MotionStatus.FILED
    assert Motion.objects.count() == 1


def test_pages_show_decisions_withdrawal_and_conversion(mw: MotionWorld) -> None:
    motion = filed(mw)
    detail = reverse("motions:detail", kwargs={"motion_id": motion.pk})
    deputy, staff = login_client(mw.sw.deputy), login_client(mw.sw.staff)
    assert (
        deputy.post(reverse("motions:withdraw", kwargs={"motion_id": motion.pk}), {"reason": "改提建议"}).status_code
        == 302
    )
    assert "申请撤回" in staff.get(detail).content.decode()
    response = staff.post(reverse("motions:withdraw_agree", kwargs={"motion_id": motion.pk}), {"agree": "0"})
    assert response.status_code == 302
    response = staff.post(
        reverse("motions:decide", kwargs={"motion_id": motion.pk}), {"decision": "convert", "category": "urban"}
    )
    assert response.status_code == 302
    page = deputy.get(detail).content.decode()
    motion.refresh_from_db()
    assert "已转作建议" in page and motion.converted_suggestion is not None
    assert reverse("suggestions:detail", kwargs={"suggestion_id": motion.converted_suggestion.pk}) in page
    assert login_client(mw.sw.leader).get(detail).status_code == 200
    edit = deputy.get(reverse("motions:edit", kwargs={"motion_id": motion.pk}))
    assert edit.status_code == 200 and "不能再修改" in edit.content.decode()
