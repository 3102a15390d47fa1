"""Liaison stations: the four-tier rule, station staff limited to their own branch, reception days and QR codes."""
# ruff: noqa: F811 - the fixtures imported from _stations_world are requested by name

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.conftest import login_client
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent
from renda.deputies.actions import stations
from renda.deputies.models import DeputyProfile, DutyEntry, EntryKind, ReceptionDay, Station
from renda.deputies.tests._stations_world import (  # noqa: F401 - fixtures
    acting,
    deputies,
    liaison_unit,
    make_profile,
    network,
    staff,
    station_staff_for,
)
from renda.organizations.models import Congress, Unit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("renda.deputies.actions._activity.today", lambda: TODAY)
    monkeypatch.setattr("renda.deputies.actions.stations.today", lambda: TODAY)


# --- the tier rule ---


def test_network_has_four_tiers(network: dict[str, Any]) -> None:
    assert [network[key].tier for key in ("hq", "center", "station")] == [1, 2, 3]
    assert network["center"].unit.congress.level == "district"
    assert network["center"].unit.kind == "liaison_station"


@pytest.mark.parametrize(("tier", "parent_key"), [(3, "hq"), (4, "center"), (2, "station"), (2, None), (1, "hq")])
def test_parent_must_be_exactly_one_tier_above(
    tier: int, parent_key: str | None, network: dict[str, Any], staff: User, district: Congress
) -> None:
    before = Station.objects.count()
    with pytest.raises(InvalidInput) as error:
        stations.station_create(
            actor=staff,
            tier=tier,
            parent=network[parent_key] if parent_key else None,
            congress=district,
            name="错层站点",
            address="某路",
        )
    assert error.value.field == "parent"
    assert Station.objects.count() == before
    assert not Unit.objects.filter(name="错层站点").exists()


def test_a_point_goes_under_a_station(network: dict[str, Any], staff: User) -> None:
    point = stations.station_create(
        actor=staff, tier=4, parent=network["station"], congress=network["township"], name="东湖社区联络点", address="x"
    )
    assert point.parent == network["station"]
    assert AuditEvent.objects.filter(action="deputies.station_created", target_id=str(point.pk)).exists()


def test_existing_unit_must_be_a_liaison_station(network: dict[str, Any], staff: User, unit: Unit) -> None:
    with pytest.raises(InvalidInput) as error:
        stations.station_create(actor=staff, tier=4, parent=network["station"], unit=unit, address="x")
    assert error.value.field == "unit"


def test_staff_of_another_city_cannot_create(network: dict[str, Any], make_person: Any, other_city: Congress) -> None:
    outsider = acting(make_person("committee_staff", congress=other_city))
    with pytest.raises(NotPermitted):
        stations.station_create(
            actor=outsider, tier=2, parent=network["hq"], congress=other_city, name="x", address="x"
        )


# --- station staff: their station and the points below it only ---


def test_station_staff_manage_their_branch_only(network: dict[str, Any]) -> None:
    own = station_staff_for(network["station"])
    point = stations.station_create(
        actor=own, tier=4, parent=network["station"], congress=network["township"], name="本站联络点", address="x"
    )
    stations.station_update(actor=own, station=point, address="新址", opening_hours="周六")
    with pytest.raises(NotPermitted):
        stations.station_update(actor=own, station=network["other"], address="改别人的")
    with pytest.raises(NotPermitted):
        stations.station_create(
            actor=own, tier=3, parent=network["center"], congress=network["township"], name="y", address="y"
        )
    network["other"].refresh_from_db()
    assert network["other"].address == "西湖街 4 号"


