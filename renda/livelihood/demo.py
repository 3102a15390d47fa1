"""Demo data: two years of the livelihood cycle, made by the real actions under a simulated clock.

- 2025 (closed): solicited in summer 2024 → 13 candidates (one more excluded) → 10 decided by the
  secret vote of the city's deputies at the January 2025 session → plans, supervision groups,
  visits, problems (mostly closed), four quarterly reports, completion reports (one project
  unfinished, with its explanation) → satisfaction rating in January 2026, mostly 满意, one project
  rated low enough to become next year's key supervision item;
- 2026 (under implementation): voted in January 2026, reports for Q1–Q3, some problems still open;
- pilot coverage: two district congresses and five township congresses with a cycle of their own.

Every step is an action of ``renda.livelihood.actions`` (or ``renda.ballots.actions.vote_cast`` for
each ballot paper), acting as the demo people; nothing is written to the tables directly except
the accounts the demo needs (the government office's officer and head, the pilots' staff).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions as ballot_actions
from renda.core.models import DeliveryStatus, Notification
from renda.livelihood.actions import cycle as cycle_actions
from renda.livelihood.actions import oversight
from renda.livelihood.models import Cycle, Project, ProjectStatus, Proposal, ProposalSource, SubItem, SupervisionGroup
from renda.organizations.models import Congress, CongressLevel, CongressSession, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role
from renda.suggestions.demo import _acting, _Clock, _moment, _simulated_time, _unit_staff

# (name, field, investment 万元, lead department, sub-items) — the 2025 candidates, then one excluded.
PROJECTS_2025: list[tuple[str, str, int, str, list[str]]] = [
    ("老旧小区加装电梯", "housing", 18000, "市住房和城乡建设局", ["东湖区、北城区加装电梯", "西山区、南江区加装电梯"]),
    ("新增公办幼儿园学位", "childcare", 26000, "市教育局", ["新建幼儿园 5 所", "改扩建幼儿园 8 所"]),
    ("社区嵌入式养老服务中心", "elderly", 9800, "市民政局", []),
    ("城乡公交一体化", "mobility", 15000, "市交通运输局", ["新辟城乡公交线路", "更新新能源公交车"]),
    ("基层医疗卫生机构能力提升", "health", 12000, "市卫生健康委员会", []),
    ("零工市场和就业驿站建设", "employment", 3000, "市人力资源和社会保障局", []),
    ("困难群众救助标准提标", "vulnerable", 8000, "市民政局", []),
    ("背街小巷综合改造", "housing", 11000, "市城市管理局", []),
    ("农村饮水安全巩固提升", "other", 7600, "市水务局", []),
    ("医院周边智慧停车", "mobility", 5000, "市城市管理局", []),
    ("全民健身设施补短板", "other", 4200, "市体育局", []),
    ("农贸市场食品安全快检", "other", 2600, "市市场监督管理局", []),
    ("城市书房建设", "education", 3500, "市文化广电旅游局", []),
]
EXCLUDED_2025 = ("新建市级大型体育中心", "other", 120000, "市体育局", "投资规模过大，超出当年财力，转入中长期规划研究")

PROJECTS_2026: list[tuple[str, str, int, str, list[str]]] = [
    ("中小学食堂提质改造", "education", 9000, "市教育局", ["城区学校食堂", "乡镇学校食堂"]),
    ("老年助餐服务扩面", "elderly", 6000, "市民政局", []),
    ("婴幼儿托育服务", "childcare", 7200, "市卫生健康委员会", []),
    ("城市内涝治理", "other", 21000, "市水务局", ["易涝点改造", "排水管网修复"]),
    ("口袋公园建设", "other", 4500, "市城市管理局", []),
    ("公共充电设施建设", "mobility", 6800, "市发展和改革委员会", []),
    ("保障性租赁住房筹集", "housing", 30000, "市住房和城乡建设局", []),
    ("技能培训补贴扩面", "employment", 2500, "市人力资源和社会保障局", []),
    ("残疾人康复服务", "vulnerable", 3200, "市民政局", []),
    ("县域医共体建设", "health", 14000, "市卫生健康委员会", []),
    ("校园周边交通安全", "mobility", 1800, "市公安局", []),
    ("农村公路提质", "mobility", 16000, "市交通运输局", []),
    ("社区体育公园", "other", 3900, "市体育局", []),
]
EXCLUDED_2026 = ("建设城市会展中心", "other", 90000, "市商务局", "属于经营性项目，不符合民生实事公益性要求")

# Votes each candidate gets (in list order): the first ten are decided, the other three are not.
VOTE_TARGETS = [428, 415, 409, 398, 391, 377, 364, 352, 340, 326, 205, 180, 141]
VOTERS_PRESENT = 438
RATERS_PRESENT = 421
# By rank among the decided projects: the one the raters are unhappy with (it becomes a key
# supervision item next year), and the one still unfinished at the completion report.
LOW_RATED_RANK = 7
UNFINISHED_RANK = 9

PUBLIC_IDEAS = [
    ("建议增设社区老年食堂", "elderly", "老城区老人多，吃饭难，建议每个社区设立老年食堂或助餐点。"),
    ("建议老旧小区加装电梯", "housing", "很多六层老小区没有电梯，老人上下楼困难，希望政府给予补贴。"),
    ("建议增加公办幼儿园学位", "childcare", "新城区入园难，民办园收费高，希望多建公办幼儿园。"),
    ("建议医院周边增加停车位", "mobility", "市人民医院周边停车难，经常堵车，建议建设立体停车场。"),
    ("建议建设城市书房", "education", "希望在社区附近建设 24 小时城市书房，方便市民阅读。"),
    ("建议改造背街小巷", "housing", "老城区背街小巷路面破损、路灯不亮，建议统一改造。"),
    ("建议提高困难群众救助标准", "vulnerable", "物价上涨，建议适当提高低保和特困供养标准。"),
    ("建议建设零工市场", "employment", "灵活就业人员找活难，建议建设规范的零工市场。"),
]
DISTRICT_PILOTS = ["donghu", "xishan"]
TOWNSHIP_PILOTS = ["donghu-1", "donghu-2", "donghu-5", "xishan-4", "xishan-5"]


@dataclass
class _Cast:
    city: Congress
    clerk: User
    office: User
    office_head: User
    office_unit: Unit
    deputies: list[User]
    leaders: list[User]
    departments: dict[str, Unit]
    officers: dict[int, User]


class _Year:
    """One year's cycle taken through the real actions; ``today`` is the real date: nothing happens after it."""

    def __init__(self, cast: _Cast, clock: _Clock, rng: random.Random, today: dt.date) -> None:
        self.cast, self.clock, self.rng, self.today = cast, clock, rng, today

    def at(self, day: dt.date, hour: int = 10) -> bool:
        """Move the clock to ``day``; False (and the clock stays) when the day is still to come."""
        if day > self.today:
            return False
        self.clock.at(_moment(day, hour, self.rng.randrange(0, 50)))
        return True

    # --- solicitation, screening, list, vote ---

    def solicit(self, year: int, session: CongressSession | None) -> tuple[Cycle, list[Proposal]]:
        cast = self.cast
        self.at(dt.date(year - 1, 7, 1))
        cycle = cycle_actions.cycle_create(
            actor=cast.clerk,
            congress=cast.city,
            year=year,
            solicit_opens_on=dt.date(year - 1, 7, 10),
            solicit_closes_on=dt.date(year - 1, 8, 20),
            session=session,
        )
        proposals: list[Proposal] = []
        days = [dt.date(year - 1, 7, 10) + dt.timedelta(days=offset) for offset in range(0, 41)]
        for title, field, content in PUBLIC_IDEAS:
            self.at(self.rng.choice(days), self.rng.randrange(8, 21))
            proposals.append(
                cycle_actions.proposal_submit(
                    actor=None,
                    cycle=cycle,
                    source=ProposalSource.PUBLIC,
                    title=title,
                    content=content,
                    field=field,
                    proposer_name=self.rng.choice(["", "王先生", "李女士", "热心市民"]),
                )
            )
        for deputy in self.rng.sample(cast.deputies, 6):
            name, field, _amount, _unit, _subs = self.rng.choice(PROJECTS_2025 + PROJECTS_2026)
            self.at(self.rng.choice(days))
            proposals.append(
                cycle_actions.proposal_submit(
                    actor=_acting(deputy, Role.DEPUTY),
                    cycle=cycle,
                    source=ProposalSource.DEPUTY,
                    title=f"关于{name}的建议",
                    content=f"建议将“{name}”列入{year}年民生实事项目，群众呼声高，受益面广。",
                    field=field,
                )
            )
        return cycle, proposals

    def screen(
        self,
        cycle: Cycle,
        proposals: list[Proposal],
        projects: list[tuple[str, str, int, str, list[str]]],
        excluded: tuple[str, str, int, str, str],
    ) -> list[Project]:
        cast = self.cast
        year = cycle.year
        self.at(dt.date(year - 1, 8, 21))
        cycle_actions.screening_start(actor=cast.clerk, cycle=cycle)
        office = _acting(cast.office, Role.UNIT_OFFICER, cast.office_unit)
        made: list[Project] = []
        used: set[int] = set()
        for index, (name, field, amount, unit_name, sub_names) in enumerate(projects):
            self.at(dt.date(year - 1, 9, 5) + dt.timedelta(days=index))
            unit = cast.departments[unit_name]
            share = Decimal(amount) / max(len(sub_names), 1)
            linked = [
                proposal
                for proposal in proposals
                if proposal.pk not in used and (name[:4] in proposal.title or name in proposal.content)
            ]
            used.update(proposal.pk for proposal in linked)
            made.append(
                cycle_actions.candidate_add(
                    actor=office,
                    cycle=cycle,
                    name=name,
                    content=f"{name}：{year}年内完成建设任务，惠及全市群众。",
                    field=field,
                    investment=Decimal(amount),
                    funding_source="市级财政资金和上级补助资金",
                    lead_unit=unit,
                    completion_date=dt.date(year, 12, 31),
                    sub_items=[(sub, "", share, unit) for sub in sub_names],
                    proposals=linked,
                )
            )
        name, field, amount, unit_name, reason = excluded
        self.at(dt.date(year - 1, 9, 30))
        extra = cycle_actions.candidate_add(
            actor=office,
            cycle=cycle,
            name=name,
            content=f"{name}项目。",
            field=field,
            investment=Decimal(amount),
            funding_source="市级财政资金",
            lead_unit=cast.departments[unit_name],
            completion_date=dt.date(year, 12, 31),
        )
        self.at(dt.date(year - 1, 10, 20))
        cycle_actions.candidate_exclude(actor=office, project=extra, reason=reason)
        for proposal in proposals:
            if proposal.pk not in used:
                cycle_actions.proposal_decline(
                    actor=office, proposal=proposal, response="已转有关部门在日常工作中研究办理。"
                )
        self.at(dt.date(year - 1, 12, 18))
        order = made[:]
        self.rng.shuffle(order)
        cycle_actions.list_approve(
            actor=cast.clerk,
            cycle=cycle,
            approved_on=dt.date(year - 1, 12, 18),
            approval_ref=f"市委办〔{year - 1}〕88号",
            order=order,
        )
        self.at(dt.date(year - 1, 12, 28))
        cycle_actions.material_add(
            actor=cast.clerk,
            cycle=cycle,
            title=f"关于{year}年民生实事候选项目的说明",
            upload=SimpleUploadedFile("候选项目说明.pdf", b"%PDF-1.4 demo livelihood", "application/pdf"),
        )
        cycle_actions.materials_send(actor=cast.clerk, cycle=cycle)
        return made

    def vote(self, cycle: Cycle, vote_day: dt.date) -> Cycle:
        cast = self.cast
        opens = _moment(vote_day, 9)
        closes = _moment(vote_day, 11)
        self.clock.at(opens)
        ballot = cycle_actions.vote_open(actor=cast.clerk, cycle=cycle, opens_at=opens, closes_at=closes)
        question = ballot.questions.get()
        options = list(question.options.order_by("order").values_list("pk", flat=True))
        # Each candidate in list order gets its target; a shuffled order decides who is ahead.
        # A little noise per year; the gaps between neighbours (≥ 6) keep the order and avoid ties.
        targets = [target - self.rng.randrange(0, 6) for target in VOTE_TARGETS]
        self.rng.shuffle(targets)
        voters = self.rng.sample(cast.deputies, VOTERS_PRESENT)
        marks: dict[int, list[int]] = {voter.pk: [] for voter in voters}
        for option, target in sorted(zip(options, targets, strict=True), key=lambda pair: -pair[1]):
            # The voters with the fewest marks so far take the next option: nobody marks more than k.
            order = sorted(voters, key=lambda voter: (len(marks[voter.pk]), self.rng.random()))
            for voter in order[:target]:
                marks[voter.pk].append(option)
        for minute, voter in enumerate(voters):
            self.clock.at(opens + dt.timedelta(seconds=10 + minute * 15))
            chosen = marks[voter.pk] or [options[0]]
            ballot_actions.vote_cast(ballot=ballot, voter=voter, choices={question.pk: chosen})
        self.clock.at(closes)
        closed = ballot_actions.ballot_close(actor=cast.clerk, ballot=ballot)
        # The result handler runs on commit; the demo is one transaction, so run it now (it runs once).
        cycle_actions.vote_result_received(closed)
        cycle.refresh_from_db()
        return cycle

    # --- implementation and supervision ---

    def implement(self, cycle: Cycle, quarters: int, close_problems: bool) -> list[Project]:
        cast = self.cast
        year = cycle.year
        decided = list(cycle.projects.filter(status=ProjectStatus.DECIDED).select_related("lead_unit").order_by("rank"))
        for index, project in enumerate(decided):
            officer = _acting(cast.officers[project.lead_unit_id], Role.UNIT_OFFICER, project.lead_unit)
            self.at(dt.date(year, 2, 10 + index))
            oversight.plan_publish(
                actor=officer,
                project=project,
                plan=f"{project.name}实施方案：明确责任分工、资金安排和时间节点，按季度推进，年底前全面完成。",
                milestones=[
                    ("完成项目设计和招标", dt.date(year, 4, 30), project.lead_unit),
                    ("主体工程过半", dt.date(year, 8, 31), project.lead_unit),
                    ("全面完工并验收", dt.date(year, 12, 15), project.lead_unit),
                ],
            )
            self.at(dt.date(year, 2, 25))
            members = self.rng.sample(cast.deputies, 5)
            oversight.group_form(
                actor=cast.clerk, project=project, leader=cast.leaders[index % len(cast.leaders)], members=members
            )
        for index, project in enumerate(decided):
            self._follow(project, index, quarters, close_problems)
        return decided

    def _follow(self, project: Project, index: int, quarters: int, close_problems: bool) -> None:
        cast = self.cast
        year = project.cycle.year
        officer = _acting(cast.officers[project.lead_unit_id], Role.UNIT_OFFICER, project.lead_unit)
        group = SupervisionGroup.objects.get(project=project)
        leader = _acting(group.leader, Role.SC_MEMBER)
        members = list(group.members.order_by("pk"))
        slow = project.rank == UNFINISHED_RANK
        percents = [25, 55, 80, 100] if not slow else [20, 40, 60, 85]
        milestones = list(project.milestones.order_by("due_on"))
        sub_items = list(SubItem.objects.filter(project=project).order_by("order"))
        for quarter in range(1, quarters + 1):
            report_day = dt.date(year, quarter * 3, 25) if quarter < 4 else dt.date(year, 12, 20)
            if quarter in (2, 3) and self.at(dt.date(year, quarter * 3 - 1, 10 + index)):
                problems: list[tuple[str, Unit | None, dt.date]] = []
                if (index + quarter) % 3 == 0 or slow:
                    problems.append(
                        (
                            self.rng.choice(
                                [
                                    "施工进度滞后于计划节点",
                                    "部分点位群众意见较大",
                                    "资金拨付不及时",
                                    "施工现场安全防护不到位",
                                ]
                            ),
                            project.lead_unit,
                            dt.date(year, quarter * 3 + 1, 28),
                        )
                    )
                oversight.visit_record(
                    actor=leader,
                    group=group,
                    held_on=dt.date(year, quarter * 3 - 1, 10 + index),
                    place=f"{project.name}现场",
                    findings=f"监督小组实地察看了{project.name}的推进情况，听取了牵头单位汇报。总体进展{'偏慢' if slow else '顺利'}。",
                    participants=[group.leader, *members[:3]],
                    problems=problems,
                )
            if not self.at(report_day):
                return
            percent = percents[quarter - 1]
            oversight.progress_report(
                actor=officer,
                project=project,
                year=year,
                quarter=quarter,
                completion_percent=percent,
                sub_item_percents={item.pk: percent for item in sub_items},
                content=f"第{quarter}季度：项目完成进度 {percent}%，各项工作按计划推进。",
                funds_spent=Decimal(project.investment) * percent / 100,
            )
            for milestone in milestones:
                # The slow project never reaches its last milestone.
                if (
                    milestone.done_on is None
                    and milestone.due_on <= report_day
                    and not (slow and milestone is milestones[-1])
                ):
                    oversight.milestone_done(actor=officer, milestone=milestone, done_on=milestone.due_on)
                    milestone.done_on = milestone.due_on
            self._settle_problems(
                project, officer, leader, report_day, keep_open=not close_problems and quarter == quarters
            )

    def _settle_problems(self, project: Project, officer: User, leader: User, day: dt.date, *, keep_open: bool) -> None:
        for problem in project.problems.filter(status="open").order_by("pk"):
            if keep_open and problem.pk % 2 == 0:
                continue
            oversight.problem_rectify(actor=officer, problem=problem, rectification="已制定整改措施并落实到位。")
            if keep_open:
                continue
            oversight.problem_close(actor=leader, problem=problem)

    def complete(self, projects: list[Project]) -> None:
        cast = self.cast
        head = _acting(cast.office_head, Role.UNIT_HEAD, cast.office_unit)
        year = projects[0].cycle.year
        for index, project in enumerate(projects):
            project.refresh_from_db()
            self.at(dt.date(year + 1, 1, 5))
            if project.rank == UNFINISHED_RANK:
                oversight.completion_report(
                    actor=head,
                    project=project,
                    completed_on=None,
                    completion_percent=85,
                    content="已完成 85%：主体工程完工，部分点位因选址调整尚在施工。",
                    unfinished_explanation="部分点位选址调整需重新审批，预计次年 6 月底前完工；已落实专项资金和专人督办。",
                )
            else:
                oversight.completion_report(
                    actor=head,
                    project=project,
                    completed_on=dt.date(year, 10, 15) + dt.timedelta(days=6 * index),
                    completion_percent=100,
                    content=f"{project.name}已全面完成，通过竣工验收。",
                )

    def rate(self, cycle: Cycle, day: dt.date) -> None:
        cast = self.cast
        opens, closes = _moment(day, 14), _moment(day, 16)
        self.clock.at(opens)
        ballot = oversight.rating_open(actor=cast.clerk, cycle=cycle, opens_at=opens, closes_at=closes)
        items = oversight.rating_items(cycle)
        low = {item.pk for item in items if isinstance(item, Project) and item.rank == LOW_RATED_RANK}
        questions = list(ballot.questions.order_by("order").prefetch_related("options"))
        codes = [{option.code: option.pk for option in question.options.all()} for question in questions]
        for minute, voter in enumerate(self.rng.sample(cast.deputies, RATERS_PRESENT)):
            choices: dict[int, list[int]] = {}
            for item, question, by_code in zip(items, questions, codes, strict=True):
                weights = (30, 40, 30) if isinstance(item, Project) and item.pk in low else (90, 8, 2)
                code = self.rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], weights=weights)[0]
                choices[question.pk] = [by_code[code]]
            self.clock.at(opens + dt.timedelta(seconds=10 + minute * 15))
            ballot_actions.vote_cast(ballot=ballot, voter=voter, choices=choices)
        self.clock.at(closes)
        closed = ballot_actions.ballot_close(actor=cast.clerk, ballot=ballot)
        oversight.rating_result_record(closed)


