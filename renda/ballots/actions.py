"""Every change to a ballot: create, open (freezing the electorate), cast a vote, close (count once).

Actions take keyword-only arguments, check permission and input before
touching anything, run in one transaction and write one audit event. A
secret vote's audit event names the voter and the ballot, never the choices.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from renda.ballots import counting, permissions
from renda.ballots.models import (
    Ballot,
    BallotMark,
    BallotMode,
    BallotRule,
    BallotSheet,
    BallotStatus,
    BallotVoter,
    ElectorateMember,
    MajorityBase,
    Option,
    OptionCode,
    Question,
    TieRule,
    VoterCode,
)
from renda.core import crypto
from renda.core.audit import audit_record
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.organizations.models import Congress, RoleAssignment

if TYPE_CHECKING:
    from renda.accounts.models import User

FIXED_OPTIONS: dict[str, list[tuple[str, str]]] = {
    BallotRule.YES_NO_ABSTAIN: [(OptionCode.YES, "赞成"), (OptionCode.NO, "反对"), (OptionCode.ABSTAIN, "弃权")],
    BallotRule.SATISFACTION: [
        (OptionCode.SATISFIED, "满意"),
        (OptionCode.BASICALLY_SATISFIED, "基本满意"),
        (OptionCode.DISSATISFIED, "不满意"),
    ],
}

# --- handing results back to the process that opened the ballot ---

ResultHandler = Callable[[Ballot], None]
_RESULT_HANDLERS: dict[str, ResultHandler] = {}


def register_result_handler(purpose: str, handler: ResultHandler) -> None:
    """``handler(ballot)`` runs once, after the closing transaction commits, for ballots of ``purpose``."""
    existing = _RESULT_HANDLERS.get(purpose)
    if existing is not None and existing is not handler:
        raise ValueError(f"a result handler for {purpose!r} is already registered")
    _RESULT_HANDLERS[purpose] = handler


def unregister_result_handler(purpose: str) -> None:
    _RESULT_HANDLERS.pop(purpose, None)


# --- create ---


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    options: list[str] = field(default_factory=list)


def _clean_text(value: str, *, field_name: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{label}不能为空", code="required", field=field_name)
    if len(value) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字", code="too_long", field=field_name)
    return value


def _choice(value: str, choices: type[Any], *, field_name: str) -> str:
    if value not in choices.values:
        raise InvalidInput(f"“{field_name}”的取值不在允许范围内", code="invalid_choice", field=field_name)
    return value


@transaction.atomic
def ballot_create(
    *,
    actor: User,
    congress: Congress,
    title: str,
    rule: str,
    questions: Sequence[QuestionSpec],
    electorate: Sequence[User],
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    mode: str = BallotMode.SECRET,
    k: int | None = None,
    majority_base: str = MajorityBase.ALL_ELECTORATE,
    require_majority_of_electorate: bool = False,
    quorum: int | None = None,
    tie_rule: str = TieRule.RUNOFF,
    purpose: str = "",
    target_type: str = "",
    target_id: str = "",
    code_voters: int | None = None,
) -> Ballot:
    """Create a draft ballot for ``electorate`` (people holding a role in ``congress``), or, with
    ``code_voters=N`` and an empty electorate, for N people without accounts who vote with one-time codes."""
    if not permissions.can_manage_ballots(actor, congress):
        raise NotPermitted("只有本级人大的工作人员可以发起表决")
    title = _clean_text(title, field_name="title", label="标题", max_length=200)
    rule = _choice(rule, BallotRule, field_name="rule")
    mode = _choice(mode, BallotMode, field_name="mode")
    majority_base = _choice(majority_base, MajorityBase, field_name="majority_base")
    tie_rule = _choice(tie_rule, TieRule, field_name="tie_rule")
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise InvalidInput("时间须带时区", code="invalid_date", field="opens_at")
    if closes_at <= opens_at:
        raise InvalidInput("结束时间须晚于开始时间", code="invalid_window", field="closes_at")
    if not questions:
        raise InvalidInput("至少需要一个表决事项", code="required", field="questions")
    if len(questions) > 200:
        raise InvalidInput("表决事项过多", code="too_long", field="questions")
    if rule == BallotRule.SELECT_K_OF_N:
        if k is None or k < 1:
            raise InvalidInput("差额选择须指定应选数 k（至少 1）", code="required", field="k")
        for spec in questions:
            labels = [label.strip() for label in spec.options]
            if len(labels) < k:
                raise InvalidInput("候选项不能少于应选数", code="too_few_options", field="options")
            if len(set(labels)) != len(labels):
                raise InvalidInput("候选项不能重复", code="duplicate", field="options")
    else:
        k = None
        if any(spec.options for spec in questions):
            raise InvalidInput("该计票规则的选项是固定的，不能自定", code="fixed_options", field="options")
    user_ids = [user.pk for user in electorate]
    if code_voters is not None:
        _check_code_ballot(code_voters=code_voters, mode=mode, user_ids=user_ids, quorum=quorum)
    elif not user_ids:
        raise InvalidInput("投票人名单不能为空", code="required", field="electorate")
    if len(set(user_ids)) != len(user_ids):
        raise InvalidInput("投票人名单有重复", code="duplicate", field="electorate")
    members = set(
        RoleAssignment.objects.filter(congress=congress, is_active=True, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    if len(members) != len(user_ids):
        raise InvalidInput("投票人须在本级人大担任有效角色", code="wrong_congress", field="electorate")
    if code_voters is None and quorum is not None and not 1 <= quorum <= len(user_ids):
        raise InvalidInput("法定人数须在 1 与投票人数之间", code="invalid_quorum", field="quorum")

    ballot = Ballot.objects.create(
        congress=congress,
        title=title,
        purpose=purpose.strip()[:60],
        target_type=target_type.strip()[:60],
        target_id=target_id.strip()[:60],
        mode=mode,
        rule=rule,
        k=k,
        majority_base=majority_base,
        require_majority_of_electorate=require_majority_of_electorate,
        quorum=quorum,
        tie_rule=tie_rule,
        opens_at=opens_at,
        closes_at=closes_at,
        planned_electorate=sorted(user_ids),
        code_voters=code_voters,
        created_by=actor,
    )
    for order, spec in enumerate(questions, start=1):
        text = _clean_text(spec.text, field_name="text", label="表决事项", max_length=300)
        question = Question.objects.create(ballot=ballot, text=text, order=order)
        if rule == BallotRule.SELECT_K_OF_N:
            options = [
                Option(
                    question=question,
                    label=_clean_text(label, field_name="options", label="候选项", max_length=200),
                    order=index,
                )
                for index, label in enumerate(spec.options, start=1)
            ]
        else:
            options = [
                Option(question=question, label=label, code=code, order=index)
                for index, (code, label) in enumerate(FIXED_OPTIONS[rule], start=1)
            ]
        Option.objects.bulk_create(options)
    audit_record(
        actor=actor,
        action="ballot.created",
        target=ballot,
        congress=congress,
        summary={
            "rule": rule,
            "mode": mode,
            "questions": len(questions),
            "electorate": code_voters if code_voters is not None else len(user_ids),
            **({"code_voters": code_voters} if code_voters is not None else {}),
        },
    )
    return ballot


MAX_CODE_VOTERS = 5000


def _check_code_ballot(*, code_voters: int, mode: str, user_ids: list[int], quorum: int | None) -> None:
    if not 1 <= code_voters <= MAX_CODE_VOTERS:
        raise InvalidInput(
            f"投票码数量须在 1 与 {MAX_CODE_VOTERS} 之间", code="invalid_code_voters", field="code_voters"
        )
    if mode != BallotMode.SECRET:
        raise InvalidInput("凭投票码的表决只能无记名", code="codes_are_secret", field="mode")
    if user_ids:
        raise InvalidInput("凭投票码的表决不另列投票人名单", code="codes_and_electorate", field="electorate")
    if quorum is not None and not 1 <= quorum <= code_voters:
        raise InvalidInput("法定人数须在 1 与投票码数量之间", code="invalid_quorum", field="quorum")


def _locked(ballot: Ballot) -> Ballot:
    return Ballot.objects.select_for_update().select_related("congress").get(pk=ballot.pk)


def _share_locked(ballot: Ballot) -> Ballot:
    """Votes take a shared lock: they do not wait for each other, but closing (FOR UPDATE) waits for them,
    and a vote that arrives after the close sees it closed. SQLite already serialises every writer."""
    if connection.vendor != "postgresql":
        return _locked(ballot)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM ballots_ballot WHERE id = %s FOR SHARE", [ballot.pk])
    return Ballot.objects.select_related("congress").get(pk=ballot.pk)


# --- open ---


@transaction.atomic
def ballot_open(*, actor: User, ballot: Ballot, now: dt.datetime | None = None) -> Ballot:
    if not permissions.can_manage_ballot(actor, ballot):
        raise NotPermitted("只有本级人大的工作人员可以开始表决")
    now = now or timezone.now()
    ballot = _locked(ballot)
    if ballot.status != BallotStatus.DRAFT:
        raise InvalidTransition("只有草稿状态的表决可以开始", code="invalid_state")
    if now >= ballot.closes_at:
        raise InvalidTransition("投票结束时间已过，无法开始", code="window_passed")
    if ballot.uses_codes:
        raise InvalidTransition("凭投票码的表决须在开始时发放投票码", code="needs_codes")
    from renda.accounts.models import User as UserModel

    people = list(UserModel.objects.filter(pk__in=ballot.planned_electorate).order_by("pk"))
    # The electorate is frozen here: copied once, never edited afterwards.
    ElectorateMember.objects.bulk_create(
        [
            ElectorateMember(ballot=ballot, user=person, full_name=person.full_name, username=person.username)
            for person in people
        ]
    )
    if ballot.quorum is None:
        ballot.quorum = counting.default_quorum(len(people))
    ballot.status = BallotStatus.OPEN
    ballot.opened_at = now
    ballot.save(update_fields=["quorum", "status", "opened_at"])
    audit_record(
        actor=actor,
        action="ballot.opened",
        target=ballot,
        congress=ballot.congress,
        summary={"electorate": len(people), "quorum": ballot.quorum},
    )
    return ballot


# --- voting codes: people without accounts (e.g. voter representatives rating a deputy) ---

# No 0/O, 1/I/L: a code read off a paper slip is typed without guessing.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def normalise_code(code: str) -> str:
    """The code as stored: upper case, without the spaces and dashes people type or print."""
    return "".join(character for character in (code or "").upper() if character not in " -\t\n")


def code_hash(code: str) -> str:
    """A keyed hash (so a database copy alone cannot try every code), distinct from receipt hashes."""
    normalised = normalise_code(code)
    return crypto.digest(f"ballot-voter-code:{normalised}") if normalised else ""


def format_code(code: str) -> str:
    """How a code is printed on a slip: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def _new_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
        if len(codes) == count:
            # A clash with another ballot's code is astronomically rare; draw again rather than fail.
            taken = set(
                VoterCode.objects.filter(code_hash__in=[code_hash(code) for code in codes]).values_list(
                    "code_hash", flat=True
                )
            )
            codes = {code for code in codes if code_hash(code) not in taken}
    return sorted(codes)


