"""Bulk data for the opinion benchmarks: N citizens' opinions of one city over the last year, fast.

Rows go straight into ``opinions_opinion`` with raw ``executemany`` through Django's connection
(about 1,000,000 rows in well under a minute), with the fields the actions would set, so the
pipeline, the search and the dashboard read what they would read in production:

- **text**: realistic Chinese from templates — 11 topics x several problems x phrasings, a place
  (street + house number, or estate + building), where-words, effects and filler; an incident (a
  problem at a place) is reported 1 to 40 times within a few weeks (near-duplicates), and about
  ``SPIKES`` topic x district x week combinations get a flood of extra reports (spikes);
- **loop state** by age: old items mostly closed and rated, recent ones waiting, dispatched or in
  handling (some overdue), a few answered on the spot, refused or converted;
- **triaged_at** only on a sample (``train_sample`` rows): the routing model is trained on those
  (``routing.train`` takes the most recent triaged rows; a sample keeps the set-up short).

    from opinions_data import build
    world = build(1_000_000, seed=6)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# renda.opinions.models.TRACKING_ALPHABET (checked in ``build``; this module is imported before Django is set up).
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

DISTRICT_NAMES = ["东湖区", "西山区", "南岸区", "北城区", "高新区", "江北区", "临江县", "青山县"]
STREET_WORDS = ["幸福", "和平", "人民", "解放", "建设", "友谊", "新华", "光明", "胜利", "团结", "朝阳", "长江", "黄河"]
STREETS = [f"{a}{b}{c}" for a in STREET_WORDS for b in "东西南北中" for c in ("路", "街", "大道")]
ESTATES = [
    f"{a}{b}"
    for a in ["阳光", "碧水", "金色", "翠苑", "锦绣", "名都", "滨江", "春天", "紫荆", "丽景", "康城", "书香"]
    for b in ("小区", "花园", "家园", "新村")
]
VILLAGES = [f"{a}村" for a in ["张家", "李庄", "王湾", "刘集", "陈岗", "杨柳", "石桥", "枫林"]]
WHERE_WORDS = ["", "", "门口", "附近", "旁边", "一带"]

# topic → problems; a problem is (phrasings, effects, level, unit index).
Problem = tuple[list[str], list[str], str, int]
TOPICS: dict[str, list[Problem]] = {
    "urban": [
        (["路灯坏了", "路灯不亮", "路灯损坏", "的路灯一直不亮", "路灯故障"], ["晚上很黑", "晚上出行不安全"], "L1", 0),
        (["申请加装电梯", "加装电梯进展缓慢", "想加装电梯但有住户反对"], ["老人上下楼很困难", "希望政府协调"], "L2", 1),
        (["电梯经常故障", "电梯总是坏", "电梯停运"], ["老人上下楼很困难", "经常困人"], "L2", 1),
        (["物业乱收费", "物业费上涨", "物业服务差"], ["业主意见很大", "希望规范管理"], "L1", 1),
        (["外墙脱落", "外墙瓷砖掉落"], ["砸到车辆", "行人很危险"], "L2", 1),
        (["井盖丢失", "井盖破损", "井盖松动"], ["很危险", "有人差点掉下去"], "L1", 2),
        (["一下雨就积水", "积水严重", "排水不畅积水"], ["无法通行", "行人只能绕行"], "L1", 2),
        (["违章搭建", "楼顶违法建设", "占用绿地违建"], ["影响采光", "存在安全隐患"], "L1", 0),
    ],
    "traffic": [
        (["乱停车严重", "车辆乱停", "占道停车"], ["堵塞消防通道", "行人无法通过"], "L1", 3),
        (["红绿灯时间太短", "信号灯坏了", "缺少红绿灯"], ["过马路危险", "经常发生事故"], "L2", 3),
        (["公交站太远", "公交线路太少", "公交车班次少"], ["出行不便", "上班要换乘三次"], "L3", 4),
        (["交通拥堵严重", "早晚高峰堵车"], ["通行困难", "上学经常迟到"], "L2", 3),
        (["缺少减速带", "人行横道没有信号灯"], ["车速太快", "孩子过马路危险"], "L1", 3),
    ],
    "environment": [
        (["夜间施工噪音扰民", "噪音扰民严重", "工地晚上施工很吵"], ["无法休息", "孩子无法学习"], "L2", 5),
        (["广场舞声音太大", "广场舞音响扰民"], ["影响休息", "晚上十点还在跳"], "L1", 5),
        (["餐馆油烟扰民", "饭店油烟直排"], ["无法开窗", "气味难闻"], "L1", 5),
        (["河道发臭", "黑臭水体", "有企业偷排污水"], ["气味难闻", "鱼都死了"], "L3", 5),
        (["垃圾桶满了没人清运", "垃圾分类不到位", "垃圾清运不及时"], ["臭气熏天", "苍蝇很多"], "L1", 0),
        (["工地扬尘严重", "渣土车抛洒"], ["灰尘很大", "不敢开窗"], "L2", 5),
    ],
    "education": [
        (["学位紧张", "入学难", "孩子上学太远"], ["家长很焦虑", "希望增加学位"], "L2", 6),
        (["学校门口接送车辆拥堵", "学校门口没有交警"], ["孩子安全没有保障", "每天堵半小时"], "L1", 6),
        (["校外培训乱收费", "培训机构跑路"], ["预付的学费退不回来", "家长损失很大"], "L2", 6),
        (["课后服务收费不合理", "学校食堂饭菜差"], ["家长意见大", "孩子吃不饱"], "L2", 6),
    ],
    "health": [
        (["社区医院挂号难", "看病难", "社区医院缺医生"], ["老人看病不方便", "排队要一上午"], "L2", 7),
        (["家庭医生联系不上", "家庭医生签约后没服务"], ["形同虚设", "希望落实"], "L1", 7),
        (["医保报销手续复杂", "异地就医报销难"], ["来回跑了好几次", "希望简化"], "L3", 8),
    ],
    "social": [
        (["养老金发放延迟", "养老金调整没到账"], ["生活困难", "希望尽快发放"], "L3", 8),
        (["老年食堂饭菜太贵", "社区没有助餐点", "居家养老服务少"], ["老人吃饭不方便", "希望增加"], "L1", 9),
        (["拖欠工资", "农民工欠薪"], ["过年回不了家", "讨薪无门"], "L2", 10),
        (["低保审核不公平", "残疾人补贴没发"], ["困难群众有意见", "希望公开"], "L1", 9),
    ],
    "market": [
        (["预付卡商家跑路", "健身房关门退不了卡"], ["损失几千元", "消费者很无奈"], "L2", 11),
        (["超市卖过期食品", "食品安全问题"], ["吃了拉肚子", "希望加强检查"], "L2", 11),
        (["占道经营", "流动摊贩占道"], ["影响通行", "垃圾满地"], "L1", 0),
        (["价格欺诈", "虚假宣传"], ["被骗了", "希望处罚"], "L2", 11),
    ],
    "safety": [
        (["消防通道被占用", "消防栓损坏"], ["发生火灾怎么办", "存在安全隐患"], "L1", 12),
        (["电动车飞线充电", "楼道里停电动车"], ["容易起火", "存在安全隐患"], "L1", 12),
        (["高空抛物", "楼上扔垃圾"], ["差点砸到人", "希望安装监控"], "L1", 13),
        (["电信诈骗", "接到诈骗电话"], ["老人被骗", "希望加强宣传"], "L2", 13),
    ],
    "rural": [
        (["农村公路破损", "村道坑洼不平"], ["农产品运不出去", "雨天无法通行"], "L2", 14),
        (["自来水入户没落实", "村里经常停水"], ["吃水困难", "希望尽快解决"], "L2", 2),
        (["灌溉水渠堵塞", "高标准农田质量差"], ["影响春耕", "庄稼减产"], "L2", 14),
        (["宅基地审批慢", "村务公开不及时"], ["村民有意见", "希望规范"], "L1", 15),
    ],
    "governance": [
        (["网格员不作为", "居委会办事难"], ["群众跑了好几趟", "希望改进作风"], "L1", 15),
        (["社区服务中心开放时间短", "办事窗口少"], ["上班族办不了事", "希望延长时间"], "L1", 15),
    ],
    "other": [
        (["建议增加公共厕所", "公园缺少座椅"], ["市民不方便", "希望考虑"], "L1", 0),
        (["流浪狗太多", "宠物狗不拴绳"], ["孩子很害怕", "有人被咬伤"], "L1", 13),
    ],
}
UNIT_NAMES = [
    "市城市管理局",
    "市住房和城乡建设局",
    "市水务局",
    "市公安局交通管理支队",
    "市交通运输局",
    "市生态环境局",
    "市教育局",
    "市卫生健康委员会",
    "市医疗保障局",
    "市民政局",
    "市人力资源和社会保障局",
    "市市场监督管理局",
    "市消防救援支队",
    "市公安局",
    "市农业农村局",
    "市社区治理办公室",
]
FILLER = ["", "", "希望尽快处理。", "请相关部门尽快解决。", "已经反映多次了。", "麻烦尽快修复，谢谢！", "盼复。"]
SOURCES = [
    ("portal", 35),
    ("station_qr", 15),
    ("deputy_qr", 10),
    ("reception", 10),
    ("deputy_visit", 5),
    ("hotline_12345", 20),
    ("other_platform", 5),
]
RATINGS = [("satisfied", 72), ("basically_satisfied", 18), ("dissatisfied", 10)]
# Topic x district x week floods (e.g. a rainstorm week: 积水 everywhere in one district).
SPIKES = 4
SPIKE_SIZE = 0.004  # of N, per spike

COLUMNS = [
    "tracking_code",
    "source",
    "text",
    "address",
    "category",
    "level",
    "is_complex",
    "status",
    "citizen_name_encrypted",
    "citizen_phone_encrypted",
    "citizen_phone_digest",
    "citizen_name_masked",
    "citizen_phone_masked",
    "phone_verified",
    "on_spot_answer",
    "refuse_reason",
    "redirect_channel",
    "triaged_at",
    "round",
    "due_at",
    "replied_at",
    "replied_on_time",
    "rating",
    "closed_at",
    "reopen_count",
    "external_id",
    "submitted_ip_hash",
    "received_at",
    "area_id",
    "congress_id",
    "unit_id",
]


@dataclass
class OpinionWorld:
    city: Any
    districts: list[Any]
    units: list[Any]
    staff: Any
    leader: Any
    officer: Any
    count: int
    now: dt.datetime


def tracking_code(index: int) -> str:
    """A unique 10-character code per index (multiplication by a prime is a bijection mod 31**10)."""
    value = (index * 2_654_435_761 + 97) % (31**10)
    chars = []
    for _ in range(10):
        value, digit = divmod(value, 31)
        chars.append(TRACKING_ALPHABET[digit])
    return "".join(chars)


def _weighted(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [key for key, _ in pairs], [weight for _, weight in pairs]


def texts(count: int, seed: int, now: dt.datetime, districts: int) -> list[tuple[str, str, str, str, int, dt.datetime]]:
    """(text, address, category, level, unit index, district index, received_at), time order not guaranteed."""
    rng = random.Random(seed)
    topics = list(TOPICS)
    topic_weights = [14, 10, 10, 6, 6, 6, 5, 5, 4, 3, 2]
    start = now - dt.timedelta(days=365)
    rows: list[Any] = []
    spike_plan = [
        (rng.choice(topics), rng.randrange(districts), start + dt.timedelta(weeks=rng.randrange(8, 50)))
        for _ in range(SPIKES)
    ]
    spike_rows = int(count * SPIKE_SIZE) * SPIKES
    while len(rows) < count - spike_rows:
        topic = rng.choices(topics, topic_weights)[0]
        phrasings, effects, level, unit = rng.choice(TOPICS[topic])
        district = rng.randrange(districts)
        roll = rng.random()
        if topic == "rural":
            place = f"{rng.choice(VILLAGES)}{rng.randint(1, 12)}组"
        elif roll < 0.55:
            place = f"{rng.choice(STREETS)}{rng.randint(1, 400)}号"
        else:
            place = f"{rng.choice(ESTATES)}{rng.randint(1, 40)}栋"
        reports = 1 if rng.random() < 0.55 else min(40, int(rng.paretovariate(1.3)) + 1)
        began = start + dt.timedelta(days=rng.uniform(0, 365))
        for _ in range(reports):
            text = (
                f"{place}{rng.choice(WHERE_WORDS)}{rng.choice(phrasings)}，{rng.choice(effects)}，{rng.choice(FILLER)}"
            )
            moment = min(now, began + dt.timedelta(hours=rng.uniform(0, 24 * 21)))
            rows.append((text, place if rng.random() < 0.3 else "", topic, level, unit, district, moment))
    for topic, district, week in spike_plan:
        for _ in range(spike_rows // SPIKES):
            phrasings, effects, level, unit = rng.choice(TOPICS[topic])
            place = f"{rng.choice(STREETS)}{rng.randint(1, 400)}号"
            text = f"{place}{rng.choice(phrasings)}，{rng.choice(effects)}，{rng.choice(FILLER)}"
            rows.append(
                (text, "", topic, level, unit, district, min(now, week + dt.timedelta(hours=rng.uniform(0, 168))))
            )
    return rows[:count]


def build(count: int, *, seed: int = 6, train_sample: int = 20_000, batch: int = 50_000) -> OpinionWorld:
    from django.db import connection, transaction
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.opinions import models as opinion_models
    from renda.organizations.models import Congress, RoleAssignment, Unit

    assert opinion_models.TRACKING_ALPHABET == TRACKING_ALPHABET
    rng = random.Random(seed + 1)
    now = timezone.now().replace(microsecond=0)
    city = Congress.objects.create(name="江城市人民代表大会", code="city", level="city")
    districts = [
        Congress.objects.create(name=f"{name}人民代表大会", code=f"d{index}", level="district", parent=city)
        for index, name in enumerate(DISTRICT_NAMES)
    ]
    units = [Unit.objects.create(congress=city, name=name, kind="government_department") for name in UNIT_NAMES]
    office = Unit.objects.create(congress=city, name="人大常委会信访室", kind="working_body")
    staff = User.objects.create(username="staff", full_name="分流员")
    RoleAssignment.objects.create(user=staff, congress=city, role="committee_staff", unit=office)
    leader = User.objects.create(username="leader", full_name="主任")
    RoleAssignment.objects.create(user=leader, congress=city, role="leader")
    officer = User.objects.create(username="officer", full_name="承办员")
    RoleAssignment.objects.create(user=officer, congress=city, role="unit_officer", unit=units[0])

    sources, source_weights = _weighted(SOURCES)
    ratings, rating_weights = _weighted(RATINGS)
    adapt = connection.ops.adapt_datetimefield_value
    table = connection.ops.quote_name("opinions_opinion")
    names = ", ".join(connection.ops.quote_name(column) for column in COLUMNS)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    train_every = max(1, count // max(1, train_sample))
    generated = texts(count, seed, now, len(districts))
    generated.sort(key=lambda row: row[-1])  # ids grow with time, as they would
    rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        rows.clear()

    for index, (text, address, category, level, unit_index, district, received) in enumerate(generated):
        age = (now - received).days
        roll = rng.random()
        status = "received"
        unit_id = due = replied = on_time = closed = None
        rating = ""
        reopen = 0
        round_ = 0
        triaged = None
        if age > 30:
            ladder = [(0.04, "refused"), (0.12, "answered_on_spot"), (0.14, "converted"), (0.17, "accepted")]
            ladder += [(0.19, "replied"), (0.23, "relayed"), (1.0, "closed")]
        else:
            ladder = [(0.25, "received"), (0.30, "answered_on_spot"), (0.32, "refused"), (0.50, "dispatched")]
            ladder += [(0.78, "accepted"), (0.88, "replied"), (0.93, "relayed"), (1.0, "closed")]
        status = next(state for bound, state in ladder if roll < bound)
        if status != "received":
            triaged = received + dt.timedelta(hours=rng.uniform(1, 48))
        if status in {"dispatched", "accepted", "replied", "relayed", "closed"}:
            unit_id = units[unit_index].pk
            round_ = 1
            due = received + dt.timedelta(days=7)
        if status in {"replied", "relayed", "closed"}:
            replied = received + dt.timedelta(days=rng.uniform(1, 9))
            on_time = replied <= due  # type: ignore[operator]
        if status == "closed":
            rating = rng.choices(ratings, rating_weights)[0]
            closed = replied + dt.timedelta(days=rng.uniform(1, 5))  # type: ignore[operator]
            reopen = 1 if rng.random() < 0.05 else 0
        rows.append(
            (
                tracking_code(index),
                rng.choices(sources, source_weights)[0],
                text,
                address,
                category if status != "received" else "",
                level if unit_id else "",
                False,
                status,
                "",
                "",
                "",
                "",
                "",
                False,
                "已当场解释" if status == "answered_on_spot" else "",
                "属于诉讼事项" if status == "refused" else "",
                "诉讼" if status == "refused" else "",
                adapt(triaged) if triaged is not None and index % train_every == 0 else None,
                round_,
                adapt(due),
                adapt(replied),
                on_time,
                rating,
                adapt(closed),
                reopen,
                "",
                "",
                adapt(received),
                districts[district].pk,
                city.pk,
                unit_id,
            )
        )
        if len(rows) >= batch:
            flush()
    if rows:
        flush()
    return OpinionWorld(
        city=city, districts=districts, units=units, staff=staff, leader=leader, officer=officer, count=count, now=now
    )


def attach(db_path: str) -> None:
    """Point Django at an existing benchmark database (kept by ``opinions_pipeline.py --keep``); no migration."""
    import os
    from pathlib import Path

    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "renda.settings"
    os.environ["RENDA_SQLITE_PATH"] = str(db_path)
    os.environ["RENDA_VAR_DIR"] = str(Path(db_path).parent)
    os.environ["RENDA_ENV"] = "development"
    os.environ["RENDA_DEBUG"] = "0"
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("RENDA_LOG_LEVEL", "WARNING")
    django.setup()


def find_world() -> OpinionWorld:
    """The world ``build`` made, read back from an attached database."""
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.opinions.models import Opinion
    from renda.organizations.models import Congress, Unit

    city = Congress.objects.get(code="city")
    return OpinionWorld(
        city=city,
        districts=list(Congress.objects.filter(parent=city).order_by("code")),
        units=list(Unit.objects.filter(congress=city, kind="government_department").order_by("pk")),
        staff=User.objects.get(username="staff"),
        leader=User.objects.get(username="leader"),
        officer=User.objects.get(username="officer"),
        count=Opinion.objects.filter(congress=city).count(),
        now=timezone.now(),
    )


def open_world(
    name: str, *, db: str | None, count: int, prepare: Callable[[OpinionWorld], object], prepare_key: str
) -> tuple[OpinionWorld, dict[str, float]]:
    """The benchmark world: a kept database (``--db``, migrated) as it is, or a fresh one of ``count`` opinions.

    A fresh world is generated, then ``prepare``d (analysed, indexed...); the setup times come back by name
    (``generate_s`` and ``prepare_key``). ``_common.cleanup`` closes either afterwards.
    """
    import time

    from _common import bootstrap

    if db:
        attach(db)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return find_world(), {}
    bootstrap(name)
    started = time.perf_counter()
    world = build(count)
    setup = {"generate_s": time.perf_counter() - started}
    started = time.perf_counter()
    prepare(world)
    setup[prepare_key] = time.perf_counter() - started
    return world, setup