def _government_office(city: Congress) -> tuple[Unit, User, User]:
    """The city's government office with an officer and a head (the demo city has the unit, not the people)."""
    unit = Unit.objects.get(congress=city, kind=UnitKind.GOVERNMENT_OFFICE)
    people = []
    for username, full_name, role in (
        ("govoffice", "市政府办经办人", Role.UNIT_OFFICER),
        ("govhead", "市政府办负责人", Role.UNIT_HEAD),
    ):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "password": make_password(None), "password_changed_at": timezone.now()},
        )
        if created:
            RoleAssignment.objects.create(user=user, congress=city, role=role, unit=unit)
        people.append(user)
    return unit, people[0], people[1]


def _cast(city: Congress) -> _Cast:
    departments = {unit.name: unit for unit in Unit.objects.filter(congress=city, kind=UnitKind.GOVERNMENT_DEPARTMENT)}
    officers, _heads = _unit_staff(city, departments)
    office_unit, office, office_head = _government_office(city)
    deputy_ids = RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, is_active=True).values("user_id")
    sc_ids = RoleAssignment.objects.filter(congress=city, role=Role.SC_MEMBER, is_active=True).values("user_id")
    return _Cast(
        city=city,
        clerk=_acting(User.objects.get(username="clerk"), Role.COMMITTEE_STAFF),
        office=office,
        office_head=office_head,
        office_unit=office_unit,
        deputies=list(User.objects.filter(pk__in=deputy_ids).order_by("username")),
        leaders=list(User.objects.filter(pk__in=sc_ids, username__startswith="sc").order_by("username")[:10]),
        departments=departments,
        officers=officers,
    )