@transaction.atomic
def ballot_open_with_codes(*, actor: User, ballot: Ballot, now: dt.datetime | None = None) -> tuple[Ballot, list[str]]:
    """Open a code ballot and issue its one-time voting codes.

    Returns the clear codes, this once: only their keyed hashes are stored, so lost codes cannot be shown
    again. The electorate for quorum and majority is the number of codes.
    """
    if not permissions.can_manage_ballot(actor, ballot):
        raise NotPermitted("只有本级人大的工作人员可以开始表决")
    now = now or timezone.now()
    ballot = _locked(ballot)
    if ballot.status != BallotStatus.DRAFT:
        raise InvalidTransition("只有草稿状态的表决可以开始", code="invalid_state")
    if now >= ballot.closes_at:
        raise InvalidTransition("投票结束时间已过，无法开始", code="window_passed")
    if ballot.code_voters is None:
        raise InvalidTransition("该表决有投票人名单，不发放投票码", code="no_codes")
    codes = _new_codes(ballot.code_voters)
    VoterCode.objects.bulk_create(
        [VoterCode(ballot=ballot, code_hash=code_hash(code)) for code in codes], batch_size=1000
    )
    if ballot.quorum is None:
        ballot.quorum = counting.default_quorum(ballot.code_voters)
    ballot.status = BallotStatus.OPEN
    ballot.opened_at = now
    ballot.save(update_fields=["quorum", "status", "opened_at"])
    audit_record(
        actor=actor,
        action="ballot.opened",
        target=ballot,
        congress=ballot.congress,
        summary={"electorate": ballot.code_voters, "quorum": ballot.quorum, "codes_issued": len(codes)},
    )
    return ballot, codes


