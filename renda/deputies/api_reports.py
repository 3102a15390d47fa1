"""API: reports to electors (述职): list, schedule, record the meeting, open the voters' rating (codes
returned once), cancel, and the deputies who have not reported yet this term.

Same rules as the pages: staff of the congress write; its leaders read; a deputy reads their own
reports (another's is 404). The voters vote through the public ``/voter-codes/…`` operations of the
ballots API; closing the rating is ``POST /ballots/{ballot_id}/close``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from renda.accounts.models import User
from renda.ballots import queries as ballot_queries
from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies import permissions
from renda.deputies import reports as report_queries
from renda.deputies.actions import reports as actions
from renda.deputies.models import DeputyProfile, ElectorReport, ElectorReportStatus
from renda.organizations.models import Congress

router = Router(tags=["人大代表"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


class RatingOut(Schema):
    ballot_id: int
    status: str = Field(..., description="测评表决状态：open 投票中 / closed 已结束")
    electorate: int = Field(..., description="应投票人数（投票码数量）")
    cast: int = Field(..., description="已投票数")
    quorum: int
    closes_at: dt.datetime
    valid: bool | None = Field(None, description="结束后：结果是否有效（未达法定人数为无效）")
    tally: dict[str, Any] | None = Field(None, description="结束后：各档票数")


class ReportOut(Schema):
    id: int
    congress_id: int
    profile_id: int
    profile_name: str
    term_number: int | None
    scheduled_on: dt.date
    place: str
    electoral_unit: str
    status: str
    audience_count: int | None
    report_text: str
    questions: str
    verdict: str = Field(..., description="满意 / 基本满意 / 不满意；无有效结果或尚未测评时为空")
    rating: RatingOut | None


def _rating_out(report: ElectorReport) -> RatingOut | None:
    ballot = report.ballot
    if ballot is None:
        return None
    counts = ballot_queries.quorum_status(ballot)
    result = ballot.result or {}
    return RatingOut(
        ballot_id=ballot.pk,
        status=ballot.status,
        electorate=counts["electorate"],
        cast=counts["cast"],
        quorum=counts["quorum"],
        closes_at=ballot.closes_at,
        valid=ballot.valid,
        tally=(result.get("questions") or [None])[0] if ballot.status == "closed" else None,
    )


def report_out(report: ElectorReport) -> ReportOut:
    return ReportOut(
        id=report.pk,
        congress_id=report.congress_id,
        profile_id=report.profile_id,
        profile_name=report.profile.name,
        term_number=report.term.term_number if report.term is not None else None,
        scheduled_on=report.scheduled_on,
        place=report.place,
        electoral_unit=report.electoral_unit,
        status=report.status,
        audience_count=report.audience_count,
        report_text=report.report_text,
        questions=report.questions,
        verdict=report.verdict,
        rating=_rating_out(report),
    )


class ListQuery(Schema):
    status: str = Field("", max_length=20, description="scheduled / held / rated / cancelled；空为全部")


@router.get("/deputies/reports", response=list[ReportOut], summary="代表述职列表（本级工作人员和领导；代表看自己的）")
def list_reports(request: HttpRequest, query: Query[ListQuery]) -> list[ReportOut]:
    user = _user(request)
    if permissions.reader_congress_id(user) is None and permissions.own_profile(user) is None:
        raise NotPermitted("只有本级人大的工作人员、领导和代表本人可以查看述职")
    reports = permissions.reports_visible_to(user)
    if query.status:
        if query.status not in ElectorReportStatus.values:
            raise InvalidInput("状态的取值无效", code="invalid_choice", field="status")
        reports = reports.filter(status=query.status)
    return [report_out(report) for report in reports[:300]]


class ScheduleIn(Schema):
    profile_id: int
    date: dt.date = Field(..., description="述职日期")
    place: str = Field(..., max_length=200)
    electoral_unit: str = Field("", max_length=100, description="选举单位（选区）；空则取任期登记的选区")


@router.post("/deputies/reports", response={201: ReportOut}, summary="安排代表述职（本级工作人员）")
def schedule_report(request: HttpRequest, payload: ScheduleIn) -> Status[ReportOut]:
    user = _user(request)
    if permissions.staff_congress_id(user) is None:
        raise NotPermitted("只有本级人大的代表工作机构可以安排代表述职")
    profile = DeputyProfile.objects.filter(pk=payload.profile_id).first()
    if profile is None:
        raise InvalidInput("代表不存在", code="unknown_deputy", field="profile_id")
    report = actions.report_schedule(
        actor=user, profile=profile, date=payload.date, place=payload.place, electoral_unit=payload.electoral_unit
    )
    return Status(201, report_out(report))


class MissingQuery(Schema):
    term: int | None = Field(None, ge=1, le=100, description="届次；空为本届")


class MissingOut(Schema):
    term: int | None
    deputies: list[dict[str, Any]]


@router.get(
    "/deputies/reports/missing",
    response=MissingOut,
    summary="本届（或指定届次）尚未向选民述职的代表（本级工作人员和领导）",
)
def missing_reports(request: HttpRequest, query: Query[MissingQuery]) -> MissingOut:
    congress_id = permissions.reader_congress_id(_user(request))
    congress = Congress.objects.filter(pk=congress_id).first() if congress_id is not None else None
    if congress is None:
        raise NotPermitted("只有本级人大的工作人员和领导可以查看")
    term = query.term or report_queries.current_term_number(congress)
    if term is None:
        return MissingOut(term=None, deputies=[])
    profiles = report_queries.deputies_without_report(congress, term)[:2000]
    return MissingOut(term=term, deputies=[{"id": p.pk, "name": p.name, "employer": p.employer} for p in profiles])


@router.get("/deputies/reports/{int:report_id}", response=ReportOut, summary="述职详情")
def get_report(request: HttpRequest, report_id: int) -> ReportOut:
    return report_out(permissions.get_report_for_view(_user(request), report_id))


class HoldIn(Schema):
    audience_count: int = Field(..., ge=1, le=100_000, description="到会选民代表人数（一般不少于 50 人）")
    voters_present: int | None = Field(None, ge=1, le=100_000, description="参加测评人数；空为到会人数")
    report_text: str = Field(..., max_length=20_000)
    questions: str = Field("", max_length=10_000, description="询问与回答")


@router.post(
    "/deputies/reports/{int:report_id}/hold", response=ReportOut, summary="记录述职情况并记入履职档案（本级工作人员）"
)
def hold_report(request: HttpRequest, report_id: int, payload: HoldIn) -> ReportOut:
    user = _user(request)
    report = actions.report_hold(
        actor=user,
        report=permissions.get_report_for_manage(user, report_id),
        audience_count=payload.audience_count,
        voters_present=payload.voters_present,
        report_text=payload.report_text,
        questions=payload.questions,
    )
    return report_out(report)


class RatingIn(Schema):
    voters: int = Field(..., ge=1, le=5000, description="发放投票码数量（参加测评的选民代表人数）")
    hours: int = Field(2, ge=1, le=72, description="测评时长（小时）")


class RatingOpenedOut(Schema):
    report: ReportOut
    ballot_id: int
    voter_codes: list[str] = Field(..., description="一次性投票码明文，只在此响应中返回一次，系统不保存明文")


@router.post(
    "/deputies/reports/{int:report_id}/rating",
    response={201: RatingOpenedOut},
    summary="开始选民满意度测评，生成一次性投票码（本级工作人员）",
)
def open_rating(request: HttpRequest, report_id: int, payload: RatingIn) -> Status[RatingOpenedOut]:
    user = _user(request)
    opening = actions.rating_open(
        actor=user,
        report=permissions.get_report_for_manage(user, report_id),
        voters=payload.voters,
        hours=payload.hours,
    )
    report = permissions.get_report_for_view(user, opening.report.pk)
    return Status(
        201, RatingOpenedOut(report=report_out(report), ballot_id=opening.ballot.pk, voter_codes=opening.codes)
    )


class CancelIn(Schema):
    reason: str = Field("", max_length=300)


@router.post("/deputies/reports/{int:report_id}/cancel", response=ReportOut, summary="取消述职安排（本级工作人员）")
def cancel_report(request: HttpRequest, report_id: int, payload: CancelIn) -> ReportOut:
    user = _user(request)
    report = actions.report_cancel(
        actor=user, report=permissions.get_report_for_manage(user, report_id), reason=payload.reason
    )
    return report_out(report)