def _session(city: Congress, year: int) -> CongressSession | None:
    return CongressSession.objects.filter(congress=city, opens_on__year=year).order_by("opens_on").first()


def _pilots(city: Congress, year: _Year) -> None:
    """Two district and five township congresses run a cycle of their own (pilot coverage)."""
    codes = DISTRICT_PILOTS + TOWNSHIP_PILOTS
    congresses = Congress.objects.filter(code__in=codes, level__in=[CongressLevel.DISTRICT, CongressLevel.TOWNSHIP])
    for congress in congresses.order_by("code"):
        unit = (
            Unit.objects.filter(congress=congress)
            .exclude(kind=UnitKind.TOWNSHIP_GOVERNMENT)
            .order_by("sort_order")
            .first()
        )
        if unit is None:
            continue
        staff, created = User.objects.get_or_create(
            username=f"lh-{congress.code}",
            defaults={
                "full_name": f"{congress.short_name or congress.name}工作人员",
                "password": make_password(None),
                "password_changed_at": timezone.now(),
            },
        )
        if created:
            RoleAssignment.objects.create(user=staff, congress=congress, role=Role.COMMITTEE_STAFF, unit=unit)
        staff = _acting(staff, Role.COMMITTEE_STAFF)
        year.at(dt.date(2025, 7, 1))
        cycle = cycle_actions.cycle_create(
            actor=staff,
            congress=congress,
            year=2026,
            solicit_opens_on=dt.date(2025, 7, 5),
            solicit_closes_on=dt.date(2025, 8, 10),
            slots=5 if congress.level == CongressLevel.DISTRICT else 3,
        )
        year.at(dt.date(2025, 8, 11))
        cycle_actions.screening_start(actor=staff, cycle=cycle)


