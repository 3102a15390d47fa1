"""The counting rules, as pure functions of the counts: no database, no clock.

Definitions used throughout:

* ``electorate``: the people entitled to vote (frozen when the ballot opens).
* ``ballots_cast``: the sheets handed in.
* A *majority of X* means strictly more than half of X (``2 * votes > X``).
* Quorum comes first: with fewer ballots than the quorum there is no valid
  result at all, only a recorded "no valid result" (``quorum_met``).

Bases for yes/no/abstain and satisfaction (``MajorityBase``):

* ``all_electorate``: the whole electorate. People who did not vote, and
  abstentions, count against adoption (SC rule: 全体组成人员的过半数).
* ``votes_cast``: the votes cast on the question, *including* abstentions:
  yes + no + abstain (or 满意 + 基本满意 + 不满意). An abstention therefore
  still weighs like a "no"; only absent people drop out of the base.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ALL_ELECTORATE = "all_electorate"
VOTES_CAST = "votes_cast"

RUNOFF = "runoff"
CANDIDATE_ORDER = "candidate_order"
LOT = "lot"

SATISFIED = "satisfied"
BASICALLY_SATISFIED = "basically_satisfied"
DISSATISFIED = "dissatisfied"


def more_than_half(votes: int, base: int) -> bool:
    """Strictly more than half of ``base``; never true for an empty base."""
    return base > 0 and 2 * votes > base


def default_quorum(electorate: int) -> int:
    """More than half of the electorate (过半数)."""
    return electorate // 2 + 1


def quorum_met(*, ballots_cast: int, quorum: int) -> bool:
    return ballots_cast >= quorum


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        if self.denominator == 0:
            return None
        return round(100 * self.numerator / self.denominator, 2)

    def as_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "percent": self.percent}


def _base_size(*, base: str, electorate: int, votes_on_question: int) -> int:
    if base == ALL_ELECTORATE:
        return electorate
    if base == VOTES_CAST:
        return votes_on_question
    raise ValueError(f"unknown majority base {base!r}")


# --- select k of n (差额票决) ---


@dataclass(frozen=True)
class Candidate:
    option_id: int
    votes: int


def select_k_of_n(
    *,
    candidates: Sequence[Candidate],
    k: int,
    electorate: int,
    tie_rule: str,
    require_majority_of_electorate: bool = False,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Elect up to ``k`` candidates by votes, highest first.

    ``candidates`` come in candidate-list order, which ``candidate_order`` uses
    to break ties. A candidate needs at least one vote, and with
    ``require_majority_of_electorate`` more than half of the electorate, to be
    elected; seats nobody qualifies for stay ``unfilled``. When candidates tie
    for the last seats:

    * ``runoff``: those above the tie are elected, the tied ones are listed
      and the status is ``tie_needs_runoff``; nothing is picked silently;
    * ``candidate_order``: the earlier ones on the list take the seats;
    * ``lot``: seats are drawn at random (``rng``, a system random by default)
      and the draw is recorded.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    order = {candidate.option_id: index for index, candidate in enumerate(candidates)}
    ranking = sorted(candidates, key=lambda c: (-c.votes, order[c.option_id]))
    ranked = []
    rank = 0
    previous: int | None = None
    for position, candidate in enumerate(ranking, start=1):
        if candidate.votes != previous:
            rank = position
            previous = candidate.votes
        ranked.append({"option": candidate.option_id, "votes": candidate.votes, "rank": rank})

    def qualifies(candidate: Candidate) -> bool:
        if candidate.votes < 1:
            return False
        return not require_majority_of_electorate or more_than_half(candidate.votes, electorate)

    eligible = [candidate for candidate in ranking if qualifies(candidate)]
    result: dict[str, Any] = {
        "status": "decided",
        "elected": [],
        "ranking": ranked,
        "tie": None,
        "tie_break": None,
        "unfilled": 0,
        "k": k,
    }
    if len(eligible) <= k:
        result["elected"] = [candidate.option_id for candidate in eligible]
        result["unfilled"] = k - len(eligible)
        return result
    boundary = eligible[k - 1].votes
    above = [candidate.option_id for candidate in eligible if candidate.votes > boundary]
    tied = [candidate.option_id for candidate in eligible if candidate.votes == boundary]
    seats = k - len(above)
    if len(tied) == seats:
        result["elected"] = above + tied
        return result
    tie = {"votes": boundary, "options": tied, "seats": seats}
    result["tie"] = tie
    if tie_rule == RUNOFF:
        result["status"] = "tie_needs_runoff"
        result["elected"] = above
        return result
    if tie_rule == CANDIDATE_ORDER:
        picked = tied[:seats]  # ``eligible`` keeps candidate order among equal votes
    elif tie_rule == LOT:
        drawn = set((rng or random.SystemRandom()).sample(tied, seats))
        picked = [option for option in tied if option in drawn]
    else:
        raise ValueError(f"unknown tie rule {tie_rule!r}")
    result["tie_break"] = tie_rule
    tie["picked"] = picked
    result["elected"] = above + picked
    return result


# --- yes / no / abstain (SC votes) ---


def yes_no_abstain(*, yes: int, no: int, abstain: int, electorate: int, base: str) -> dict[str, Any]:
    """Adopted when yes is more than half of the base (see the module docstring for the bases)."""
    base_size = _base_size(base=base, electorate=electorate, votes_on_question=yes + no + abstain)
    return {
        "passed": more_than_half(yes, base_size),
        "yes": yes,
        "no": no,
        "abstain": abstain,
        "not_voted": max(electorate - (yes + no + abstain), 0),
        "base": base,
        "base_size": base_size,
        "yes_needed": base_size // 2 + 1,
    }


# --- satisfaction (满意度测评), §11 ---


def satisfaction(*, satisfied: int, basically: int, dissatisfied: int, electorate: int, base: str) -> dict[str, Any]:
    """The three-level verdict, plus the published rates with numerator and denominator.

    满意 if 满意 > half of the base; otherwise 基本满意 if 满意 + 基本满意 > half;
    otherwise 不满意. The rates always use the valid votes cast on the question.
    """
    valid_votes = satisfied + basically + dissatisfied
    base_size = _base_size(base=base, electorate=electorate, votes_on_question=valid_votes)
    if more_than_half(satisfied, base_size):
        verdict = SATISFIED
    elif more_than_half(satisfied + basically, base_size):
        verdict = BASICALLY_SATISFIED
    else:
        verdict = DISSATISFIED
    return {
        "verdict": verdict,
        "satisfied": satisfied,
        "basically_satisfied": basically,
        "dissatisfied": dissatisfied,
        "base": base,
        "base_size": base_size,
        "satisfaction_rate": Rate(satisfied, valid_votes).as_dict(),
        "satisfaction_rate_including_basic": Rate(satisfied + basically, valid_votes).as_dict(),
    }
