"""The counting rules, exhaustively, as pure functions."""

from __future__ import annotations

import random

import pytest

from renda.ballots import counting
from renda.ballots.counting import Candidate


def _cands(*votes: int) -> list[Candidate]:
    return [Candidate(option_id=index, votes=v) for index, v in enumerate(votes, start=1)]


def test_more_than_half_is_strict() -> None:
    assert counting.more_than_half(6, 10)
    assert not counting.more_than_half(5, 10)
    assert counting.more_than_half(6, 11)
    assert not counting.more_than_half(5, 11)
    assert not counting.more_than_half(0, 0)


def test_default_quorum_is_more_than_half() -> None:
    assert counting.default_quorum(10) == 6
    assert counting.default_quorum(11) == 6
    assert counting.default_quorum(35) == 18
    assert counting.quorum_met(ballots_cast=18, quorum=18)
    assert not counting.quorum_met(ballots_cast=17, quorum=18)


def test_hangzhou_13_to_10_clear_ranking() -> None:
    votes = [500, 490, 480, 470, 460, 450, 440, 430, 420, 410, 300, 200, 100]
    result = counting.select_k_of_n(candidates=_cands(*votes), k=10, electorate=520, tie_rule="runoff")
    assert result["status"] == "decided"
    assert result["elected"] == list(range(1, 11))
    assert result["unfilled"] == 0
    assert [row["rank"] for row in result["ranking"]] == list(range(1, 14))


def test_ranking_orders_by_votes_not_list_position() -> None:
    result = counting.select_k_of_n(candidates=_cands(10, 30, 20), k=2, electorate=40, tie_rule="runoff")
    assert result["elected"] == [2, 3]
    assert [row["option"] for row in result["ranking"]] == [2, 3, 1]


def test_tie_inside_the_seats_is_no_problem() -> None:
    # Two candidates tie for places 1-2 with k=3: both are elected, no tie recorded.
    result = counting.select_k_of_n(candidates=_cands(50, 50, 40, 10), k=3, electorate=60, tie_rule="runoff")
    assert result == {**result, "status": "decided", "elected": [1, 2, 3], "tie": None}
    assert [row["rank"] for row in result["ranking"]] == [1, 1, 3, 4]


def test_tie_that_exactly_fills_the_seats_is_decided() -> None:
    result = counting.select_k_of_n(candidates=_cands(50, 40, 40, 10), k=3, electorate=60, tie_rule="runoff")
    assert result["status"] == "decided"
    assert result["elected"] == [1, 2, 3]


def test_tie_at_the_boundary_under_runoff_is_recorded_not_picked() -> None:
    result = counting.select_k_of_n(candidates=_cands(50, 40, 30, 30, 30, 10), k=3, electorate=60, tie_rule="runoff")
    assert result["status"] == "tie_needs_runoff"
    assert result["elected"] == [1, 2]
    assert result["tie"] == {"votes": 30, "options": [3, 4, 5], "seats": 1}
    assert result["tie_break"] is None


def test_tie_at_the_boundary_by_candidate_order() -> None:
    # Candidate 5 is listed before 3 and 4 here: list order decides, not option id.
    candidates = [Candidate(1, 50), Candidate(5, 30), Candidate(2, 40), Candidate(3, 30), Candidate(4, 30)]
    result = counting.select_k_of_n(candidates=candidates, k=4, electorate=60, tie_rule="candidate_order")
    assert result["status"] == "decided"
    assert result["elected"] == [1, 2, 5, 3]
    assert result["tie"] == {"votes": 30, "options": [5, 3, 4], "seats": 2, "picked": [5, 3]}
    assert result["tie_break"] == "candidate_order"


def test_tie_at_the_boundary_by_lot_is_recorded() -> None:
    results = set()
    for seed in range(30):
        result = counting.select_k_of_n(
            candidates=_cands(50, 30, 30, 30), k=2, electorate=60, tie_rule="lot", rng=random.Random(seed)
        )
        assert result["status"] == "decided"
        assert result["elected"][0] == 1
        assert len(result["elected"]) == 2
        assert result["tie"]["picked"] == result["elected"][1:]
        assert result["tie_break"] == "lot"
        results.add(result["elected"][1])
    assert results == {2, 3, 4}  # every tied candidate can be drawn


def test_majority_of_electorate_requirement_leaves_seats_unfilled() -> None:
    # 100 deputies; only candidates with more than 50 votes may be elected.
    votes = _cands(80, 51, 50, 49, 10)
    plain = counting.select_k_of_n(candidates=votes, k=3, electorate=100, tie_rule="runoff")
    assert plain["elected"] == [1, 2, 3]
    strict = counting.select_k_of_n(
        candidates=votes, k=3, electorate=100, tie_rule="runoff", require_majority_of_electorate=True
    )
    assert strict["elected"] == [1, 2]
    assert strict["unfilled"] == 1
    assert strict["status"] == "decided"


