"""The 交办机构's pages: review, assignment, disputes, extensions and the board, through the web."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from renda.conftest import login_client
from renda.core.models import Notification
from renda.suggestions import actions
from renda.suggestions.models import Assignment, AssignmentStatus, RequestStatus, Status, Suggestion
from renda.suggestions.tests.conftest import SuggestionWorld, drive
from renda.suggestions.views import staff

pytestmark = pytest.mark.django_db


def _url(name: str, suggestion: Suggestion) -> str:
    return reverse(f"suggestions:{name}", kwargs={"suggestion_id": suggestion.pk})


@pytest.fixture
def staff_client(sw: SuggestionWorld) -> Client:
    return login_client(sw.staff)


# --- review ---


def test_register_through_the_page(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "submitted")
    response = staff_client.post(_url("register", item), {"is_complex": "1", "note": "同意立案"})
    assert response.status_code == 302
    assert response.url == reverse("suggestions:detail", kwargs={"suggestion_id": item.pk})
    item.refresh_from_db()
    assert item.status == Status.REGISTERED
    assert item.is_complex is True
    assert item.number == f"{item.year}-0001"


def test_return_needs_a_note(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "submitted")
    response = staff_client.post(_url("return", item), {"note": "  "})
    assert response.status_code == 400
    assert response.context["error"].field == "note"
    assert "退回意见不能为空" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED

    response = staff_client.post(_url("return", item), {"note": "请补充具体小区名单"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.RETURNED
    assert item.review_note == "请补充具体小区名单"


def test_refuse_needs_a_reason(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "submitted")
    response = staff_client.post(_url("refuse", item), {})
    assert response.status_code == 400
    assert response.context["error"].field == "reason"
    response = staff_client.post(_url("refuse", item), {"reason": "属于个人诉求，不宜作为代表建议"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.NOT_REGISTERED


def test_merge_by_number_or_id(sw: SuggestionWorld, staff_client: Client) -> None:
    target = drive(sw, "registered", title="关于加快老旧小区电梯加装的建议")
    first = drive(sw, "submitted")
    second = drive(sw, "submitted", title="再一件电梯建议")

    response = staff_client.post(_url("merge", first), {"into": "2099-0001"})
    assert response.status_code == 400
    assert response.context["error"].field == "into"
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED

    assert staff_client.post(_url("merge", first), {"into": target.number}).status_code == 302
    assert staff_client.post(_url("merge", second), {"into": str(target.pk)}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.merged_into_id) == (Status.MERGED, target.pk)
    assert (second.status, second.merged_into_id) == (Status.MERGED, target.pk)


def test_merge_into_an_unregistered_item_is_refused(sw: SuggestionWorld, staff_client: Client) -> None:
    target = drive(sw, "submitted", title="未立案的建议")
    item = drive(sw, "submitted")
    response = staff_client.post(_url("merge", item), {"into": str(target.pk)})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED


# --- assignment ---


def test_assign_lead_and_co_units(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "registered")
    response = staff_client.post(
        _url("assign", item), {"lead_unit": str(sw.lead_unit.pk), "co_units": [str(sw.co_unit.pk)]}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.ASSIGNED
    assert {(a.unit_id, a.role) for a in item.assignments.all()} == {
        (sw.lead_unit.pk, "lead"),
        (sw.co_unit.pk, "co"),
    }


def test_assign_parallel_units(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "registered")
    response = staff_client.post(
        _url("assign", item), {"lead_unit": "", "parallel_units": [str(sw.lead_unit.pk), str(sw.other_unit.pk)]}
    )
    assert response.status_code == 302
    assert set(item.assignments.values_list("role", flat=True)) == {"parallel"}


def test_assign_to_a_unit_of_another_congress_saves_nothing(
    sw: SuggestionWorld, staff_client: Client, other_city: object
) -> None:
    from renda.organizations.models import Unit

    item = drive(sw, "registered")
    foreign = Unit.objects.get(name="河州市住建局")
    response = staff_client.post(_url("assign", item), {"lead_unit": str(foreign.pk)})
    assert response.status_code == 400
    assert response.context["error"].field == "lead_unit"
    assert "不属于本级人大" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.REGISTERED
    assert not Assignment.objects.filter(suggestion=item).exists()


def test_assign_without_lead_names_lead_unit(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "registered")
    response = staff_client.post(_url("assign", item), {"lead_unit": "", "co_units": [str(sw.co_unit.pk)]})
    assert response.status_code == 400
    assert response.context["error"].field == "lead_unit"
    assert not item.assignments.exists()


def test_assign_unknown_unit_names_the_field(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "registered")
    response = staff_client.post(_url("assign", item), {"lead_unit": str(sw.lead_unit.pk), "co_units": ["999999"]})
    assert response.status_code == 400
    assert response.context["error"].field == "co_units"
    response = staff_client.post(_url("assign", item), {"lead_unit": "abc"})
    assert response.status_code == 400
    assert response.context["error"].field == "lead_unit"
    assert not item.assignments.exists()


def test_a_unit_officer_cannot_register(sw: SuggestionWorld) -> None:
    item = drive(sw, "submitted")
    response = login_client(sw.lead_officer).post(_url("register", item), {})
    assert response.status_code in (403, 404)
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED
    assert item.number == ""


def test_a_leader_reads_but_cannot_assign(sw: SuggestionWorld) -> None:
    item = drive(sw, "registered")
    response = login_client(sw.leader).post(_url("assign", item), {"lead_unit": str(sw.lead_unit.pk)})
    assert response.status_code == 403
    assert not item.assignments.exists()


def test_staff_of_another_city_cannot_register(sw: SuggestionWorld) -> None:
    item = drive(sw, "submitted")
    response = login_client(sw.other_staff).post(_url("register", item), {})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED


def test_get_on_a_post_route_is_refused(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "submitted")
    assert staff_client.get(_url("register", item)).status_code == 405


# --- batch assignment ---


def test_batch_assignment(sw: SuggestionWorld, staff_client: Client) -> None:
    first = drive(sw, "registered", title="第一件")
    second = drive(sw, "registered", title="第二件")
    page = staff_client.get(reverse("suggestions:assign_batch"))
    assert page.status_code == 200
    assert "第一件" in page.content.decode() and "第二件" in page.content.decode()
    response = staff_client.post(
        reverse("suggestions:assign_batch"),
        {"suggestions": [str(first.pk), str(second.pk)], "lead_unit": str(sw.lead_unit.pk)},
    )
    assert response.status_code == 302
    for item in (first, second):
        item.refresh_from_db()
        assert item.status == Status.ASSIGNED
        assert item.assignments.get().unit == sw.lead_unit


def test_batch_with_one_bad_item_assigns_nothing(sw: SuggestionWorld, staff_client: Client) -> None:
    good = drive(sw, "registered", title="可以交办的")
    already = drive(sw, "assigned", title="已经交办的")
    response = staff_client.post(
        reverse("suggestions:assign_batch"),
        {"suggestions": [str(good.pk), str(already.pk)], "lead_unit": str(sw.other_unit.pk)},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert already.number in body  # says which item stopped the batch
    good.refresh_from_db()
    assert good.status == Status.REGISTERED
    assert not good.assignments.exists()
    assert not Assignment.objects.filter(unit=sw.other_unit).exists()


def test_batch_needs_items_and_rejects_foreign_ids(sw: SuggestionWorld, staff_client: Client) -> None:
    response = staff_client.post(reverse("suggestions:assign_batch"), {"lead_unit": str(sw.lead_unit.pk)})
    assert response.status_code == 400
    assert response.context["error"].field == "suggestions"
    response = staff_client.post(
        reverse("suggestions:assign_batch"), {"suggestions": ["999999"], "lead_unit": str(sw.lead_unit.pk)}
    )
    assert response.status_code == 400
    assert response.context["error"].field == "suggestions"


# --- disputes and extensions ---


def _dispute(sw: SuggestionWorld) -> tuple[Suggestion, Assignment, int]:
    item = drive(sw, "assigned")
    lead = item.assignments.get(unit=sw.lead_unit)
    dispute = actions.dispute_raise(actor=sw.lead_officer, assignment=lead, reason="不属于本单位职责")
    return item, lead, dispute.pk


def test_dispute_approve_moves_the_duty(sw: SuggestionWorld, staff_client: Client) -> None:
    item, lead, dispute_id = _dispute(sw)
    url = reverse("suggestions:dispute_decide", kwargs={"dispute_id": dispute_id})
    response = staff_client.post(url, {"approve": "1", "new_unit": str(sw.other_unit.pk), "note": "改由教育局主办"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == AssignmentStatus.WITHDRAWN
    moved = item.assignments.get(unit=sw.other_unit, status=AssignmentStatus.ACTIVE)
    assert moved.role == "lead"
    assert lead.disputes.get().status == RequestStatus.APPROVED


def test_dispute_approve_needs_a_unit_and_a_note(sw: SuggestionWorld, staff_client: Client) -> None:
    _item, lead, dispute_id = _dispute(sw)
    url = reverse("suggestions:dispute_decide", kwargs={"dispute_id": dispute_id})
    response = staff_client.post(url, {"approve": "1", "note": "改交"})
    assert response.status_code == 400
    assert response.context["error"].field == "new_unit"
    response = staff_client.post(url, {"approve": "0", "note": ""})
    assert response.status_code == 400
    assert response.context["error"].field == "note"
    response = staff_client.post(url, {"note": "x"})
    assert response.status_code == 400
    assert response.context["error"].field == "approve"
    assert lead.disputes.get().status == RequestStatus.PENDING
    response = staff_client.post(url, {"approve": "0", "note": "属于贵单位职责", "next": "/suggestions/requests/"})
    assert response.status_code == 302 and response.url == "/suggestions/requests/"
    assert lead.disputes.get().status == RequestStatus.REJECTED
    lead.refresh_from_db()
    assert lead.status == AssignmentStatus.ACTIVE


def test_the_unit_cannot_decide_its_own_dispute(sw: SuggestionWorld) -> None:
    _item, lead, dispute_id = _dispute(sw)
    url = reverse("suggestions:dispute_decide", kwargs={"dispute_id": dispute_id})
    response = login_client(sw.lead_officer).post(
        url, {"approve": "1", "new_unit": str(sw.other_unit.pk), "note": "自己批准"}
    )
    assert response.status_code in (403, 404)
    assert lead.disputes.get().status == RequestStatus.PENDING


def test_extension_approve_changes_the_due_date_and_tells_the_deputy(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "signed")
    lead = item.assignments.get(unit=sw.lead_unit)
    requested = timezone.localdate(lead.due_at) + dt.timedelta(days=10)
    extension = actions.extension_request(
        actor=sw.lead_officer, assignment=lead, requested_due=requested, reason="需要跨部门协调"
    )
    before = Notification.objects.filter(recipient=sw.deputy).count()
    url = reverse("suggestions:extension_decide", kwargs={"extension_id": extension.pk})
    response = staff_client.post(url, {"approve": "1", "note": "情况属实，同意延期"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert timezone.localdate(lead.due_at) == requested
    item.refresh_from_db()
    assert timezone.localdate(item.due_at) == requested
    assert Notification.objects.filter(recipient=sw.deputy).count() == before + 1
    assert Notification.objects.filter(recipient=sw.deputy, event="suggestion.extension_approved").exists()


def test_requests_page_lists_pending_requests(sw: SuggestionWorld, staff_client: Client) -> None:
    _item, _lead, dispute_id = _dispute(sw)
    response = staff_client.get(reverse("suggestions:requests"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-testid="dispute-{dispute_id}"' in body
    assert "不属于本单位职责" in body
    assert reverse("suggestions:dispute_decide", kwargs={"dispute_id": dispute_id}) in body
    assert login_client(sw.lead_officer).get(reverse("suggestions:requests")).status_code in (403, 404)


# --- flags ---


def test_key_supervision_and_disclosure(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "assigned")
    response = staff_client.post(_url("key", item), {"is_key": "1"})
    assert response.status_code == 400
    assert response.context["error"].field == "supervising_unit"
    response = staff_client.post(
        _url("key", item), {"is_key": "1", "supervising_unit": str(sw.office.pk), "supervising_leader": ""}
    )
    assert response.status_code == 302
    response = staff_client.post(
        _url("key", item), {"is_key": "1", "supervising_unit": "", "supervising_leader": str(sw.lead_head.pk)}
    )
    assert response.status_code == 400
    assert response.context["error"].field == "supervising_leader"
    item.refresh_from_db()
    assert item.is_key and item.supervising_unit == sw.office

    assert staff_client.post(_url("disclose", item), {"is_public": "1"}).status_code == 302
    item.refresh_from_db()
    assert item.is_public is True
    assert staff_client.post(_url("disclose", item), {"is_public": "0"}).status_code == 302
    item.refresh_from_db()
    assert item.is_public is False


def test_key_supervision_before_registration_is_refused(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "submitted")
    response = staff_client.post(_url("key", item), {"is_key": "1", "supervising_unit": str(sw.office.pk)})
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.is_key is False


# --- the panel and the queue ---


def _panel(sw: SuggestionWorld, item: Suggestion, user: object) -> str:
    request = RequestFactory().get("/")
    request.user = user  # type: ignore[assignment]
    context = {"suggestion": item, **staff.panel_context(request, item)}
    return render_to_string("suggestions/_staff_panel.html", context, request=request)


def test_panel_shows_review_forms_for_a_submitted_item(sw: SuggestionWorld) -> None:
    item = drive(sw, "submitted")
    html = _panel(sw, item, sw.staff)
    for form in ("form-register", "form-return", "form-refuse", "form-merge"):
        assert f'data-testid="{form}"' in html
    assert "涉及面广、处理难度大" in html
    assert 'data-testid="form-assign"' not in html
    assert 'data-testid="similar-items"' in html


def test_panel_shows_assign_form_with_handling_units_only(sw: SuggestionWorld) -> None:
    item = drive(sw, "registered")
    html = _panel(sw, item, sw.staff)
    assert 'data-testid="form-assign"' in html
    assert 'data-testid="form-key"' in html and 'data-testid="form-disclose"' in html
    assert 'data-testid="form-register"' not in html
    request = RequestFactory().get("/")
    request.user = sw.staff  # type: ignore[assignment]
    units = staff.panel_context(request, item)["staff_units"]
    assert sw.lead_unit in units and sw.co_unit in units
    assert sw.delegation not in units
    assert all(unit.congress_id == sw.city.pk for unit in units)


def test_panel_lists_pending_requests(sw: SuggestionWorld) -> None:
    item, _lead, dispute_id = _dispute(sw)
    html = _panel(sw, item, sw.staff)
    assert f'data-testid="dispute-{dispute_id}"' in html


def test_panel_is_empty_for_others(sw: SuggestionWorld) -> None:
    item = drive(sw, "submitted")
    assert 'data-testid="staff-panel"' not in _panel(sw, item, sw.leader)
    assert 'data-testid="staff-panel"' not in _panel(sw, item, sw.other_staff)


def test_review_queue_oldest_first(sw: SuggestionWorld, staff_client: Client) -> None:
    older = drive(sw, "submitted", title="较早提交的建议")
    newer = drive(sw, "submitted", title="较晚提交的建议")
    Suggestion.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - dt.timedelta(days=3))
    drive(sw, "registered", title="已立案的不在队列")
    response = staff_client.get(reverse("suggestions:review_queue"))
    assert response.status_code == 200
    assert [row["item"].pk for row in response.context["rows"]] == [older.pk, newer.pk]
    assert "已立案的不在队列" not in response.content.decode()
    assert login_client(sw.leader).get(reverse("suggestions:review_queue")).status_code == 403
    assert login_client(sw.other_staff).get(reverse("suggestions:review_queue")).context["rows"] == []


def test_review_queue_counts_similar_items(
    sw: SuggestionWorld, staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = drive(sw, "registered", title="早先的电梯建议")
    drive(sw, "submitted")
    monkeypatch.setattr(staff.similarity, "similar_to", lambda suggestion, limit=5: [(earlier, 0.8)])
    response = staff_client.get(reverse("suggestions:review_queue"))
    assert response.context["rows"][0]["similar"] == 1
    assert 'data-testid="similar-count"' in response.content.decode()


# --- the board ---


def test_board_counts_by_unit(sw: SuggestionWorld, staff_client: Client) -> None:
    now = timezone.now()
    drive(sw, "assigned", title="办理中")  # lead_unit open (due in months), co_unit open
    soon = drive(sw, "assigned", title="快到期")
    Assignment.objects.filter(suggestion=soon).update(due_at=now + dt.timedelta(days=3))
    late = drive(sw, "assigned", title="已超期")
    Assignment.objects.filter(suggestion=late).update(due_at=now - dt.timedelta(days=1))
    drive(sw, "replied", title="已答复")  # lead_unit replied; co_unit has not sent its opinion
    withdrawn = drive(sw, "assigned", title="撤回的")
    actions.suggestion_withdraw(actor=sw.deputy, suggestion=withdrawn, reason="已解决")

    rows = {row["unit_id"]: row for row in staff.board_rows(sw.city.pk)}
    assert set(rows) == {sw.lead_unit.pk, sw.co_unit.pk}
    lead, co = rows[sw.lead_unit.pk], rows[sw.co_unit.pk]
    assert (lead["open"], lead["due_soon"], lead["overdue"], lead["replied"]) == (3, 1, 1, 1)
    assert (co["open"], co["due_soon"], co["overdue"], co["replied"]) == (4, 1, 1, 0)

    response = staff_client.get(reverse("suggestions:board"))
    assert response.status_code == 200
    assert response.context["totals"] == {"open": 7, "due_soon": 2, "overdue": 2, "replied": 1}
    body = response.content.decode()
    assert f"?unit={sw.lead_unit.pk}&amp;state=overdue" in body
    assert login_client(sw.leader).get(reverse("suggestions:board")).status_code == 200
    assert login_client(sw.lead_officer).get(reverse("suggestions:board")).status_code == 403


def test_board_counts_a_co_unit_opinion_as_done(sw: SuggestionWorld) -> None:
    item = drive(sw, "assigned")
    co = item.assignments.get(unit=sw.co_unit)
    actions.opinion_send(actor=sw.co_officer, assignment=co, text="同意主办单位意见")
    rows = {row["unit_id"]: row for row in staff.board_rows(sw.city.pk)}
    assert (rows[sw.co_unit.pk]["open"], rows[sw.co_unit.pk]["replied"]) == (0, 1)


def test_board_is_one_query(sw: SuggestionWorld, django_assert_num_queries: object) -> None:
    drive(sw, "assigned")
    with django_assert_num_queries(1):  # type: ignore[operator]
        staff.board_rows(sw.city.pk)


def test_item_page_shows_the_panel_to_staff_only(sw: SuggestionWorld, staff_client: Client) -> None:
    item = drive(sw, "submitted")
    url = reverse("suggestions:detail", kwargs={"suggestion_id": item.pk})
    response = staff_client.get(url)
    assert response.status_code == 200
    assert 'data-testid="form-register"' in response.content.decode()
    assert 'data-testid="staff-panel"' not in login_client(sw.leader).get(url).content.decode()
