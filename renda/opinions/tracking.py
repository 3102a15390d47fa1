"""What a citizen sees with the tracking code: the steps, who handles it, the answers and whether to rate.

Read by the public tracking page and the public API alike. The citizen's name and phone are never
part of it; only whether a phone was given (erasure then asks for its last four digits).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from renda.core import throttle
from renda.core.errors import InvalidInput
from renda.core.throttle import TooManyRequests
from renda.opinions import permissions
from renda.opinions.actions.citizen import MAX_REOPENINGS, RATEABLE_STATES
from renda.opinions.actions.privacy import personal_data_erase
from renda.opinions.models import ENDED_AT_TRIAGE, Dispatch, Opinion, OpinionRating, Rating, Status

if TYPE_CHECKING:
    from renda.accounts.models import User

STEP_LABELS: tuple[StrPromise, ...] = (
    _("收到"),
    _("分流"),
    _("派单"),
    _("接单"),
    _("答复"),
    _("反馈"),
    _("评价"),
)
# The last step each state has reached (an index into STEP_LABELS).
REACHED_STEP = {
    Status.RECEIVED: 0,
    Status.ANSWERED_ON_SPOT: 1,
    Status.REFUSED: 1,
    Status.CONVERTED: 1,
    Status.DISPATCHED: 2,
    Status.ACCEPTED: 3,
    Status.REPLIED: 4,
    Status.RELAYED: 5,
    Status.CLOSED: 6,
}


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" (reached last) or "todo"


@dataclass(frozen=True)
class Answer:
    """One round's answer by the unit, and the citizen's rating of it (if given)."""

    round: int
    unit_name: str
    text: str
    replied_at: dt.datetime | None
    rating: str = ""
    rating_label: str = ""
    comment: str = ""
    reopened: bool = False


@dataclass(frozen=True)
class Tracking:
    opinion: Opinion
    code: str
    status: str
    status_label: str
    steps: list[Step]
    addressed_to: str
    unit_name: str
    due_at: dt.datetime | None
    outcome: str
    redirect_channel: str
    answers: list[Answer] = field(default_factory=list)
    can_rate: bool = False
    can_reopen: bool = False
    has_phone: bool = False
    erased: bool = False


def _steps(opinion: Opinion) -> list[Step]:
    reached = REACHED_STEP.get(Status(opinion.status), 0)
    labels = STEP_LABELS[:2] if opinion.status in ENDED_AT_TRIAGE else STEP_LABELS
    return [
        Step(label=str(label), state="done" if index < reached else "current" if index == reached else "todo")
        for index, label in enumerate(labels)
    ]


def _answers(opinion: Opinion) -> list[Answer]:
    ratings = {rating.round: rating for rating in OpinionRating.objects.filter(opinion=opinion)}
    answers = []
    replied = (
        Dispatch.objects.filter(opinion=opinion, state=Dispatch.State.REPLIED)
        .select_related("unit")
        .order_by("round", "pk")
    )
    for dispatch in replied:
        rated = ratings.get(dispatch.round)
        answers.append(
            Answer(
                round=dispatch.round,
                unit_name=dispatch.unit.name,
                text=dispatch.reply,
                replied_at=dispatch.replied_at,
                rating=rated.rating if rated else "",
                rating_label=str(Rating(rated.rating).label) if rated else "",
                comment=rated.comment if rated else "",
                reopened=rated.reopened if rated else False,
            )
        )
    return answers


def _outcome(opinion: Opinion) -> str:
    if opinion.status == Status.ANSWERED_ON_SPOT:
        return opinion.on_spot_answer
    if opinion.status == Status.REFUSED:
        return opinion.refuse_reason
    if opinion.status == Status.CONVERTED:
        return str(_("您的意见已由人大代表转化为代表建议，将按代表建议的程序办理。"))
    return ""


def tracking_for(opinion: Opinion) -> Tracking:
    addressed_to = ""
    if opinion.station is not None:
        addressed_to = opinion.station.unit.name
    elif opinion.deputy is not None:
        addressed_to = str(_("%(name)s代表") % {"name": opinion.deputy.name})
    already_rated = OpinionRating.objects.filter(opinion=opinion, round=opinion.round).exists()
    return Tracking(
        opinion=opinion,
        code=opinion.tracking_code,
        status=opinion.status,
        status_label=str(opinion.get_status_display()),
        steps=_steps(opinion),
        addressed_to=addressed_to,
        unit_name=opinion.unit.name if opinion.unit is not None else "",
        due_at=opinion.due_at,
        outcome=_outcome(opinion),
        redirect_channel=opinion.redirect_channel if opinion.status == Status.REFUSED else "",
        answers=_answers(opinion),
        can_rate=opinion.status in RATEABLE_STATES and not already_rated,
        can_reopen=opinion.reopen_count < MAX_REOPENINGS,
        has_phone=bool(opinion.citizen_phone_encrypted) and opinion.erased_at is None,
        erased=opinion.erased_at is not None,
    )


# --- reaching an opinion by its code, with the brakes on guessing ---

WRONG_CODES_PER_TEN_MINUTES = 20
WRONG_DIGITS_PER_HOUR = 5


def find_by_code(code: object, *, ip_hash: str) -> Opinion:
    """The opinion by tracking code; wrong codes are counted per address (``TooManyRequests`` once too many)."""
    key = f"opinions:wrong-code:ip:{ip_hash}"
    if throttle.exceeded(key, WRONG_CODES_PER_TEN_MINUTES, 10 * 60):
        raise TooManyRequests("查询码输入错误次数过多，请 10 分钟后再试")
    try:
        return permissions.get_by_tracking_code(code)
    except Http404:
        throttle.hit(key, WRONG_CODES_PER_TEN_MINUTES, 10 * 60)
        raise


def erase_by_code(*, opinion: Opinion, phone_digits: str, actor: User | None) -> Opinion:
    """Erase the citizen's personal data by tracking code; wrong phone digits are counted per opinion."""
    key = f"opinions:wrong-digits:{opinion.pk}"
    if throttle.exceeded(key, WRONG_DIGITS_PER_HOUR, 3600):
        raise TooManyRequests("手机号后四位输入错误次数过多，请一小时后再试", field="phone_digits")
    try:
        return personal_data_erase(actor=actor, opinion=opinion, via_tracking_code=True, phone_digits=phone_digits)
    except InvalidInput as error:
        if error.code == "wrong_digits":
            throttle.hit(key, WRONG_DIGITS_PER_HOUR, 3600)
        raise
