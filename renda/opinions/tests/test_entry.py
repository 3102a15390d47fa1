"""The entry form (代表点单): station staff and deputies write down what citizens told them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.conftest import login_client
from renda.core.models import AuditEvent
from renda.opinions.models import Opinion, Source
from renda.opinions.tests.loop_world import LoopWorld, build_world
from renda.opinions.tests.public_support import PHONE, TEXT
from renda.organizations.models import Congress, Unit

pytestmark = pytest.mark.django_db
URL = "/opinions/entries/new/"


@pytest.fixture
def world(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def today() -> str:
    return timezone.localdate().isoformat()


def test_url_name() -> None:
    assert reverse("opinions:entry_new") == URL


def test_station_staff_enters_for_their_station(world: LoopWorld) -> None:
    client = login_client(world.station_staff)
    page = client.get(URL)
    assert page.status_code == 200
    assert "东湖街道代表联络站" in page.content.decode()
    data = {"text": TEXT, "received_on": today(), "citizen_name": "王五", "citizen_phone": PHONE, "consent": "on"}
    response = client.post(URL, data)
    assert response.status_code == 302, response.content.decode()
    opinion = Opinion.objects.get()
    assert opinion.source == Source.RECEPTION
    assert opinion.station == world.station
    assert opinion.created_by == world.station_staff
    assert opinion.citizen_phone_masked == "139****5678"
    assert opinion.phone_verified is False
    assert AuditEvent.objects.filter(action="opinion.received", target_id=opinion.pk).exists()


def test_deputy_enters_a_visit(world: LoopWorld) -> None:
    client = login_client(world.deputy.user)
    page = client.get(URL)
    assert page.status_code == 200
    received_on = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    data = {"text": TEXT, "received_on": received_on, "source": Source.DEPUTY_VISIT, "category": "urban"}
    response = client.post(URL, data)
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.source == Source.DEPUTY_VISIT
    assert opinion.deputy == world.deputy
    assert opinion.category == "urban"
    assert timezone.localdate(opinion.received_at).isoformat() == received_on


def test_contact_needs_consent_and_nothing_is_saved_without_it(world: LoopWorld) -> None:
    client = login_client(world.station_staff)
    response = client.post(URL, {"text": TEXT, "received_on": today(), "citizen_phone": PHONE})
    assert response.status_code == 400
    assert "须经本人同意" in response.content.decode()
    assert not Opinion.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "短"}, "至少 10 个字"),
        ({"text": TEXT, "received_on": "2999-01-01"}, "不能晚于今天"),
        ({"text": TEXT, "citizen_phone": "12345", "consent": "on"}, "11 位手机号码"),
    ],
)
def test_bad_input_is_refused(world: LoopWorld, data: dict[str, str], message: str) -> None:
    client = login_client(world.station_staff)
    response = client.post(URL, {"received_on": today(), **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Opinion.objects.exists()


def test_other_roles_may_not_enter(world: LoopWorld) -> None:
    for user in (world.officer, world.leader, world.citizen, world.sc_member):
        client = login_client(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"text": TEXT, "received_on": today()}).status_code == 403
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert not Opinion.objects.exists()


def test_entered_text_is_escaped(world: LoopWorld) -> None:
    client = login_client(world.station_staff)
    response = client.post(URL, {"text": "<script>alert(1)</script>", "received_on": today()})
    assert response.status_code == 302
    assert Opinion.objects.get().text == "<script>alert(1)</script>"
    page = client.post(URL, {"text": "<b>x</b>", "received_on": today()})
    assert page.status_code == 400
    assert "<b>x</b>" not in page.content.decode()