def find_voter_code(code: str) -> VoterCode:
    """The code's row, or InvalidInput; says nothing about other codes."""
    hashed = code_hash(code)
    voter_code = (
        VoterCode.objects.filter(code_hash=hashed).select_related("ballot").first()
        if len(normalise_code(code)) == CODE_LENGTH
        else None
    )
    if voter_code is None:
        raise InvalidInput("投票码无效，请核对纸条上的投票码后重新输入", code="invalid_code", field="code")
    return voter_code


def check_code_usable(voter_code: VoterCode, *, now: dt.datetime | None = None) -> None:
    """Refuse a used code, a ballot not open, or a time outside the window (409)."""
    now = now or timezone.now()
    ballot = voter_code.ballot
    if voter_code.used:
        raise InvalidTransition("这个投票码已经使用过，每个投票码只能投一次", code="code_used", field="code")
    if ballot.status != BallotStatus.OPEN:
        raise InvalidTransition("本次测评未在进行中", code="ballot_not_open")
    if not ballot.opens_at <= now < ballot.closes_at:
        raise InvalidTransition("现在不在投票时间内", code="outside_window")


@transaction.atomic
def code_vote_cast(*, code: str, choices: Mapping[int, Sequence[int]], now: dt.datetime | None = None) -> str:
    """Record one secret ballot paper for a one-time voting code. Returns a receipt code, shown once.

    The code is the voter's only credential. It is spent by a conditional update in this transaction
    (``used`` false → true must change exactly one row), so the same code sent twice at once records
    one sheet. Nothing links the code to the sheet: the sheet gets its own random receipt.
    """
    now = now or timezone.now()
    voter_code = find_voter_code(code)
    ballot = _share_locked(voter_code.ballot)
    voter_code.ballot = ballot
    check_code_usable(voter_code, now=now)
    marked = _clean_choices(ballot, choices)
    spent = VoterCode.objects.filter(pk=voter_code.pk, used=False).update(used=True)
    if spent != 1:
        raise InvalidTransition("这个投票码已经使用过，每个投票码只能投一次", code="code_used", field="code")
    receipt = secrets.token_urlsafe(16)
    sheet = BallotSheet.objects.create(ballot=ballot, receipt_hash=receipt_hash(receipt))
    BallotMark.objects.bulk_create([BallotMark(sheet=sheet, option=option) for option in marked])
    audit_record(actor=None, action="ballot.code_vote_cast", target=ballot, congress=ballot.congress)
    return receipt


