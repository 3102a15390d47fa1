"""API for ballots: thin adapters over the ballot actions and permission fetchers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from renda.accounts.models import User
from renda.ballots import actions, permissions, queries
from renda.ballots.models import Ballot, BallotStatus, BallotVoter, ElectorateMember
from renda.core.errors import InvalidInput, InvalidTransition
from renda.organizations.models import Congress

router = Router(tags=["表决 Ballots"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


class OptionOut(Schema):
    id: int
    label: str
    code: str
    order: int


class QuestionOut(Schema):
    id: int
    text: str
    order: int
    options: list[OptionOut]


class BallotOut(Schema):
    id: int
    congress_id: int
    title: str
    purpose: str
    target_type: str
    target_id: str
    mode: str
    rule: str
    k: int | None
    majority_base: str
    require_majority_of_electorate: bool
    quorum: int | None
    tie_rule: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    status: str
    electorate_size: int
    voters: int
    has_voted: bool
    questions: list[QuestionOut]


class BallotSummaryOut(Schema):
    id: int
    congress_id: int
    title: str
    rule: str
    mode: str
    status: str
    opens_at: dt.datetime
    closes_at: dt.datetime


def ballot_out(ballot: Ballot, user: User) -> BallotOut:
    questions = [
        QuestionOut(
            id=question.pk,
            text=question.text,
            order=question.order,
            options=[
                OptionOut(id=option.pk, label=option.label, code=option.code, order=option.order)
                for option in question.options.all()
            ],
        )
        for question in ballot.questions.prefetch_related("options")
    ]
    electorate_size = (
        ElectorateMember.objects.filter(ballot=ballot).count()
        if ballot.status != BallotStatus.DRAFT
        else len(ballot.planned_electorate)
    )
    return BallotOut(
        id=ballot.pk,
        congress_id=ballot.congress_id,
        title=ballot.title,
        purpose=ballot.purpose,
        target_type=ballot.target_type,
        target_id=ballot.target_id,
        mode=ballot.mode,
        rule=ballot.rule,
        k=ballot.k,
        majority_base=ballot.majority_base,
        require_majority_of_electorate=ballot.require_majority_of_electorate,
        quorum=ballot.quorum,
        tie_rule=ballot.tie_rule,
        opens_at=ballot.opens_at,
        closes_at=ballot.closes_at,
        status=ballot.status,
        electorate_size=electorate_size,
        voters=BallotVoter.objects.filter(ballot=ballot).count(),
        has_voted=BallotVoter.objects.filter(ballot=ballot, user=user).exists(),
        questions=questions,
    )


class QuestionIn(Schema):
    text: str = Field(..., max_length=300)
    options: list[str] = Field(default_factory=list, max_length=200)


class BallotIn(Schema):
    congress_id: int
    title: str = Field(..., max_length=200)
    rule: str
    mode: str = "secret"
    k: int | None = Field(None, ge=1, le=1000)
    majority_base: str = "all_electorate"
    require_majority_of_electorate: bool = False
    quorum: int | None = Field(None, ge=1)
    tie_rule: str = "runoff"
    opens_at: dt.datetime
    closes_at: dt.datetime
    purpose: str = Field("", max_length=60)
    target_type: str = Field("", max_length=60)
    target_id: str = Field("", max_length=60)
    questions: list[QuestionIn] = Field(..., max_length=200)
    electorate: list[int] = Field(..., max_length=5000)


@router.get("/ballots", response=list[BallotSummaryOut], summary="我可见的表决（本级工作人员，或我在投票人名单中）")
def list_ballots(request: HttpRequest) -> list[Ballot]:
    return list(permissions.ballots_visible_to(_user(request)).order_by("-opens_at", "-pk")[:200])


@router.post("/ballots", response={201: BallotOut}, summary="发起表决（工作人员）")
def create_ballot(request: HttpRequest, payload: BallotIn) -> Status[BallotOut]:
    actor = _user(request)
    congress = Congress.objects.filter(pk=payload.congress_id).first()
    if congress is None:
        raise Http404
    if len(set(payload.electorate)) != len(payload.electorate):
        raise InvalidInput("投票人名单有重复", code="duplicate", field="electorate")
    users = list(User.objects.filter(pk__in=payload.electorate))
    if len(users) != len(payload.electorate):
        raise InvalidInput("投票人名单中有不存在的用户", code="unknown_user", field="electorate")
    ballot = actions.ballot_create(
        actor=actor,
        congress=congress,
        title=payload.title,
        rule=payload.rule,
        mode=payload.mode,
        k=payload.k,
        majority_base=payload.majority_base,
        require_majority_of_electorate=payload.require_majority_of_electorate,
        quorum=payload.quorum,
        tie_rule=payload.tie_rule,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        purpose=payload.purpose,
        target_type=payload.target_type,
        target_id=payload.target_id,
        questions=[actions.QuestionSpec(text=q.text, options=q.options) for q in payload.questions],
        electorate=users,
    )
    return Status(201, ballot_out(ballot, actor))


@router.get("/ballots/{ballot_id}", response=BallotOut, summary="表决详情（工作人员或投票人）")
def get_ballot(request: HttpRequest, ballot_id: int) -> BallotOut:
    user = _user(request)
    return ballot_out(permissions.get_ballot_for_view(user, ballot_id), user)


@router.post("/ballots/{ballot_id}/open", response=BallotOut, summary="开始表决，冻结投票人名单（工作人员）")
def open_ballot(request: HttpRequest, ballot_id: int) -> BallotOut:
    actor = _user(request)
    ballot = permissions.get_ballot_for_manage(actor, ballot_id)
    return ballot_out(actions.ballot_open(actor=actor, ballot=ballot), actor)


class CloseIn(Schema):
    early: bool = False


@router.post("/ballots/{ballot_id}/close", response=BallotOut, summary="结束表决并计票（工作人员）")
def close_ballot(request: HttpRequest, ballot_id: int, payload: CloseIn) -> BallotOut:
    actor = _user(request)
    ballot = permissions.get_ballot_for_manage(actor, ballot_id)
    return ballot_out(actions.ballot_close(actor=actor, ballot=ballot, early=payload.early), actor)


class ChoiceIn(Schema):
    question_id: int
    option_ids: list[int] = Field(..., max_length=1000)


class VoteIn(Schema):
    choices: list[ChoiceIn] = Field(..., max_length=200)


class ReceiptOut(Schema):
    receipt: str


@router.post("/ballots/{ballot_id}/votes", response={201: ReceiptOut}, summary="投票（投票人）；回执码只显示这一次")
def cast_vote(request: HttpRequest, ballot_id: int, payload: VoteIn) -> Status[ReceiptOut]:
    voter = _user(request)
    ballot = permissions.get_ballot_for_view(voter, ballot_id)
    choices: dict[int, list[int]] = {}
    for choice in payload.choices:
        if choice.question_id in choices:
            raise InvalidInput("同一事项只能出现一次", code="duplicate_question", field="choices")
        choices[choice.question_id] = choice.option_ids
    code = actions.vote_cast(ballot=ballot, voter=voter, choices=choices)
    return Status(201, ReceiptOut(receipt=code))


class ResultOut(Schema):
    ballot_id: int
    valid: bool
    invalid_reason: str
    tally: dict[str, Any]
    result: dict[str, Any]


@router.get("/ballots/{ballot_id}/result", response=ResultOut, summary="表决结果（结束后；工作人员或投票人）")
def get_result(request: HttpRequest, ballot_id: int) -> ResultOut:
    ballot = permissions.get_ballot_for_view(_user(request), ballot_id)
    if ballot.status != BallotStatus.CLOSED or ballot.tally is None or ballot.result is None:
        raise InvalidTransition("表决尚未结束，没有结果", code="not_closed")
    return ResultOut(
        ballot_id=ballot.pk,
        valid=bool(ballot.valid),
        invalid_reason=ballot.invalid_reason,
        tally=ballot.tally,
        result=ballot.result,
    )


class ReceiptQuery(Schema):
    code: str = Field("", max_length=100)


class ReceiptStatusOut(Schema):
    recorded: bool
    counted: bool


@router.get("/ballots/{ballot_id}/receipt", response=ReceiptStatusOut, summary="凭回执码查询选票是否已计入")
def check_receipt(request: HttpRequest, ballot_id: int, query: Query[ReceiptQuery]) -> dict[str, Any]:
    ballot = permissions.get_ballot_for_view(_user(request), ballot_id)
    return queries.receipt_status(ballot=ballot, code=query.code)
