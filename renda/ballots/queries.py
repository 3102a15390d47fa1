"""Read-only questions about ballots."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.utils import timezone

from renda.ballots import counting, permissions
from renda.ballots.actions import receipt_hash
from renda.ballots.models import (
    Ballot,
    BallotRule,
    BallotSheet,
    BallotStatus,
    BallotVoter,
    ElectorateMember,
    Question,
    VoterCode,
)

if TYPE_CHECKING:
    from renda.accounts.models import User


def receipt_status(*, ballot: Ballot, code: str) -> dict[str, Any]:
    """Whether the sheet with this receipt code is in the ballot box, and whether it was counted.

    The answer says nothing about what was chosen or by whom, and nothing about other sheets.
    """
    recorded = (
        bool(code.strip()) and BallotSheet.objects.filter(ballot=ballot, receipt_hash=receipt_hash(code)).exists()
    )
    return {"recorded": recorded, "counted": recorded and ballot.status == BallotStatus.CLOSED}


# --- what the voting page and the big screen show ---


def ballots_for_list(user: User) -> list[Ballot]:
    """The ballots the user may see: open ones they can still vote in first, then open, then the rest.

    Each ballot carries ``is_voter`` and ``has_voted``.
    """
    ballots = (
        permissions.ballots_visible_to(user)
        .annotate(
            is_voter=Exists(ElectorateMember.objects.filter(ballot=OuterRef("pk"), user=user)),
            has_voted=Exists(BallotVoter.objects.filter(ballot=OuterRef("pk"), user=user)),
        )
        .annotate(
            priority=Case(
                When(status=BallotStatus.OPEN, is_voter=True, has_voted=False, then=Value(0)),
                When(status=BallotStatus.OPEN, then=Value(1)),
                When(status=BallotStatus.DRAFT, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("priority", "-opens_at", "-pk")
    )
    return list(ballots[:200])


def electorate_size(ballot: Ballot) -> int:
    if ballot.code_voters is not None:
        return ballot.code_voters
    if ballot.status == BallotStatus.DRAFT:
        return len(ballot.planned_electorate)
    return ElectorateMember.objects.filter(ballot=ballot).count()


def ballots_cast(ballot: Ballot) -> int:
    if ballot.code_voters is not None:
        return VoterCode.objects.filter(ballot=ballot, used=True).count()
    return BallotVoter.objects.filter(ballot=ballot).count()


def has_voted(ballot: Ballot, user: User) -> bool:
    return BallotVoter.objects.filter(ballot=ballot, user=user).exists()


def questions_with_options(ballot: Ballot) -> list[Question]:
    return list(ballot.questions.prefetch_related("options").order_by("order"))


def quorum_status(ballot: Ballot) -> dict[str, Any]:
    """Electorate size, ballots cast and whether the quorum is reached; never any choices."""
    size = electorate_size(ballot)
    cast = ballots_cast(ballot)
    quorum = ballot.quorum if ballot.quorum is not None else counting.default_quorum(size)
    return {
        "electorate": size,
        "cast": cast,
        "quorum": quorum,
        "met": counting.quorum_met(ballots_cast=cast, quorum=quorum),
        "missing": max(quorum - cast, 0),
    }


def in_window(ballot: Ballot, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return ballot.opens_at <= now < ballot.closes_at


def result_rows(ballot: Ballot) -> dict[str, Any] | None:
    """The closed ballot's tally and verdicts, question by question, ready to display; None before close.

    Each option row has ``votes``, ``percent`` (share of ballots cast, for the bar) and ``elected``.
    Each question has ``verdict`` (a code: elected/tie/passed/rejected/satisfied/…).
    """
    if ballot.status != BallotStatus.CLOSED or ballot.tally is None or ballot.result is None:
        return None
    tally = ballot.tally
    result = ballot.result
    cast = int(tally.get("ballots_cast", 0))
    outcomes = {int(item["question"]): item for item in result.get("questions", [])}
    questions = []
    for question in tally.get("questions", []):
        outcome = outcomes.get(int(question["question"]), {})
        elected = set(outcome.get("elected") or [])
        tied = (
            set((outcome.get("tie") or {}).get("options") or [])
            if outcome.get("status") == "tie_needs_runoff"
            else set()
        )
        options = [
            {
                "label": option["label"],
                "votes": int(option["votes"]),
                "percent": round(100 * int(option["votes"]) / cast) if cast else 0,
                "elected": option["option"] in elected,
                "tied": option["option"] in tied,
            }
            for option in question["options"]
        ]
        if ballot.rule == BallotRule.SELECT_K_OF_N:
            verdict = "tie" if outcome.get("status") == "tie_needs_runoff" else "decided"
        elif ballot.rule == BallotRule.YES_NO_ABSTAIN:
            verdict = "passed" if outcome.get("passed") else "rejected"
        else:
            verdict = str(outcome.get("verdict", ""))
        questions.append(
            {
                "text": question["text"],
                "answered": question.get("answered", 0),
                "options": options,
                "verdict": verdict if outcome else "",
                "unfilled": int(outcome.get("unfilled") or 0),
            }
        )
    return {
        "valid": bool(ballot.valid),
        "reason": ballot.invalid_reason,
        "electorate": int(tally.get("electorate", 0)),
        "cast": cast,
        "quorum": result.get("quorum"),
        "max": cast or 1,
        "questions": questions,
    }


def codes_of_ballot(ballot: Ballot, codes: list[str], *, unused_only: bool = True) -> list[str]:
    """Those of ``codes`` (clear) that are this ballot's voting codes (and, by default, still unused)."""
    from renda.ballots.actions import code_hash

    hashes = {code: code_hash(code) for code in codes}
    rows = VoterCode.objects.filter(ballot=ballot, code_hash__in=list(hashes.values()))
    if unused_only:
        rows = rows.filter(used=False)
    known = set(rows.values_list("code_hash", flat=True))
    return [code for code, hashed in hashes.items() if hashed in known]
