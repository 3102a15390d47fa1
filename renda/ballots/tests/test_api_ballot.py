"""The ballot API end to end: create, open, vote, result, receipt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots.models import BallotSheet, BallotVoter
from renda.organizations.models import Congress
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_livelihood_vote_through_the_api(
    make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress, other_city: Congress
) -> None:
    staff = make_person(Role.COMMITTEE_STAFF)
    deputies = [make_person(Role.DEPUTY) for _ in range(4)]
    staff_client = client_for(staff)
    now = timezone.now()
    response = _post(
        staff_client,
        "/api/v1/ballots",
        {
            "congress_id": city.pk,
            "title": "2027 年民生实事项目票决",
            "rule": "select_k_of_n",
            "k": 2,
            "purpose": "livelihood.vote",
            "questions": [{"text": "民生实事项目", "options": ["养老", "托育", "道路", "医疗"]}],
            "electorate": [d.pk for d in deputies],
            "opens_at": (now - dt.timedelta(minutes=5)).isoformat(),
            "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    ballot = response.json()
    assert ballot["status"] == "draft"
    question = ballot["questions"][0]
    options = [option["id"] for option in question["options"]]
    url = f"/api/v1/ballots/{ballot['id']}"

    deputy_client = client_for(deputies[0])
    assert deputy_client.get(url).status_code == 404  # not visible before it opens
    assert _post(staff_client, f"{url}/open", {}).json()["status"] == "open"
    assert deputy_client.get(url).json()["electorate_size"] == 4

    receipts = []
    for deputy, chosen in zip(deputies, [options[:2], options[:2], options[1:3], [options[0]]], strict=True):
        response = _post(
            client_for(deputy), f"{url}/votes", {"choices": [{"question_id": question["id"], "option_ids": chosen}]}
        )
        assert response.status_code == 201, response.content
        receipts.append(response.json()["receipt"])
    again = _post(
        deputy_client, f"{url}/votes", {"choices": [{"question_id": question["id"], "option_ids": options[:1]}]}
    )
    assert again.status_code == 400
    assert again.json()["code"] == "already_voted"
    assert BallotVoter.objects.count() == 4

    early = deputy_client.get(f"{url}/result")
    assert early.status_code == 409
    assert early.json()["code"] == "not_closed"
    assert deputy_client.get(f"{url}/receipt", {"code": receipts[0]}).json() == {"recorded": True, "counted": False}

    # A deputy cannot close; staff of another congress does not even see the ballot.
    assert _post(deputy_client, f"{url}/close", {}).status_code == 404
    foreign = client_for(make_person(Role.COMMITTEE_STAFF, congress=other_city))
    assert _post(foreign, f"{url}/close", {}).status_code == 404

    closed = _post(staff_client, f"{url}/close", {})
    assert closed.status_code == 200, closed.content
    result = deputy_client.get(f"{url}/result").json()
    assert result["valid"] is True
    assert result["tally"]["ballots_cast"] == 4
    assert result["result"]["questions"][0]["elected"] == options[:2]
    assert deputy_client.get(f"{url}/receipt", {"code": receipts[3]}).json() == {"recorded": True, "counted": True}
    assert deputy_client.get(f"{url}/receipt", {"code": "x"}).json() == {"recorded": False, "counted": False}
    assert BallotSheet.objects.count() == 4


def test_api_vote_errors_are_typed(
    make_person: Callable[..., User], client_for: Callable[[User], Client], city: Congress
) -> None:
    from renda.ballots.tests.helpers import make_ballot, option_ids, question_id

    staff = make_person(Role.COMMITTEE_STAFF)
    deputy = make_person(Role.DEPUTY)
    ballot = make_ballot(staff=staff, congress=city, voters=[deputy], k=1)
    url = f"/api/v1/ballots/{ballot.pk}/votes"
    body = {"choices": [{"question_id": question_id(ballot), "option_ids": option_ids(ballot)[:2]}]}
    response = _post(client_for(deputy), url, body)
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_choices"
    response = _post(client_for(staff), url, body)
    assert response.status_code == 403
    assert response.json()["code"] == "not_in_electorate"
    assert BallotVoter.objects.count() == 0
