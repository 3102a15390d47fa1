"""Demo step: about 40 reports to electors (述职) in 2026, made by the real actions.

The clerk schedules them; most were held and rated by the voter representatives present with
one-time codes (mostly 满意, some 基本满意, one without a quorum), a few were held and wait for
their rating, one was called off, and a few are scheduled in the coming weeks. The demo account
"deputy" has a rated report. Deterministic for a seed; past dates never fall after yesterday.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions as ballot_actions
from renda.ballots.models import Ballot
from renda.deputies import reports
from renda.deputies.actions import reports as report_actions
from renda.deputies.models import DeputyProfile, DeputyStatus, ElectorReport, ElectorReportStatus
from renda.organizations.models import Congress
from renda.organizations.roles import Role

YEAR = 2026
RATED = 26
HELD_UNRATED = 4
CANCELLED = 2
FUTURE = 6
PLACES = ["街道人大代表联络站", "社区党群服务中心", "镇人大主席团会议室", "村委会议室", "园区代表之家"]
WORK = ["提出建议", "参加视察调研", "进站接待选民", "参加执法检查", "联系企业和群众"]
ASKS = [
    ("小区加装电梯进展如何？", "已向住建部门提出建议，年内完成首批改造。"),
    ("学校门口早晚高峰拥堵怎么解决？", "已推动交警部门增设护学岗和临时停车区。"),
    ("村里饮水管网什么时候改造？", "已列入明年民生实事候选项目。"),
    ("社区养老食堂能否延长开放时间？", "已与街道沟通，下月起晚餐时段开放。"),
]


def _acting(username: str, city: Congress) -> User | None:
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    user.active_assignment = (
        user.role_assignments.filter(role=Role.COMMITTEE_STAFF, congress=city, is_active=True)
        .select_related("congress", "unit")
        .first()
    )
    return user if user.active_assignment is not None else None


def _report_text(profile: DeputyProfile, rng: random.Random) -> str:
    done = "、".join(rng.sample(WORK, 3))
    return (
        f"各位选民代表：本人{profile.name}，当选以来认真履行代表职责，"
        f"一年来主要{done}，围绕群众关心的问题提出建议 {rng.randint(2, 9)} 件，均已办复。"
        "下一步将继续密切联系选民，接受选民监督。"
    )


def _cast_votes(ballot: Ballot, codes: list[str], *, turnout: float, satisfied: float, rng: random.Random) -> None:
    question = ballot.questions.get()
    options = list(question.options.order_by("order").values_list("pk", flat=True))
    voting_at = ballot.opens_at + dt.timedelta(minutes=10)
    for code in codes[: round(len(codes) * turnout)]:
        draw = rng.random()
        level = 0 if draw < satisfied else (1 if draw < satisfied + (1 - satisfied) * 0.85 else 2)
        ballot_actions.code_vote_cast(code=code, choices={question.pk: [options[level]]}, now=voting_at)


def build(*, city: Congress, seed: int = 2026) -> None:
    """Fill the demo city's reports to electors by the real actions."""
    clerk = _acting("clerk", city)
    if clerk is None or ElectorReport.objects.filter(congress=city).exists():
        return
    reports.connect()
    rng = random.Random(seed * 31 + 5)
    today = timezone.localdate()
    last_past = min(today - dt.timedelta(days=1), dt.date(YEAR, 12, 20))
    first_past = dt.date(YEAR, 1, 10)
    profiles = list(
        DeputyProfile.objects.filter(terms__congress=city, terms__status=DeputyStatus.IN_OFFICE)
        .distinct()
        .order_by("pk")
    )
    if not profiles or last_past < first_past:
        return
    demo = DeputyProfile.objects.filter(user__username="deputy").first()
    count = min(RATED + HELD_UNRATED + CANCELLED + FUTURE, len(profiles))
    chosen = rng.sample(profiles, count)
    if demo is not None and demo in profiles and demo not in chosen:
        chosen[0] = demo
    elif demo is not None and demo in chosen:
        chosen.remove(demo)
        chosen.insert(0, demo)
    span = (last_past - first_past).days
    for index, profile in enumerate(chosen):
        place = rng.choice(PLACES)
        if index >= count - FUTURE:
            date = today + dt.timedelta(days=rng.randint(5, 40))
            report_actions.report_schedule(actor=clerk, profile=profile, date=date, place=place)
            continue
        date = first_past + dt.timedelta(days=rng.randint(0, span))
        report = report_actions.report_schedule(actor=clerk, profile=profile, date=date, place=place)
        if index >= count - FUTURE - CANCELLED:
            report_actions.report_cancel(actor=clerk, report=report, reason="代表因公出差，另行安排")
            continue
        audience = rng.randint(50, 72)
        ask, answer = rng.choice(ASKS)
        report = report_actions.report_hold(
            actor=clerk,
            report=report,
            audience_count=audience,
            report_text=_report_text(profile, rng),
            questions=f"问：{ask}\n答：{answer}",
        )
        if index >= RATED:
            continue
        opens_at = timezone.make_aware(dt.datetime.combine(date, dt.time(15, 30)))
        opening = report_actions.rating_open(actor=clerk, report=report, voters=audience, hours=1, now=opens_at)
        no_quorum = index == RATED - 1
        satisfied = 0.45 if index % 7 == 3 else rng.uniform(0.62, 0.92)
        _cast_votes(
            opening.ballot,
            opening.codes,
            turnout=0.3 if no_quorum else rng.uniform(0.86, 0.98),
            satisfied=satisfied,
            rng=rng,
        )
        closed = ballot_actions.ballot_close(
            actor=clerk, ballot=opening.ballot, now=opening.ballot.closes_at + dt.timedelta(minutes=1)
        )
        # The result handler runs when the closing transaction commits; inside an outer transaction
        # it would wait, so record the verdict now (the handler finds it done and does nothing).
        report_actions.report_rating_record(ballot=closed)
    assert_rated = ElectorReport.objects.filter(congress=city, status=ElectorReportStatus.RATED).count()
    if assert_rated == 0:  # pragma: no cover - a broken demo should be loud
        raise RuntimeError("demo reports: no report was rated")
