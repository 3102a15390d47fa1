"""A year of demo suggestions for the demo city, made by the real actions on a simulated clock.

Every item goes through the same actions a person would use (so the audit trail, to-dos
and statistics are real); only the clock is moved, to spread the year from the January
session to today. Items end in every state: drafts, the review queue, waiting for
assignment, disputed, in handling, overdue, replied, re-handled, closed, key-supervised.
Only the demo command calls this.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from renda.accounts.models import User
from renda.core.models import DeliveryStatus, Notification
from renda.organizations.models import Congress, CongressSession, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role
from renda.suggestions import actions
from renda.suggestions.models import Category, Status, Suggestion

# (category, lead department, co-handling department or "", title, situation, request)
TOPICS: list[tuple[str, str, str, str, str, str]] = [
    (
        "urban",
        "市住房和城乡建设局",
        "市自然资源和规划局",
        "关于加快{place}老旧小区加装电梯的建议",
        "{place}有大量上世纪建成的多层住宅，没有电梯，老年居民上下楼十分困难。",
        "简化加装电梯审批流程，提高财政补助标准，建立低层住户补偿协商机制。",
    ),
    (
        "urban",
        "市住房和城乡建设局",
        "市城市管理局",
        "关于推进{place}背街小巷改造提升的建议",
        "{place}部分背街小巷路面破损、雨污混流、照明不足，群众反映强烈。",
        "将背街小巷改造纳入年度城建计划，一并解决路面、排水、照明和停车问题。",
    ),
    (
        "urban",
        "市交通运输局",
        "市公安局",
        "关于优化{place}公交线路和站点设置的建议",
        "{place}新建小区和学校周边公交覆盖不足，早晚高峰候车时间长。",
        "开展公交线网评估，新增或调整线路，在学校和医院周边增设站点。",
    ),
    (
        "urban",
        "市城市管理局",
        "",
        "关于加强{place}生活垃圾分类设施建设的建议",
        "{place}部分小区分类投放点设置不合理，清运不及时，居民参与度不高。",
        "完善分类投放点和转运设施，加强宣传引导，建立考核激励机制。",
    ),
    (
        "urban",
        "市水务局",
        "市住房和城乡建设局",
        "关于解决{place}雨季内涝问题的建议",
        "每逢汛期，{place}多个路段积水严重，影响群众出行和财产安全。",
        "排查易涝点，改造雨水管网，建设调蓄设施，完善应急排涝预案。",
    ),
    (
        "urban",
        "市自然资源和规划局",
        "",
        "关于加快{place}停车设施规划建设的建议",
        "{place}老城区停车位严重不足，占道停车现象普遍。",
        "编制停车设施专项规划，利用边角地建设立体停车场，推行错时共享停车。",
    ),
    (
        "education",
        "市教育局",
        "市自然资源和规划局",
        "关于增加{place}义务教育学位供给的建议",
        "随着人口流入，{place}部分学校大班额问题突出，学位供需矛盾加剧。",
        "加快新建和改扩建中小学校，优化学区划分，保障随迁子女入学。",
    ),
    (
        "education",
        "市教育局",
        "",
        "关于加强中小学课后服务的建议",
        "课后服务内容较单一，部分学校师资不足，家长接送困难。",
        "丰富课后服务内容，引入社会资源，完善经费保障和教师激励。",
    ),
    (
        "education",
        "市卫生健康委员会",
        "市医疗保障局",
        "关于提升{place}基层医疗服务能力的建议",
        "{place}社区卫生服务中心和乡镇卫生院人才短缺，设备陈旧。",
        "加强基层医务人员培养和引进，推进医联体建设，更新基层医疗设备。",
    ),
    (
        "education",
        "市卫生健康委员会",
        "",
        "关于加强心理健康服务体系建设的建议",
        "青少年和老年人心理健康问题日益突出，专业服务力量不足。",
        "建立覆盖城乡的心理服务网络，在学校和社区配备专兼职心理咨询人员。",
    ),
    (
        "education",
        "市文化广电旅游局",
        "",
        "关于加强{place}历史文化街区保护利用的建议",
        "{place}部分历史建筑年久失修，保护与利用缺乏统筹。",
        "开展历史建筑普查建档，落实保护责任，引导合理利用。",
    ),
    (
        "social",
        "市民政局",
        "市卫生健康委员会",
        "关于推进{place}居家和社区养老服务的建议",
        "{place}老年人口比重高，社区养老服务设施不足，服务质量参差不齐。",
        "建设嵌入式养老服务设施，发展助餐助浴服务，推进医养结合。",
    ),
    (
        "social",
        "市人力资源和社会保障局",
        "",
        "关于加强高校毕业生就业服务的建议",
        "高校毕业生就业压力加大，就业信息和岗位匹配不够精准。",
        "搭建供需对接平台，扩大见习岗位，加大创业扶持力度。",
    ),
    (
        "social",
        "市医疗保障局",
        "",
        "关于扩大异地就医直接结算范围的建议",
        "部分外出务工人员异地就医报销手续繁琐，垫付压力大。",
        "扩大定点医疗机构范围，简化备案手续，推广线上办理。",
    ),
    (
        "social",
        "市市场监督管理局",
        "",
        "关于加强校园周边食品安全监管的建议",
        "部分校园周边流动摊贩食品安全隐患较多。",
        "开展专项整治，建立常态化巡查机制，加强食品安全宣传。",
    ),
    (
        "social",
        "市应急管理局",
        "市住房和城乡建设局",
        "关于加强高层建筑消防安全管理的建议",
        "高层住宅消防设施维护不到位，消防通道被占用时有发生。",
        "落实物业消防责任，开展隐患排查，加强消防设施维护和演练。",
    ),
    (
        "agriculture",
        "市农业农村局",
        "",
        "关于支持{place}特色农产品品牌建设的建议",
        "{place}特色农产品品质好，但品牌影响力小，销售渠道窄。",
        "培育区域公用品牌，支持冷链物流建设，拓展电商销售渠道。",
    ),
    (
        "agriculture",
        "市农业农村局",
        "市水务局",
        "关于加快{place}高标准农田建设的建议",
        "{place}部分农田水利设施老化，灌溉保障能力不足。",
        "加大高标准农田建设投入，完善灌排设施，建立建后管护机制。",
    ),
    (
        "agriculture",
        "市乡村振兴局",
        "市交通运输局",
        "关于改善{place}农村道路交通条件的建议",
        "{place}部分村组道路狭窄、破损，安全防护设施缺失。",
        "实施农村公路提档升级，完善安全防护设施，落实养护责任。",
    ),
    (
        "finance",
        "市发展和改革委员会",
        "市财政局",
        "关于优化营商环境支持民营企业发展的建议",
        "部分涉企审批事项办理时限长，惠企政策兑现不够及时。",
        "推行惠企政策免申即享，压缩审批时限，建立企业诉求快速响应机制。",
    ),
    (
        "finance",
        "市地方金融管理局",
        "",
        "关于缓解小微企业融资难的建议",
        "小微企业缺乏抵押物，融资成本高、渠道少。",
        "完善政府性融资担保体系，推广信用贷款，设立应急转贷资金。",
    ),
    (
        "finance",
        "市商务局",
        "",
        "关于促进{place}夜间经济发展的建议",
        "{place}夜间消费业态单一，配套设施不完善。",
        "打造夜间消费集聚区，完善交通和照明配套，丰富文旅消费业态。",
    ),
    (
        "finance",
        "市工业和信息化局",
        "",
        "关于支持制造业数字化转型的建议",
        "中小制造企业数字化基础薄弱，转型成本高。",
        "设立数字化转型专项资金，培育服务商，建设示范工厂。",
    ),
    (
        "judicial",
        "市司法局",
        "",
        "关于加强基层公共法律服务的建议",
        "乡镇和社区法律服务力量不足，群众获取法律咨询不便。",
        "完善公共法律服务站点，推广线上法律咨询，落实一村一法律顾问。",
    ),
    (
        "judicial",
        "市公安局",
        "",
        "关于加强电信网络诈骗防范宣传的建议",
        "电信网络诈骗手段不断翻新，老年人受骗案件时有发生。",
        "开展精准防范宣传，加强预警劝阻，推动社区和金融机构联动。",
    ),
]


class _Clock:
    """A clock the demo moves forward by hand; ``django.utils.timezone.now`` reads it while building."""

    def __init__(self, start: dt.datetime) -> None:
        self.moment = start

    def now(self) -> dt.datetime:
        return self.moment

    def at(self, moment: dt.datetime) -> None:
        self.moment = moment


@contextmanager
def _simulated_time(clock: _Clock) -> Iterator[None]:
    # Historical notifications stay in the inbox: nobody is sent a year of e-mail and SMS at once.
    notify_log = logging.getLogger("renda.notify")
    level = notify_log.level
    notify_log.setLevel(logging.WARNING)
    try:
        with mock.patch("django.utils.timezone.now", clock.now), mock.patch("renda.core.notify._queue_delivery"):
            yield
    finally:
        notify_log.setLevel(level)


def _moment(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _acting(user: User, role: str, unit: Unit | None = None) -> User:
    assignments = user.role_assignments.filter(role=role, is_active=True)
    if unit is not None:
        assignments = assignments.filter(unit=unit)
    user.active_assignment = assignments.select_related("unit", "congress").first()
    return user


@dataclass
class _Cast:
    city: Congress
    session: CongressSession
    clerk: User
    deputies: list[User]
    demo_deputy: User
    officers: dict[int, User]
    heads: dict[int, User]
    departments: dict[str, Unit]
    committees: list[Unit]
    leader: User


def _unit_staff(city: Congress, departments: dict[str, Unit]) -> tuple[dict[int, User], dict[int, User]]:
    """An officer and a head for every department (the demo officer and unit head serve 住建局)."""
    officers: dict[int, User] = {}
    heads: dict[int, User] = {}
    no_password = make_password(None)
    for index, unit in enumerate(departments.values(), start=1):
        existing = RoleAssignment.objects.filter(unit=unit, is_active=True).select_related("user")
        for assignment in existing:
            if assignment.role == Role.UNIT_OFFICER:
                officers[unit.pk] = assignment.user
            elif assignment.role == Role.UNIT_HEAD:
                heads[unit.pk] = assignment.user
        for role, table, suffix in ((Role.UNIT_OFFICER, officers, "jb"), (Role.UNIT_HEAD, heads, "fz")):
            if unit.pk not in table:
                user = User.objects.create(
                    username=f"dept{index:02d}{suffix}",
                    full_name=f"{unit.short_name or unit.name}{'经办人' if suffix == 'jb' else '负责人'}",
                    password=no_password,
                    password_changed_at=timezone.now(),
                )
                RoleAssignment.objects.create(user=user, congress=city, role=role, unit=unit)
                table[unit.pk] = user
    return officers, heads


def _cast(city: Congress) -> _Cast:
    session = CongressSession.objects.create(
        congress=city,
        term=17,
        number=5,
        name="江城市第十七届人民代表大会第五次会议",
        opens_on=dt.date(2026, 1, 10),
        closes_on=dt.date(2026, 1, 14),
        motion_deadline=_moment(dt.date(2026, 1, 12), 12),
    )
    CongressSession.objects.create(
        congress=city,
        term=17,
        number=4,
        name="江城市第十七届人民代表大会第四次会议",
        opens_on=dt.date(2025, 1, 12),
        closes_on=dt.date(2025, 1, 16),
    )
    departments = {unit.name: unit for unit in Unit.objects.filter(congress=city, kind=UnitKind.GOVERNMENT_DEPARTMENT)}
    officers, heads = _unit_staff(city, departments)
    deputy_ids = RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, is_active=True).values("user_id")
    deputies = list(User.objects.filter(pk__in=deputy_ids).order_by("username"))
    return _Cast(
        city=city,
        session=session,
        clerk=_acting(User.objects.get(username="clerk"), Role.COMMITTEE_STAFF),
        deputies=deputies,
        demo_deputy=User.objects.get(username="deputy"),
        officers=officers,
        heads=heads,
        departments=departments,
        committees=list(Unit.objects.filter(congress=city, kind=UnitKind.SPECIAL_COMMITTEE)),
        leader=User.objects.get(username="leader"),
    )


# How far each demo item gets, with its weight among the session's items.
SESSION_PLAN: list[tuple[str, int]] = [
    ("closed", 150),
    ("closed_after_rehandling", 12),
    ("rehandling", 3),
    ("replied", 10),
    ("overdue", 6),
    ("not_registered", 4),
    ("merged", 3),
    ("withdrawn", 2),
]
RECESS_PLAN: list[tuple[str, int]] = [
    ("closed", 12),
    ("replied", 4),
    ("in_handling", 6),
    ("disputed", 3),
    ("assigned", 4),
    ("registered", 4),
    ("submitted", 6),
    ("returned", 2),
]


class _Builder:
    def __init__(self, cast: _Cast, clock: _Clock, rng: random.Random, latest: dt.datetime) -> None:
        self.cast, self.clock, self.rng = cast, clock, rng
        self.places = ["东湖区", "西山区", "南江区", "北城区", "青溪县", "云岭县", "老城片区", "高新区"]
        self.latest = latest  # the real time the demo is built: nothing happens after it
        self.today = timezone.localdate(latest)

    def at(self, day: dt.date, hour: int = 10) -> None:
        self.clock.at(min(_moment(day, hour, self.rng.randrange(0, 60)), self.latest))

    def create(self, lead: User, submitted: dt.date, *, phase: str, topic_index: int | None = None) -> Suggestion:
        cast = self.cast
        index = topic_index if topic_index is not None else self.rng.randrange(len(TOPICS))
        category, _lead, _co, title, situation, request = TOPICS[index]
        place = self.rng.choice(self.places)
        body = (
            f"一、基本情况\n{situation.format(place=place)}\n\n"
            f"二、存在问题\n群众多次向代表反映，相关问题尚未得到系统解决，影响群众获得感。\n\n"
            f"三、具体建议\n{request}"
        )
        self.at(submitted - dt.timedelta(days=1), 20)
        _acting(lead, Role.DEPUTY)
        suggestion = actions.suggestion_create(
            actor=lead,
            congress=cast.city,
            title=title.format(place=place),
            body=body,
            category=category,
            phase=phase,
            session=cast.session if phase == "session" else None,
        )
        cosigners = [deputy for deputy in self.rng.sample(cast.deputies, 3) if deputy.pk != lead.pk][
            : self.rng.choice((0, 1, 2, 2, 3))
        ]
        if cosigners:
            actions.cosigner_invite(actor=lead, suggestion=suggestion, deputies=cosigners)
            for cosigner in cosigners:
                actions.cosigner_respond(actor=_acting(cosigner, Role.DEPUTY), suggestion=suggestion, accept=True)
        self.at(submitted, 9)
        actions.suggestion_submit(actor=_acting(lead, Role.DEPUTY), suggestion=suggestion)
        suggestion.demo_topic = index  # type: ignore[attr-defined]
        return suggestion

    def register(self, suggestion: Suggestion, day: dt.date) -> None:
        self.at(day, 15)
        actions.suggestion_register(actor=self.cast.clerk, suggestion=suggestion, is_complex=self.rng.random() < 0.1)

    def assign(self, suggestion: Suggestion, day: dt.date) -> None:
        _category, lead_name, co_name, *_rest = TOPICS[suggestion.demo_topic]  # type: ignore[attr-defined]
        departments = self.cast.departments
        co = [departments[co_name]] if co_name and self.rng.random() < 0.6 else []
        self.at(day, 10)
        actions.suggestion_assign(
            actor=self.cast.clerk, suggestion=suggestion, plan=actions.Plan(lead=departments[lead_name], co=co)
        )

    def handle(self, suggestion: Suggestion, start: dt.date, *, reply_after: int, reply: bool = True) -> None:
        """Sign, talk to the deputy, hear the co-handlers, and (if ``reply``) reply ``reply_after`` days on."""
        cast = self.cast
        for assignment in suggestion.assignments.filter(round=suggestion.round, status="active").select_related("unit"):
            officer = _acting(cast.officers[assignment.unit_id], Role.UNIT_OFFICER, assignment.unit)
            if assignment.signed_at is None:
                self.at(start + dt.timedelta(days=self.rng.randrange(1, 4)), 9)
                actions.assignment_sign(actor=officer, assignment=assignment)
            if assignment.role == "co":
                self.at(start + dt.timedelta(days=self.rng.randrange(10, 25)), 16)
                actions.opinion_send(
                    actor=officer, assignment=assignment, text="我单位同意主办单位的办理意见，将按职责做好配合工作。"
                )
        lead = suggestion.assignments.get(round=suggestion.round, status="active", role="lead")
        officer = _acting(cast.officers[lead.unit_id], Role.UNIT_OFFICER, lead.unit)
        talk_day = start + dt.timedelta(days=max(5, reply_after // 2))
        self.at(talk_day, 14)
        actions.communication_add(
            actor=officer,
            assignment=lead,
            kind=self.rng.choice(["meeting", "phone", "visit", "forum", "site"]),
            date=timezone.localdate(),
            participants=f"{suggestion.lead_deputy.display_name}代表，{lead.unit.short_name or lead.unit.name}经办人",
            content="向代表通报办理进展，听取代表对办理工作的意见和建议。",
        )
        if not reply:
            return
        reply_day = start + dt.timedelta(days=reply_after)
        self.at(reply_day, 11)
        category = self.rng.choices(["A", "B", "C", "D"], weights=[55, 30, 12, 3])[0]
        draft = actions.reply_prepare(
            actor=officer,
            assignment=lead,
            category=category,
            text=(
                f"{suggestion.lead_deputy.display_name}代表：您提出的《{suggestion.title}》收悉。"
                "我单位高度重视，经认真研究并与相关单位会商，现答复如下：一是已将相关工作纳入年度计划；"
                "二是加强部门协作，明确责任分工和时间节点；三是定期向代表通报进展。感谢您对我市工作的关心和支持。"
            ),
            contact_person=f"{lead.unit.short_name}办公室",
            contact_phone="0710-" + str(self.rng.randrange(1000000, 9999999)),
        )
        self.at(reply_day, 16)
        head = _acting(cast.heads[lead.unit_id], Role.UNIT_HEAD, lead.unit)
        actions.reply_approve(actor=head, reply=draft)

    def evaluate(self, suggestion: Suggestion, day: dt.date, rating: str) -> None:
        self.at(day, 20)
        lead = _acting(suggestion.lead_deputy, Role.DEPUTY)
        process = "satisfied" if rating != "dissatisfied" else self.rng.choice(["basically_satisfied", "dissatisfied"])
        actions.suggestion_evaluate(
            actor=lead, suggestion=suggestion, process_rating=process, result_rating=rating, comment=""
        )

    def run(self, plan_name: str, lead: User, submitted: dt.date, phase: str) -> Suggestion:
        suggestion = self.create(lead, submitted, phase=phase)
        if plan_name == "submitted":
            return suggestion
        if plan_name == "returned":
            self.at(submitted + dt.timedelta(days=3), 15)
            actions.suggestion_return(
                actor=self.cast.clerk, suggestion=suggestion, note="建议内容涉及多个事项，请按一事一议拆分后重新提交。"
            )
            return suggestion
        if plan_name == "not_registered":
            self.at(submitted + dt.timedelta(days=6), 15)
            actions.suggestion_refuse(
                actor=self.cast.clerk, suggestion=suggestion, reason="内容属于个人诉求，已转有关部门按信访渠道处理。"
            )
            return suggestion
        if plan_name == "withdrawn":
            self.at(submitted + dt.timedelta(days=2), 15)
            actions.suggestion_withdraw(actor=_acting(lead, Role.DEPUTY), suggestion=suggestion, reason="已另行反映")
            return suggestion
        register_day = submitted + dt.timedelta(days=self.rng.randrange(3, 9))
        if plan_name == "merged":
            self.register(suggestion, register_day)
            return suggestion  # merged below, once a twin exists
        self.register(suggestion, register_day)
        if plan_name == "registered":
            return suggestion
        assign_day = dt.date(2026, 2, 26) if phase == "session" else register_day + dt.timedelta(days=5)
        self.assign(suggestion, assign_day)
        suggestion.refresh_from_db()
        if plan_name == "assigned":
            return suggestion
        if plan_name == "disputed":
            lead_assignment = suggestion.assignments.get(role="lead")
            officer = _acting(self.cast.officers[lead_assignment.unit_id], Role.UNIT_OFFICER, lead_assignment.unit)
            self.at(assign_day + dt.timedelta(days=2), 10)
            actions.dispute_raise(
                actor=officer,
                assignment=lead_assignment,
                reason="该建议涉及事项主要属于其他部门职责，建议调整主办单位。",
            )
            return suggestion
        if plan_name == "overdue":
            self.handle(suggestion, assign_day, reply_after=0, reply=False)
            return suggestion
        if plan_name == "in_handling":
            self.handle(suggestion, assign_day, reply_after=0, reply=False)
            return suggestion
        reply_after = self.rng.randrange(30, 85) if self.rng.random() > 0.04 else self.rng.randrange(95, 120)
        self.handle(suggestion, assign_day, reply_after=reply_after)
        suggestion.refresh_from_db()
        replied_day = assign_day + dt.timedelta(days=reply_after)
        if plan_name == "replied":
            return suggestion
        if plan_name in {"closed_after_rehandling", "rehandling"}:
            self.evaluate(suggestion, replied_day + dt.timedelta(days=7), "dissatisfied")
            suggestion.refresh_from_db()
            if plan_name == "rehandling":
                return suggestion
            second_start = replied_day + dt.timedelta(days=7)
            self.handle(suggestion, second_start, reply_after=self.rng.randrange(15, 28))
            suggestion.refresh_from_db()
            self.evaluate(
                suggestion, second_start + dt.timedelta(days=35), self.rng.choice(["satisfied", "basically_satisfied"])
            )
            return suggestion
        rating = self.rng.choices(["satisfied", "basically_satisfied"], weights=[85, 15])[0]
        self.evaluate(suggestion, replied_day + dt.timedelta(days=self.rng.randrange(3, 15)), rating)
        return suggestion


def _expand(plan: list[tuple[str, int]], rng: random.Random) -> list[str]:
    names = [name for name, weight in plan for _ in range(weight)]
    rng.shuffle(names)
    return names


@transaction.atomic
def build_demo_suggestions(*, city: Congress, seed: int = 2026) -> int:
    """A year of suggestions for the demo city. Returns how many items were made."""
    rng = random.Random(seed)
    latest = timezone.now() - dt.timedelta(minutes=1)
    today = timezone.localdate(latest)
    clock = _Clock(_moment(dt.date(2026, 1, 11)))
    with _simulated_time(clock):
        cast = _cast(city)
        builder = _Builder(cast, clock, rng, latest)
        made: list[Suggestion] = []
        session_day = dt.date(2026, 1, 12)
        for plan_name in _expand(SESSION_PLAN, rng):
            lead = rng.choice(cast.deputies)
            # "overdue" items were assigned at the 交办会 in February: due in May, still unanswered.
            made.append(builder.run(plan_name, lead, session_day, "session"))
        recess_days = [today - dt.timedelta(days=days) for days in range(300, 5, -1)]
        for plan_name in _expand(RECESS_PLAN, rng):
            if plan_name in {"closed", "replied"}:
                day = rng.choice(recess_days[:120])
            elif plan_name in {"in_handling", "assigned"}:
                day = rng.choice(recess_days[180:260])
            else:
                day = rng.choice(recess_days[-12:])
            made.append(builder.run(plan_name, rng.choice(cast.deputies), day, "recess"))
        _merge_twins(builder, made)
        _demo_deputy_items(builder)
        _key_and_public(builder, made, rng)
    Notification.objects.filter(email_status=DeliveryStatus.QUEUED).update(email_status=DeliveryStatus.SKIPPED)
    Notification.objects.filter(sms_status=DeliveryStatus.QUEUED).update(
        sms_status=DeliveryStatus.SKIPPED, sms_send_after=None
    )
    return Suggestion.objects.filter(congress=city).count()


def _merge_twins(builder: _Builder, made: list[Suggestion]) -> None:
    for suggestion in made:
        suggestion.refresh_from_db()
    candidates = [item for item in made if item.status == Status.REGISTERED and item.phase == "session"]
    targets = [item for item in made if item.status in {Status.IN_HANDLING, Status.REPLIED} and item.phase == "session"]
    for item, target in zip(candidates, targets, strict=False):
        builder.at(dt.date(2026, 1, 20), 11)
        actions.suggestion_merge(
            actor=builder.cast.clerk, suggestion=item, into=target, note="与另一件建议内容相同，并案办理。"
        )


def _demo_deputy_items(builder: _Builder) -> None:
    """The demo deputy leads items in the states a deputy acts on: a draft, one to rate, one in handling."""
    deputy = builder.cast.demo_deputy
    builder.run("closed", deputy, dt.date(2026, 1, 12), "session")
    builder.run("in_handling", deputy, builder.today - dt.timedelta(days=60), "recess")
    builder.run("replied", deputy, builder.today - dt.timedelta(days=100), "recess")
    builder.at(builder.today - dt.timedelta(days=1), 21)
    actions.suggestion_create(
        actor=_acting(deputy, Role.DEPUTY),
        congress=builder.cast.city,
        title="关于在东湖区增设社区嵌入式托育点的建议",
        body="一、基本情况\n东湖区年轻家庭多，托育服务供给不足。\n\n三、具体建议\n利用社区用房建设嵌入式托育点，给予运营补贴。",
        category=Category.SOCIAL,
        phase="recess",
    )


def _key_and_public(builder: _Builder, made: list[Suggestion], rng: random.Random) -> None:
    cast = builder.cast
    builder.at(dt.date(2026, 3, 5), 10)
    assigned = [item for item in made if item.first_assigned_at is not None and item.phase == "session"]
    for item in rng.sample(assigned, min(12, len(assigned))):
        actions.key_supervision_set(
            actor=cast.clerk,
            suggestion=item,
            is_key=True,
            supervising_unit=rng.choice(cast.committees),
            supervising_leader=cast.leader,
        )
    builder.at(builder.today - dt.timedelta(days=3), 10)
    for item in made:
        item.refresh_from_db()
        if item.status in {Status.CLOSED, Status.REPLIED} and rng.random() < 0.7:
            actions.disclosure_set(actor=cast.clerk, suggestion=item, is_public=True)
