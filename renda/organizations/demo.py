"""Build the deterministic demo city. Only the demo command calls this; production never does."""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from renda.accounts.models import User
from renda.core.audit import audit_record
from renda.core.models import Installation
from renda.organizations.demo_data import (
    CITY_NAME,
    CONGRESS_BODIES,
    DISTRICTS,
    GIVEN_CHARACTERS,
    GOVERNMENT_DEPARTMENTS,
    SURNAMES,
)
from renda.organizations.models import Congress, CongressLevel, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role

DEMO_PASSWORD = "Renda#2026"  # noqa: S105 - demo databases only, printed by `make run`
SC_MEMBER_COUNT = 35
CITY_DEPUTY_COUNT = 450


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role_label: str
    needs_totp: bool


def demo_totp_secret(seed: int, username: str) -> str:
    digest = hashlib.sha256(f"renda-demo:{seed}:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self) -> str:
        for _attempt in range(50):
            given = "".join(self.rng.choice(GIVEN_CHARACTERS) for _ in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used:
                self.used.add(name)
                return name
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN_CHARACTERS) for _ in range(3))


def _unit(
    congress: Congress, name: str, kind: str, order: int, short_name: str = "", *, parent: Unit | None = None
) -> Unit:
    return Unit.objects.create(
        congress=congress, name=name, short_name=short_name, kind=kind, sort_order=order, parent=parent
    )


def _demo_user(username: str, full_name: str, phone: str, password_hash: str, *, totp_secret: str = "") -> User:
    now = timezone.now()
    return User.objects.create(
        username=username,
        full_name=full_name,
        phone=phone,
        password=password_hash,
        password_changed_at=now,
        totp_secret=totp_secret,
        totp_enabled=bool(totp_secret),
    )


