"""Reports to electors (述职), domain.md §2.3: schedule, record the meeting, open the voters' rating, cancel.

The rating is a ``ballots`` satisfaction ballot (purpose ``deputies.elector_report``) whose
electorate is N one-time voting codes, handed on paper slips to the voter representatives present:
nobody needs an account and nothing links a code to a person or a choice. When staff close the
ballot, ``ballots`` hands it back to ``report_rating_record`` (wired by
``renda.deputies.reports.connect``), which stores the §11 verdict or "" for no valid result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.utils import timezone

from renda.ballots import actions as ballot_actions
from renda.ballots.models import Ballot, BallotRule
from renda.core.checks import clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.deputies import permissions
from renda.deputies.actions._activity import PLACE_MAX, record, require_date, today
from renda.deputies.feed import record_system_entry
from renda.deputies.models import (
    DeputyProfile,
    DeputyStatus,
    DeputyTerm,
    ElectorReport,
    ElectorReportStatus,
    EntryKind,
)
from renda.organizations.models import Congress

if TYPE_CHECKING:
    from renda.accounts.models import User

RATING_PURPOSE = "deputies.elector_report"
RATING_TARGET_TYPE = "deputies.electorreport"
RATING_HOURS = 2
AUDIENCE_MAX = 100_000
ELECTORAL_UNIT_MAX = 100
REPORT_TEXT_MAX = 20_000
QUESTIONS_MAX = 10_000
REASON_MAX = 300
# The ballot's verdict codes (renda.ballots.counting.satisfaction) as stored on the report.
VERDICT_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


def _managed_congress(actor: User) -> Congress:
    congress_id = permissions.staff_congress_id(actor)
    if congress_id is None:
        raise NotPermitted("只有本级人大的代表工作机构可以安排代表述职")
    return Congress.objects.get(pk=congress_id)


def _require_manager(actor: User, report: ElectorReport) -> None:
    if not permissions.can_manage_reports(actor, report.congress):
        raise NotPermitted("只有本级人大的代表工作机构可以安排和记录代表述职")


def _locked(report: ElectorReport) -> ElectorReport:
    return (
        ElectorReport.objects.select_for_update(of=("self",))
        .select_related("congress", "profile", "term", "ballot")
        .get(pk=report.pk)
    )


def term_on(profile: DeputyProfile, congress: Congress, date: dt.date) -> DeputyTerm | None:
    """The deputy's term in ``congress`` that covers ``date``, if any."""
    return (
        profile.terms.filter(congress=congress, starts_on__lte=date)
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=date))
        .order_by("-starts_on")
        .first()
    )


def _clean_count(value: object, *, field: str, label: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"请填写{label}（整数）", code="required", field=field)
    if not 1 <= value <= maximum:
        raise InvalidInput(f"{label}须在 1 与 {maximum} 之间", code="out_of_range", field=field)
    return value


@transaction.atomic
def report_schedule(
    *, actor: User, profile: DeputyProfile, date: dt.date, place: str, electoral_unit: str = ""
) -> ElectorReport:
    """Put a deputy's report to their electoral unit on the calendar (staff of the deputy's congress)."""
    congress = _managed_congress(actor)
    date = require_date(date, field="date", label="述职日期")
    place = clean_text(place, field="place", label="地点", max_length=PLACE_MAX)
    electoral_unit = clean_text(
        electoral_unit, field="electoral_unit", label="选举单位（选区）", max_length=ELECTORAL_UNIT_MAX, required=False
    )
    term = term_on(profile, congress, date)
    if term is None:
        raise InvalidInput(f"{profile.name} 在该日期不是{congress.name}的代表", code="wrong_congress", field="profile")
    if term.status != DeputyStatus.IN_OFFICE:
        raise InvalidInput(f"{profile.name} 已不是在任代表，不能安排述职", code="not_in_office", field="profile")
    report = ElectorReport.objects.create(
        congress=congress,
        profile=profile,
        term=term,
        scheduled_on=date,
        place=place,
        electoral_unit=electoral_unit or term.electoral_unit,
        created_by=actor,
    )
    record(actor, "report_scheduled", report, congress, profile=profile.pk, date=date.isoformat())
    return report


@transaction.atomic
def report_hold(
    *,
    actor: User,
    report: ElectorReport,
    audience_count: int,
    report_text: str,
    questions: str = "",
    voters_present: int | None = None,
) -> ElectorReport:
    """Record the meeting: who came, the report, the questions and answers; log it in the deputy's file.

    ``audience_count`` is the number of voter representatives present (一般不少于 50 人); ``voters_present``,
    if given, the number of them entitled to rate (defaults to everyone present).
    """
    _require_manager(actor, report)
    report = _locked(report)
    if report.status != ElectorReportStatus.SCHEDULED:
        raise InvalidTransition("只有已安排的述职可以记录", code="invalid_state")
    if report.scheduled_on > today():
        raise InvalidTransition("述职日期还没到，不能记录述职情况", code="not_yet")
    audience_count = _clean_count(
        audience_count, field="audience_count", label="到会选民代表人数", maximum=AUDIENCE_MAX
    )
    if voters_present is not None:
        voters_present = _clean_count(
            voters_present, field="voters_present", label="参加测评人数", maximum=audience_count
        )
    report_text = clean_text(report_text, field="report_text", label="述职报告", max_length=REPORT_TEXT_MAX)
    questions = clean_text(questions, field="questions", label="询问与回答", max_length=QUESTIONS_MAX, required=False)
    report.audience_count = audience_count
    report.report_text = report_text
    report.questions = questions
    report.status = ElectorReportStatus.HELD
    report.save(update_fields=["audience_count", "report_text", "questions", "status"])
    record_system_entry(
        profile=report.profile,
        congress=report.congress,
        kind=EntryKind.REPORT_TO_ELECTORS,
        date=report.scheduled_on,
        title=f"向{report.electoral_unit or '原选区'}选民述职",
        linked=report,
        detail=f"地点：{report.place}；到会选民代表 {audience_count} 人",
        actor=actor,
    )
    record(
        actor,
        "report_held",
        report,
        report.congress,
        audience_count=audience_count,
        voters_present=voters_present if voters_present is not None else audience_count,
    )
    return report


