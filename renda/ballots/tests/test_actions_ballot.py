"""The ballot actions: opening freezes the electorate, votes are checked, refused votes leave no trace,
closing counts once, secret ballots cannot be linked to voters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions, queries
from renda.ballots.models import Ballot, BallotMark, BallotSheet, BallotVoter, ElectorateMember
from renda.ballots.tests.helpers import acting, make_ballot, option_ids, question_id
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent
from renda.organizations.models import Congress
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_person: Callable[..., User]) -> User:
    return acting(make_person(Role.COMMITTEE_STAFF))


@pytest.fixture
def voters(make_person: Callable[..., User]) -> list[User]:
    return [make_person(Role.DEPUTY) for _ in range(5)]


def _counts() -> tuple[int, ...]:
    return (
        BallotVoter.objects.count(),
        BallotSheet.objects.count(),
        BallotMark.objects.count(),
        AuditEvent.objects.count(),
    )


def _refused(error: type[Exception], code: str, call: Callable[[], Any]) -> None:
    before = _counts()
    with pytest.raises(error) as caught:
        call()
    assert getattr(caught.value, "code", None) == code
    assert _counts() == before


# --- create and open ---


def test_create_requires_staff_of_that_congress(
    make_person: Callable[..., User], voters: list[User], city: Congress, district: Congress
) -> None:
    deputy = acting(voters[0])
    with pytest.raises(NotPermitted):
        make_ballot(staff=deputy, congress=city, voters=voters)
    admin = acting(make_person(Role.STAFF_ADMIN))
    assert make_ballot(staff=admin, congress=city, voters=voters).status == "open"
    # A city administrator does not run the district congress's ballots.
    with pytest.raises(NotPermitted):
        make_ballot(staff=admin, congress=district, voters=voters)


def test_create_validates_input(staff: User, voters: list[User], city: Congress, other_city: Congress) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_ballot(staff=staff, congress=city, voters=voters, k=5)
    assert caught.value.code == "too_few_options"
    with pytest.raises(InvalidInput) as caught:
        make_ballot(staff=staff, congress=city, voters=[])
    assert caught.value.code == "required"
    with pytest.raises(InvalidInput) as caught:
        make_ballot(staff=staff, congress=city, voters=voters, quorum=6)
    assert caught.value.code == "invalid_quorum"
    now = timezone.now()
    with pytest.raises(InvalidInput) as caught:
        make_ballot(staff=staff, congress=city, voters=voters, opens_at=now, closes_at=now)
    assert caught.value.code == "invalid_window"
    outsider = User.objects.create(username="outsider")
    with pytest.raises(InvalidInput) as caught:
        make_ballot(staff=staff, congress=city, voters=[*voters, outsider])
    assert caught.value.code == "wrong_congress"
    assert Ballot.objects.count() == 0


def test_open_freezes_the_electorate_and_sets_the_default_quorum(
    staff: User, voters: list[User], city: Congress
) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, open_now=False)
    assert ballot.status == "draft"
    assert not ElectorateMember.objects.filter(ballot=ballot).exists()
    ballot = actions.ballot_open(actor=staff, ballot=ballot)
    assert ballot.quorum == 3
    members = ElectorateMember.objects.filter(ballot=ballot)
    assert sorted(members.values_list("user_id", flat=True)) == sorted(v.pk for v in voters)
    voters[0].full_name = "改名之后"
    voters[0].save(update_fields=["full_name"])
    assert members.get(user=voters[0]).full_name != "改名之后"
    with pytest.raises(InvalidTransition):
        actions.ballot_open(actor=staff, ballot=ballot)
    assert AuditEvent.objects.filter(action="ballot.opened").count() == 1


def test_cannot_open_after_the_window(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, open_now=False)
    with pytest.raises(InvalidTransition) as caught:
        actions.ballot_open(actor=staff, ballot=ballot, now=ballot.closes_at)
    assert caught.value.code == "window_passed"


# --- casting ---


def test_vote_is_recorded_with_a_receipt(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters)
    question = question_id(ballot)
    first, second, *_ = option_ids(ballot)
    receipt = actions.vote_cast(ballot=ballot, voter=voters[0], choices={question: [first, second]})
    assert BallotVoter.objects.filter(ballot=ballot, user=voters[0]).exists()
    sheet = BallotSheet.objects.get()
    assert set(sheet.marks.values_list("option_id", flat=True)) == {first, second}
    assert receipt not in sheet.receipt_hash
    assert queries.receipt_status(ballot=ballot, code=receipt) == {"recorded": True, "counted": False}
    assert queries.receipt_status(ballot=ballot, code="made-up") == {"recorded": False, "counted": False}
    assert queries.receipt_status(ballot=ballot, code="") == {"recorded": False, "counted": False}
    event = AuditEvent.objects.get(action="ballot.vote_cast")
    assert event.summary == {"ballot": ballot.pk}  # a secret vote's audit says nothing of the choice
    assert event.actor_id == voters[0].pk
    actions.ballot_close(actor=staff, ballot=ballot, early=True)
    ballot.refresh_from_db()
    assert queries.receipt_status(ballot=ballot, code=receipt) == {"recorded": True, "counted": True}


def test_double_vote_is_refused_and_leaves_nothing(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters)
    choices = {question_id(ballot): option_ids(ballot)[:1]}
    actions.vote_cast(ballot=ballot, voter=voters[0], choices=choices)
    _refused(InvalidInput, "already_voted", lambda: actions.vote_cast(ballot=ballot, voter=voters[0], choices=choices))


def test_outsiders_cannot_vote(
    staff: User, voters: list[User], city: Congress, make_person: Callable[..., User]
) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters)
    choices = {question_id(ballot): option_ids(ballot)[:1]}
    latecomer = make_person(Role.DEPUTY)  # joined after the electorate was frozen
    _refused(
        NotPermitted, "not_in_electorate", lambda: actions.vote_cast(ballot=ballot, voter=latecomer, choices=choices)
    )
    _refused(NotPermitted, "not_in_electorate", lambda: actions.vote_cast(ballot=ballot, voter=staff, choices=choices))


def test_votes_outside_the_window_are_refused(staff: User, voters: list[User], city: Congress) -> None:
    now = timezone.now()
    ballot = make_ballot(
        staff=staff,
        congress=city,
        voters=voters,
        opens_at=now + dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=2),
    )
    choices = {question_id(ballot): option_ids(ballot)[:1]}
    _refused(
        InvalidTransition, "outside_window", lambda: actions.vote_cast(ballot=ballot, voter=voters[0], choices=choices)
    )
    at_close = ballot.closes_at
    _refused(
        InvalidTransition,
        "outside_window",
        lambda: actions.vote_cast(ballot=ballot, voter=voters[0], choices=choices, now=at_close),
    )
    assert actions.vote_cast(ballot=ballot, voter=voters[0], choices=choices, now=ballot.opens_at)


def test_votes_on_draft_or_closed_ballots_are_refused(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters)
    choices = {question_id(ballot): option_ids(ballot)[:1]}
    actions.ballot_close(actor=staff, ballot=ballot, early=True)
    _refused(
        InvalidTransition, "ballot_not_open", lambda: actions.vote_cast(ballot=ballot, voter=voters[0], choices=choices)
    )
    draft = make_ballot(staff=staff, congress=city, voters=voters, open_now=False)
    draft_choices = {question_id(draft): option_ids(draft)[:1]}
    # A draft has no electorate yet, so nobody is entitled to vote in it.
    _refused(
        NotPermitted,
        "not_in_electorate",
        lambda: actions.vote_cast(ballot=draft, voter=voters[0], choices=draft_choices),
    )


@pytest.mark.parametrize(
    ("make_choices", "code"),
    [
        (lambda q, o, q2, o2: {q: o[:3]}, "too_many_choices"),  # k = 2
        (lambda q, o, q2, o2: {q: []}, "too_few_choices"),
        (lambda q, o, q2, o2: {}, "too_few_choices"),
        (lambda q, o, q2, o2: {q: [o[0], o[0]]}, "duplicate_option"),
        (lambda q, o, q2, o2: {q: [o2[0]]}, "unknown_option"),  # an option of another ballot
        (lambda q, o, q2, o2: {q: [o[0]], q2: [o2[0]]}, "unknown_question"),
        (lambda q, o, q2, o2: {q: [999_999]}, "unknown_option"),
    ],
)
def test_malformed_select_choices_are_refused(
    staff: User, voters: list[User], city: Congress, make_choices: Callable[..., Any], code: str
) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters)
    other = make_ballot(staff=staff, congress=city, voters=voters)
    choices = make_choices(question_id(ballot), option_ids(ballot), question_id(other), option_ids(other))
    _refused(InvalidInput, code, lambda: actions.vote_cast(ballot=ballot, voter=voters[0], choices=choices))


@pytest.mark.parametrize("rule", ["yes_no_abstain", "satisfaction"])
def test_fixed_rules_need_exactly_one_option_per_question(
    staff: User, voters: list[User], city: Congress, rule: str
) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, rule=rule, questions=2)
    first, second = question_id(ballot, 0), question_id(ballot, 1)
    yes, no, _abstain = option_ids(ballot, 0)
    other_yes = option_ids(ballot, 1)[0]
    for choices in ({first: [yes]}, {first: [yes, no], second: [other_yes]}, {first: [yes], second: []}):
        _refused(
            InvalidInput, "exactly_one", lambda c=choices: actions.vote_cast(ballot=ballot, voter=voters[0], choices=c)
        )
    actions.vote_cast(ballot=ballot, voter=voters[0], choices={first: [yes], second: [other_yes]})
    assert BallotMark.objects.count() == 2


# --- closing and counting ---


def test_close_counts_once_and_hands_the_result_back(
    staff: User, voters: list[User], city: Congress, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[Ballot] = []
    actions.register_result_handler("test.livelihood", calls.append)
    try:
        ballot = make_ballot(staff=staff, congress=city, voters=voters, purpose="test.livelihood", target_id="7")
        question = question_id(ballot)
        a, b, c, _d = option_ids(ballot)
        for voter, chosen in zip(voters, [[a, b], [a, c], [a], [b], [b, c]], strict=True):
            actions.vote_cast(ballot=ballot, voter=voter, choices={question: chosen})
        with django_capture_on_commit_callbacks(execute=True):
            closed = actions.ballot_close(actor=staff, ballot=ballot)  # everyone voted: no need to force
        assert [call.pk for call in calls] == [ballot.pk]
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition):
            actions.ballot_close(actor=staff, ballot=closed, early=True)
        assert len(calls) == 1
    finally:
        actions.unregister_result_handler("test.livelihood")
    closed.refresh_from_db()
    assert closed.status == "closed"
    assert closed.valid is True
    assert closed.tally is not None
    assert closed.result is not None
    assert closed.tally["ballots_cast"] == 5
    votes = {row["option"]: row["votes"] for row in closed.tally["questions"][0]["options"]}
    assert votes == {a: 3, b: 3, c: 2, _d: 0}
    assert closed.result["questions"][0]["elected"] == [a, b]
    assert AuditEvent.objects.filter(action="ballot.closed").count() == 1


def test_closing_early_must_be_explicit(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters)
    before = _counts()
    with pytest.raises(InvalidTransition) as caught:
        actions.ballot_close(actor=staff, ballot=ballot)
    assert caught.value.code == "window_open"
    assert _counts() == before
    ballot.refresh_from_db()
    assert ballot.status == "open"
    assert actions.ballot_close(actor=staff, ballot=ballot, now=ballot.closes_at).status == "closed"


def test_quorum_not_met_records_no_valid_result(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, rule="yes_no_abstain")
    yes = option_ids(ballot)[0]
    for voter in voters[:2]:  # quorum is 3 of 5
        actions.vote_cast(ballot=ballot, voter=voter, choices={question_id(ballot): [yes]})
    closed = actions.ballot_close(actor=staff, ballot=ballot, early=True)
    assert closed.valid is False
    assert closed.invalid_reason == "quorum_not_met"
    assert closed.result == {
        "quorum": 3,
        "ballots_cast": 2,
        "electorate": 5,
        "valid": False,
        "reason": "quorum_not_met",
        "questions": [],
    }
    assert closed.tally is not None
    assert closed.tally["ballots_cast"] == 2  # the raw count is kept


def test_sc_vote_needs_a_majority_of_all_members(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, rule="yes_no_abstain")
    yes, no, abstain = option_ids(ballot)
    question = question_id(ballot)
    for voter, choice in zip(voters[:4], [yes, yes, abstain, no], strict=True):
        actions.vote_cast(ballot=ballot, voter=voter, choices={question: [choice]})
    closed = actions.ballot_close(actor=staff, ballot=ballot, early=True)
    assert closed.result is not None
    outcome = closed.result["questions"][0]
    assert outcome["passed"] is False  # 2 of 5 members; the abstention is not a yes
    assert outcome["yes_needed"] == 3


def test_satisfaction_ballot_gives_the_verdict(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, rule="satisfaction")
    satisfied, basic, _unhappy = option_ids(ballot)
    question = question_id(ballot)
    for voter, choice in zip(voters, [satisfied, satisfied, basic, basic, _unhappy], strict=True):
        actions.vote_cast(ballot=ballot, voter=voter, choices={question: [choice]})
    closed = actions.ballot_close(actor=staff, ballot=ballot)
    assert closed.result is not None
    outcome = closed.result["questions"][0]
    assert outcome["verdict"] == "basically_satisfied"
    assert outcome["satisfaction_rate_including_basic"] == {"numerator": 4, "denominator": 5, "percent": 80.0}


def test_runoff_tie_is_recorded(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters[:4], k=1, quorum=1)
    a, b, *_ = option_ids(ballot)
    question = question_id(ballot)
    for voter, choice in zip(voters[:4], [a, a, b, b], strict=True):
        actions.vote_cast(ballot=ballot, voter=voter, choices={question: [choice]})
    closed = actions.ballot_close(actor=staff, ballot=ballot)
    assert closed.result is not None
    assert closed.result["questions"][0]["status"] == "tie_needs_runoff"
    assert closed.result["questions"][0]["elected"] == []


# --- secrecy ---


def test_secret_tables_cannot_be_joined_to_voters() -> None:
    from django.contrib.auth import get_user_model

    for model in (BallotSheet, BallotMark):
        fields = model._meta.get_fields()
        assert isinstance(model._meta.pk, models.UUIDField), model
        for field in fields:
            if field.concrete:
                assert not isinstance(field, models.DateTimeField | models.DateField | models.TimeField), field
                assert not isinstance(field, models.AutoField | models.BigAutoField), field
                if field.is_relation:
                    assert field.related_model is not get_user_model(), field
                    assert field.related_model is not BallotVoter, field
        columns = {f.column for f in fields if f.concrete}
        assert not any("user" in column or "voter" in column or column.endswith("_at") for column in columns), columns


def test_sheet_order_does_not_follow_cast_order(staff: User, city: Congress, make_person: Callable[..., User]) -> None:
    voters = [make_person(Role.DEPUTY) for _ in range(60)]
    ballot = make_ballot(staff=staff, congress=city, voters=voters)
    question = question_id(ballot)
    first = option_ids(ballot)[0]
    hashes_in_cast_order = [
        actions.receipt_hash(actions.vote_cast(ballot=ballot, voter=voter, choices={question: [first]}))
        for voter in voters
    ]
    by_key = list(BallotSheet.objects.filter(ballot=ballot).order_by("pk").values_list("receipt_hash", flat=True))
    positions = [hashes_in_cast_order.index(receipt) for receipt in by_key]
    assert sorted(positions) == list(range(60))
    assert positions != sorted(positions)
    assert positions != sorted(positions, reverse=True)
    assert not BallotVoter.objects.filter(ballot=ballot, sheet__isnull=False).exists()


def test_named_ballot_links_voter_and_choices(staff: User, voters: list[User], city: Congress) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, rule="yes_no_abstain", mode="named")
    yes = option_ids(ballot)[0]
    actions.vote_cast(ballot=ballot, voter=voters[0], choices={question_id(ballot): [yes]})
    row = BallotVoter.objects.get(ballot=ballot, user=voters[0])
    assert row.sheet is not None
    assert list(row.sheet.marks.values_list("option_id", flat=True)) == [yes]
    assert AuditEvent.objects.get(action="ballot.vote_cast").summary == {"ballot": ballot.pk, "choices": [yes]}


def test_closing_a_secret_ballot_reseals_its_sheets(staff: User, voters: list[User], city: Congress) -> None:
    from django.db import connection

    ballot = make_ballot(staff=staff, congress=city, voters=voters)
    options = option_ids(ballot)
    question = question_id(ballot)
    receipts = []
    for index, voter in enumerate(voters):
        receipts.append(actions.vote_cast(ballot=ballot, voter=voter, choices={question: [options[index % 4]]}))
    before_ids = set(BallotSheet.objects.filter(ballot=ballot).values_list("pk", flat=True))
    before_counts = sorted(BallotMark.objects.filter(sheet__ballot=ballot).values_list("option_id", flat=True))
    closed = actions.ballot_close(actor=staff, ballot=ballot, early=True)
    after_ids = set(BallotSheet.objects.filter(ballot=ballot).values_list("pk", flat=True))
    assert len(after_ids) == len(before_ids) and not (after_ids & before_ids)
    assert sorted(BallotMark.objects.filter(sheet__ballot=ballot).values_list("option_id", flat=True)) == before_counts
    assert closed.tally is not None
    for code in receipts:
        assert queries.receipt_status(ballot=closed, code=code) == {"recorded": True, "counted": True}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT xmin::text) FROM ballots_ballotsheet WHERE ballot_id = %s", [ballot.pk]
            )
            assert cursor.fetchone()[0] == 1
