"""The public station pages: no login, the four tiers, upcoming receptions with names and no phones."""
# ruff: noqa: F811 - the fixtures imported from _stations_world are requested by name

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.deputies.actions import stations
from renda.deputies.models import DeputyProfile
from renda.deputies.tests._stations_world import deputies, network, staff  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_list_is_public_and_searchable(network: dict[str, Any], staff: User) -> None:
    stations.station_update(actor=staff, station=network["other"], address="西湖街 4 号", is_public=False)
    client = Client()
    page = client.get(reverse("portal:station_list")).content.decode()
    for name in ("市人大代表联络总站", "东湖区联络中心站", "东湖街道人大代表联络站", "周一至周五 9:00-17:00"):
        assert name in page
    assert "西湖街道人大代表联络站" not in page  # not public
    found = client.get(reverse("portal:station_list"), {"q": "湖滨路"}).content.decode()
    assert "东湖区联络中心站" in found
    assert "市人大代表联络总站" not in found
    api = client.get("/api/v1/portal/stations").json()
    assert {row["name"] for row in api} == {"市人大代表联络总站", "东湖区联络中心站", "东湖街道人大代表联络站"}


def test_detail_shows_upcoming_duty_names_without_phones(
    network: dict[str, Any], staff: User, deputies: list[DeputyProfile]
) -> None:
    station = network["station"]
    today = timezone.localdate()
    stations.reception_schedule(
        actor=staff,
        station=station,
        date=today + dt.timedelta(days=3),
        start=dt.time(9),
        end=dt.time(11),
        deputies=deputies[:2],
        topic="老旧小区改造",
    )
    stations.reception_schedule(
        actor=staff,
        station=station,
        date=today - dt.timedelta(days=3),
        start=dt.time(9),
        end=dt.time(11),
        deputies=deputies[2:3],
    )
    client = Client()
    response = client.get(reverse("portal:station_detail", kwargs={"code": station.public_code}))
    assert response.status_code == 200
    page = response.content.decode()
    assert deputies[0].name in page and deputies[1].name in page and "老旧小区改造" in page
    assert deputies[2].name not in page  # past
    for profile in deputies:
        assert profile.phone not in page
    assert station.phone not in page
    data = client.get(f"/api/v1/portal/stations/{station.public_code}").json()
    assert data["receptions"][0]["deputies"] == sorted([deputies[0].name, deputies[1].name])
    assert "phone" not in data
    assert client.get(reverse("portal:station_detail", kwargs={"code": "nope"})).status_code == 404
