"""The citizen's side after the answer (§3.1 steps 4–5): rate it, and close or reopen the opinion.

The citizen acts by the tracking code (no account needed), so ``actor`` may be None. One rating per
round: the database refuses a second (``opinion_rating_once_per_round``), so two ratings sent at once
leave one row and the other gets a 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidTransition
from renda.core.todo import todo_close
from renda.opinions.actions._common import COMMENT_MAX, TODO_RELAY, lock, record
from renda.opinions.actions.triage import dispatch_open
from renda.opinions.models import Dispatch, Opinion, OpinionRating, Rating, Status

if TYPE_CHECKING:
    from renda.accounts.models import User

# A citizen may have an opinion handled again at most this many times; after that a rating closes it.
MAX_REOPENINGS = 2
RATEABLE_STATES = frozenset({Status.REPLIED, Status.RELAYED})


@transaction.atomic
def opinion_rate(
    *, opinion: Opinion, rating: str, comment: str = "", reopen: bool = False, actor: User | None = None
) -> OpinionRating:
    """Rate this round's answer. Satisfied → closed; dissatisfied and asking again → a new round with the same unit."""
    opinion = lock(opinion)
    if opinion.status not in RATEABLE_STATES:
        raise InvalidTransition(
            f"意见当前状态为“{opinion.get_status_display()}”，尚未答复，不能评价", code="not_replied", field="rating"
        )
    rating = clean_choice(rating, Rating.values, field="rating", label="评价")
    comment = clean_text(comment, field="comment", label="评价意见", max_length=COMMENT_MAX, required=False)
    reopening = bool(reopen) and rating == Rating.DISSATISFIED and opinion.reopen_count < MAX_REOPENINGS
    if OpinionRating.objects.filter(opinion=opinion, round=opinion.round).exists():
        raise InvalidTransition("本轮办理结果已经评价过", code="already_rated", field="rating")
    try:
        with transaction.atomic():
            rated = OpinionRating.objects.create(
                opinion=opinion, round=opinion.round, rating=rating, comment=comment, reopened=reopening
            )
    except IntegrityError:
        raise InvalidTransition("本轮办理结果已经评价过", code="already_rated", field="rating") from None
    todo_close(target=opinion, kind=TODO_RELAY, actor=actor)
    opinion.rating = rating
    if reopening:
        previous = (
            Dispatch.objects.filter(opinion=opinion)
            .select_related("unit", "dispatched_by")
            .order_by("-round", "-pk")
            .first()
        )
        if previous is None:  # pragma: no cover - a replied opinion has a dispatch
            raise InvalidTransition("该意见没有办理记录，不能重新办理", code="no_dispatch", field="reopen")
        opinion.reopen_count += 1
        opinion.round += 1
        # The new round keeps the unit and is recorded as dispatched by whoever dispatched the first one.
        dispatch_open(previous.dispatched_by, opinion, previous.unit, reopened=True)
        opinion.save(
            update_fields=[
                "rating",
                "reopen_count",
                "round",
                "status",
                "unit",
                "due_at",
                "replied_at",
                "replied_on_time",
            ]
        )
    else:
        opinion.status, opinion.closed_at = Status.CLOSED, timezone.now()
        opinion.save(update_fields=["rating", "status", "closed_at"])
    record(actor, "rated", opinion, round=rated.round, rating=rating, reopened=reopening)
    return rated