@transaction.atomic
def build_demo_livelihood(*, city: Congress, seed: int = 2026) -> None:
    """Two annual cycles (2025 closed and rated, 2026 under implementation), made by the real actions."""
    rng = random.Random(seed)
    latest = timezone.now() - dt.timedelta(minutes=1)
    today = timezone.localdate(latest)
    clock = _Clock(_moment(dt.date(2024, 7, 1)))
    with _simulated_time(clock):
        cast = _cast(city)
        year = _Year(cast, clock, rng, today)
        cycle, proposals = year.solicit(2025, _session(city, 2025))
        year.screen(cycle, proposals, PROJECTS_2025, EXCLUDED_2025)
        cycle = year.vote(cycle, dt.date(2025, 1, 14))
        decided = year.implement(cycle, quarters=4, close_problems=True)
        next_cycle, next_proposals = year.solicit(2026, _session(city, 2026))
        year.screen(next_cycle, next_proposals, PROJECTS_2026, EXCLUDED_2026)
        _pilots(city, year)
        year.complete(decided)
        next_cycle = year.vote(next_cycle, dt.date(2026, 1, 12))
        cycle.refresh_from_db()
        year.rate(cycle, dt.date(2026, 1, 13))
        year.implement(next_cycle, quarters=3, close_problems=False)
    Notification.objects.filter(email_status=DeliveryStatus.QUEUED).update(email_status=DeliveryStatus.SKIPPED)
    Notification.objects.filter(sms_status=DeliveryStatus.QUEUED).update(
        sms_status=DeliveryStatus.SKIPPED, sms_send_after=None
    )