def test_station_staff_get_404_for_another_station(network: dict[str, Any], deputies: list[DeputyProfile]) -> None:
    own = station_staff_for(network["station"])
    client = login_client(own)
    assert (
        client.get(reverse("deputies:station_detail", kwargs={"station_id": network["station"].pk})).status_code == 200
    )
    for name in ("station_detail", "station_qr"):
        response = client.get(reverse(f"deputies:{name}", kwargs={"station_id": network["other"].pk}))
        assert response.status_code == 404, name
    # The parent is not theirs either.
    assert (
        client.get(reverse("deputies:station_detail", kwargs={"station_id": network["center"].pk})).status_code == 404
    )
    tree = client.get(reverse("deputies:station_tree"))
    assert "东湖街道人大代表联络站" in tree.content.decode()
    assert "西湖街道人大代表联络站" not in tree.content.decode()
    # A reception at the other station: 404, nothing changes.
    staff_user = acting(User.objects.get(pk=network["hq"].unit.congress.role_assignments.first().user_id))
    reception = stations.reception_schedule(
        actor=staff_user, station=network["other"], date=TODAY, start=dt.time(9), end=dt.time(11), deputies=deputies[:1]
    )
    response = client.post(
        reverse("deputies:reception_record", kwargs={"reception_id": reception.pk}), {"citizens_received": 3}
    )
    assert response.status_code == 404
    response = client.post(reverse("deputies:reception_cancel", kwargs={"reception_id": reception.pk}))
    assert response.status_code == 404
    reception.refresh_from_db()
    assert reception.status == ReceptionDay.Status.PLANNED


# --- reception days ---


def _schedule(actor: User, station: Station, people: list[DeputyProfile], date: dt.date = TODAY) -> ReceptionDay:
    return stations.reception_schedule(
        actor=actor, station=station, date=date, start=dt.time(9), end=dt.time(11, 30), deputies=people, topic="民生"
    )


def test_held_reception_logs_one_entry_per_deputy_idempotent(
    network: dict[str, Any], deputies: list[DeputyProfile], city: Congress
) -> None:
    own = station_staff_for(network["station"])
    reception = _schedule(own, network["station"], deputies[:2])
    stations.reception_record(actor=own, reception=reception, citizens_received=12, notes="反映停车难")
    reception.refresh_from_db()
    assert reception.status == ReceptionDay.Status.HELD
    assert reception.citizens_received == 12
    entries = DutyEntry.objects.filter(kind=EntryKind.STATION_RECEPTION)
    assert sorted(entries.values_list("profile_id", flat=True)) == sorted(p.pk for p in deputies[:2])
    # A city deputy on duty at a township station: the entry goes to their city file.
    assert set(entries.values_list("congress_id", flat=True)) == {city.pk}
    assert entries.first().date == TODAY  # type: ignore[union-attr]
    # Recording it again corrects the figures and adds no entry.
    stations.reception_record(actor=own, reception=reception, citizens_received=15)
    assert DutyEntry.objects.filter(kind=EntryKind.STATION_RECEPTION).count() == 2
    assert AuditEvent.objects.filter(action="deputies.reception_corrected").count() == 1


def test_reception_rules(network: dict[str, Any], deputies: list[DeputyProfile], staff: User) -> None:
    with pytest.raises(InvalidInput) as error:
        stations.reception_schedule(
            actor=staff, station=network["station"], date=TODAY, start=dt.time(11), end=dt.time(9), deputies=deputies
        )
    assert error.value.field == "end"
    with pytest.raises(InvalidInput) as error:
        stations.reception_schedule(
            actor=staff, station=network["station"], date=TODAY, start=dt.time(9), end=dt.time(11), deputies=[]
        )
    assert error.value.field == "deputies"
    future = _schedule(staff, network["station"], deputies[:1], date=TODAY + dt.timedelta(days=7))
    with pytest.raises(InvalidTransition):
        stations.reception_record(actor=staff, reception=future, citizens_received=3)
    stations.reception_cancel(actor=staff, reception=future, reason="台风")
    with pytest.raises(InvalidTransition):
        stations.reception_cancel(actor=staff, reception=future)
    assert not DutyEntry.objects.exists()


def test_reception_pages(network: dict[str, Any], deputies: list[DeputyProfile], staff: User) -> None:
    client = login_client(staff)
    url = reverse("deputies:station_detail", kwargs={"station_id": network["station"].pk})
    response = client.post(
        url,
        {
            "form": "schedule",
            "date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "start": "09:00",
            "end": "08:00",
            "deputies": [deputies[0].pk],
        },
    )
    assert response.status_code == 400
    assert "结束时间须晚于开始时间" in response.content.decode()
    response = client.post(
        url,
        {
            "form": "schedule",
            "date": TODAY.isoformat(),
            "start": "09:00",
            "end": "11:00",
            "deputies": [deputies[0].pk, deputies[1].pk],
        },
    )
    assert response.status_code == 302
    reception = ReceptionDay.objects.get()
    page = client.get(url + "?all=1")
    assert page.status_code == 200
    assert deputies[0].name in page.content.decode()
    record_url = reverse("deputies:reception_record", kwargs={"reception_id": reception.pk})
    assert client.get(record_url).status_code == 200
    response = client.post(record_url, {"citizens_received": "-1"})
    assert response.status_code == 400
    response = client.post(record_url, {"citizens_received": "8", "notes": "好"})
    assert response.status_code == 302
    assert DutyEntry.objects.filter(kind=EntryKind.STATION_RECEPTION).count() == 2
    response = client.post(reverse("deputies:reception_cancel", kwargs={"reception_id": reception.pk}))
    assert response.status_code == 409
    response = client.post(url, {"form": "details", "address": "新地址", "opening_hours": "全天", "is_public": "on"})
    assert response.status_code == 302
    network["station"].refresh_from_db()
    assert network["station"].address == "新地址"