@dataclass(frozen=True)
class RatingOpening:
    """The rating just opened, and its voting codes in clear: shown this once, never stored."""

    report: ElectorReport
    ballot: Ballot
    codes: list[str]


@transaction.atomic
def rating_open(
    *, actor: User, report: ElectorReport, voters: int, hours: int = RATING_HOURS, now: dt.datetime | None = None
) -> RatingOpening:
    """Open the voters' anonymous rating of a held report: a satisfaction ballot with ``voters`` codes.

    The electorate for quorum and majority is ``voters`` (the voter representatives present).
    """
    _require_manager(actor, report)
    report = _locked(report)
    if report.status != ElectorReportStatus.HELD or report.ballot_id is not None:
        raise InvalidTransition("只有已述职、尚未测评的述职可以开始测评", code="invalid_state")
    voters = _clean_count(
        voters, field="voters", label="参加测评的选民代表人数", maximum=ballot_actions.MAX_CODE_VOTERS
    )
    if report.audience_count is not None and voters > report.audience_count:
        raise InvalidInput("参加测评人数不能多于到会选民代表人数", code="too_many_voters", field="voters")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 72:
        raise InvalidInput("测评时长须在 1 与 72 小时之间", code="out_of_range", field="hours")
    now = now or timezone.now()
    name = report.profile.name
    ballot = ballot_actions.ballot_create(
        actor=actor,
        congress=report.congress,
        title=f"{name}代表述职满意度测评",
        rule=BallotRule.SATISFACTION,
        questions=[ballot_actions.QuestionSpec(text=f"您对{name}代表履职情况的总体评价")],
        electorate=[],
        code_voters=voters,
        opens_at=now,
        closes_at=now + dt.timedelta(hours=hours),
        purpose=RATING_PURPOSE,
        target_type=RATING_TARGET_TYPE,
        target_id=str(report.pk),
    )
    ballot, codes = ballot_actions.ballot_open_with_codes(actor=actor, ballot=ballot, now=now)
    report.ballot = ballot
    report.save(update_fields=["ballot"])
    record(actor, "report_rating_opened", report, report.congress, voters=voters, ballot=ballot.pk)
    return RatingOpening(report=report, ballot=ballot, codes=codes)


def verdict_of(ballot: Ballot) -> str:
    """满意 / 基本满意 / 不满意 from a closed rating, or "" when it has no valid result."""
    if not ballot.valid or not ballot.result:
        return ""
    outcomes = ballot.result.get("questions") or []
    if not outcomes:
        return ""
    return VERDICT_LABELS.get(str(outcomes[0].get("verdict", "")), "")


@transaction.atomic
def report_rating_record(*, ballot: Ballot) -> ElectorReport | None:
    """Store a closed rating's verdict on its report (run by the ballots result handler; idempotent)."""
    report = (
        ElectorReport.objects.select_for_update(of=("self",))
        .select_related("congress")
        .filter(ballot_id=ballot.pk)
        .first()
    )
    if report is None or report.status != ElectorReportStatus.HELD:
        return report
    closed = Ballot.objects.get(pk=ballot.pk)
    if closed.closed_at is None:
        raise InvalidTransition("测评尚未结束", code="not_closed")
    report.verdict = verdict_of(closed)
    report.status = ElectorReportStatus.RATED
    report.save(update_fields=["verdict", "status"])
    record(
        None,
        "report_rated",
        report,
        report.congress,
        verdict=report.verdict,
        valid=bool(closed.valid),
        reason=closed.invalid_reason,
    )
    return report


@transaction.atomic
def report_cancel(*, actor: User, report: ElectorReport, reason: str = "") -> ElectorReport:
    """Call off a scheduled report (a held one is on the deputy's file and stays)."""
    _require_manager(actor, report)
    report = _locked(report)
    if report.status != ElectorReportStatus.SCHEDULED:
        raise InvalidTransition("只有尚未举行的述职可以取消", code="invalid_state")
    reason = clean_text(reason, field="reason", label="取消原因", max_length=REASON_MAX, required=False)
    report.status = ElectorReportStatus.CANCELLED
    report.save(update_fields=["status"])
    record(actor, "report_cancelled", report, report.congress, reason=reason)
    return report
