"""Ballots for people without accounts: one-time voting codes, the public vote page and API, secrecy."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions, throttle
from renda.ballots.models import Ballot, BallotMark, BallotSheet, BallotStatus, VoterCode
from renda.ballots.tests.helpers import acting, option_ids, question_id
from renda.core.errors import InvalidInput, InvalidTransition
from renda.core.models import AuditEvent
from renda.organizations.models import Congress
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(make_person: Callable[..., User]) -> User:
    return acting(make_person(Role.COMMITTEE_STAFF))


def _code_ballot(staff: User, city: Congress, *, voters: int = 5, open_now: bool = True, **extra: Any) -> Any:
    now = timezone.now()
    extra.setdefault("opens_at", now - dt.timedelta(minutes=5))
    extra.setdefault("closes_at", now + dt.timedelta(hours=1))
    ballot = actions.ballot_create(
        actor=staff,
        congress=city,
        title="代表述职满意度测评",
        rule="satisfaction",
        questions=[actions.QuestionSpec(text="对代表履职情况的评价")],
        electorate=[],
        code_voters=voters,
        **extra,
    )
    if not open_now:
        return ballot, []
    return actions.ballot_open_with_codes(actor=staff, ballot=ballot)


def _choice(ballot: Ballot, index: int) -> dict[int, list[int]]:
    return {question_id(ballot): [option_ids(ballot)[index]]}


# --- creating and opening ---


def test_a_code_ballot_is_secret_and_has_no_named_electorate(
    staff: User, city: Congress, make_person: Callable[..., User]
) -> None:
    now = timezone.now()
    base: dict[str, Any] = {
        "actor": staff,
        "congress": city,
        "title": "测评",
        "rule": "satisfaction",
        "questions": [actions.QuestionSpec(text="评价")],
        "opens_at": now,
        "closes_at": now + dt.timedelta(hours=1),
    }
    with pytest.raises(InvalidInput) as named:
        actions.ballot_create(**base, electorate=[], code_voters=5, mode="named")
    assert named.value.field == "mode"
    with pytest.raises(InvalidInput) as listed:
        actions.ballot_create(**base, electorate=[make_person(Role.DEPUTY)], code_voters=5)
    assert listed.value.code == "codes_and_electorate"
    with pytest.raises(InvalidInput) as zero:
        actions.ballot_create(**base, electorate=[], code_voters=0)
    assert zero.value.field == "code_voters"
    with pytest.raises(InvalidInput) as quorum:
        actions.ballot_create(**base, electorate=[], code_voters=5, quorum=6)
    assert quorum.value.field == "quorum"
    assert not Ballot.objects.exists()
    # Without codes the electorate is still required, as before.
    with pytest.raises(InvalidInput) as empty:
        actions.ballot_create(**base, electorate=[])
    assert empty.value.field == "electorate"


def test_opening_issues_the_codes_once_and_stores_only_hashes(staff: User, city: Congress) -> None:
    ballot, _ = _code_ballot(staff, city, voters=60, open_now=False)
    with pytest.raises(InvalidTransition) as plain:
        actions.ballot_open(actor=staff, ballot=ballot)
    assert plain.value.code == "needs_codes"
    opened, codes = actions.ballot_open_with_codes(actor=staff, ballot=ballot)
    assert opened.status == BallotStatus.OPEN
    assert opened.quorum == 31  # more than half of the 60 codes
    assert len(codes) == len(set(codes)) == 60
    assert all(len(code) == 8 and set(code) <= set(actions.CODE_ALPHABET) for code in codes)
    stored = list(VoterCode.objects.filter(ballot=opened).values_list("code_hash", flat=True))
    assert sorted(stored) == sorted(actions.code_hash(code) for code in codes)
    assert not any(code in value for code in codes for value in stored)
    with pytest.raises(InvalidTransition):
        actions.ballot_open_with_codes(actor=staff, ballot=opened)
    assert VoterCode.objects.filter(ballot=opened).count() == 60


def test_open_with_codes_needs_staff(staff: User, city: Congress, make_person: Callable[..., User]) -> None:
    ballot, _ = _code_ballot(staff, city, open_now=False)
    deputy = acting(make_person(Role.DEPUTY))
    with pytest.raises(Exception) as refused:
        actions.ballot_open_with_codes(actor=deputy, ballot=ballot)
    assert getattr(refused.value, "status_code", None) == 403
    assert not VoterCode.objects.exists()


# --- voting ---


def test_a_code_votes_once_and_the_count_uses_the_number_of_codes(staff: User, city: Congress) -> None:
    ballot, codes = _code_ballot(staff, city, voters=5)
    receipt = actions.code_vote_cast(code=codes[0].lower(), choices=_choice(ballot, 0))
    assert receipt
    actions.code_vote_cast(code=actions.format_code(codes[1]), choices=_choice(ballot, 0))
    actions.code_vote_cast(code=codes[2], choices=_choice(ballot, 1))
    assert BallotSheet.objects.filter(ballot=ballot).count() == 3
    assert VoterCode.objects.filter(ballot=ballot, used=True).count() == 3

    before = (BallotSheet.objects.count(), BallotMark.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidTransition) as reused:
        actions.code_vote_cast(code=codes[0], choices=_choice(ballot, 2))
    assert reused.value.code == "code_used"
    with pytest.raises(InvalidInput) as wrong:
        actions.code_vote_cast(code="ZZZZ-ZZZZ", choices=_choice(ballot, 2))
    assert wrong.value.code == "invalid_code"
    assert "投票码无效" in wrong.value.message
    with pytest.raises(InvalidInput) as bad_choice:
        actions.code_vote_cast(code=codes[3], choices={})
    assert bad_choice.value.code == "exactly_one"
    assert (BallotSheet.objects.count(), BallotMark.objects.count(), AuditEvent.objects.count()) == before
    assert not VoterCode.objects.get(code_hash=actions.code_hash(codes[3])).used

    closed = actions.ballot_close(actor=staff, ballot=ballot, early=True)
    assert closed.tally is not None and closed.result is not None
    assert closed.tally["electorate"] == 5
    assert closed.tally["ballots_cast"] == closed.tally["voters"] == 3
    assert closed.valid is True
    # 2 满意 of an electorate of 5 is not more than half; 满意 + 基本满意 = 3 is.
    assert closed.result["questions"][0]["verdict"] == "basically_satisfied"
    with pytest.raises(InvalidTransition) as after_close:
        actions.code_vote_cast(code=codes[4], choices=_choice(ballot, 0))
    assert after_close.value.code == "ballot_not_open"


def test_outside_the_window_nothing_is_recorded(staff: User, city: Congress) -> None:
    now = timezone.now()
    ballot, codes = _code_ballot(
        staff, city, opens_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=2)
    )
    with pytest.raises(InvalidTransition) as early:
        actions.code_vote_cast(code=codes[0], choices=_choice(ballot, 0))
    assert early.value.code == "outside_window"
    with pytest.raises(InvalidTransition):
        actions.code_vote_cast(code=codes[0], choices=_choice(ballot, 0), now=now + dt.timedelta(hours=3))
    assert not BallotSheet.objects.exists()
    assert not VoterCode.objects.filter(used=True).exists()


def test_without_quorum_there_is_no_valid_result(staff: User, city: Congress) -> None:
    ballot, codes = _code_ballot(staff, city, voters=50)
    for code in codes[:20]:
        actions.code_vote_cast(code=code, choices=_choice(ballot, 0))
    closed = actions.ballot_close(actor=staff, ballot=ballot, early=True)
    assert closed.valid is False
    assert closed.invalid_reason == "quorum_not_met"


def test_the_audit_trail_says_nothing_of_the_code_or_the_choice(staff: User, city: Congress) -> None:
    ballot, codes = _code_ballot(staff, city)
    actions.code_vote_cast(code=codes[0], choices=_choice(ballot, 2))
    event = AuditEvent.objects.get(action="ballot.code_vote_cast")
    assert event.actor_id is None
    assert event.summary == {}
    assert codes[0] not in str(event.__dict__)
    assert actions.code_hash(codes[0]) not in str(event.__dict__)


def test_stored_data_cannot_join_a_code_to_a_choice(staff: User, city: Congress) -> None:
    ballot, codes = _code_ballot(staff, city, voters=3)
    actions.code_vote_cast(code=codes[0], choices=_choice(ballot, 0))
    actions.code_vote_cast(code=codes[1], choices=_choice(ballot, 2))

    # The code table has the ballot, a keyed hash and a flag: no sheet, no time, no sequence of use.
    code_fields = {field.name for field in VoterCode._meta.get_fields()}
    assert code_fields == {"id", "ballot", "code_hash", "used"}
    sheet_fields = {field.name for field in BallotSheet._meta.get_fields()}
    assert sheet_fields == {"id", "ballot", "receipt_hash", "marks", "named_voter"}
    # Nowhere in the database does a code's hash sit next to anything else but its own row.
    hashes = {actions.code_hash(code) for code in codes[:2]}
    for model in apps.get_models():
        for row in model.objects.values():
            if any(isinstance(value, str) and value in hashes for value in row.values()):
                assert model is VoterCode, model
    assert not hashes & set(BallotSheet.objects.values_list("receipt_hash", flat=True))
    # The sheets are resealed at close like any secret ballot: new keys, no trace of the order of votes.
    sheets_before = set(BallotSheet.objects.filter(ballot=ballot).values_list("pk", flat=True))
    actions.ballot_close(actor=staff, ballot=ballot, early=True)
    sheets_after = set(BallotSheet.objects.filter(ballot=ballot).values_list("pk", flat=True))
    assert len(sheets_after) == 2
    assert not sheets_before & sheets_after


# --- the public page ---


def test_public_page_votes_with_a_code_without_login(staff: User, city: Congress) -> None:
    ballot, codes = _code_ballot(staff, city)
    client = Client()
    asked = client.get("/ballots/vote/")
    assert asked.status_code == 200
    assert 'data-testid="code-form"' in asked.text
    shown = client.get("/ballots/vote/", {"code": codes[0]})
    assert shown.status_code == 200
    assert "对代表履职情况的评价" in shown.text
    assert "基本满意" in shown.text
    voted = client.post("/ballots/vote/", {"code": codes[0], f"q{question_id(ballot)}": str(option_ids(ballot)[0])})
    assert voted.status_code == 200
    assert 'data-testid="receipt"' in voted.text
    assert BallotSheet.objects.filter(ballot=ballot).count() == 1

    again = client.post("/ballots/vote/", {"code": codes[0], f"q{question_id(ballot)}": str(option_ids(ballot)[1])})
    assert again.status_code == 409
    assert "已经使用过" in again.text
    wrong = client.get("/ballots/vote/", {"code": "AAAA-AAAA"})
    assert wrong.status_code == 400
    assert "投票码无效" in wrong.text
    assert BallotSheet.objects.filter(ballot=ballot).count() == 1


def test_public_page_refuses_outside_the_window(staff: User, city: Congress) -> None:
    now = timezone.now()
    _ballot, codes = _code_ballot(
        staff, city, opens_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=2)
    )
    response = Client().get("/ballots/vote/", {"code": codes[0]})
    assert response.status_code == 409
    assert "不在投票时间内" in response.text


def test_repeated_wrong_codes_are_slowed_down(staff: User, city: Congress) -> None:
    ballot, codes = _code_ballot(staff, city)
    client = Client()
    for index in range(throttle.CODE_FAILURE_LIMIT):
        assert client.get("/ballots/vote/", {"code": f"WRNG{index:04d}"}).status_code == 400
    blocked = client.get("/ballots/vote/", {"code": codes[0]})
    assert blocked.status_code == 429
    api = client.post(
        "/api/v1/voter-codes/vote",
        {"code": codes[0], "choices": [{"question_id": question_id(ballot), "option_ids": [option_ids(ballot)[0]]}]},
        content_type="application/json",
    )
    assert api.status_code == 429
    assert api.json()["code"] == "too_many_attempts"
    assert not BallotSheet.objects.exists()


# --- slips ---


def test_staff_open_page_shows_codes_once_and_downloads_slips(
    staff: User, city: Congress, client_for: Callable[[User], Client], make_person: Callable[..., User]
) -> None:
    ballot, _ = _code_ballot(staff, city, voters=4, open_now=False)
    client = client_for(staff)
    opened = client.post(f"/ballots/{ballot.pk}/open/")
    assert opened.status_code == 200
    assert opened.text.count('data-testid="voter-code"') == 4
    assert "no-cache" in opened["Cache-Control"] or "no-store" in opened["Cache-Control"]
    codes = re.findall(r'name="code" value="([A-Z0-9]+)"', opened.text)
    assert len(codes) == 4
    docx = client.post(f"/ballots/{ballot.pk}/slips.docx", {"code": codes})
    assert docx.status_code == 200
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert docx.content[:2] == b"PK"
    forged = client.post(f"/ballots/{ballot.pk}/slips.docx", {"code": [*codes, "ABCDEFGH"]})
    assert forged.status_code == 400
    deputy = client_for(make_person(Role.DEPUTY))
    assert deputy.post(f"/ballots/{ballot.pk}/slips.docx", {"code": codes}).status_code == 404
    # The ballot detail page never shows a code again.
    detail = client.get(f"/ballots/{ballot.pk}/")
    assert not any(code in detail.text for code in codes)


# --- the API ---


def test_code_ballot_through_the_api(staff: User, city: Congress, client_for: Callable[[User], Client]) -> None:
    client = client_for(staff)
    now = timezone.now()
    created = client.post(
        "/api/v1/ballots",
        {
            "congress_id": city.pk,
            "title": "述职测评",
            "rule": "satisfaction",
            "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
            "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
            "questions": [{"text": "评价"}],
            "electorate": [],
            "code_voters": 3,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    ballot_id = created.json()["id"]
    assert created.json()["code_voters"] == 3
    opened = client.post(f"/api/v1/ballots/{ballot_id}/open", {}, content_type="application/json")
    assert opened.status_code == 200
    codes = opened.json()["voter_codes"]
    assert len(codes) == 3
    assert client.get(f"/api/v1/ballots/{ballot_id}").json()["voter_codes"] == []

    public = Client()
    shown = public.get("/api/v1/voter-codes/ballot", {"code": codes[0]})
    assert shown.status_code == 200
    question = shown.json()["questions"][0]
    body = {
        "code": codes[0],
        "choices": [{"question_id": question["id"], "option_ids": [question["options"][0]["id"]]}],
    }
    voted = public.post("/api/v1/voter-codes/vote", body, content_type="application/json")
    assert voted.status_code == 201
    assert voted.json()["receipt"]
    reused = public.post("/api/v1/voter-codes/vote", body, content_type="application/json")
    assert reused.status_code == 409
    assert reused.json()["code"] == "code_used"
    wrong = public.get("/api/v1/voter-codes/ballot", {"code": "nope"})
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "code"
    assert client.get(f"/api/v1/ballots/{ballot_id}").json()["voters"] == 1


# --- the same code twice at once (PostgreSQL) ---


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is only meaningful on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_same_code_sent_twice_at_once_records_one_sheet(staff: User, city: Congress) -> None:
    ballot, codes = _code_ballot(staff, city, voters=3)
    choices = _choice(ballot, 0)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def vote() -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            actions.code_vote_cast(code=codes[0], choices=choices)
            result = "recorded"
        except InvalidTransition as error:
            result = error.code
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=vote) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["code_used"] * 7 + ["recorded"]
    assert BallotSheet.objects.filter(ballot=ballot).count() == 1
    assert BallotMark.objects.filter(sheet__ballot=ballot).count() == 1
    assert VoterCode.objects.filter(ballot=ballot, used=True).count() == 1
