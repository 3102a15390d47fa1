"""The unit's pages: its queue in four tabs sorted by deadline, overdue in red, and accept / return / reply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from renda.core.models import AuditEvent
from renda.opinions.models import Dispatch, Opinion, Status
from renda.opinions.tests.loop_world import PHONE
from renda.opinions.tests.staff_support import LoopWorld, client_of, dispatched, live_dispatch, loop

__all__ = ["loop"]

pytestmark = pytest.mark.django_db


def _due_in(opinion: Opinion, days: int) -> None:
    due = timezone.now() + dt.timedelta(days=days)
    Dispatch.objects.filter(opinion=opinion, state__in=["pending", "accepted"]).update(due_at=due)
    Opinion.objects.filter(pk=opinion.pk).update(due_at=due)


def test_the_unit_sees_only_its_own_items_most_urgent_first(loop: LoopWorld) -> None:
    later, sooner = dispatched(loop), dispatched(loop)
    _due_in(later, 4)
    _due_in(sooner, 1)
    theirs = dispatched(loop, unit=loop.other_unit)
    client = client_of(loop.officer)
    response = client.get(reverse("opinions:unit_queue"))
    assert response.status_code == 200
    assert [row["opinion"].pk for row in response.context["rows"]] == [sooner.pk, later.pk]
    assert {tab["key"]: tab["count"] for tab in response.context["tabs"]}["pending"] == 2
    assert client.get(reverse("opinions:opinion_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("opinions:unit_accept", args=[theirs.pk])).status_code == 404
    assert live_dispatch(theirs).state == "pending"


@pytest.mark.parametrize("who", ["staff", "leader", "station_staff"])
def test_the_unit_queue_is_for_units(loop: LoopWorld, who: str) -> None:
    assert client_of(getattr(loop, who)).get(reverse("opinions:unit_queue")).status_code == 403


def test_overdue_tab_and_red_rows(loop: LoopWorld) -> None:
    late, on_time = dispatched(loop), dispatched(loop)
    _due_in(late, -3)
    response = client_of(loop.officer).get(reverse("opinions:unit_queue") + "?tab=overdue")
    counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {"pending": 2, "handling": 0, "replied": 0, "overdue": 1}
    assert [row["opinion"].pk for row in response.context["rows"]] == [late.pk]
    page = response.content.decode()
    assert 'data-overdue="1"' in page
    assert "已逾期 3 天" in page
    assert on_time.pk not in [row["opinion"].pk for row in response.context["rows"]]


def test_accept_reply_through_the_pages(loop: LoopWorld) -> None:
    opinion = dispatched(loop)
    client = client_of(loop.officer)
    page = client.get(reverse("opinions:opinion_detail", args=[opinion.pk]))
    assert page.context["can_handle"]
    assert page.context["can_unmask"]  # the unit handling it may see the contact (audited)
    assert PHONE not in page.content.decode()
    assert client.post(reverse("opinions:unit_accept", args=[opinion.pk])).status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.ACCEPTED
    tabs = client.get(reverse("opinions:unit_queue") + "?tab=handling").context["tabs"]
    assert {tab["key"]: tab["count"] for tab in tabs}["handling"] == 1
    # A blank reply is refused and changes nothing.
    response = client.post(reverse("opinions:unit_reply", args=[opinion.pk]), {"text": ""})
    assert response.status_code == 400
    opinion.refresh_from_db()
    assert opinion.status == Status.ACCEPTED
    response = client.post(reverse("opinions:unit_reply", args=[opinion.pk]), {"text": "路灯已于本周修复。"})
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.REPLIED
    assert AuditEvent.objects.filter(action="opinion.replied", target_id=str(opinion.pk)).count() == 1
    response = client.get(reverse("opinions:unit_queue") + "?tab=replied")
    assert [row["opinion"].pk for row in response.context["rows"]] == [opinion.pk]
    # Replied: accepting again is "not now".
    assert client.post(reverse("opinions:unit_accept", args=[opinion.pk])).status_code in (403, 409)


def test_return_needs_a_reason_and_goes_back_to_triage(loop: LoopWorld) -> None:
    opinion = dispatched(loop)
    client = client_of(loop.head)
    response = client.post(reverse("opinions:unit_return", args=[opinion.pk]), {"reason": ""})
    assert response.status_code == 400
    assert live_dispatch(opinion).state == "pending"
    response = client.post(reverse("opinions:unit_return", args=[opinion.pk]), {"reason": "不属于本单位职责"})
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.RECEIVED
    assert Dispatch.objects.get(opinion=opinion).state == "returned"


def test_unit_queue_api(loop: LoopWorld) -> None:
    late = dispatched(loop)
    _due_in(late, -1)
    dispatched(loop, unit=loop.other_unit)
    client = client_of(loop.officer)
    response = client.get("/api/v1/opinions/unit-queue?tab=overdue")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"]["overdue"] == 1
    assert [item["opinion_id"] for item in body["items"]] == [late.pk]
    assert body["items"][0]["overdue"] is True
    assert client.get("/api/v1/opinions/unit-queue?tab=nope").status_code == 400
    assert client_of(loop.staff).get("/api/v1/opinions/unit-queue").status_code == 403
