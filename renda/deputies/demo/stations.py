"""Demo step: the liaison-station network, groups, the two contact systems and training of 2026.

Runs after the roster (the city deputies' profiles), by the real actions and as the demo users:
the clerk (committee staff) builds the network, the groups and the training; the ``station``
account runs its own station's reception days; SC members record their visits to deputies and
deputies their contacts with citizens. Deterministic for a seed (dates before today are held,
later ones planned).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from renda.deputies.actions import contacts, groups, stations, training
from renda.deputies.models import DeputyProfile, Station
from renda.organizations.demo_data import DISTRICTS
from renda.organizations.models import Congress, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User

YEAR = 2026
PROFESSIONAL_GROUPS = [
    ("法制专业小组", "法治建设"),
    ("财政经济专业小组", "财政经济"),
    ("教育科学文化卫生专业小组", "教科文卫"),
    ("城乡建设环境保护专业小组", "城建环保"),
    ("农业农村专业小组", "农业农村"),
    ("社会建设专业小组", "社会建设"),
    ("民族宗教侨务外事专业小组", "民宗侨外"),
    ("监察和司法专业小组", "监察司法"),
    ("预算审查专业小组", "预算审查"),
    ("生态环境专业小组", "生态环境"),
    ("交通运输专业小组", "交通运输"),
    ("营商环境专业小组", "营商环境"),
    ("民生实事专业小组", "民生实事"),
    ("数字化改革专业小组", "数字化改革"),
]
ACTIVITY_TITLES = [
    "专题调研",
    "集中视察",
    "座谈会",
    "小组学习",
    "走访企业",
    "听取情况通报",
    "联系选民活动",
    "执法检查",
    "征求立法意见",
]
RECEPTION_TOPICS = ["", "", "老旧小区改造", "停车难", "养老服务", "教育资源", "道路交通", "环境整治", "就业创业"]
CONTACT_METHODS = ["走访", "座谈", "电话", "视频", "进站接待"]
TRAININGS = [
    ("新任代表履职培训班", "centralized", (3, 16), (3, 18), "20", "全体"),
    ("预算审查监督专题培训", "thematic", (5, 20), (5, 20), "6", "预算"),
    ("代表履职能力线上培训", "online", (9, 8), (9, 12), "8", "部分"),
    ("代表建议撰写专题培训", "thematic", (12, 10), (12, 10), "4", "部分"),
]


def _acting(user: User, assignment: RoleAssignment) -> User:
    user.active_assignment = assignment
    return user


def _staff_user(city: Congress, username: str, role: str) -> User:
    """A demo account acting in its role (the station account acts for a township station)."""
    assignment = RoleAssignment.objects.select_related("user", "congress", "unit").get(
        user__username=username, role=role, is_active=True
    )
    return _acting(assignment.user, assignment)


def _sample(rng: random.Random, items: list[DeputyProfile], count: int) -> list[DeputyProfile]:
    return rng.sample(items, min(count, len(items)))


def _dates(rng: random.Random, per_month: int) -> Iterable[dt.date]:
    for month in range(1, 13):
        days = sorted(rng.sample(range(2, 28), per_month))
        for day in days:
            yield dt.date(YEAR, month, day)


@transaction.atomic
def build(*, city: Congress, seed: int = 2026) -> None:
    """Fill the demo city's stations, groups, visits and training by the real actions (one transaction: fast)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    clerk = _staff_user(city, "clerk", Role.COMMITTEE_STAFF)
    station_user = _staff_user(city, "station", Role.STATION_STAFF)
    profiles = list(DeputyProfile.objects.filter(terms__congress=city).distinct().order_by("pk"))
    by_district = _deputies_by_district(city, profiles)

    network = _build_network(city, clerk, rng)
    if profiles:
        _build_receptions(
            network=network,
            clerk=clerk,
            station_user=station_user,
            by_district=by_district,
            profiles=profiles,
            rng=rng,
            today=today,
        )
        _build_groups(city=city, clerk=clerk, by_district=by_district, profiles=profiles, rng=rng, today=today)
        _build_contacts(city, profiles, rng, today)
    _build_training(city, clerk, profiles, rng, today)
    clerk.active_assignment = None
    station_user.active_assignment = None


