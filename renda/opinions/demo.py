"""A year (2026) of citizens' opinions for the demo city, made by the real actions on a simulated clock.

About 3,000 opinions come in through every channel: the portal form, a station's or a deputy's QR
code, reception days at the stations, deputies' visits (代表点单) and a monthly 12345 hotline import.
They cover every district and topic, with a cluster (the same broken street lamp on 人民路,
reported 40 times in March and handled as one) and two spikes (a flood week in July: 积水 five
times the usual; the first school week of September: traffic around schools).

Each opinion then plays the loop through the actions a person would use (so the audit trail,
to-dos, clusters and statistics are real): triaged by the committee staff (answered on the spot,
refused with the right channel, converted into a deputy's suggestion, or graded and dispatched),
accepted — or returned and dispatched again —, replied (mostly on time), relayed, rated (mostly
satisfied; some reopened and answered again). The latest items are still on the way, and a few
dispatches are overdue. Then the monthly reports of the year are generated. Only the demo command
calls this.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from renda.accounts.models import User
from renda.core.models import DeliveryStatus, Notification
from renda.deputies.models import DeputyProfile, Station
from renda.insight.models import Cluster
from renda.opinions import actions, importing
from renda.opinions.models import Level, Opinion, Rating, Source, Status
from renda.organizations.models import Congress, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role
from renda.suggestions.demo import _Clock, _simulated_time

YEAR = 2026
# (category, city department, level, text templates). ``{place}`` is a street, ``{estate}`` a housing estate.
PROBLEMS: list[tuple[str, str, str, list[str]]] = [
    (
        "urban",
        "市城市管理局",
        "L1",
        [
            "{place}的路灯已经坏了一个多星期，晚上路上一片漆黑，老人孩子出行很不安全，请尽快维修。",
            "{estate}门口垃圾桶满了没人清运，气味很大，夏天招苍蝇，希望增加清运次数。",
            "{place}人行道上占道经营的摊贩很多，行人只能走机动车道，请加强管理。",
        ],
    ),
    (
        "urban",
        "市住房和城乡建设局",
        "L2",
        [
            "{estate}是上世纪九十年代的老旧小区，六层楼没有电梯，老年人上下楼非常困难，希望尽快加装电梯。",
            "{estate}外墙瓷砖脱落，上周差点砸到行人，物业不管，请有关部门督促维修。",
            "{estate}物业服务很差，楼道灯坏了几个月不修，收费却年年涨，希望主管部门监督。",
        ],
    ),
    (
        "traffic",
        "市交通运输局",
        "L3",
        [
            "{place}公交站只有一条线路，早高峰要等半个多小时，建议增开班次或者新开线路。",
            "{place}路面坑洼不平，下雨天积满泥水，电动车经常摔倒，请尽快修补路面。",
            "希望在{place}增设公交站台，附近几个小区的居民到最近的站要走二十分钟。",
        ],
    ),
    (
        "traffic",
        "市公安局",
        "L3",
        [
            "{place}十字路口没有红绿灯，上下班时间车辆乱抢行，已经发生过几起事故，建议设置信号灯。",
            "{estate}周边乱停车严重，消防通道经常被堵，希望交警加强巡查。",
        ],
    ),
    (
        "environment",
        "市生态环境局",
        "L3",
        [
            "{place}附近的工厂晚上偷偷排放废气，味道刺鼻，居民晚上不敢开窗，请环保部门查处。",
            "{place}旁边的河道发黑发臭，还有生活污水直排，希望尽快治理。",
            "{estate}附近工地夜间施工噪音很大，凌晨一两点还在作业，严重影响休息。",
        ],
    ),
    (
        "education",
        "市教育局",
        "L3",
        [
            "{estate}附近没有公办幼儿园，孩子只能上很远的民办园，费用高接送难，希望增建公办园。",
            "{place}小学课后服务只到五点，家长下班接不了孩子，希望延长课后服务时间。",
        ],
    ),
    (
        "health",
        "市卫生健康委员会",
        "L3",
        [
            "{estate}社区卫生服务站经常缺药，慢性病老人每次都要跑大医院开药，希望改善。",
            "{place}附近只有一家社区医院，看病排队时间很长，希望增加医生或延长门诊时间。",
        ],
    ),
    (
        "social",
        "市民政局",
        "L2",
        [
            "{estate}老年人多，希望在社区开办老年食堂，解决独居老人吃饭难的问题。",
            "{place}的养老服务中心收费太高，普通退休老人住不起，希望增加普惠型养老床位。",
        ],
    ),
    (
        "social",
        "市人力资源和社会保障局",
        "L3",
        [
            "在{place}附近工地干活的工人被拖欠工资三个月了，多次讨要无果，请帮忙协调。",
            "灵活就业人员缴纳社保的手续太麻烦，希望在{place}的社区服务中心就能办理。",
        ],
    ),
    (
        "market",
        "市市场监督管理局",
        "L3",
        [
            "{place}菜市场有商贩缺斤短两，投诉后没有处理，希望加强监管。",
            "{place}一家健身房收了预付卡费用后关门跑路，很多会员的钱退不回来。",
        ],
    ),
    (
        "safety",
        "市应急管理局",
        "L3",
        [
            "{estate}地下车库里很多电动车违规充电，存在火灾隐患，希望建设集中充电桩。",
            "{place}沿街店铺私拉电线，消防通道堆满杂物，存在安全隐患。",
        ],
    ),
    (
        "rural",
        "市农业农村局",
        "L2",
        [
            "{place}村的灌溉水渠年久失修，渗漏严重，春耕用水很紧张，希望尽快修缮。",
            "{place}村通往镇上的道路太窄，农产品运不出去，希望拓宽硬化。",
        ],
    ),
    (
        "governance",
        "市民政局",
        "L1",
        [
            "{estate}业委会选举不公开，居民对账目有疑问，希望街道指导规范。",
            "{estate}小区公共收益去向不明，希望社区组织公开。",
        ],
    ),
]
FLOOD_TEMPLATES = [
    "{place}一下大雨就积水，水深没过膝盖，车辆熄火行人无法通行，希望尽快改造排水管网。",
    "{estate}地下车库被雨水倒灌，很多车泡了水，希望排查小区周边积水点。",
    "连续暴雨{place}严重积水，雨水井堵塞，请尽快疏通排水。",
]
SCHOOL_TEMPLATES = [
    "开学后{place}小学门口早晚接送车辆拥堵严重，希望增派交警疏导并设置临时停车区。",
    "{place}学校周边没有人行横道和减速带，孩子上学过马路很危险。",
]
LAMP_TEXTS = [
    "江城市东湖区人民路与解放路交叉口的路灯坏了，晚上一片漆黑，请尽快修复。",
    "人民路解放路口那几盏路灯不亮好几天了，晚上走路看不清，请维修。",
    "东湖区人民路解放路路口路灯坏了，夜里很黑，存在安全隐患，希望早日修好。",
    "反映人民路与解放路交叉口路灯不亮的问题，已经好几天了，请有关部门处理。",
]
STREETS = ["人民路", "解放路", "建设路", "滨江路", "朝阳路", "和平路", "文化路", "新华路", "中山路", "青年路"]
ESTATES = ["阳光小区", "幸福里小区", "翠湖花园", "江南新村", "金色家园", "锦绣苑", "工人新村", "东方明珠小区"]
VILLAGES = ["柳树", "石桥", "杨家", "王家", "红旗", "新民"]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高"
REPLIES = [
    "经现场核查，反映的问题属实，我单位已安排人员处理完毕，感谢您的监督。",
    "已将该问题纳入近期整改计划，预计两周内完成，届时将再次回访。",
    "经调查，已责成相关责任单位限期整改，并将加强日常巡查。",
]
# How the loop ends for an opinion old enough to have finished (weights out of 100).
OUTCOMES = [("on_spot", 4), ("refused", 3), ("converted", 3), ("returned", 3), ("handled", 87)]


@dataclass
class _Cast:
    city: Congress
    clerk: User
    districts: list[Congress]
    departments: dict[str, Unit]
    district_offices: dict[int, Unit]
    officers: dict[int, User]
    stations: list[Station]
    profiles: list[DeputyProfile]


def _acting(user: User, role: str, unit: Unit | None = None, congress: Congress | None = None) -> User:
    assignments = user.role_assignments.filter(role=role, is_active=True)
    if congress is not None:
        assignments = assignments.filter(congress=congress)
    if unit is not None:
        assignments = assignments.filter(unit=unit)
    user.active_assignment = assignments.select_related("unit", "congress").first()
    return user


def _officers(city: Congress, units: list[Unit]) -> dict[int, User]:
    """An acting officer for every handling unit (the demo officer serves 住建局; others get one without a password)."""
    officers: dict[int, User] = {}
    no_password = make_password(None)
    for unit in units:
        assignment = (
            RoleAssignment.objects.filter(unit=unit, role=Role.UNIT_OFFICER, is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if assignment is None:
            user = User.objects.create(
                username=f"opinion-unit{unit.pk}",
                full_name=f"{unit.short_name or unit.name}意见经办人",
                password=no_password,
                password_changed_at=timezone.now(),
            )
            assignment = RoleAssignment.objects.create(
                user=user, congress=unit.congress, role=Role.UNIT_OFFICER, unit=unit
            )
        officers[unit.pk] = _acting(assignment.user, Role.UNIT_OFFICER, unit)
    return officers


def _cast(city: Congress) -> _Cast:
    districts = list(Congress.objects.filter(parent=city).order_by("code"))
    wanted = {name for _category, name, _level, _texts in PROBLEMS} | {"市水务局"}
    departments = {
        unit.name: unit
        for unit in Unit.objects.filter(congress=city, kind=UnitKind.GOVERNMENT_DEPARTMENT, name__in=wanted)
    }
    district_offices = {
        unit.congress_id: unit
        for unit in Unit.objects.filter(congress__in=districts, kind=UnitKind.GOVERNMENT_OFFICE).order_by("pk")
    }
    stations = list(Station.objects.filter(tier=3).select_related("unit", "unit__congress").order_by("pk"))
    deputy_ids = RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, is_active=True).values("user_id")
    profiles = list(DeputyProfile.objects.filter(user_id__in=deputy_ids).select_related("user").order_by("pk"))
    return _Cast(
        city=city,
        clerk=_acting(User.objects.get(username="clerk"), Role.COMMITTEE_STAFF),
        districts=districts,
        departments=departments,
        district_offices=district_offices,
        officers=_officers(city, [*departments.values(), *district_offices.values()]),
        stations=stations,
        profiles=profiles,
    )


def _moment(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class _Builder:
    def __init__(self, cast: _Cast, clock: _Clock, rng: random.Random, latest: dt.datetime) -> None:
        self.cast, self.clock, self.rng, self.latest = cast, clock, rng, latest
        self.today = timezone.localdate(latest)
        self.phones = (f"139{number:08d}" for number in rng.sample(range(10_000_000, 99_999_999), 4000))

    def at(self, moment: dt.datetime) -> dt.datetime:
        self.clock.at(min(moment, self.latest))
        return self.clock.moment

    def on(self, day: dt.date, hour: int = 10) -> dt.datetime:
        return self.at(_moment(day, hour, self.rng.randrange(60)))

    def is_past(self, moment: dt.datetime) -> bool:
        return moment < self.latest

    # --- texts ---

    def text(self, template: str, district: Congress) -> tuple[str, str]:
        place = self.rng.choice(STREETS)
        estate = self.rng.choice(ESTATES)
        if "村" in template:
            place = self.rng.choice(VILLAGES)
        short = district.short_name.removesuffix("人大") or district.name
        text = template.format(place=f"{short}{place}", estate=f"{short}{estate}")
        address = f"江城市{short}{place}" if "{place}" in template else f"江城市{short}{estate}"
        return text, address

    def contact(self) -> tuple[str, str]:
        if self.rng.random() < 0.3:
            return "", ""  # anonymous
        name = self.rng.choice(SURNAMES) + self.rng.choice(["先生", "女士", "师傅", "阿姨"])
        return name, next(self.phones)

    # --- intake ---

    def receive(self, day: dt.date, template: str, category: str, *, source: str | None = None) -> Opinion:
        cast, rng = self.cast, self.rng
        district = rng.choice(cast.districts)
        text, address = self.text(template, district)
        name, phone = self.contact()
        moment = self.on(day, rng.randrange(8, 21))
        source = (
            source
            or rng.choices(
                [Source.PORTAL, Source.STATION_QR, Source.DEPUTY_QR, Source.RECEPTION, Source.DEPUTY_VISIT],
                weights=[38, 20, 16, 14, 12],
            )[0]
        )
        common: dict[str, Any] = {
            "text": text,
            "area": district,
            "address": address,
            "citizen_name": name,
            "citizen_phone": phone,
        }
        if source == Source.DEPUTY_VISIT and cast.profiles:
            profile = rng.choice(cast.profiles)
            deputy_user = _acting(profile.user, Role.DEPUTY, congress=cast.city)
            return actions.opinion_enter(actor=deputy_user, deputy=profile, congress=cast.city, **common)
        if source == Source.RECEPTION:
            # Entered for the station by the committee staff (the station's own staff enter for their township).
            station = rng.choice(cast.stations) if cast.stations else None
            return actions.opinion_submit(
                actor=cast.clerk, congress=cast.city, source=Source.RECEPTION, station=station, **common
            )
        station = rng.choice(cast.stations) if source == Source.STATION_QR and cast.stations else None
        deputy = rng.choice(cast.profiles) if source == Source.DEPUTY_QR and cast.profiles else None
        if (source == Source.STATION_QR and station is None) or (source == Source.DEPUTY_QR and deputy is None):
            source = Source.PORTAL
        return actions.opinion_submit(
            actor=None,
            congress=cast.city,
            source=source,
            station=station,
            deputy=deputy,
            phone_verified=bool(phone),
            received_at=moment,
            **common,
        )

    # --- the loop ---

    def unit_for(self, opinion: Opinion, department: str, level: str) -> Unit:
        cast = self.cast
        if level in (Level.L1, Level.L2) and opinion.area_id in cast.district_offices and self.rng.random() < 0.5:
            return cast.district_offices[opinion.area_id]
        return cast.departments.get(department) or next(iter(cast.departments.values()))

    def play(self, opinion: Opinion, category: str, department: str, level: str) -> None:
        """The opinion's life from triage on, as far as the demo's "now" allows."""
        rng, cast = self.rng, self.cast
        received = timezone.localdate(opinion.received_at)
        age = (self.today - received).days
        if age < 2 and rng.random() < 0.8:
            return  # still waiting for triage
        outcome = rng.choices([name for name, _ in OUTCOMES], weights=[weight for _, weight in OUTCOMES])[0]
        triage_day = received + dt.timedelta(days=rng.choice([0, 1, 1, 2]))
        self.on(triage_day, 9)
        if outcome == "on_spot" and opinion.source in (Source.RECEPTION, Source.DEPUTY_VISIT):
            actions.triage_answer_on_spot(
                actor=cast.clerk, opinion=opinion, answer="已当场向群众解释相关政策，群众表示理解。"
            )
            return
        if outcome == "refused":
            actions.triage_refuse(
                actor=cast.clerk,
                opinion=opinion,
                reason="该事项已进入诉讼程序，不属于本渠道受理范围。",
                channel=rng.choice(["诉讼", "信访"]),
            )
            return
        if outcome == "converted" and cast.profiles:
            actions.triage_convert(
                actor=cast.clerk,
                opinion=opinion,
                deputy=rng.choice(cast.profiles),
                title=f"关于解决{opinion.address.removeprefix('江城市')[:20]}群众反映问题的建议",
            )
            return
        unit = self.unit_for(opinion, department, level)
        actions.triage_grade(
            actor=cast.clerk, opinion=opinion, level=level, category=category, unit=unit, is_complex=rng.random() < 0.1
        )
        day = triage_day
        if outcome == "returned":
            day += dt.timedelta(days=1)
            if not self.is_past(self.on(day, 15)):
                return
            actions.dispatch_return(
                actor=cast.officers[unit.pk], opinion=opinion, reason="该事项不属于本单位职责范围。"
            )
            self.on(day + dt.timedelta(days=1), 9)
            unit = cast.departments.get(department) or unit
            actions.triage_grade(actor=cast.clerk, opinion=opinion, level=Level.L3, category=category, unit=unit)
            day += dt.timedelta(days=1)
        self.handle_round(opinion, unit, day)

    def handle_round(self, opinion: Opinion, unit: Unit, dispatched: dt.date, *, second: bool = False) -> None:
        rng, cast = self.rng, self.cast
        officer = cast.officers[unit.pk]
        accept_day = dispatched + dt.timedelta(days=rng.choice([0, 1, 1, 2]))
        if not self.is_past(self.on(accept_day, 10)):
            return
        # A few units never take the item up in time: they are the overdue ones.
        if rng.random() < 0.03:
            return
        actions.dispatch_accept(actor=officer, opinion=opinion)
        late = rng.random() < 0.08
        reply_day = accept_day + dt.timedelta(days=rng.randrange(10, 16) if late else rng.randrange(1, 6))
        if not self.is_past(self.on(reply_day, 16)):
            return
        actions.dispatch_reply(actor=officer, opinion=opinion, text=rng.choice(REPLIES))
        relay_day = reply_day + dt.timedelta(days=rng.choice([0, 1, 1, 2]))
        if rng.random() < 0.9:
            if not self.is_past(self.on(relay_day, 11)):
                return
            actions.reply_relay(actor=cast.clerk, opinion=opinion)
        rate_day = relay_day + dt.timedelta(days=rng.randrange(1, 6))
        if rng.random() < 0.12 or not self.is_past(self.on(rate_day, 20)):
            return  # the citizen has not rated (yet)
        if second:
            rating = rng.choices([Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED], [70, 22, 8])[0]
            actions.opinion_rate(opinion=opinion, rating=rating)
            return
        rating = rng.choices([Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED], [72, 17, 11])[0]
        reopen = rating == Rating.DISSATISFIED and rng.random() < 0.6
        actions.opinion_rate(
            opinion=opinion, rating=rating, reopen=reopen, comment="问题没有真正解决。" if reopen else ""
        )
        if reopen:
            self.handle_round(opinion, unit, rate_day, second=True)


def _days(rng: random.Random, start: dt.date, end: dt.date, count: int) -> list[dt.date]:
    span = (end - start).days
    return sorted(start + dt.timedelta(days=rng.randrange(span)) for _ in range(count))


def _regular(builder: _Builder, end: dt.date, per_year: int) -> int:
    rng = builder.rng
    made = 0
    for day in _days(rng, dt.date(YEAR, 1, 2), end, per_year):
        category, department, level, texts = rng.choice(PROBLEMS)
        opinion = builder.receive(day, rng.choice(texts), category)
        builder.play(opinion, category, department, level)
        made += 1
    return made


def _spike(builder: _Builder, start: dt.date, count: int, templates: list[str], problem: tuple[str, str, str]) -> int:
    category, department, level = problem
    days = [start + dt.timedelta(days=builder.rng.randrange(7)) for _ in range(count)]
    for day in sorted(days):
        if day >= builder.today:
            continue
        opinion = builder.receive(day, builder.rng.choice(templates), category)
        builder.play(opinion, category, department, level)
    return count


def _in_state(ids: list[int], status: str) -> Iterator[Opinion]:
    """Each opinion still in ``status`` when its turn comes (an earlier step may have moved it along)."""
    for pk in ids:
        opinion = Opinion.objects.get(pk=pk)
        if opinion.status == status:
            yield opinion


def _lamp_cluster(builder: _Builder) -> int:
    """40 reports of the same broken lamp in March, handled as one by the city management bureau."""
    rng, cast = builder.rng, builder.cast
    donghu = next((district for district in cast.districts if district.code == "donghu"), cast.districts[0])
    opinions = []
    for day in _days(rng, dt.date(YEAR, 3, 2), dt.date(YEAR, 3, 9), 40):
        name, phone = builder.contact()
        builder.on(day, rng.randrange(7, 22))
        opinions.append(
            actions.opinion_submit(
                actor=None,
                congress=cast.city,
                source=rng.choice([Source.PORTAL, Source.PORTAL, Source.STATION_QR]),
                station=rng.choice(cast.stations) if cast.stations else None,
                text=rng.choice(LAMP_TEXTS),
                area=donghu,
                address="江城市东湖区人民路与解放路交叉口",
                citizen_name=name,
                citizen_phone=phone,
                phone_verified=bool(phone),
            )
        )
    unit = cast.departments["市城市管理局"]
    officer = cast.officers[unit.pk]
    builder.on(dt.date(YEAR, 3, 9), 9)
    cluster_ids = {
        cluster_id
        for cluster_id in Opinion.objects.filter(pk__in=[o.pk for o in opinions]).values_list("cluster_id", flat=True)
        if cluster_id is not None
    }
    for cluster in Cluster.objects.filter(pk__in=cluster_ids):
        actions.cluster_dispatch(actor=cast.clerk, cluster=cluster, level=Level.L1, category="urban", unit=unit)
    # Any report the clustering left alone is dispatched on its own.
    for opinion in Opinion.objects.filter(pk__in=[o.pk for o in opinions], status=Status.RECEIVED):
        actions.triage_grade(actor=cast.clerk, opinion=opinion, level=Level.L1, category="urban", unit=unit)
    ids = [opinion.pk for opinion in opinions]
    builder.on(dt.date(YEAR, 3, 9), 14)
    # In a cluster handled as one, the unit's step on one opinion carries over to the others it holds.
    for opinion in _in_state(ids, Status.DISPATCHED):
        actions.dispatch_accept(actor=officer, opinion=opinion)
    builder.on(dt.date(YEAR, 3, 11), 16)
    for opinion in _in_state(ids, Status.ACCEPTED):
        actions.dispatch_reply(
            actor=officer, opinion=opinion, text="人民路与解放路交叉口的 6 盏路灯已于 3 月 11 日更换灯具并恢复照明。"
        )
    builder.on(dt.date(YEAR, 3, 12), 10)
    for opinion in _in_state(ids, Status.REPLIED):
        actions.reply_relay(actor=cast.clerk, opinion=opinion)
    for opinion in _in_state(ids, Status.RELAYED):
        if rng.random() < 0.85:
            builder.on(dt.date(YEAR, 3, 12) + dt.timedelta(days=rng.randrange(1, 5)), 20)
            actions.opinion_rate(
                opinion=opinion, rating=rng.choice([Rating.SATISFIED] * 5 + [Rating.BASICALLY_SATISFIED])
            )
    return len(opinions)


def _hotline_imports(builder: _Builder, end: dt.date, per_month: int) -> int:
    """Each month's 12345 tickets, imported from the hotline's CSV export by the committee staff."""
    rng, cast = builder.rng, builder.cast
    made = 0
    ticket = 260_000
    month = dt.date(YEAR, 1, 1)
    while month < end:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        last = min(following, end)
        rows = []
        for day in _days(rng, month, last, per_month) if last > month else []:
            category, department, level, texts = rng.choice(PROBLEMS)
            district = rng.choice(cast.districts)
            text, address = builder.text(rng.choice(texts), district)
            ticket += rng.randrange(1, 400)
            rows.append(
                (
                    f"JC{YEAR}{ticket:07d}",
                    f"{day:%Y-%m-%d} {rng.randrange(8, 21):02d}:{rng.randrange(60):02d}:00",
                    text,
                    district.name.removesuffix("人民代表大会"),
                    address,
                    builder.contact()[1],
                    (category, department, level),
                )
            )
        if rows:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["工单编号", "来电时间", "诉求内容", "所属区域", "诉求地址", "联系电话"])
            writer.writerows(row[:6] for row in rows)
            builder.on(last - dt.timedelta(days=1) if last < end else end, 17)
            report = importing.parse(buffer.getvalue().encode(), congress=cast.city, source=Source.HOTLINE_12345)
            created = importing.opinions_import(actor=cast.clerk, congress=cast.city, report=report, valid_only=True)
            problems = {row[0]: row[6] for row in rows}
            for opinion in created:
                category, department, level = problems[opinion.external_id]
                builder.play(opinion, category, department, level)
            made += len(created)
        month = following
    return made


# The demo keeps the reports of the last few finished months (each takes about a second: its charts).
DEMO_REPORT_MONTHS = 3


def _monthly_reports(city: Congress, clock: _Clock, latest: dt.datetime) -> int:
    from renda.insight.report import monthly_report_generate

    today = timezone.localdate(latest)
    months = [dt.date(YEAR, number, 1) for number in range(1, 13)]
    finished = [month for month in months if (month + dt.timedelta(days=32)).replace(day=1) <= today]
    for month in finished[-DEMO_REPORT_MONTHS:]:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        moment = min(_moment(following, 1, 0), latest)
        clock.at(moment)
        monthly_report_generate(actor=None, congress=city, month=month, now=moment)
    return len(finished[-DEMO_REPORT_MONTHS:])


@transaction.atomic
def build_demo_opinions(*, city: Congress, seed: int = 2026, per_year: int = 2300) -> int:
    """A year of opinions for the demo city and its monthly reports. Returns how many opinions were made."""
    rng = random.Random(seed)
    latest = timezone.now() - dt.timedelta(minutes=1)
    end = min(timezone.localdate(latest), dt.date(YEAR, 12, 31))
    clock = _Clock(_moment(dt.date(YEAR, 1, 2), 8))
    with _simulated_time(clock):
        cast = _cast(city)
        builder = _Builder(cast, clock, rng, latest)
        _lamp_cluster(builder)
        _regular(builder, end, per_year)
        _hotline_imports(builder, end, max(per_year // 60, 1))
        flood = ("urban", "市水务局", "L2") if "市水务局" in cast.departments else ("urban", "市城市管理局", "L2")
        # The flood week of July: 积水 about five times a normal week's urban reports.
        _spike(builder, dt.date(YEAR, 7, 13), max(per_year // 50, 5), FLOOD_TEMPLATES, flood)
        _spike(builder, dt.date(YEAR, 9, 1), max(per_year // 75, 5), SCHOOL_TEMPLATES, ("traffic", "市公安局", "L3"))
        clock.at(latest)
        actions.overdue_flag(latest)
        _monthly_reports(city, clock, latest)
    Notification.objects.filter(email_status=DeliveryStatus.QUEUED).update(email_status=DeliveryStatus.SKIPPED)
    Notification.objects.filter(sms_status=DeliveryStatus.QUEUED).update(
        sms_status=DeliveryStatus.SKIPPED, sms_send_after=None
    )
    return Opinion.objects.filter(congress=city).count()
