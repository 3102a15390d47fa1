"""The suggestion workflow through the REST API: the whole loop, and every kind of refusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from renda.accounts.actions import token_create
from renda.conftest import login_client
from renda.suggestions.models import Assignment, Evaluation, Status, Suggestion
from renda.suggestions.tests.conftest import SuggestionWorld, drive

pytestmark = pytest.mark.django_db

API = "/api/v1/suggestions"


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "field"}
    return body


def _lead_assignment(suggestion_id: int, sw: SuggestionWorld) -> Assignment:
    return Assignment.objects.filter(suggestion_id=suggestion_id, unit=sw.lead_unit).order_by("-round").first()  # type: ignore[return-value]


def test_the_whole_loop_over_the_api(sw: SuggestionWorld) -> None:
    deputy, staff = login_client(sw.deputy), login_client(sw.staff)
    lead_officer, lead_head = login_client(sw.lead_officer), login_client(sw.lead_head)
    co_officer = login_client(sw.co_officer)

    # The deputy drafts, edits, invites two co-signers, who confirm; then submits.
    item = _ok(
        _post(
            deputy,
            API,
            {"title": "关于加装电梯的建议", "body": "老旧小区没有电梯。", "category": "urban", "phase": "recess"},
        ),
        201,
    )
    assert item["status"] == "draft" and item["congress_id"] == sw.city.pk
    url = f"{API}/{item['id']}"
    assert login_client(sw.staff).get(url).status_code == 404  # nobody else sees a draft
    patched = _ok(deputy.patch(url, {"title": "关于老旧小区加装电梯的建议"}, content_type="application/json"))
    assert patched["title"] == "关于老旧小区加装电梯的建议" and patched["body"] == "老旧小区没有电梯。"
    invited = _ok(_post(deputy, f"{url}/cosigners", {"deputy_ids": [c.pk for c in sw.cosigners]}), 201)
    assert [c["status"] for c in invited] == ["invited", "invited"]
    for cosigner in sw.cosigners:
        _ok(_post(login_client(cosigner), f"{url}/cosign", {"accept": True}))
    assert _ok(_post(deputy, f"{url}/submit"))["status"] == "submitted"

    # The 交办机构 registers and assigns to a lead unit with a co-handling unit.
    registered = _ok(_post(staff, f"{url}/register", {"is_complex": False, "note": ""}))
    assert registered["status"] == "registered" and registered["number"]
    assigned = _ok(_post(staff, f"{url}/assign", {"lead_unit_id": sw.lead_unit.pk, "co_unit_ids": [sw.co_unit.pk]}))
    assert assigned["status"] == "assigned"
    assert {(a["unit_id"], a["role"]) for a in assigned["assignments"]} == {
        (sw.lead_unit.pk, "lead"),
        (sw.co_unit.pk, "co"),
    }

    # The co-handling unit gives its opinion; the lead unit signs, talks to the deputy, replies.
    queue = _ok(co_officer.get(f"{API}/unit-queue", {"tab": "unsigned"}))
    assert [row["suggestion_id"] for row in queue] == [item["id"]]
    co_id = queue[0]["assignment_id"]
    assert _ok(_post(co_officer, f"{API}/handling/{co_id}/opinion", {"text": "同意加装。"}))["opinion_sent_at"]
    lead_id = _lead_assignment(item["id"], sw).pk
    assert _ok(_post(lead_officer, f"{API}/handling/{lead_id}/sign"))["signed_at"]
    assert _ok(deputy.get(url))["status"] == "in_handling"
    communication = {
        "kind": "meeting",
        "date": timezone.localdate().isoformat(),
        "participants": "王建国代表、住建经办",
        "content": "当面听取意见",
    }
    _ok(_post(lead_officer, f"{API}/handling/{lead_id}/communications", communication), 201)
    reply = _ok(_post(lead_officer, f"{API}/handling/{lead_id}/reply", {"category": "B", "text": "正在推进。"}))
    assert reply["status"] == "pending_approval"
    # The deputy sees the communication but not the reply waiting for the head's approval.
    seen = _ok(deputy.get(url))
    assert len(seen["communications"]) == 1 and seen["replies"] == [] and seen["disputes"] == []
    assert [r["status"] for r in _ok(lead_officer.get(url))["replies"]] == ["pending_approval"]
    assert _ok(_post(lead_head, f"{API}/replies/{reply['id']}/approve", {"note": "同意"}))["status"] == "sent"
    replied = _ok(deputy.get(url))
    assert replied["status"] == "replied" and replied["result_category"] == "B"
    assert [r["text"] for r in replied["replies"]] == ["正在推进。"]

    # Dissatisfied: re-handling by the same lead unit.
    rated = _ok(
        _post(deputy, f"{url}/evaluation", {"process_rating": "satisfied", "result_rating": "dissatisfied"}), 201
    )
    assert rated["status"] == "rehandling" and rated["round"] == 2
    queue = _ok(lead_officer.get(f"{API}/unit-queue", {"tab": "handling"}))
    assert [(row["suggestion_id"], row["round"]) for row in queue] == [(item["id"], 2)]
    second_id = queue[0]["assignment_id"]
    _ok(_post(lead_officer, f"{API}/handling/{second_id}/communications", communication), 201)
    second = _ok(_post(lead_officer, f"{API}/handling/{second_id}/reply", {"category": "A", "text": "已列入计划。"}))
    upload = SimpleUploadedFile("答复函.pdf", b"%PDF-1.4 sealed", content_type="application/pdf")
    attachment = _ok(lead_officer.post(f"{API}/replies/{second['id']}/attachments", {"file": upload}), 201)
    assert deputy.get(attachment["url"]).status_code == 404  # not yet sent
    assert lead_officer.get(attachment["url"]).status_code == 200
    _ok(_post(lead_head, f"{API}/replies/{second['id']}/approve"))
    download = deputy.get(attachment["url"])
    assert download.status_code == 200 and download.getvalue() == b"%PDF-1.4 sealed"
    closed = _ok(
        _post(
            deputy, f"{url}/evaluation", {"process_rating": "satisfied", "result_rating": "satisfied", "comment": "好"}
        ),
        201,
    )
    assert closed["status"] == "closed" and len(closed["evaluations"]) == 2
    assert _ok(lead_officer.get(f"{API}/unit-queue", {"tab": "replied"}))[0]["round"] == 2

    # The deputy's timeline leaves out the internal steps; the staff's shows them.
    deputy_actions = [entry["action"] for entry in _ok(deputy.get(f"{url}/timeline"))]
    staff_actions = [entry["action"] for entry in _ok(staff.get(f"{url}/timeline"))]
    assert "replied" in deputy_actions and "closed" in deputy_actions
    assert "reply_drafted" not in deputy_actions and "attachment_added" not in deputy_actions
    assert "reply_drafted" in staff_actions and "attachment_added" in staff_actions


def test_personal_token_and_role_header(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "submitted")
    _token, secret = token_create(user=sw.staff, name="接口")
    role = sw.staff.role_assignments.get()
    client = Client(headers={"Authorization": f"Bearer {secret}", "X-Renda-Role": str(role.pk)})
    assert _ok(_post(client, f"{API}/{suggestion.pk}/register"))["status"] == "registered"


def test_a_cosigner_may_not_evaluate_and_a_second_evaluation_is_refused(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "replied")
    url = f"{API}/{suggestion.pk}/evaluation"
    body = {"process_rating": "dissatisfied", "result_rating": "dissatisfied"}
    assert _error(_post(login_client(sw.cosigners[0]), url, body), 403)["code"] == "forbidden"
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REPLIED and not Evaluation.objects.exists()
    assert suggestion.round == 1

    deputy = login_client(sw.deputy)
    _ok(_post(deputy, url, {"process_rating": "satisfied", "result_rating": "satisfied"}), 201)
    again = _error(_post(deputy, url, body), 409)
    assert again["code"] == "already_evaluated"
    assert Evaluation.objects.count() == 1
    assert Suggestion.objects.get(pk=suggestion.pk).status == Status.CLOSED


def test_state_errors_are_409_and_permission_errors_403_or_404(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "registered")
    url = f"{API}/{suggestion.pk}"
    # Not now: registering twice, submitting a registered item.
    state = _error(_post(login_client(sw.staff), f"{url}/register"), 409)
    assert state["code"] == "invalid_state" and state["field"] == "status"
    assert _error(_post(login_client(sw.deputy), f"{url}/submit"), 409)["code"] == "invalid_state"
    # Not you: the deputy sees the item but may not register it; others do not see it at all.
    assert _error(_post(login_client(sw.deputy), f"{url}/register"), 403)["code"] == "forbidden"
    assert _error(_post(login_client(sw.cosigners[0]), f"{url}/withdraw"), 403)["code"] == "forbidden"
    assert _error(_post(login_client(sw.citizen), f"{url}/register"), 404)["code"] == "not_found"
    assert _error(_post(login_client(sw.lead_officer), f"{url}/withdraw"), 404)["code"] == "not_found"
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REGISTERED

    # A unit acting on an assignment that is not its own: 404; signing twice: 409.
    assigned = drive(sw, "signed", title="关于学校周边交通的建议")
    lead = _lead_assignment(assigned.pk, sw)
    assert _error(_post(login_client(sw.other_officer), f"{API}/handling/{lead.pk}/sign"), 404)["code"] == "not_found"
    assert _error(_post(login_client(sw.lead_officer), f"{API}/handling/{lead.pk}/sign"), 409)["code"] == (
        "already_signed"
    )
    # Only the head approves; a co-handling unit may not reply.
    co = Assignment.objects.get(suggestion=assigned, unit=sw.co_unit)
    reply_body = {"category": "A", "text": "答复"}
    assert _error(_post(login_client(sw.co_officer), f"{API}/handling/{co.pk}/reply", reply_body), 403)["code"] == (
        "forbidden"
    )


def test_an_unknown_unit_is_a_400_naming_the_field(sw: SuggestionWorld, other_city: Any) -> None:
    suggestion = drive(sw, "registered")
    staff = login_client(sw.staff)
    url = f"{API}/{suggestion.pk}/assign"
    missing = _error(_post(staff, url, {"lead_unit_id": 999_999}), 400)
    assert missing["field"] == "lead_unit_id" and missing["code"] == "unknown_unit"
    co = _error(_post(staff, url, {"lead_unit_id": sw.lead_unit.pk, "co_unit_ids": [999_999]}), 400)
    assert co["field"] == "co_unit_ids"
    foreign = other_city.units.first()
    wrong = _error(_post(staff, url, {"lead_unit_id": foreign.pk}), 400)
    assert wrong["field"] == "lead_unit_id" and wrong["code"] == "wrong_congress"
    nothing = _error(_post(staff, url, {}), 400)
    assert nothing["field"] == "lead_unit_id" and nothing["code"] == "required"
    invalid = _error(_post(staff, url, {"lead_unit_id": "x"}), 400)
    assert invalid["field"] == "lead_unit_id"
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REGISTERED and not suggestion.assignments.exists()
    # An unknown deputy in an invitation, on a new draft.
    draft = drive(sw, "draft", title="另一件建议")
    bad = _error(_post(login_client(sw.deputy), f"{API}/{draft.pk}/cosigners", {"deputy_ids": [999_999]}), 400)
    assert bad["field"] == "deputy_ids"
    assert not draft.cosigners.exists()


def test_another_congress_staff_gets_404(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "submitted")
    foreign = login_client(sw.other_staff)
    url = f"{API}/{suggestion.pk}"
    assert _error(foreign.get(url), 404)["code"] == "not_found"
    assert foreign.get(f"{url}/timeline").status_code == 404
    assert _error(_post(foreign, f"{url}/register"), 404)["code"] == "not_found"
    assert _error(_post(foreign, f"{url}/refuse", {"reason": "不属于"}), 404)["code"] == "not_found"
    assert _ok(foreign.get(API))["count"] == 0
    batch = {"congress_id": sw.city.pk, "suggestion_ids": [suggestion.pk], "lead_unit_id": sw.lead_unit.pk}
    assert _error(_post(foreign, f"{API}/assign-batch", batch), 403)["code"] == "forbidden"
    assert foreign.get(f"{API}/requests", {"congress_id": sw.city.pk}).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == Status.SUBMITTED


def test_list_is_scoped_filtered_and_paged(sw: SuggestionWorld) -> None:
    drive(sw, "draft", title="草稿")
    drive(sw, "submitted", title="已提交一")
    drive(sw, "registered", title="已立案")
    deputy = login_client(sw.deputy)
    assert _ok(deputy.get(API))["count"] == 3
    page = _ok(deputy.get(API, {"limit": 1, "offset": 1}))
    assert page["count"] == 3 and len(page["items"]) == 1
    assert [row["title"] for row in _ok(deputy.get(API, {"status": "draft"}))["items"]] == ["草稿"]
    assert _ok(deputy.get(API, {"year": 1999}))["count"] == 0
    assert _ok(login_client(sw.staff).get(API))["count"] == 2  # not the draft
    assert _ok(login_client(sw.citizen).get(API))["count"] == 0
    assert _ok(login_client(sw.lead_officer).get(API))["count"] == 0


def test_staff_review_key_disclosure_and_merge(sw: SuggestionWorld) -> None:
    staff = login_client(sw.staff)
    first = drive(sw, "registered")
    second = drive(sw, "submitted", title="相同的建议")
    third = drive(sw, "submitted", title="需修改的建议")
    fourth = drive(sw, "submitted", title="不予立案的建议")
    merged = _ok(_post(staff, f"{API}/{second.pk}/merge", {"into_id": first.pk, "note": "内容相同"}))
    assert merged["status"] == "merged" and merged["merged_into_id"] == first.pk
    assert _error(_post(staff, f"{API}/{third.pk}/merge", {"into_id": 999_999}), 400)["field"] == "into_id"
    assert _error(_post(staff, f"{API}/{third.pk}/return", {"note": ""}), 400)["field"] == "note"
    assert _ok(_post(staff, f"{API}/{third.pk}/return", {"note": "请补充数据"}))["status"] == "returned"
    assert _ok(_post(staff, f"{API}/{fourth.pk}/refuse", {"reason": "属于个人诉求"}))["status"] == "not_registered"

    key = _ok(_post(staff, f"{API}/{first.pk}/key", {"is_key": True, "supervising_unit_id": sw.office.pk}))
    assert key["is_key"] is True and key["supervising_unit_id"] == sw.office.pk
    bad_leader = _error(_post(staff, f"{API}/{first.pk}/key", {"is_key": True, "supervising_leader_id": 999_999}), 400)
    assert bad_leader["field"] == "supervising_leader_id"
    citizen = login_client(sw.citizen)
    assert citizen.get(f"{API}/{first.pk}").status_code == 404
    assert _ok(_post(staff, f"{API}/{first.pk}/disclosure", {"is_public": True}))["is_public"] is True
    public = _ok(citizen.get(f"{API}/{first.pk}"))
    assert public["communications"] == [] and public["disputes"] == []


def test_batch_assignment(sw: SuggestionWorld) -> None:
    items = [drive(sw, "registered", title=f"建议{i}") for i in range(3)]
    staff = login_client(sw.staff)
    ids = [s.pk for s in items]
    body = {
        "congress_id": sw.city.pk,
        "suggestion_ids": ids,
        "lead_unit_id": sw.lead_unit.pk,
        "co_unit_ids": [sw.co_unit.pk],
    }
    assert _ok(_post(staff, f"{API}/assign-batch", body))["assigned"] == 6
    assert set(Suggestion.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.ASSIGNED}
    again = _error(_post(staff, f"{API}/assign-batch", body), 409)
    assert again["code"] == "invalid_state"


def test_dispute_and_extension_through_the_api(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "assigned")
    lead = _lead_assignment(suggestion.pk, sw)
    officer, staff = login_client(sw.lead_officer), login_client(sw.staff)
    dispute = _ok(
        _post(
            officer,
            f"{API}/handling/{lead.pk}/dispute",
            {"reason": "属于教育局职责", "suggested_unit_id": sw.other_unit.pk},
        ),
        201,
    )
    assert dispute["status"] == "pending"
    extension = _ok(
        _post(
            officer,
            f"{API}/handling/{lead.pk}/extension",
            {
                "requested_due": (timezone.localdate(lead.due_at) + dt.timedelta(days=20)).isoformat(),
                "reason": "情况复杂",
            },
        ),
        201,
    )
    pending = _ok(staff.get(f"{API}/requests", {"congress_id": sw.city.pk}))
    assert [d["id"] for d in pending["disputes"]] == [dispute["id"]]
    assert [e["id"] for e in pending["extensions"]] == [extension["id"]]
    assert _ok(staff.get(f"{API}/requests"))["disputes"]  # defaults to the staff's own congress
    assert login_client(sw.lead_officer).get(f"{API}/requests").status_code == 403
    # The deputy does not see disputes, and cannot decide one.
    assert _error(_post(login_client(sw.deputy), f"{API}/disputes/{dispute['id']}/decide", {"approve": False}), 404)
    # Unit decides nothing: it sees the dispute but is refused.
    assert _error(_post(officer, f"{API}/disputes/{dispute['id']}/decide", {"approve": False, "note": "x"}), 403)

    ext = _ok(_post(staff, f"{API}/extensions/{extension['id']}/decide", {"approve": True, "note": "同意延期"}))
    assert ext["status"] == "approved"
    assert timezone.localdate(Assignment.objects.get(pk=lead.pk).due_at).isoformat() == extension["requested_due"]
    unknown = _error(
        _post(staff, f"{API}/disputes/{dispute['id']}/decide", {"approve": True, "note": "改交", "new_unit_id": 999}),
        400,
    )
    assert unknown["field"] == "new_unit_id"
    decided = _ok(
        _post(
            staff,
            f"{API}/disputes/{dispute['id']}/decide",
            {"approve": True, "note": "改交教育局", "new_unit_id": sw.other_unit.pk},
        )
    )
    assert decided["status"] == "approved"
    assert _ok(login_client(sw.other_officer).get(f"{API}/unit-queue"))[0]["suggestion_id"] == suggestion.pk
    assert officer.get(f"{API}/{suggestion.pk}").status_code == 404  # no longer its item
    again = _post(staff, f"{API}/disputes/{dispute['id']}/decide", {"approve": False, "note": "x"})
    assert _error(again, 409)["code"] == "already_decided"


def test_reply_returned_and_queue_tabs(sw: SuggestionWorld) -> None:
    suggestion = drive(sw, "drafted")
    lead = _lead_assignment(suggestion.pk, sw)
    reply = lead.replies.get()
    officer, head = login_client(sw.lead_officer), login_client(sw.lead_head)
    assert _error(_post(officer, f"{API}/replies/{reply.pk}/approve"), 403)["code"] == "forbidden"
    assert _error(_post(login_client(sw.deputy), f"{API}/replies/{reply.pk}/approve"), 404)["code"] == "not_found"
    assert _ok(_post(head, f"{API}/replies/{reply.pk}/return", {"note": "请补充进度"}))["status"] == "returned"
    assert _ok(officer.get(f"{API}/unit-queue", {"tab": "handling"}))[0]["assignment_id"] == lead.pk
    assert _ok(officer.get(f"{API}/unit-queue", {"tab": "overdue"})) == []
    assert _error(officer.get(f"{API}/unit-queue", {"tab": "bogus"}), 400)["field"] == "tab"
    assert _error(login_client(sw.deputy).get(f"{API}/unit-queue"), 403)["code"] == "forbidden"
    no_file = _error(officer.post(f"{API}/replies/{reply.pk}/attachments", {}), 400)
    assert no_file["field"] == "file"
    bad_type = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    assert _error(officer.post(f"{API}/replies/{reply.pk}/attachments", {"file": bad_type}), 400)["field"] == "file"


def test_create_refusals(sw: SuggestionWorld, other_city: Any) -> None:
    body = {"title": "标题", "body": "内容", "category": "urban"}
    assert _error(_post(login_client(sw.staff), API, body), 403)["code"] == "forbidden"
    assert _error(_post(login_client(sw.deputy), API, {**body, "congress_id": other_city.pk}), 403)
    assert _error(_post(login_client(sw.deputy), API, {**body, "category": "nope"}), 400)["field"] == "category"
    session = _error(_post(login_client(sw.deputy), API, {**body, "phase": "session"}), 400)
    assert session["field"] == "session_id"
    assert _error(_post(login_client(sw.deputy), API, {**body, "session_id": 999_999}), 400)["field"] == "session_id"
    long_title = _error(_post(login_client(sw.deputy), API, {**body, "title": "长" * 101}), 400)
    assert long_title["field"] == "title" and long_title["code"] == "too_long"
    assert not Suggestion.objects.exists()
    assert Client().get(API).status_code == 401
