"""Triage (分流): answer on the spot, refuse with the right channel, grade and dispatch, or convert (§3.1 step 2–3).

Triage is done by the committee staff of the opinion's congress, the staff of the station it came
to, or the deputy it was addressed to (``permissions.can_triage``). Only a RECEIVED opinion is
triaged; a unit's return puts it back to RECEIVED.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.notify import format_due
from renda.core.todo import todo_close, todo_open
from renda.opinions import permissions
from renda.opinions.actions._common import (
    ANSWER_MAX,
    REASON_MAX,
    TODO_HANDLE,
    TODO_TRIAGE,
    deadline,
    link,
    lock,
    notify,
    record,
    require_state,
    short,
    today,
    triage_unit,
    unit_people,
)
from renda.opinions.models import Category, Dispatch, Level, Opinion, Status
from renda.organizations.models import RoleAssignment, UnitKind, congress_subtree_ids
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.deputies.models import DeputyProfile
    from renda.insight.models import Cluster
    from renda.organizations.models import Unit
    from renda.suggestions.models import Suggestion

# The channels a refused opinion is pointed to (不予受理，告知途径).
REDIRECT_CHANNELS = ("诉讼", "仲裁", "行政复议", "信访", "其他")
# Bodies an opinion is never dispatched to: the congress's own delegations and stations.
NOT_HANDLING_KINDS = frozenset({UnitKind.DELEGATION, UnitKind.LIAISON_STATION})
SUGGESTION_TITLE_MAX = 100


def _check_triage(actor: User, opinion: Opinion, doing: str) -> Opinion:
    if not permissions.can_triage(actor, opinion):
        raise NotPermitted(f"只有分流人员可以{doing}")
    opinion = lock(opinion)
    require_state(opinion, {Status.RECEIVED}, doing)
    return opinion


def _mark_triaged(actor: User, opinion: Opinion, status: str) -> list[str]:
    opinion.status = status
    opinion.triaged_by = actor
    opinion.triaged_at = timezone.now()
    todo_close(target=opinion, kind=TODO_TRIAGE, actor=actor)
    return ["status", "triaged_by", "triaged_at"]


@transaction.atomic
def triage_answer_on_spot(*, actor: User, opinion: Opinion, answer: str) -> Opinion:
    """The question is answered there and then (当场答复); the loop ends."""
    opinion = _check_triage(actor, opinion, "当场答复")
    answer = clean_text(answer, field="answer", label="答复内容", max_length=ANSWER_MAX)
    opinion.on_spot_answer = answer
    fields = _mark_triaged(actor, opinion, Status.ANSWERED_ON_SPOT)
    opinion.closed_at = opinion.triaged_at
    opinion.save(update_fields=[*fields, "on_spot_answer", "closed_at"])
    record(actor, "answered_on_spot", opinion)
    return opinion


@transaction.atomic
def triage_refuse(*, actor: User, opinion: Opinion, reason: str, channel: str) -> Opinion:
    """Not for this process (不予受理): the citizen is told why and which channel to use."""
    opinion = _check_triage(actor, opinion, "不予受理")
    reason = clean_text(reason, field="reason", label="不予受理理由", max_length=REASON_MAX)
    if not str(channel or "").strip():
        raise InvalidInput("请选择建议途径", code="required", field="channel")
    channel = clean_choice(channel, REDIRECT_CHANNELS, field="channel", label="建议途径")
    opinion.refuse_reason, opinion.redirect_channel = reason, channel
    fields = _mark_triaged(actor, opinion, Status.REFUSED)
    opinion.closed_at = opinion.triaged_at
    opinion.save(update_fields=[*fields, "refuse_reason", "redirect_channel", "closed_at"])
    record(actor, "refused", opinion, reason=reason[:200], channel=channel)
    return opinion


def _clean_grade(opinion: Opinion, *, level: str, category: str, unit: Unit) -> tuple[str, str]:
    level = clean_choice(level, Level.values, field="level", label="分级")
    category = clean_choice(category, Category.values, field="category", label="类别")
    if not unit.is_active or unit.kind in NOT_HANDLING_KINDS:
        raise InvalidInput("该单位不能承办群众意见", code="invalid_unit", field="unit")
    if unit.congress_id not in congress_subtree_ids([opinion.congress_id]):
        raise InvalidInput("承办单位不属于本级人大或其下级", code="wrong_congress", field="unit")
    return level, category


def dispatch_open(
    actor: User, opinion: Opinion, unit: Unit, *, reopened: bool = False, send_message: bool = True
) -> Dispatch:
    """A new round's dispatch to ``unit``, its deadline, the unit's duty and message. The caller saves ``opinion``."""
    now = timezone.now()
    rule = "opinion_handling_complex" if opinion.is_complex else "opinion_handling"
    due = deadline(rule, start=today(), congress=opinion.congress)
    dispatch = Dispatch.objects.create(
        opinion=opinion, round=opinion.round, unit=unit, due_at=due, dispatched_by=actor, dispatched_at=now
    )
    opinion.unit, opinion.due_at, opinion.status = unit, due, Status.DISPATCHED
    opinion.replied_at, opinion.replied_on_time = None, None
    prefix = "重新办理群众意见" if reopened else "办理群众意见"
    todo_open(
        congress=unit.congress,
        kind=TODO_HANDLE,
        title=f"{prefix}：{short(opinion.text)}",
        due_at=due,
        url=link(opinion),
        target=dispatch,
        unit=unit,
        # Overdue duties escalate to the congress's triage staff (core.jobs.escalate_overdue).
        supervising_unit=triage_unit(opinion.congress),
    )
    if send_message:
        notify(
            unit_people(unit),
            "opinion.reopened" if reopened else "opinion.dispatched",
            opinion,
            unit=unit.name,
            due=format_due(due),
        )
    return dispatch


def _grade_and_dispatch(
    actor: User,
    opinion: Opinion,
    *,
    level: str,
    category: str,
    unit: Unit,
    is_complex: bool,
    send_message: bool = True,
    **audit: Any,
) -> Dispatch:
    """Grade, dispatch and record it ("dispatched", with ``audit`` added to the summary)."""
    opinion.level, opinion.category, opinion.is_complex = level, category, bool(is_complex)
    opinion.round = max(opinion.round, 1)
    fields = _mark_triaged(actor, opinion, Status.DISPATCHED)
    dispatch = dispatch_open(actor, opinion, unit, send_message=send_message)
    opinion.save(
        update_fields=[
            *fields,
            "level",
            "category",
            "is_complex",
            "round",
            "unit",
            "due_at",
            "replied_at",
            "replied_on_time",
        ]
    )
    record(
        actor,
        "dispatched",
        opinion,
        level=level,
        category=category,
        unit=unit.pk,
        unit_name=unit.name,
        round=opinion.round,
        due_at=dispatch.due_at.isoformat(),
        is_complex=opinion.is_complex,
        **audit,
    )
    return dispatch


@transaction.atomic
def triage_grade(
    *, actor: User, opinion: Opinion, level: str, category: str, unit: Unit, is_complex: bool = False
) -> Dispatch:
    """Graded L1/L2/L3 and dispatched (派单) to a unit, due in 5 working days (10 if complex)."""
    opinion = _check_triage(actor, opinion, "分级派单")
    level, category = _clean_grade(opinion, level=level, category=category, unit=unit)
    return _grade_and_dispatch(actor, opinion, level=level, category=category, unit=unit, is_complex=is_complex)


@transaction.atomic
def triage_convert(*, actor: User, opinion: Opinion, deputy: DeputyProfile | None = None, title: str) -> Suggestion:
    """The opinion becomes a draft suggestion of a deputy of the congress (转化为代表建议), for them to submit."""
    from renda.suggestions.actions import suggestion_create
    from renda.suggestions.models import Category as SuggestionCategory

    opinion = _check_triage(actor, opinion, "转为代表建议")
    if deputy is None:
        deputy = permissions.acting_deputy(actor)
    if deputy is None:
        raise InvalidInput("请选择代表", code="required", field="deputy")
    title = clean_text(title, field="title", label="建议标题", max_length=SUGGESTION_TITLE_MAX)
    assignment = (
        RoleAssignment.objects.filter(
            user_id=deputy.user_id, congress=opinion.congress, role=Role.DEPUTY, is_active=True
        )
        .select_related("congress", "unit")
        .first()
    )
    if assignment is None:
        raise InvalidInput("该代表不是本级人大代表", code="not_deputy", field="deputy")
    deputy_user = deputy.user
    # The draft is the deputy's own: it is created as them, in their deputy role, and only they submit it.
    acting_now = getattr(deputy_user, "active_assignment", None)
    deputy_user.active_assignment = assignment
    try:
        body = opinion.text + (f"\n\n地点：{opinion.address}" if opinion.address else "")
        body += f"\n\n（来源：群众意见，查询码 {opinion.tracking_code}）"
        suggestion = suggestion_create(
            actor=deputy_user,
            congress=opinion.congress,
            title=title,
            body=body,
            category=SuggestionCategory.OTHER,
        )
    finally:
        deputy_user.active_assignment = acting_now
    opinion.converted_suggestion = suggestion
    opinion.deputy = opinion.deputy or deputy
    fields = _mark_triaged(actor, opinion, Status.CONVERTED)
    opinion.closed_at = opinion.triaged_at
    opinion.save(update_fields=[*fields, "converted_suggestion", "deputy", "closed_at"])
    record(actor, "converted", opinion, suggestion=suggestion.pk, deputy=deputy.pk, title=title)
    return suggestion


def cluster_members(cluster: Cluster, states: Iterable[str]) -> list[Opinion]:
    return list(
        Opinion.objects.select_for_update()
        .filter(cluster=cluster, congress_id=cluster.congress_id, status__in=list(states))
        .select_related("congress")
        .order_by("received_at", "pk")
    )


@transaction.atomic
def cluster_dispatch(
    *, actor: User, cluster: Cluster, level: str, category: str, unit: Unit, is_complex: bool = False
) -> list[Dispatch]:
    """Handle a cluster as one (合并办理): every waiting opinion of it goes to one unit; each citizen gets the answer.

    The cluster is marked ``handled_as_one``: the unit's acceptance and reply on one of them carry over to the
    others it holds (``actions.handling``).
    """
    from renda.insight.models import Cluster

    if not permissions.can_triage_congress(actor, cluster.congress_id):
        raise NotPermitted("只有本级人大工作机构人员可以合并办理")
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    members = cluster_members(cluster, {Status.RECEIVED})
    if not members:
        raise InvalidTransition("该组没有待分流的意见", code="nothing_to_dispatch", field="cluster")
    level, category = _clean_grade(members[0], level=level, category=category, unit=unit)
    dispatches = []
    for index, opinion in enumerate(members):
        # One message to the unit for the whole group; each opinion still gets its own duty and deadline.
        dispatch = _grade_and_dispatch(
            actor,
            opinion,
            level=level,
            category=category,
            unit=unit,
            is_complex=is_complex,
            send_message=index == 0,
            cluster=cluster.pk,
        )
        dispatches.append(dispatch)
    cluster.handled_as_one = True
    cluster.save(update_fields=["handled_as_one"])
    return dispatches