def test_tree_page_creates_station_and_refuses_wrong_tier(
    network: dict[str, Any], staff: User, district: Congress
) -> None:
    client = login_client(staff)
    url = reverse("deputies:station_tree")
    page = client.get(url)
    assert page.status_code == 200
    for name in ("市人大代表联络总站", "东湖区联络中心站", "东湖街道人大代表联络站"):
        assert name in page.content.decode()
    data = {"tier": "3", "parent": network["hq"].pk, "congress": district.pk, "name": "错层", "address": "x"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "联络站的上级必须是联络中心站" in response.content.decode()
    data["parent"] = network["center"].pk
    response = client.post(url, data)
    assert response.status_code == 302
    assert Station.objects.filter(unit__name="错层", tier=3).exists()


# --- QR codes ---


def _svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=4, xmldecl=False, title=url)
    return buffer.getvalue()


def test_station_qr_encodes_the_addressed_opinion_form(network: dict[str, Any], staff: User) -> None:
    station = network["station"]
    client = login_client(staff)
    url = reverse("deputies:station_qr", kwargs={"station_id": station.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    expected = f"http://testserver/portal/opinions/new/?station={station.public_code}"
    assert response.content == _svg(expected)
    png = client.get(url + "?format=png")
    assert png["Content-Type"] == "image/png"
    assert "attachment" in png["Content-Disposition"]
    assert png.content.startswith(b"\x89PNG")
    # Station staff print their own station's code.
    assert login_client(station_staff_for(station)).get(url).status_code == 200


def test_deputy_sees_own_code_only(city: Congress, staff: User) -> None:
    from renda.tests_support import factories

    own_user = factories.UserFactory()
    from renda.organizations.models import RoleAssignment

    RoleAssignment.objects.create(user=own_user, congress=city, role="deputy")
    mine = make_profile(city, user=own_user)
    someone = make_profile(city)
    client = login_client(own_user)
    response = client.get(reverse("deputies:deputy_qr", kwargs={"profile_id": mine.pk}))
    assert response.status_code == 200
    assert response.content == _svg(f"http://testserver/portal/opinions/new/?deputy={mine.public_code}")
    page = client.get(reverse("deputies:deputy_qr", kwargs={"profile_id": mine.pk}) + "?format=page")
    assert page.status_code == 200
    assert mine.public_code in page.content.decode()
    assert client.get(reverse("deputies:deputy_qr", kwargs={"profile_id": someone.pk})).status_code == 404
    assert login_client(staff).get(reverse("deputies:deputy_qr", kwargs={"profile_id": someone.pk})).status_code == 200
    assert Client().get(reverse("deputies:deputy_qr", kwargs={"profile_id": mine.pk})).status_code == 302


def test_leader_reads_station_but_not_reception_forms(
    network: dict[str, Any], deputies: list[DeputyProfile], staff: User, make_person: Any
) -> None:
    reception = _schedule(staff, network["station"], deputies[:1])
    client = login_client(make_person("leader"))
    assert (
        client.get(reverse("deputies:station_detail", kwargs={"station_id": network["station"].pk})).status_code == 200
    )
    assert client.get(reverse("deputies:reception_record", kwargs={"reception_id": reception.pk})).status_code == 403
    assert client.post(reverse("deputies:reception_cancel", kwargs={"reception_id": reception.pk})).status_code == 403
    assert client.get(reverse("deputies:station_qr", kwargs={"station_id": network["station"].pk})).status_code == 403
