"""API for ballots: thin adapters over the ballot actions and permission fetchers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from renda.accounts.models import User
from renda.ballots import actions, permissions, queries, throttle
from renda.ballots.models import Ballot, BallotStatus, BallotVoter
from renda.core.errors import DomainError, InvalidInput, InvalidTransition
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
    code_voters: int | None = Field(None, description="凭投票码投票时的投票码数量（即应投票人数）")
    electorate_size: int
    voters: int
    has_voted: bool
    questions: list[QuestionOut]
    voter_codes: list[str] = Field(
        default_factory=list, description="只在开始凭码表决的响应中返回一次的投票码明文；系统不保存明文"
    )


class BallotSummaryOut(Schema):
    id: int
    congress_id: int
    title: str
    rule: str
    mode: str
    status: str
    opens_at: dt.datetime
    closes_at: dt.datetime


def ballot_out(ballot: Ballot, user: User, *, voter_codes: list[str] | None = None) -> BallotOut:
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
        code_voters=ballot.code_voters,
        electorate_size=queries.electorate_size(ballot),
        voters=queries.ballots_cast(ballot),
        has_voted=BallotVoter.objects.filter(ballot=ballot, user=user).exists(),
        questions=questions,
        voter_codes=voter_codes or [],
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
    code_voters: int | None = Field(
        None, ge=1, le=5000, description="凭投票码投票（无账号的选民代表等）：投票码数量；此时 electorate 须为空"
    )


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
        code_voters=payload.code_voters,
    )
    return Status(201, ballot_out(ballot, actor))


@router.get("/ballots/{ballot_id}", response=BallotOut, summary="表决详情（工作人员或投票人）")
def get_ballot(request: HttpRequest, ballot_id: int) -> BallotOut:
    user = _user(request)
    return ballot_out(permissions.get_ballot_for_view(user, ballot_id), user)


@router.post(
    "/ballots/{ballot_id}/open",
    response=BallotOut,
    summary="开始表决，冻结投票人名单；凭码表决则生成投票码，只在此响应中返回一次（工作人员）",
)
def open_ballot(request: HttpRequest, ballot_id: int) -> BallotOut:
    actor = _user(request)
    ballot = permissions.get_ballot_for_manage(actor, ballot_id)
    if ballot.uses_codes:
        opened, codes = actions.ballot_open_with_codes(actor=actor, ballot=ballot)
        return ballot_out(opened, actor, voter_codes=codes)
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


# --- voting with a one-time code: public, no login ---


class CodeQuery(Schema):
    code: str = Field("", max_length=40, description="纸条上的投票码")


class CodeBallotOut(Schema):
    title: str
    rule: str
    k: int | None
    closes_at: dt.datetime
    questions: list[QuestionOut]


class CodeVoteIn(Schema):
    code: str = Field(..., max_length=40, description="纸条上的投票码")
    choices: list[ChoiceIn] = Field(..., max_length=200)


def _usable_code(request: HttpRequest, code: str) -> Ballot:
    try:
        throttle.check_code_attempts(request)
        voter_code = actions.find_voter_code(code)
        actions.check_code_usable(voter_code)
    except DomainError as error:
        throttle.note_code_failure(request, error)
        raise
    return voter_code.ballot


@router.get(
    "/voter-codes/ballot",
    response=CodeBallotOut,
    auth=None,
    summary="凭投票码查看要投的表决（无需登录；投票码错误、已用或不在投票时间内时拒绝）",
)
def code_ballot(request: HttpRequest, query: Query[CodeQuery]) -> CodeBallotOut:
    ballot = _usable_code(request, query.code)
    return CodeBallotOut(
        title=ballot.title,
        rule=ballot.rule,
        k=ballot.k,
        closes_at=ballot.closes_at,
        questions=[
            QuestionOut(
                id=question.pk,
                text=question.text,
                order=question.order,
                options=[
                    OptionOut(id=option.pk, label=option.label, code=option.code, order=option.order)
                    for option in question.options.all()
                ],
            )
            for question in queries.questions_with_options(ballot)
        ],
    )


@router.post(
    "/voter-codes/vote",
    response={201: ReceiptOut},
    auth=None,
    summary="凭投票码投票（无需登录，不记名，每码一次）；回执码只显示这一次",
)
def code_vote(request: HttpRequest, payload: CodeVoteIn) -> Status[ReceiptOut]:
    _usable_code(request, payload.code)
    choices: dict[int, list[int]] = {}
    for choice in payload.choices:
        if choice.question_id in choices:
            raise InvalidInput("同一事项只能出现一次", code="duplicate_question", field="choices")
        choices[choice.question_id] = choice.option_ids
    try:
        receipt = actions.code_vote_cast(code=payload.code, choices=choices)
    except DomainError as error:
        throttle.note_code_failure(request, error)
        raise
    return Status(201, ReceiptOut(receipt=receipt))
