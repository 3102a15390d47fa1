"""Fixtures shared by the groups, stations, contacts and training tests (D2)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from renda.accounts.models import User
from renda.deputies.models import DeputyProfile, DeputyTerm, Station
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.tests_support import factories

_counter = itertools.count(1)


def acting(user: User) -> User:
    """The user acting in their only role, as the middleware would set it."""
    user.active_assignment = user.role_assignments.select_related("congress", "unit").get()
    return user


def make_profile(congress: Congress, *, name: str = "", user: User | None = None) -> DeputyProfile:
    number = next(_counter)
    if user is None:
        user = factories.UserFactory()
        RoleAssignment.objects.create(user=user, congress=congress, role=Role.DEPUTY)
    profile = DeputyProfile.objects.create(
        user=user,
        name=name or f"代表{number:03d}",
        gender="female",
        birth_date=dt.date(1980, 1, 1),
        party="cpc",
        occupation="worker",
        phone=f"1380000{number:04d}",
    )
    DeputyTerm.objects.create(profile=profile, congress=congress, term_number=17, starts_on=dt.date(2022, 1, 1))
    return profile


def liaison_unit(congress: Congress, name: str) -> Unit:
    return factories.UnitFactory(congress=congress, name=name, kind="liaison_station")


@pytest.fixture
def staff(make_person: Callable[..., User]) -> User:
    return acting(make_person(Role.COMMITTEE_STAFF))


@pytest.fixture
def deputies(city: Congress) -> list[DeputyProfile]:
    return [make_profile(city) for _ in range(4)]


@pytest.fixture
def network(city: Congress, district: Congress, staff: User) -> dict[str, Any]:
    """总站 (city) → 中心站 (district) → 站 (township unit) → 点, made by the city's staff."""
    from renda.deputies.actions import stations

    township = factories.CongressFactory(name="东湖街道人大工委", code="donghu-1", level="township", parent=district)
    hq = stations.station_create(actor=staff, tier=1, congress=city, name="市人大代表联络总站", address="市府路 1 号")
    center = stations.station_create(
        actor=staff, tier=2, parent=hq, congress=district, name="东湖区联络中心站", address="湖滨路 2 号"
    )
    station = stations.station_create(
        actor=staff,
        tier=3,
        parent=center,
        unit=liaison_unit(township, "东湖街道人大代表联络站"),
        address="东湖街 3 号",
        opening_hours="周一至周五 9:00-17:00",
        phone="0571-0000003",
    )
    other = stations.station_create(
        actor=staff,
        tier=3,
        parent=center,
        unit=liaison_unit(township, "西湖街道人大代表联络站"),
        address="西湖街 4 号",
    )
    return {"hq": hq, "center": center, "station": station, "other": other, "township": township}


def station_staff_for(station: Station) -> User:
    user = factories.UserFactory()
    RoleAssignment.objects.create(user=user, congress=station.unit.congress, role=Role.STATION_STAFF, unit=station.unit)
    return acting(user)
