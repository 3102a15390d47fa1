"""The triage pages: the queue, one opinion with its suggestion (never applied by itself), the four outcomes,
contact unmasking, photos, clusters and the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from renda.core.models import AuditEvent
from renda.insight.models import Cluster
from renda.opinions.models import Dispatch, Opinion, Status
from renda.opinions.tests.loop_world import PHONE
from renda.opinions.tests.staff_support import LoopWorld, client_of, dispatched, loop, suggest
from renda.organizations.models import Congress

__all__ = ["loop"]

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_queue_shows_the_suggestion_and_the_oldest_first(loop: LoopWorld) -> None:
    newer = loop.submit(text="公交站台的雨棚破了，下雨天候车很不方便，请修理。")
    older = loop.submit(received_at=timezone.now() - dt.timedelta(days=2))
    suggest(older, loop.unit)
    response = client_of(loop.staff).get(reverse("opinions:triage_queue"))
    assert response.status_code == 200
    ids = [row["opinion"].pk for row in response.context["rows"]]
    assert ids.index(older.pk) < ids.index(newer.pk)
    assert "建议：市住房和城乡建设局（L3，城建与物业）置信度 82% · 模型 v3" in response.content.decode()


@pytest.mark.parametrize("who", ["leader", "officer", "sc_member", "citizen"])
def test_queue_is_for_triage_people_only(loop: LoopWorld, who: str) -> None:
    response = client_of(getattr(loop, who)).get(reverse("opinions:triage_queue"))
    assert response.status_code == 403


def test_station_staff_see_only_their_station_in_the_queue(loop: LoopWorld) -> None:
    own = loop.submit(source="station_qr", station=loop.station)
    other = loop.submit(source="station_qr", station=loop.other_station)
    response = client_of(loop.station_staff).get(reverse("opinions:triage_queue"))
    ids = {row["opinion"].pk for row in response.context["rows"]}
    assert own.pk in ids
    assert other.pk not in ids


def test_detail_prefills_the_suggestion_but_nothing_is_dispatched_until_staff_click(loop: LoopWorld) -> None:
    opinion = loop.submit()
    suggest(opinion, loop.other_unit, category="traffic", level="L2", confidence=0.64, version=0)
    client = client_of(loop.staff)
    response = client.get(reverse("opinions:opinion_detail", args=[opinion.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "建议：市交通运输局（L2，交通出行）置信度 64% · 关键词规则" in page
    form = response.context["grade_form"]
    assert form.initial["unit"] == loop.other_unit.pk
    assert form.initial["category"] == "traffic"
    opinion.refresh_from_db()
    assert opinion.status == Status.RECEIVED
    assert not Dispatch.objects.filter(opinion=opinion).exists()

    # Staff choose another unit than the suggested one: their choice is what counts.
    response = client.post(
        reverse("opinions:triage_grade", args=[opinion.pk]),
        {"level": "L3", "category": "urban", "unit": loop.unit.pk},
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.DISPATCHED
    assert opinion.unit == loop.unit
    assert AuditEvent.objects.filter(action="opinion.dispatched", target_id=str(opinion.pk)).count() == 1


def test_grade_without_a_unit_is_refused_and_changes_nothing(loop: LoopWorld) -> None:
    opinion = loop.submit()
    response = client_of(loop.staff).post(
        reverse("opinions:triage_grade", args=[opinion.pk]), {"level": "L3", "category": "urban", "unit": ""}
    )
    assert response.status_code == 400
    opinion.refresh_from_db()
    assert opinion.status == Status.RECEIVED
    assert response.context["refused_form"] == "grade"


def test_refuse_needs_a_channel_and_answer_ends_the_loop(loop: LoopWorld) -> None:
    client = client_of(loop.staff)
    opinion = loop.submit()
    response = client.post(reverse("opinions:triage_refuse", args=[opinion.pk]), {"reason": "属于诉讼事项"})
    assert response.status_code == 400
    opinion.refresh_from_db()
    assert opinion.status == Status.RECEIVED
    response = client.post(
        reverse("opinions:triage_refuse", args=[opinion.pk]), {"reason": "属于诉讼事项", "channel": "诉讼"}
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert (opinion.status, opinion.redirect_channel) == (Status.REFUSED, "诉讼")

    second = loop.submit()
    response = client.post(reverse("opinions:triage_answer", args=[second.pk]), {"answer": "已当场解释政策。"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.ANSWERED_ON_SPOT
    # Already triaged: a second outcome is "not now" (409).
    response = client.post(reverse("opinions:triage_answer", args=[second.pk]), {"answer": "再答一次"})
    assert response.status_code == 409


def test_convert_makes_a_draft_for_the_chosen_deputy(loop: LoopWorld) -> None:
    opinion = loop.submit()
    response = client_of(loop.staff).post(
        reverse("opinions:triage_convert", args=[opinion.pk]),
        {"deputy": loop.deputy.pk, "title": "关于修复路灯的建议"},
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.CONVERTED
    assert opinion.converted_suggestion is not None
    assert opinion.converted_suggestion.lead_deputy == loop.deputy.user


def test_a_unit_cannot_triage(loop: LoopWorld) -> None:
    opinion = dispatched(loop)
    response = client_of(loop.officer).post(
        reverse("opinions:triage_answer", args=[opinion.pk]), {"answer": "擅自答复"}
    )
    assert response.status_code == 403
    other = loop.submit()
    response = client_of(loop.officer).post(reverse("opinions:triage_answer", args=[other.pk]), {"answer": "x"})
    assert response.status_code == 404  # never dispatched to this unit: it does not exist for them


def test_contact_is_masked_and_unmasking_is_audited(loop: LoopWorld) -> None:
    opinion = loop.submit()
    client = client_of(loop.staff)
    page = client.get(reverse("opinions:opinion_detail", args=[opinion.pk])).content.decode()
    assert PHONE not in page
    assert "139****5678" in page
    assert 'data-testid="unmask"' in page
    response = client.post(reverse("opinions:unmask", args=[opinion.pk]))
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert AuditEvent.objects.filter(action="opinion.contact_unmasked", target_id=str(opinion.pk)).count() == 1


def test_the_leader_reads_but_may_not_unmask(loop: LoopWorld) -> None:
    opinion = loop.submit()
    client = client_of(loop.leader)
    page = client.get(reverse("opinions:opinion_detail", args=[opinion.pk])).content.decode()
    assert PHONE not in page
    assert 'data-testid="unmask"' not in page
    response = client.post(reverse("opinions:unmask", args=[opinion.pk]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="opinion.contact_unmasked").exists()


def test_photos_are_served_only_to_who_may_see_the_opinion(loop: LoopWorld) -> None:
    opinion = loop.submit(uploads=[SimpleUploadedFile("lamp.png", PNG, "image/png")])
    item = opinion.attachments.get()
    url = reverse("opinions:attachment", args=[item.pk])
    response = client_of(loop.staff).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert client_of(loop.officer).get(url).status_code == 404


def test_cluster_page_lists_the_group_and_dispatches_it_as_one(loop: LoopWorld) -> None:
    first, second = loop.submit(), loop.submit(text="东湖路上的路灯坏了好久了，晚上很黑，希望尽快修好。")
    now = timezone.now()
    cluster = Cluster.objects.create(
        congress=loop.city, title="路灯损坏", size=2, first_received_at=now, last_received_at=now
    )
    Opinion.objects.filter(pk__in=[first.pk, second.pk]).update(cluster=cluster)
    suggest(first, loop.unit)
    client = client_of(loop.staff)
    detail = client.get(reverse("opinions:opinion_detail", args=[first.pk]))
    assert [item.pk for item in detail.context["similar"]] == [second.pk]
    assert reverse("opinions:cluster_detail", args=[cluster.pk]) in detail.content.decode()
    page = client.get(reverse("opinions:cluster_detail", args=[cluster.pk]))
    assert page.status_code == 200
    assert len(page.context["members"]) == 2
    response = client.post(
        reverse("opinions:cluster_dispatch", args=[cluster.pk]),
        {"level": "L3", "category": "urban", "unit": loop.unit.pk},
    )
    assert response.status_code == 302
    assert set(Opinion.objects.filter(cluster=cluster).values_list("status", flat=True)) == {Status.DISPATCHED}
    cluster.refresh_from_db()
    assert cluster.handled_as_one
    # Nothing left to dispatch: not now.
    again = client.post(
        reverse("opinions:cluster_dispatch", args=[cluster.pk]),
        {"level": "L3", "category": "urban", "unit": loop.unit.pk},
    )
    assert again.status_code in (200, 409)
    assert client_of(loop.officer).get(reverse("opinions:cluster_detail", args=[cluster.pk])).status_code == 404


def test_ledger_filters(loop: LoopWorld) -> None:
    waiting = loop.submit()
    late = dispatched(loop)
    Dispatch.objects.filter(opinion=late).update(due_at=timezone.now() - dt.timedelta(days=3))
    Opinion.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    old = loop.submit(received_at=timezone.now() - dt.timedelta(days=40))
    client = client_of(loop.staff)

    def ids(query: str) -> set[int]:
        response = client.get(reverse("opinions:ledger") + query)
        assert response.status_code == 200
        return {item.pk for item in response.context["page"].object_list}

    assert ids("") == {waiting.pk, late.pk, old.pk}
    assert ids("?status=received") == {waiting.pk, old.pk}
    assert ids("?overdue=1") == {late.pk}
    assert ids(f"?unit={loop.unit.pk}") == {late.pk}
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert ids(f"?received_from={since}") == {waiting.pk, late.pk}
    assert client.get(reverse("opinions:ledger") + "?received_from=yesterday").status_code == 400
    # A district's link (the dashboard's area table) includes its towns' opinions.
    district = Congress.objects.create(name="东湖区人民代表大会", code="dh", level="district", parent=loop.city)
    town = Congress.objects.create(name="东湖街道人大工委", code="dh-1", level="township", parent=district)
    Opinion.objects.filter(pk=old.pk).update(area=town)
    assert ids(f"?area={district.pk}") == {old.pk}
    assert ids(f"?area={town.pk}") == {old.pk}
    # A dashboard figure's link keeps its figure in the form.
    response = client.get(reverse("opinions:ledger") + "?figure=waiting_triage")
    assert {item.pk for item in response.context["page"].object_list} == {waiting.pk, old.pk}
    assert response.context["form"]["figure"].value() == "waiting_triage"
    assert client_of(loop.leader).get(reverse("opinions:ledger")).status_code == 200
    assert client_of(loop.officer).get(reverse("opinions:ledger")).status_code == 403


def test_relay_after_the_reply(loop: LoopWorld) -> None:
    from renda.opinions import actions

    opinion = dispatched(loop)
    actions.dispatch_accept(actor=loop.officer, opinion=opinion)
    actions.dispatch_reply(actor=loop.officer, opinion=opinion, text="路灯已于本周修复。")
    client = client_of(loop.staff)
    page = client.get(reverse("opinions:opinion_detail", args=[opinion.pk]))
    assert page.context["can_relay"]
    response = client.post(reverse("opinions:relay", args=[opinion.pk]))
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == Status.RELAYED


def test_api_triage_queue_and_ledger(loop: LoopWorld) -> None:
    opinion = loop.submit()
    suggest(opinion, loop.unit)
    late = dispatched(loop)
    Opinion.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    client = client_of(loop.staff)
    queue = client.get("/api/v1/opinions/triage-queue")
    assert queue.status_code == 200
    items = queue.json()["items"]
    assert [item["id"] for item in items] == [opinion.pk]
    assert items[0]["suggestion"]["unit_id"] == loop.unit.pk
    assert items[0]["suggestion"]["model_version"] == 3
    ledger = client.get("/api/v1/opinions/ledger?overdue=true")
    assert ledger.status_code == 200
    rows = ledger.json()["items"]
    assert [row["id"] for row in rows] == [late.pk]
    assert rows[0]["overdue"] is True
    assert rows[0]["citizen_phone_masked"] == "139****5678"
    assert client.get("/api/v1/opinions/ledger?status=nope").status_code == 400
    assert client_of(loop.officer).get("/api/v1/opinions/ledger").status_code == 403
    assert client_of(loop.officer).get("/api/v1/opinions/triage-queue").status_code == 403