def _deputies_by_district(city: Congress, profiles: list[DeputyProfile]) -> dict[str, list[DeputyProfile]]:
    """City deputies by the district of their delegation (e.g. 东湖区代表团 → donghu)."""
    by_user = {profile.user_id: profile for profile in profiles}
    code_by_delegation = {f"{name}代表团": code for code, name, _towns in DISTRICTS}
    result: dict[str, list[DeputyProfile]] = {code: [] for code, _name, _towns in DISTRICTS}
    rows = RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, unit__isnull=False).values_list(
        "user_id", "unit__name"
    )
    for user_id, delegation in rows.order_by("user_id"):
        code = code_by_delegation.get(delegation)
        if code is not None and user_id in by_user and by_user[user_id] not in result[code]:
            result[code].append(by_user[user_id])
    return result


def _build_network(city: Congress, clerk: User, rng: random.Random) -> dict[str, list[tuple[Station, str]]]:
    """总站 – 中心站 per district – the township stations – two points; each with the district code it serves."""
    hq = stations.station_create(
        actor=clerk,
        tier=1,
        congress=city,
        name="江城市人大代表联络总站",
        address="江城市人民大道 1 号市民中心 2 楼",
        opening_hours="工作日 9:00–17:00",
        phone="0710-12345000",
    )
    network: dict[str, list[tuple[Station, str]]] = {"hq": [(hq, "")], "center": [], "station": [], "point": []}
    districts = {district.code: district for district in city.children.all()}
    for index, (code, name, _towns) in enumerate(DISTRICTS):
        district = districts[code]
        center = stations.station_create(
            actor=clerk,
            tier=2,
            parent=hq,
            congress=district,
            name=f"{name}人大代表联络中心站",
            address=f"江城市{name}政务服务中心 {index + 3} 楼",
            opening_hours="工作日 9:00–17:00",
            phone=f"0710-1234{index + 1:02d}00",
        )
        network["center"].append((center, code))
        units = Unit.objects.filter(
            congress__parent=district, kind=UnitKind.LIAISON_STATION, station__isnull=True
        ).select_related("congress")
        for number, unit in enumerate(units.order_by("congress__code"), start=1):
            station = stations.station_create(
                actor=clerk,
                tier=3,
                parent=center,
                unit=unit,
                address=f"江城市{name}{unit.congress.short_name}便民服务中心 1 楼",
                opening_hours=rng.choice(["每周三 9:00–11:30", "每周五 14:30–17:00", "每月 10 日、25 日全天"]),
                phone=f"0710-1234{index + 1:02d}{number:02d}",
            )
            network["station"].append((station, code))
    for station, code in network["station"][:2]:
        township = station.unit.congress
        point = stations.station_create(
            actor=clerk,
            tier=4,
            parent=station,
            congress=township,
            name=f"{township.short_name}幸福社区联络点",
            address=f"江城市{township.short_name}幸福社区党群服务中心",
            opening_hours="每月第一个周六上午",
        )
        network["point"].append((point, code))
    return network


def _build_receptions(
    *,
    network: dict[str, list[tuple[Station, str]]],
    clerk: User,
    station_user: User,
    by_district: dict[str, list[DeputyProfile]],
    profiles: list[DeputyProfile],
    rng: random.Random,
    today: dt.date,
) -> None:
    """Reception days through the year: earlier ones held with the citizens received, later ones planned."""
    own_station_id = station_user.active_assignment.unit_id if station_user.active_assignment else None  # type: ignore[attr-defined]
    for tier, per_month in (("hq", 2), ("center", 2), ("station", 1), ("point", 1)):
        for station, code in network[tier]:
            pool = by_district.get(code) or profiles
            actor = station_user if station.unit_id == own_station_id else clerk
            for date in _dates(rng, per_month):
                start, end = rng.choice([(dt.time(9), dt.time(11, 30)), (dt.time(14, 30), dt.time(17))])
                reception = stations.reception_schedule(
                    actor=actor,
                    station=station,
                    date=date,
                    start=start,
                    end=end,
                    deputies=_sample(rng, pool, 2 if tier in {"hq", "center"} else rng.randint(1, 2)),
                    topic=rng.choice(RECEPTION_TOPICS),
                )
                if date <= today:
                    stations.reception_record(
                        actor=actor,
                        reception=reception,
                        citizens_received=rng.randint(3, 30),
                        notes=rng.choice(["群众反映问题已登记转办。", "现场解答政策咨询。", ""]),
                    )


