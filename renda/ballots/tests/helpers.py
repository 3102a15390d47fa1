"""Shared builders for the ballot tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions
from renda.ballots.models import Ballot
from renda.organizations.models import Congress


def acting(user: User) -> User:
    """Give a user created in a test the role they act in, as the middleware would."""
    user.active_assignment = user.role_assignments.order_by("pk").first()
    return user


def make_ballot(
    *,
    staff: User,
    congress: Congress,
    voters: list[User],
    rule: str = "select_k_of_n",
    options: list[str] | None = None,
    questions: int = 1,
    open_now: bool = True,
    **extra: Any,
) -> Ballot:
    now = timezone.now()
    if rule == "select_k_of_n":
        specs = [
            actions.QuestionSpec(text=f"项目{i}", options=options or ["甲", "乙", "丙", "丁"]) for i in range(questions)
        ]
        extra.setdefault("k", 2)
    else:
        specs = [actions.QuestionSpec(text=f"事项{i}") for i in range(questions)]
    extra.setdefault("opens_at", now - dt.timedelta(hours=1))
    extra.setdefault("closes_at", now + dt.timedelta(hours=1))
    ballot = actions.ballot_create(
        actor=acting(staff), congress=congress, title="测试表决", rule=rule, questions=specs, electorate=voters, **extra
    )
    if open_now:
        ballot = actions.ballot_open(actor=staff, ballot=ballot)
    return ballot


def option_ids(ballot: Ballot, question_index: int = 0) -> list[int]:
    question = ballot.questions.order_by("order")[question_index]
    return list(question.options.order_by("order").values_list("pk", flat=True))


def question_id(ballot: Ballot, question_index: int = 0) -> int:
    return int(ballot.questions.order_by("order")[question_index].pk)