# --- vote ---


def receipt_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _clean_choices(ballot: Ballot, choices: Mapping[int, Sequence[int]]) -> list[Option]:
    """The options marked, after checking every question is answered within the rule."""
    questions = {question.pk: question for question in ballot.questions.all()}
    options = {option.pk: option for option in Option.objects.filter(question__ballot=ballot)}
    if set(choices) - set(questions):
        raise InvalidInput("选票上有不属于本表决的事项", code="unknown_question", field="choices")
    marked: list[Option] = []
    for question_id in sorted(questions):
        chosen = list(choices.get(question_id, []))
        if len(set(chosen)) != len(chosen):
            raise InvalidInput("同一选项不能重复选择", code="duplicate_option", field="choices")
        for option_id in chosen:
            option = options.get(option_id)
            if option is None or option.question_id != question_id:
                raise InvalidInput("所选选项不属于该事项", code="unknown_option", field="choices")
            marked.append(option)
        if ballot.rule == BallotRule.SELECT_K_OF_N:
            k = ballot.k or 1
            if not chosen:
                raise InvalidInput("每个事项至少选择一项", code="too_few_choices", field="choices")
            if len(chosen) > k:
                raise InvalidInput(f"每个事项最多选择 {k} 项", code="too_many_choices", field="choices")
        elif len(chosen) != 1:
            raise InvalidInput("每个事项须且只能选择一项", code="exactly_one", field="choices")
    return marked