def _build_groups(
    *,
    city: Congress,
    clerk: User,
    by_district: dict[str, list[DeputyProfile]],
    profiles: list[DeputyProfile],
    rng: random.Random,
    today: dt.date,
) -> None:
    """14 professional groups and one area group per district, with about 90 activities this year."""
    made = []
    for name, scope in PROFESSIONAL_GROUPS:
        members = _sample(rng, profiles, rng.randint(8, 14))
        made.append(
            groups.group_create(
                actor=clerk,
                congress=city,
                kind="professional",
                name=name,
                scope=scope,
                leader=members[0],
                members=members,
            )
        )
    for _code, district_name, _towns in DISTRICTS:
        pool = by_district.get(_code) or profiles
        members = _sample(rng, pool, rng.randint(10, 16))
        made.append(
            groups.group_create(
                actor=clerk,
                congress=city,
                kind="area",
                name=f"{district_name}代表小组",
                scope=district_name,
                leader=members[0],
                members=members,
            )
        )
    last_day = min(today, dt.date(YEAR, 12, 31))
    span = (last_day - dt.date(YEAR, 1, 5)).days
    for number in range(90):
        group = made[number % len(made)] if number < len(made) else rng.choice(made)
        members = list(group.members.all())
        held_on = dt.date(YEAR, 1, 5) + dt.timedelta(days=rng.randint(0, max(span, 0)))
        groups.group_activity_record(
            actor=clerk,
            group=group,
            title=f"{group.scope}{rng.choice(ACTIVITY_TITLES)}",
            held_on=held_on,
            place=rng.choice(["市人大常委会会议室", "代表联络站", "企业现场", "社区"]),
            summary="小组成员围绕主题开展活动，形成意见建议。",
            participants=_sample(rng, members, max(2, len(members) * rng.randint(5, 9) // 10)),
        )


def _build_contacts(city: Congress, profiles: list[DeputyProfile], rng: random.Random, today: dt.date) -> None:
    """Each SC member visits about three deputies a quarter; deputies record contacts with citizens."""
    members = list(
        RoleAssignment.objects.filter(congress=city, role=Role.SC_MEMBER, is_active=True)
        .select_related("user", "congress")
        .order_by("user__username")
    )
    quarters = [dt.date(YEAR, month, 1) for month in (1, 4, 7, 10)]
    for assignment in members:
        visitor = _acting(assignment.user, assignment)
        linked = _sample(rng, profiles, 5)
        for start in quarters:
            if start > today:
                break
            for _ in range(rng.randint(2, 4)):
                day = start + dt.timedelta(days=rng.randint(0, 85))
                if day > today:
                    continue
                contacts.contact_record(
                    actor=visitor,
                    kind="sc_member_to_deputy",
                    visitor=visitor,
                    deputy=rng.choice(linked),
                    date=day,
                    method=rng.choice(CONTACT_METHODS[:4]),
                    summary="听取代表对常委会工作的意见建议。",
                )
        visitor.active_assignment = None
    deputy_roles = {
        row.user_id: row
        for row in RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, is_active=True).select_related(
            "user", "congress"
        )
    }
    span = (today - dt.date(YEAR, 1, 2)).days
    for profile in _sample(rng, profiles, 100):
        deputy_role = deputy_roles.get(profile.user_id)
        if deputy_role is None:
            continue
        deputy = _acting(deputy_role.user, deputy_role)
        for _ in range(rng.randint(1, 2)):
            contacts.contact_record(
                actor=deputy,
                kind="deputy_to_citizens",
                deputy=profile,
                date=dt.date(YEAR, 1, 2) + dt.timedelta(days=rng.randint(0, max(span, 0))),
                method=rng.choice(CONTACT_METHODS),
                people_count=rng.randint(5, 60),
                summary="收集群众关于民生问题的意见。",
            )
        deputy.active_assignment = None


def _build_training(
    city: Congress, clerk: User, profiles: list[DeputyProfile], rng: random.Random, today: dt.date
) -> None:
    for title, kind, (start_month, start_day), (end_month, end_day), hours, audience in TRAININGS:
        session = training.training_create(
            actor=clerk,
            congress=city,
            title=f"{YEAR}年{title}",
            kind=kind,
            starts_on=dt.date(YEAR, start_month, start_day),
            ends_on=dt.date(YEAR, end_month, end_day),
            hours=hours,
            place="线上平台" if kind == "online" else "江城市人大代表培训中心",
            organizer="市人大常委会人代选任工委",
        )
        if not profiles:
            continue
        invited = profiles if audience == "全体" else _sample(rng, profiles, 60 if audience == "预算" else 120)
        training.training_invite(actor=clerk, session=session, profiles=invited)
        if session.starts_on > today:
            continue
        rate = 0.93 if kind == "centralized" else 0.85
        present = [profile.pk for profile in invited if rng.random() < rate]
        absent = sorted({profile.pk for profile in invited} - set(present))
        training.training_attendance(actor=clerk, session=session, attended_ids=present, absent_ids=absent)