def test_majority_requirement_applies_before_the_tie_check() -> None:
    # The tie at 40 is below the majority line, so it does not matter.
    result = counting.select_k_of_n(
        candidates=_cands(60, 40, 40), k=2, electorate=100, tie_rule="runoff", require_majority_of_electorate=True
    )
    assert result == {**result, "status": "decided", "elected": [1], "unfilled": 1, "tie": None}


def test_candidates_without_votes_are_never_elected() -> None:
    result = counting.select_k_of_n(candidates=_cands(3, 0, 0), k=2, electorate=5, tie_rule="runoff")
    assert result["elected"] == [1]
    assert result["unfilled"] == 1


def test_select_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="k must"):
        counting.select_k_of_n(candidates=_cands(1), k=0, electorate=1, tie_rule="runoff")
    with pytest.raises(ValueError, match="tie rule"):
        counting.select_k_of_n(candidates=_cands(5, 5), k=1, electorate=10, tie_rule="coin")


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "electorate", "base", "passed"),
    [
        # SC of 35: adoption needs 18 yes, whatever the turnout (全体组成人员的过半数).
        (18, 0, 0, 35, "all_electorate", True),
        (17, 0, 10, 35, "all_electorate", False),
        (17, 1, 0, 35, "all_electorate", False),  # 17 of 18 present: a majority of those present, not of all
        # Votes cast: abstentions stay in the base, absent members do not.
        (17, 1, 0, 35, "votes_cast", True),
        (10, 5, 5, 35, "votes_cast", False),  # 10 of 20: exactly half is not more than half
        (11, 5, 5, 35, "votes_cast", True),
        (0, 0, 0, 35, "votes_cast", False),
        (18, 17, 0, 35, "all_electorate", True),
    ],
)
def test_yes_no_abstain(yes: int, no: int, abstain: int, electorate: int, base: str, passed: bool) -> None:  # noqa: PLR0917 - parametrized cases
    result = counting.yes_no_abstain(yes=yes, no=no, abstain=abstain, electorate=electorate, base=base)
    assert result["passed"] is passed
    assert result["not_voted"] == electorate - yes - no - abstain


def test_yes_no_reports_the_threshold() -> None:
    result = counting.yes_no_abstain(yes=1, no=0, abstain=0, electorate=35, base="all_electorate")
    assert result["base_size"] == 35
    assert result["yes_needed"] == 18
    with pytest.raises(ValueError, match="majority base"):
        counting.yes_no_abstain(yes=1, no=0, abstain=0, electorate=3, base="present")


def test_zhenhai_example_all_members_base() -> None:
    """35 members, 29 present (quorum 18 met): 16 满意, 10 基本满意, 3 不满意."""
    assert counting.quorum_met(ballots_cast=29, quorum=counting.default_quorum(35))
    result = counting.satisfaction(satisfied=16, basically=10, dissatisfied=3, electorate=35, base="all_electorate")
    # 16 is not more than half of 35 members; 26 is.
    assert result["verdict"] == "basically_satisfied"
    assert result["satisfaction_rate"] == {"numerator": 16, "denominator": 29, "percent": 55.17}
    assert result["satisfaction_rate_including_basic"] == {"numerator": 26, "denominator": 29, "percent": 89.66}


def test_same_votes_on_votes_cast_base_are_satisfied() -> None:
    result = counting.satisfaction(satisfied=16, basically=10, dissatisfied=3, electorate=35, base="votes_cast")
    assert result["verdict"] == "satisfied"  # 16 > 29/2
    assert result["base_size"] == 29


@pytest.mark.parametrize(
    ("satisfied", "basically", "dissatisfied", "verdict"),
    [
        (18, 0, 0, "satisfied"),  # 18 > 35/2
        (17, 1, 0, "basically_satisfied"),  # 17 not > 17.5, but 18 is
        (17, 0, 12, "dissatisfied"),  # neither 17 nor 17+0 is more than half of 35
        (9, 9, 11, "basically_satisfied"),
        (0, 0, 29, "dissatisfied"),
        (35, 0, 0, "satisfied"),
    ],
)
def test_satisfaction_verdict_thresholds(satisfied: int, basically: int, dissatisfied: int, verdict: str) -> None:
    result = counting.satisfaction(
        satisfied=satisfied, basically=basically, dissatisfied=dissatisfied, electorate=35, base="all_electorate"
    )
    assert result["verdict"] == verdict


def test_satisfaction_rates_with_no_votes() -> None:
    result = counting.satisfaction(satisfied=0, basically=0, dissatisfied=0, electorate=10, base="votes_cast")
    assert result["verdict"] == "dissatisfied"
    assert result["satisfaction_rate"] == {"numerator": 0, "denominator": 0, "percent": None}


def test_huzhou_style_overall_rate() -> None:
    # 347 deputies; (满意 + 基本满意) / valid votes, kept as numerator and denominator.
    result = counting.satisfaction(satisfied=300, basically=42, dissatisfied=5, electorate=347, base="votes_cast")
    assert result["satisfaction_rate_including_basic"] == {"numerator": 342, "denominator": 347, "percent": 98.56}