@transaction.atomic
def vote_cast(
    *, ballot: Ballot, voter: User, choices: Mapping[int, Sequence[int]], now: dt.datetime | None = None
) -> str:
    """Record one ballot paper. Returns the voter's receipt code, which is shown once and never stored."""
    if not permissions.can_vote(voter, ballot):
        raise NotPermitted("你不在本次表决的投票人名单中", code="not_in_electorate")
    now = now or timezone.now()
    # The shared lock orders votes against closing: no vote lands after the count.
    ballot = _share_locked(ballot)
    if ballot.status != BallotStatus.OPEN:
        raise InvalidTransition("表决未在进行中", code="ballot_not_open")
    if not ballot.opens_at <= now < ballot.closes_at:
        raise InvalidTransition("不在投票时间内", code="outside_window")
    marked = _clean_choices(ballot, choices)
    try:
        with transaction.atomic():
            voter_row = BallotVoter.objects.create(ballot=ballot, user=voter, voted_at=now)
    except IntegrityError:
        raise InvalidInput("你已经投过票了", code="already_voted") from None
    code = secrets.token_urlsafe(16)
    sheet = BallotSheet.objects.create(ballot=ballot, receipt_hash=receipt_hash(code))
    BallotMark.objects.bulk_create([BallotMark(sheet=sheet, option=option) for option in marked])
    summary: dict[str, Any] = {"ballot": ballot.pk}
    if ballot.mode == BallotMode.NAMED:
        voter_row.sheet = sheet
        voter_row.save(update_fields=["sheet"])
        summary["choices"] = sorted(option.pk for option in marked)
    audit_record(actor=voter, action="ballot.vote_cast", target=ballot, congress=ballot.congress, summary=summary)
    return code


# --- close ---


def compute_tally(ballot: Ballot) -> dict[str, Any]:
    """Count once, in the database, with aggregates. A code ballot's electorate is its number of codes."""
    sheets = BallotSheet.objects.filter(ballot=ballot).count()
    if ballot.code_voters is not None:
        electorate = ballot.code_voters
        voters = VoterCode.objects.filter(ballot=ballot, used=True).count()
    else:
        electorate = ElectorateMember.objects.filter(ballot=ballot).count()
        voters = BallotVoter.objects.filter(ballot=ballot).count()
    option_rows = (
        Option.objects.filter(question__ballot=ballot)
        .annotate(votes=Count("marks"))
        .order_by("question__order", "order")
        .values("pk", "question_id", "label", "code", "votes")
    )
    answered = dict(
        Question.objects.filter(ballot=ballot)
        .annotate(answered=Count("options__marks__sheet", distinct=True))
        .values_list("pk", "answered")
    )
    questions: list[dict[str, Any]] = []
    by_question: dict[int, dict[str, Any]] = {}
    for question in Question.objects.filter(ballot=ballot).order_by("order"):
        entry = {
            "question": question.pk,
            "text": question.text,
            "answered": answered.get(question.pk, 0),
            "options": [],
        }
        by_question[question.pk] = entry
        questions.append(entry)
    for row in option_rows:
        by_question[row["question_id"]]["options"].append(
            {"option": row["pk"], "label": row["label"], "code": row["code"], "votes": row["votes"]}
        )
    return {"electorate": electorate, "ballots_cast": sheets, "voters": voters, "questions": questions}


def compute_result(ballot: Ballot, tally: dict[str, Any]) -> tuple[dict[str, Any], bool, str]:
    electorate = tally["electorate"]
    cast = tally["ballots_cast"]
    quorum = ballot.quorum if ballot.quorum is not None else counting.default_quorum(electorate)
    head = {"quorum": quorum, "ballots_cast": cast, "electorate": electorate}
    if not counting.quorum_met(ballots_cast=cast, quorum=quorum):
        return {**head, "valid": False, "reason": "quorum_not_met", "questions": []}, False, "quorum_not_met"
    outcomes = []
    for question in tally["questions"]:
        votes = {option["code"]: option["votes"] for option in question["options"]}
        outcome: dict[str, Any]
        if ballot.rule == BallotRule.SELECT_K_OF_N:
            outcome = counting.select_k_of_n(
                candidates=[counting.Candidate(option["option"], option["votes"]) for option in question["options"]],
                k=ballot.k or 1,
                electorate=electorate,
                tie_rule=ballot.tie_rule,
                require_majority_of_electorate=ballot.require_majority_of_electorate,
            )
        elif ballot.rule == BallotRule.YES_NO_ABSTAIN:
            outcome = counting.yes_no_abstain(
                yes=votes.get(OptionCode.YES, 0),
                no=votes.get(OptionCode.NO, 0),
                abstain=votes.get(OptionCode.ABSTAIN, 0),
                electorate=electorate,
                base=ballot.majority_base,
            )
        else:
            outcome = counting.satisfaction(
                satisfied=votes.get(OptionCode.SATISFIED, 0),
                basically=votes.get(OptionCode.BASICALLY_SATISFIED, 0),
                dissatisfied=votes.get(OptionCode.DISSATISFIED, 0),
                electorate=electorate,
                base=ballot.majority_base,
            )
        outcomes.append({"question": question["question"], **outcome})
    return {**head, "valid": True, "reason": "", "questions": outcomes}, True, ""


