"""The citizen's contact: masked per role, unmasked only on purpose (audited), erased on request."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from renda.accounts import sms
from renda.conftest import login_client
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent
from renda.opinions import actions, permissions
from renda.opinions.models import Opinion, Source, Status
from renda.opinions.tests.loop_world import PHONE, LoopWorld, build_world
from renda.organizations.models import Congress, Unit


@pytest.fixture
def w(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def fresh(opinion: Opinion) -> Opinion:
    return Opinion.objects.get(pk=opinion.pk)


def dispatched(w: LoopWorld, **fields: Any) -> Opinion:
    opinion = w.submit(**fields)
    actions.triage_grade(actor=w.staff, opinion=opinion, level="L3", category="urban", unit=w.unit)
    return fresh(opinion)


def unmasked(opinion: Opinion) -> int:
    return AuditEvent.objects.filter(action="opinion.contact_unmasked", target_id=str(opinion.pk)).count()


def test_triage_staff_and_the_handling_unit_may_unmask(w: LoopWorld) -> None:
    opinion = dispatched(w)
    for who in (w.staff, w.officer, w.head):
        contact = actions.contact_unmask(actor=who, opinion=opinion)
        assert (contact.name, contact.phone) == ("张三丰", PHONE)
    assert unmasked(opinion) == 3
    event = AuditEvent.objects.filter(action="opinion.contact_unmasked").first()
    assert event is not None and PHONE not in str(event.summary)


@pytest.mark.parametrize("who", ["leader", "other_officer", "sc_member", "citizen", "station_staff", "deputy"])
def test_everyone_else_is_refused_and_nothing_is_logged(w: LoopWorld, who: str) -> None:
    opinion = dispatched(w)
    actor = w.deputy.user if who == "deputy" else getattr(w, who)
    with pytest.raises(NotPermitted):
        actions.contact_unmask(actor=actor, opinion=opinion)
    assert unmasked(opinion) == 0


def test_the_unit_loses_the_contact_once_it_has_replied(w: LoopWorld) -> None:
    opinion = dispatched(w)
    actions.dispatch_accept(actor=w.officer, opinion=opinion)
    actions.dispatch_reply(actor=w.officer, opinion=opinion, text="已修复")
    assert not permissions.can_see_contact(w.officer, fresh(opinion))
    with pytest.raises(NotPermitted):
        actions.contact_unmask(actor=w.officer, opinion=fresh(opinion))


def test_station_staff_and_the_addressed_deputy_see_their_own(w: LoopWorld) -> None:
    at_station = w.submit(source=Source.STATION_QR, station=w.station)
    to_deputy = w.submit(source=Source.DEPUTY_QR, deputy=w.deputy)
    assert actions.contact_unmask(actor=w.station_staff, opinion=at_station).phone == PHONE
    assert actions.contact_unmask(actor=w.deputy.user, opinion=to_deputy).phone == PHONE
    with pytest.raises(NotPermitted):
        actions.contact_unmask(actor=w.other_station_staff, opinion=at_station)
    with pytest.raises(NotPermitted):
        actions.contact_unmask(actor=w.other_deputy.user, opinion=to_deputy)


def _detail(client: Client, opinion: Opinion) -> Any:
    return client.get(f"/api/v1/opinions/{opinion.pk}")


def test_the_detail_is_masked_for_every_role(w: LoopWorld) -> None:
    opinion = dispatched(w, actor=w.citizen)
    expected = {
        "staff": (True, True),
        "officer": (True, False),
        "head": (True, False),
        "leader": (False, False),
        "citizen": (False, False),
    }
    for who, (can_unmask, sees_code) in expected.items():
        response = _detail(login_client(getattr(w, who)), opinion)
        assert response.status_code == 200, who
        body = response.json()
        assert body["citizen_name_masked"] == "张**" and body["citizen_phone_masked"] == "139****5678"
        assert PHONE not in response.content.decode() and "张三丰" not in response.content.decode()
        assert body["can_unmask"] is can_unmask, who
        assert (body["tracking_code"] == opinion.tracking_code) is sees_code, who
    for who in ("other_officer", "sc_member", "station_staff", "other_station_staff"):
        assert _detail(login_client(getattr(w, who)), opinion).status_code == 404, who


def test_unmask_through_the_api_is_audited(w: LoopWorld) -> None:
    opinion = dispatched(w)
    response = login_client(w.officer).post(f"/api/v1/opinions/{opinion.pk}/contact")
    assert response.status_code == 200 and response.json() == {"name": "张三丰", "phone": PHONE}
    assert login_client(w.leader).post(f"/api/v1/opinions/{opinion.pk}/contact").status_code == 403
    assert login_client(w.other_officer).post(f"/api/v1/opinions/{opinion.pk}/contact").status_code == 404
    assert unmasked(opinion) == 1


def test_erasure_by_tracking_code_needs_the_phone_digits(w: LoopWorld) -> None:
    opinion = dispatched(w, actor=w.citizen)
    with pytest.raises(InvalidInput) as caught:
        actions.personal_data_erase(actor=None, opinion=opinion, via_tracking_code=True, phone_digits="0000")
    assert caught.value.field == "phone_digits"
    assert fresh(opinion).erased_at is None
    actions.personal_data_erase(actor=None, opinion=opinion, via_tracking_code=True, phone_digits="5678")
    opinion = fresh(opinion)
    assert opinion.erased_at is not None
    for field in (
        "citizen_name_encrypted",
        "citizen_phone_encrypted",
        "citizen_phone_digest",
        "citizen_name_masked",
        "citizen_phone_masked",
        "submitted_ip_hash",
    ):
        assert getattr(opinion, field) == "", field
    assert opinion.citizen_user_id is None and opinion.phone_verified is False
    # The opinion stays, anonymised, in its place in the loop and in the statistics.
    assert opinion.status == Status.DISPATCHED and opinion.text and opinion.unit_id == w.unit.pk
    event = AuditEvent.objects.get(action="opinion.personal_data_erased", target_id=str(opinion.pk))
    assert event.summary == {"via": "tracking_code"}
    with pytest.raises(InvalidTransition):
        actions.personal_data_erase(actor=None, opinion=opinion, via_tracking_code=True, phone_digits="5678")
    with pytest.raises(InvalidTransition):
        actions.contact_unmask(actor=w.staff, opinion=opinion)


def test_an_anonymous_opinion_without_phone_is_erased_with_the_code_alone(w: LoopWorld) -> None:
    opinion = w.submit(citizen_phone="", citizen_name="王五")
    actions.personal_data_erase(actor=None, opinion=opinion, via_tracking_code=True)
    assert fresh(opinion).citizen_name_masked == ""


def test_staff_erase_on_request_and_units_may_not(w: LoopWorld) -> None:
    opinion = dispatched(w)
    with pytest.raises(NotPermitted):
        actions.personal_data_erase(actor=w.officer, opinion=opinion, via_tracking_code=False)
    assert login_client(w.officer).post(f"/api/v1/opinions/{opinion.pk}/erase").status_code == 403
    response = login_client(w.staff).post(f"/api/v1/opinions/{opinion.pk}/erase")
    assert response.status_code == 200 and response.json()["erased"] is True
    assert response.json()["citizen_phone_masked"] == ""
    event = AuditEvent.objects.get(action="opinion.personal_data_erased", target_id=str(opinion.pk))
    assert event.actor_id == w.staff.pk and event.summary == {"via": "staff"}


def test_after_erasure_the_relay_texts_nobody(w: LoopWorld, django_capture_on_commit_callbacks: Any) -> None:
    opinion = dispatched(w)
    actions.dispatch_accept(actor=w.officer, opinion=opinion)
    actions.dispatch_reply(actor=w.officer, opinion=opinion, text="已修复")
    actions.personal_data_erase(actor=w.staff, opinion=fresh(opinion), via_tracking_code=False)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_relay(actor=w.staff, opinion=fresh(opinion))
    assert sms.outbox == []
    assert fresh(opinion).status == Status.RELAYED
