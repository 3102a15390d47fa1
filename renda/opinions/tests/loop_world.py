"""Objects for the loop tests: a city with its triage office, a handling unit, a station, a deputy, and the people.

Every person is returned already acting in their only role (``active_assignment`` set), as the
role middleware would. ``submit`` makes an opinion through the real intake action.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from renda.accounts.models import User
from renda.deputies.models import DeputyProfile, DeputyTerm, Station
from renda.opinions.actions import opinion_submit
from renda.opinions.models import Opinion, Source
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.tests_support import factories

_numbers = itertools.count(1)
TEXT = "小区门口的路灯坏了三个月，晚上出行很不方便，请尽快修复。"
PHONE = "13912345678"


def acting(user: User) -> User:
    user.active_assignment = user.role_assignments.select_related("congress", "unit").order_by("pk").first()
    return user


def person(congress: Congress, role: str, unit: Unit | None = None) -> User:
    user = factories.UserFactory()
    RoleAssignment.objects.create(user=user, congress=congress, role=role, unit=unit)
    return acting(user)


def deputy_profile(congress: Congress) -> DeputyProfile:
    number = next(_numbers)
    user = person(congress, Role.DEPUTY)
    profile = DeputyProfile.objects.create(
        user=user,
        name=f"代表{number:03d}",
        gender="female",
        birth_date=dt.date(1980, 1, 1),
        party="cpc",
        occupation="worker",
    )
    DeputyTerm.objects.create(profile=profile, congress=congress, term_number=17, starts_on=dt.date(2022, 1, 1))
    return profile


@dataclass
class LoopWorld:
    city: Congress
    office: Unit
    staff: User
    leader: User
    unit: Unit
    officer: User
    head: User
    other_unit: Unit
    other_officer: User
    station: Station
    station_staff: User
    other_station: Station
    other_station_staff: User
    deputy: DeputyProfile
    other_deputy: DeputyProfile
    sc_member: User
    citizen: User

    def submit(self, **fields: Any) -> Opinion:
        values: dict[str, Any] = {
            "actor": None,
            "congress": self.city,
            "text": TEXT,
            "source": Source.PORTAL,
            "citizen_name": "张三丰",
            "citizen_phone": PHONE,
            "phone_verified": True,
        }
        values.update(fields)
        return opinion_submit(**values)


def build_world(city: Congress, unit: Unit) -> LoopWorld:
    office = factories.UnitFactory(congress=city, name="人大常委会办公厅", kind="general_office", sort_order=0)
    other_unit = factories.UnitFactory(congress=city, name="市交通运输局", kind="government_department")
    station_unit = factories.UnitFactory(congress=city, name="东湖街道代表联络站", kind="liaison_station")
    other_station_unit = factories.UnitFactory(congress=city, name="西山街道代表联络站", kind="liaison_station")
    station = Station.objects.create(unit=station_unit, tier=3, address="东湖路 1 号")
    other_station = Station.objects.create(unit=other_station_unit, tier=3, address="西山路 1 号")
    return LoopWorld(
        city=city,
        office=office,
        staff=person(city, Role.COMMITTEE_STAFF, office),
        leader=person(city, Role.LEADER),
        unit=unit,
        officer=person(city, Role.UNIT_OFFICER, unit),
        head=person(city, Role.UNIT_HEAD, unit),
        other_unit=other_unit,
        other_officer=person(city, Role.UNIT_OFFICER, other_unit),
        station=station,
        station_staff=person(city, Role.STATION_STAFF, station_unit),
        other_station=other_station,
        other_station_staff=person(city, Role.STATION_STAFF, other_station_unit),
        deputy=deputy_profile(city),
        other_deputy=deputy_profile(city),
        sc_member=person(city, Role.SC_MEMBER),
        citizen=person(city, Role.CITIZEN),
    )