def _reseal_secret_sheets(ballot: Ballot) -> None:
    """Rewrite every sheet and mark of a secret ballot in a random order, inside the closing transaction.

    A sheet is written in the same transaction as its voter row, so on PostgreSQL both carry the same
    transaction id (xmin) and sit next to each other on disk. Copying the sheets under new keys, in a
    shuffled order, within the single closing transaction leaves one transaction id for all of them and
    no physical order, so even a database administrator cannot pair voters with choices. (The old row
    versions are dead and go at the next VACUUM.) Receipt hashes move with their sheets.
    """
    sheets = list(BallotSheet.objects.filter(ballot=ballot).values_list("pk", "receipt_hash"))
    if not sheets:
        return
    marks: dict[Any, list[int]] = {}
    for sheet_id, option_id in BallotMark.objects.filter(sheet__ballot=ballot).values_list("sheet_id", "option_id"):
        marks.setdefault(sheet_id, []).append(option_id)
    shuffler = secrets.SystemRandom()
    shuffler.shuffle(sheets)
    BallotMark.objects.filter(sheet__ballot=ballot).delete()
    BallotSheet.objects.filter(ballot=ballot).delete()
    new_sheets = [BallotSheet(ballot=ballot, receipt_hash=receipt) for _old, receipt in sheets]
    BallotSheet.objects.bulk_create(new_sheets, batch_size=1000)
    new_marks = [
        BallotMark(sheet=new_sheet, option_id=option_id)
        for (old_id, _receipt), new_sheet in zip(sheets, new_sheets, strict=True)
        for option_id in marks.get(old_id, [])
    ]
    shuffler.shuffle(new_marks)
    BallotMark.objects.bulk_create(new_marks, batch_size=2000)


@transaction.atomic
def ballot_close(*, actor: User, ballot: Ballot, early: bool = False, now: dt.datetime | None = None) -> Ballot:
    """Close and count. Before the window ends this needs ``early`` unless everyone has voted."""
    if not permissions.can_manage_ballot(actor, ballot):
        raise NotPermitted("只有本级人大的工作人员可以结束表决")
    now = now or timezone.now()
    ballot = _locked(ballot)
    if ballot.status != BallotStatus.OPEN:
        raise InvalidTransition("只有进行中的表决可以结束", code="invalid_state")
    tally = compute_tally(ballot)
    everyone_voted = tally["voters"] >= tally["electorate"]
    if now < ballot.closes_at and not early and not everyone_voted:
        raise InvalidTransition("投票时间未到且尚有人未投票；如需提前结束请明确选择", code="window_open")
    result, valid, reason = compute_result(ballot, tally)
    if ballot.mode == BallotMode.SECRET:
        _reseal_secret_sheets(ballot)
    ballot.tally = tally
    ballot.result = result
    ballot.valid = valid
    ballot.invalid_reason = reason
    ballot.status = BallotStatus.CLOSED
    ballot.closed_at = now
    ballot.save(update_fields=["tally", "result", "valid", "invalid_reason", "status", "closed_at"])
    audit_record(
        actor=actor,
        action="ballot.closed",
        target=ballot,
        congress=ballot.congress,
        summary={
            "ballots_cast": tally["ballots_cast"],
            "electorate": tally["electorate"],
            "valid": valid,
            "reason": reason,
            "early": now < ballot.closes_at,
        },
    )
    handler = _RESULT_HANDLERS.get(ballot.purpose)
    if handler is not None:
        closed = ballot
        transaction.on_commit(lambda: handler(closed))
    return ballot
