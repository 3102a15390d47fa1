"""A small city for the score and figure tests: staff, a leader, three deputies in a delegation, another city.

Every person is returned acting in their role (``active_assignment`` set), as the middleware
would do. ``entry`` writes a duty entry straight to the table (the record actions are another area's).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from renda.accounts.models import User
from renda.deputies.actions import scoring as actions
from renda.deputies.models import DeputyProfile, DeputyTerm, DutyEntry, ScoringScheme
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.tests_support import factories

_cards = itertools.count(1)


def acting(user: User) -> User:
    user.active_assignment = user.role_assignments.filter(is_active=True).select_related("congress", "unit").first()
    return user


def person(congress: Congress, role: str, unit: Unit | None = None) -> User:
    user = factories.UserFactory()
    RoleAssignment.objects.create(user=user, congress=congress, role=role, unit=unit)
    return acting(user)


def deputy(congress: Congress, name: str, delegation: Unit | None, **term: Any) -> tuple[User, DeputyProfile]:
    user = person(congress, Role.DEPUTY, None)
    profile = DeputyProfile.objects.create(
        user=user,
        name=name,
        gender="female",
        birth_date=dt.date(1980, 1, 1),
        party="cpc",
        occupation="worker",
        card_number=f"T{next(_cards):05d}",
    )
    DeputyTerm.objects.create(
        profile=profile,
        congress=congress,
        term_number=17,
        delegation=delegation,
        starts_on=term.pop("starts_on", dt.date(2022, 1, 1)),
        **term,
    )
    return user, profile


@dataclass
class ScoreWorld:
    city: Congress
    other_city: Congress
    delegation: Unit
    staff: User
    admin: User
    leader: User
    other_staff: User
    alice_user: User
    alice: DeputyProfile
    bob_user: User
    bob: DeputyProfile
    carol_user: User
    carol: DeputyProfile

    def entry(
        self, profile: DeputyProfile, kind: str, day: dt.date, *, status: str = "verified", count: int = 1
    ) -> None:
        DutyEntry.objects.bulk_create(
            DutyEntry(
                profile=profile,
                congress=self.city,
                date=day,
                kind=kind,
                title=f"{kind} {day}",
                source="staff",
                status=status,
            )
            for _ in range(count)
        )

    def scheme(self, **options: Any) -> ScoringScheme:
        return actions.scheme_create(
            actor=self.staff,
            congress=self.city,
            name=options.pop("name", "江城市人大代表履职积分办法"),
            effective_year=options.pop("effective_year", 2025),
            **options,
        )


@pytest.fixture
def sw(city: Congress, other_city: Congress) -> ScoreWorld:
    delegation = factories.UnitFactory(congress=city, name="东湖区代表团", kind="delegation")
    office = factories.UnitFactory(congress=city, name="人代选任工委", kind="working_body")
    other_office = factories.UnitFactory(congress=other_city, name="河州人代工委", kind="working_body")
    alice_user, alice = deputy(city, "张丽", delegation)
    bob_user, bob = deputy(city, "李强", delegation)
    carol_user, carol = deputy(city, "王芳", None)
    return ScoreWorld(
        city=city,
        other_city=other_city,
        delegation=delegation,
        staff=person(city, Role.COMMITTEE_STAFF, office),
        admin=person(city, Role.STAFF_ADMIN),
        leader=person(city, Role.LEADER),
        other_staff=person(other_city, Role.COMMITTEE_STAFF, other_office),
        alice_user=alice_user,
        alice=alice,
        bob_user=bob_user,
        bob=bob,
        carol_user=carol_user,
        carol=carol,
    )
