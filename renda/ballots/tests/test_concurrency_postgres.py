"""1,000 deputies vote at once through the HTTP API against a live server on PostgreSQL.

Every request is a real HTTP request on its own connection, served by the live
server's threads, each with its own database connection, so votes really
race: the count must still equal the ballots cast, one per voter, and retried
submissions must be refused.
"""

from __future__ import annotations

import http.client
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from renda.accounts.actions import token_create
from renda.accounts.models import User
from renda.ballots import actions
from renda.ballots.models import BallotMark, BallotSheet, BallotVoter
from renda.ballots.tests.helpers import acting, make_ballot, option_ids, question_id
from renda.organizations.models import Congress, RoleAssignment
from renda.organizations.roles import Role
from renda.tests_support import factories

VOTERS = 1_000
RETRIES = 100
WORKERS = 50

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is only meaningful on PostgreSQL"),
]


def _post(host: str, port: int, path: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    payload = json.dumps(body).encode()
    for attempt in range(5):
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.request(
                "POST",
                path,
                body=payload,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        except (ConnectionResetError, ConnectionRefusedError):
            time.sleep(0.05 * (attempt + 1))  # the connection never reached Django: safe to resend
        finally:
            conn.close()
    raise AssertionError("could not reach the live server")


@pytest.mark.django_db(transaction=True)
def test_one_thousand_voters_at_once(live_server: Any) -> None:
    started = time.monotonic()
    city = factories.CongressFactory(code="concurrency-city")
    staff = factories.UserFactory()
    RoleAssignment.objects.create(
        user=staff, congress=city, role=Role.COMMITTEE_STAFF, unit=factories.UnitFactory(congress=city)
    )
    now = timezone.now()
    voters = User.objects.bulk_create(
        [
            User(username=f"voter{i:04d}", full_name=f"代表{i}", password="!", password_changed_at=now)
            for i in range(VOTERS)
        ]
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=voter, congress=city, role=Role.DEPUTY) for voter in voters]
    )
    tokens = {voter.pk: token_create(user=voter, name="表决测试")[1] for voter in voters}
    ballot = make_ballot(
        staff=acting(staff),
        congress=Congress.objects.get(pk=city.pk),
        voters=voters,
        k=3,
        options=["甲", "乙", "丙", "丁", "戊"],
    )
    question = question_id(ballot)
    options = option_ids(ballot)
    rng = random.Random(2027)
    ballots = {voter.pk: rng.sample(options, rng.randint(1, 3)) for voter in voters}
    jobs = [voter.pk for voter in voters] + rng.sample([voter.pk for voter in voters], RETRIES)
    rng.shuffle(jobs)
    host, port = live_server.thread.host, live_server.thread.port
    path = f"/api/v1/ballots/{ballot.pk}/votes"

    def vote(voter_id: int) -> tuple[int, int, dict[str, Any]]:
        body = {"choices": [{"question_id": question, "option_ids": ballots[voter_id]}]}
        status, response = _post(host, port, path, tokens[voter_id], body)
        return voter_id, status, response

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(vote, jobs))

    accepted = [(voter_id, body) for voter_id, status, body in outcomes if status == 201]
    refused = [body for _voter_id, status, body in outcomes if status != 201]
    assert len(accepted) == VOTERS
    assert len({voter_id for voter_id, _ in accepted}) == VOTERS
    assert len(refused) == RETRIES
    assert {body["code"] for body in refused} == {"already_voted"}

    assert BallotVoter.objects.filter(ballot=ballot).count() == VOTERS
    assert BallotVoter.objects.filter(ballot=ballot).values("user").distinct().count() == VOTERS
    assert BallotSheet.objects.filter(ballot=ballot).count() == VOTERS
    assert BallotMark.objects.filter(sheet__ballot=ballot).count() == sum(len(chosen) for chosen in ballots.values())

    closed = actions.ballot_close(actor=staff, ballot=ballot)
    assert closed.tally is not None
    assert closed.tally["ballots_cast"] == VOTERS
    assert closed.tally["voters"] == VOTERS
    counted = {row["option"]: row["votes"] for row in closed.tally["questions"][0]["options"]}
    expected = {option: sum(option in chosen for chosen in ballots.values()) for option in options}
    assert counted == expected
    assert time.monotonic() - started < 60
