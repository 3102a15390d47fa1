"""The ballot pages: voting from a phone, the staff buttons, and the big screen in the meeting hall."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions
from renda.ballots.models import Ballot, BallotMark, BallotSheet, BallotStatus, BallotVoter
from renda.ballots.tests.helpers import acting, make_ballot, option_ids, question_id
from renda.core.models import AuditEvent
from renda.organizations.models import Congress
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_person: Callable[..., User]) -> User:
    return acting(make_person(Role.COMMITTEE_STAFF))


@pytest.fixture
def voters(make_person: Callable[..., User]) -> list[User]:
    return [make_person(Role.DEPUTY) for _ in range(3)]


@pytest.fixture
def ballot(staff: User, city: Congress, voters: list[User]) -> Ballot:
    return make_ballot(staff=staff, congress=city, voters=voters, options=["甲", "乙", "丙"])


def _state() -> tuple[int, ...]:
    return (
        BallotVoter.objects.count(),
        BallotSheet.objects.count(),
        BallotMark.objects.count(),
        AuditEvent.objects.count(),
        Ballot.objects.filter(status=BallotStatus.CLOSED).count(),
        Ballot.objects.filter(status=BallotStatus.OPEN).count(),
    )


def _vote(client: Client, ballot: Ballot, chosen: list[int]) -> object:
    return client.post(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}), {f"q{question_id(ballot)}": chosen})


def test_list_shows_open_ballot_to_vote_first(
    ballot: Ballot, staff: User, city: Congress, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    closed = make_ballot(staff=staff, congress=city, voters=voters)
    actions.ballot_close(actor=staff, ballot=closed, early=True)
    response = client_for(voters[0]).get(reverse("ballots:list"))
    assert response.status_code == 200
    items = list(response.context["ballots"])
    assert [item.pk for item in items] == [ballot.pk, closed.pk]
    assert "请投票" in response.content.decode()


def test_voting_through_the_page_records_one_ballot_and_shows_the_receipt_once(
    ballot: Ballot, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(voters[0])
    page = client.get(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "最多选 2 项" in html
    assert 'type="checkbox"' in html
    assert "差额选择" in html

    options = option_ids(ballot)
    response = _vote(client, ballot, options[:2])
    assert response.status_code == 200
    html = response.content.decode()
    receipt = response.context["receipt"]
    assert receipt and receipt in html
    assert "请记下回执码" in html
    assert BallotVoter.objects.filter(ballot=ballot).count() == 1
    assert BallotSheet.objects.filter(ballot=ballot).count() == 1
    assert sorted(BallotMark.objects.values_list("option_id", flat=True)) == sorted(options[:2])

    # Shown once: the page afterwards says "already voted" and never the code.
    again = client.get(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}))
    html = again.content.decode()
    assert "您已投票" in html
    assert receipt not in html
    assert "请记下回执码" not in html
    assert 'name="q' not in html


def test_second_vote_is_refused_with_a_message(
    ballot: Ballot, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(voters[0])
    options = option_ids(ballot)
    assert _vote(client, ballot, options[:1]).status_code == 200
    before = _state()
    response = _vote(client, ballot, options[1:2])
    assert response.status_code == 400
    assert "你已经投过票了" in response.content.decode()
    assert "请记下回执码" not in response.content.decode()
    assert _state() == before


def test_too_many_choices_is_refused_and_keeps_the_ticks(
    ballot: Ballot, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    before = _state()
    response = _vote(client_for(voters[0]), ballot, option_ids(ballot))
    assert response.status_code == 400
    html = response.content.decode()
    assert "每个事项最多选择 2 项" in html
    assert html.count("checked") == 3
    assert _state() == before


def test_nothing_chosen_and_garbage_are_refused(
    ballot: Ballot, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(voters[0])
    before = _state()
    assert "至少选择一项" in _vote(client, ballot, []).content.decode()
    assert _vote(client, ballot, ["x"]).status_code == 400  # type: ignore[list-item]
    assert _vote(client, ballot, [999_999]).status_code == 400
    assert _state() == before


def test_outside_the_window_is_refused(
    staff: User, city: Congress, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    now = timezone.now()
    ballot = make_ballot(
        staff=staff,
        congress=city,
        voters=voters,
        opens_at=now - dt.timedelta(hours=2),
        closes_at=now + dt.timedelta(hours=1),
    )
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=now - dt.timedelta(minutes=1))
    ballot.refresh_from_db()
    client = client_for(voters[0])
    page = client.get(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}))
    assert "不在投票时间内" in page.content.decode()
    before = _state()
    response = _vote(client, ballot, option_ids(ballot)[:1])
    assert response.status_code == 409
    assert "不在投票时间内" in response.content.decode()
    assert _state() == before


def test_non_electorate_gets_404_and_staff_cannot_vote(
    ballot: Ballot,
    staff: User,
    make_person: Callable[..., User],
    client_for: Callable[[User], Client],
    other_city: Congress,
) -> None:
    outsider = make_person(Role.DEPUTY)
    foreign_staff = acting(make_person(Role.COMMITTEE_STAFF, congress=other_city))
    before = _state()
    for person in (outsider, foreign_staff):
        client = client_for(person)
        for name in ("ballots:detail", "ballots:screen"):
            assert client.get(reverse(name, kwargs={"ballot_id": ballot.pk})).status_code == 404
        assert _vote(client, ballot, option_ids(ballot)[:1]).status_code == 404
        assert client.post(reverse("ballots:close", kwargs={"ballot_id": ballot.pk}), {"early": "1"}).status_code == 404
        assert (
            reverse("ballots:detail", kwargs={"ballot_id": ballot.pk})
            not in client.get(reverse("ballots:list")).content.decode()
        )
    # The congress's own staff sees the page but is not in the electorate.
    staff_client = client_for(staff)
    page = staff_client.get(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}))
    assert page.status_code == 200
    assert "不在本次表决的投票人名单中" in page.content.decode()
    response = _vote(staff_client, ballot, option_ids(ballot)[:1])
    assert response.status_code == 403
    assert "你不在本次表决的投票人名单中" in response.content.decode()
    assert _state() == before


def test_voter_cannot_open_or_close(
    ballot: Ballot, staff: User, city: Congress, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    draft = make_ballot(staff=staff, congress=city, voters=voters, open_now=False)
    client = client_for(voters[0])
    page = client.get(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}))
    assert "提前结束投票并计票" not in page.content.decode()
    before = _state()
    assert client.post(reverse("ballots:open", kwargs={"ballot_id": draft.pk})).status_code == 404
    assert client.post(reverse("ballots:close", kwargs={"ballot_id": ballot.pk}), {"early": "1"}).status_code == 404
    assert client.get(reverse("ballots:close", kwargs={"ballot_id": ballot.pk})).status_code == 405
    assert _state() == before


def test_staff_opens_and_closes_from_the_page(
    staff: User, city: Congress, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, open_now=False)
    client = client_for(staff)
    url = reverse("ballots:detail", kwargs={"ballot_id": ballot.pk})
    assert "开始表决" in client.get(url).content.decode()
    response = client.post(reverse("ballots:open", kwargs={"ballot_id": ballot.pk}), follow=True)
    assert "表决已开始" in response.content.decode()
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.OPEN
    # Opening twice is refused with a message, not an error page.
    response = client.post(reverse("ballots:open", kwargs={"ballot_id": ballot.pk}), follow=True)
    assert "只有草稿状态的表决可以开始" in response.content.decode()
    # Closing without "early" while the window runs and people have not voted is refused.
    response = client.post(reverse("ballots:close", kwargs={"ballot_id": ballot.pk}), follow=True)
    assert "提前结束" in response.content.decode()
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.OPEN
    response = client.post(reverse("ballots:close", kwargs={"ballot_id": ballot.pk}), {"early": "1"}, follow=True)
    assert "表决已结束" in response.content.decode()
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.CLOSED


def test_big_screen_shows_no_tally_before_close_and_the_tally_after(
    ballot: Ballot, staff: User, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    options = option_ids(ballot)
    for voter, chosen in zip(voters, [options[:2], options[:2], options[1:]], strict=True):
        assert _vote(client_for(voter), ballot, chosen).status_code == 200
    url = reverse("ballots:screen", kwargs={"ballot_id": ballot.pk})
    screen = client_for(voters[0]).get(url)
    html = screen.content.decode()
    assert screen.status_code == 200
    assert 'hx-trigger="every 3s"' in html
    assert 'data-testid="screen-cast">3<' in html
    assert 'data-testid="screen-electorate">3<' in html
    assert "tally-row" not in html
    assert "甲" not in html  # not even the candidates' names, let alone partial counts
    assert "style=" not in html
    fragment = client_for(staff).get(url, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert "tally-row" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]

    actions.ballot_close(actor=staff, ballot=ballot, early=True)
    closed = client_for(voters[1]).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in closed  # polling stops
    assert "style=" not in closed
    # 甲 2, 乙 3, 丙 1: 乙 and 甲 elected.
    assert closed.count('data-testid="tally-row"') == 3
    assert 'data-votes="2"' in closed and 'data-votes="3"' in closed and 'data-votes="1"' in closed
    assert closed.count("当选</strong>") == 2
    assert 'max="3" value="3"' in closed
    detail = client_for(voters[2]).get(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}))
    assert "表决结果" in detail.content.decode()


def test_big_screen_says_no_valid_result_without_quorum(
    ballot: Ballot, staff: User, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    _vote(client_for(voters[0]), ballot, option_ids(ballot)[:1])
    actions.ballot_close(actor=staff, ballot=ballot, early=True)
    html = client_for(staff).get(reverse("ballots:screen", kwargs={"ballot_id": ballot.pk})).content.decode()
    assert "无有效结果" in html
    assert "未达到法定人数 2 人" in html
    assert "当选</strong>" not in html


def test_yes_no_abstain_page_uses_radios_and_shows_verdict(
    staff: User, city: Congress, voters: list[User], client_for: Callable[[User], Client]
) -> None:
    ballot = make_ballot(staff=staff, congress=city, voters=voters, rule="yes_no_abstain")
    html = client_for(voters[0]).get(reverse("ballots:detail", kwargs={"ballot_id": ballot.pk})).content.decode()
    assert 'type="radio"' in html and "赞成" in html and "弃权" in html
    yes = option_ids(ballot)[0]
    for voter in voters:
        assert _vote(client_for(voter), ballot, [yes]).status_code == 200
    actions.ballot_close(actor=staff, ballot=ballot)
    html = client_for(staff).get(reverse("ballots:screen", kwargs={"ballot_id": ballot.pk})).content.decode()
    assert "verdict-passed" in html