@transaction.atomic
def build_demo_city(*, seed: int = 2026) -> list[DemoLogin]:
    """Create the demo city from nothing. Same seed, same city."""
    if Congress.objects.exists():
        raise RuntimeError("数据库中已有数据，演示数据只能装入空数据库")
    rng = random.Random(seed)
    names = _Names(rng)
    phones = iter(f"139{index:08d}" for index in range(10_000, 99_999_999, 7919))

    city = Congress.objects.create(
        name=f"{CITY_NAME}人民代表大会", short_name="江城市人大", code="jiangcheng", level=CongressLevel.CITY
    )
    districts: list[Congress] = []
    townships: list[Congress] = []
    for code, name, township_names in DISTRICTS:
        district = Congress.objects.create(
            name=f"{name}人民代表大会", short_name=f"{name}人大", code=code, level=CongressLevel.DISTRICT, parent=city
        )
        districts.append(district)
        for index, township_name in enumerate(township_names, start=1):
            townships.append(
                Congress.objects.create(
                    name=f"{name}{township_name}人民代表大会"
                    if township_name.endswith(("镇", "乡"))
                    else f"{name}{township_name}人大工委",
                    short_name=township_name,
                    code=f"{code}-{index}",
                    level=CongressLevel.TOWNSHIP,
                    parent=district,
                )
            )

    bodies = {
        short: _unit(city, name, kind, order, short_name=short)
        for order, (name, short, kind) in enumerate(CONGRESS_BODIES)
    }
    government_office = _unit(city, "市人民政府办公室", UnitKind.GOVERNMENT_OFFICE, 100, "市政府办")
    departments = {
        name: _unit(
            city, name, UnitKind.GOVERNMENT_DEPARTMENT, 101 + order, name.removeprefix("市"), parent=government_office
        )
        for order, name in enumerate(GOVERNMENT_DEPARTMENTS)
    }
    _unit(city, "市中级人民法院", UnitKind.COURT, 200, "中院")
    _unit(city, "市人民检察院", UnitKind.PROCURATORATE, 201, "市检察院")
    _unit(city, "市监察委员会", UnitKind.SUPERVISORY_COMMISSION, 202, "市监委")
    delegations = [
        _unit(city, f"{name}代表团", UnitKind.DELEGATION, 300 + order, f"{name}团")
        for order, (_code, name, _towns) in enumerate(DISTRICTS)
    ]
    for district in districts:
        _unit(district, f"{district.short_name}常委会办公室", UnitKind.GENERAL_OFFICE, 0, "办公室")
        _unit(
            district,
            f"{district.short_name.removesuffix('人大')}人民政府办公室",
            UnitKind.GOVERNMENT_OFFICE,
            1,
            "政府办",
        )
    stations: list[Unit] = []
    for township in townships:
        _unit(township, f"{township.short_name}人民政府", UnitKind.TOWNSHIP_GOVERNMENT, 0, township.short_name)
        stations.append(
            _unit(
                township,
                f"{township.short_name}人大代表联络站",
                UnitKind.LIAISON_STATION,
                1,
                f"{township.short_name}联络站",
            )
        )

    password_hash = make_password(DEMO_PASSWORD)
    no_password = make_password(None)
    assignments: list[RoleAssignment] = []

    # The Standing Committee: 33 members here, plus the demo "member" and "leader" accounts = 35.
    sc_users = [
        _demo_user(f"sc{index:02d}", names.person(), next(phones), no_password)
        for index in range(1, SC_MEMBER_COUNT - 1)
    ]
    assignments += [RoleAssignment(user=user, congress=city, role=Role.SC_MEMBER) for user in sc_users]

    # City deputies in delegations by district (448 here, plus the demo "deputy" and "member" = 450).
    # They have no password and log in by SMS code.
    deputies = []
    for index in range(1, CITY_DEPUTY_COUNT - 1):
        deputies.append(
            User(
                username=f"deputy{index:04d}",
                full_name=names.person(),
                phone=next(phones),
                password=no_password,
                password_changed_at=timezone.now(),
            )
        )
    User.objects.bulk_create(deputies, batch_size=500)
    deputies = list(User.objects.filter(username__startswith="deputy0").order_by("username"))
    assignments += [
        RoleAssignment(user=user, congress=city, role=Role.DEPUTY, unit=delegations[index % len(delegations)])
        for index, user in enumerate(deputies)
    ]

    # One account per role, all with the same demo password; staff accounts have TOTP.
    def staff(username: str, full_name: str) -> User:
        return _demo_user(
            username, full_name, next(phones), password_hash, totp_secret=demo_totp_secret(seed, username)
        )

    def plain(username: str, full_name: str) -> User:
        return _demo_user(username, full_name, next(phones), password_hash)

    admin = staff("admin", "系统管理员")
    clerk = staff("clerk", names.person())
    leader = staff("leader", names.person())
    auditor = staff("auditor", names.person())
    member = plain("member", names.person())
    deputy = plain("deputy", names.person())
    officer = plain("officer", names.person())
    unit_head = plain("unithead", names.person())
    station_staff = plain("station", names.person())
    citizen = plain("citizen", names.person())
    housing = departments["市住房和城乡建设局"]
    assignments += [
        RoleAssignment(user=admin, congress=city, role=Role.STAFF_ADMIN),
        RoleAssignment(user=clerk, congress=city, role=Role.COMMITTEE_STAFF, unit=bodies["人代选任工委"]),
        RoleAssignment(user=leader, congress=city, role=Role.LEADER),
        RoleAssignment(user=leader, congress=city, role=Role.SC_MEMBER),
        RoleAssignment(user=auditor, congress=city, role=Role.AUDITOR),
        RoleAssignment(user=member, congress=city, role=Role.SC_MEMBER),
        RoleAssignment(user=member, congress=city, role=Role.DEPUTY, unit=delegations[1]),
        RoleAssignment(user=deputy, congress=city, role=Role.DEPUTY, unit=delegations[0]),
        RoleAssignment(user=deputy, congress=districts[0], role=Role.DEPUTY),
        RoleAssignment(user=officer, congress=city, role=Role.UNIT_OFFICER, unit=housing),
        RoleAssignment(user=unit_head, congress=city, role=Role.UNIT_HEAD, unit=housing),
        RoleAssignment(user=station_staff, congress=stations[0].congress, role=Role.STATION_STAFF, unit=stations[0]),
        RoleAssignment(user=citizen, congress=city, role=Role.CITIZEN),
    ]
    RoleAssignment.objects.bulk_create(assignments, batch_size=500)

    installation = Installation.current()
    installation.is_demo = True
    installation.demo_seed = seed
    installation.save(update_fields=["is_demo", "demo_seed"])
    audit_record(
        actor=None,
        action="demo.city_built",
        congress=city,
        acting_role="system",
        summary={
            "seed": seed,
            "congresses": Congress.objects.count(),
            "units": Unit.objects.count(),
            "users": User.objects.count(),
        },
    )
    return demo_logins()


DEMO_ACCOUNTS: list[tuple[str, Role, bool]] = [
    ("admin", Role.STAFF_ADMIN, True),
    ("clerk", Role.COMMITTEE_STAFF, True),
    ("leader", Role.LEADER, True),
    ("auditor", Role.AUDITOR, True),
    ("member", Role.SC_MEMBER, False),
    ("deputy", Role.DEPUTY, False),
    ("officer", Role.UNIT_OFFICER, False),
    ("unithead", Role.UNIT_HEAD, False),
    ("station", Role.STATION_STAFF, False),
    ("citizen", Role.CITIZEN, False),
]


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(username, str(role.label), totp) for username, role, totp in DEMO_ACCOUNTS]
