"""Every change to a motion goes through one of these named actions (domain.md §1.2–1.3).

Each takes keyword-only arguments, checks permission and input before changing anything,
runs in one transaction and writes one audit event on the motion. A refusal is
``NotPermitted`` (not you), ``InvalidTransition`` (not now, 409) or ``InvalidInput``
(not this, naming the field).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from renda.core.audit import audit_record
from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.todo import todo_close, todo_open
from renda.motions import permissions
from renda.motions.models import Motion, MotionCosigner, MotionCosignerStatus, MotionStatus, ProposerKind
from renda.organizations.models import CongressSession, Unit, UnitKind
from renda.suggestions import search
from renda.suggestions.actions._common import NOTE_MAX
from renda.suggestions.actions._common import record as record_suggestion
from renda.suggestions.actions.drafting import _delegation_of, is_deputy_of
from renda.suggestions.models import Category, Cosigner, CosignerStatus, Phase, Status, Suggestion
from renda.suggestions.permissions import deputy_congress_id

if TYPE_CHECKING:
    import datetime as dt

    from renda.accounts.models import User
    from renda.organizations.models import Congress

TITLE_MAX = 100
PART_MAX = 5000
TODO_COSIGN = "motion.cosign"

DECISIONS = {
    "list": MotionStatus.LISTED_ON_AGENDA,
    "refer": MotionStatus.REFERRED_TO_COMMITTEE,
    "not_list": MotionStatus.NOT_LISTED,
    "convert": MotionStatus.CONVERTED_TO_SUGGESTION,
}
VOTE_RESULTS = {"adopted": MotionStatus.ADOPTED, "rejected": MotionStatus.REJECTED}
# Before the plenary vote a filed motion may be withdrawn, if the presidium agrees (§1.3).
WITHDRAWABLE_AFTER_FILING = frozenset(
    {MotionStatus.FILED, MotionStatus.LISTED_ON_AGENDA, MotionStatus.REFERRED_TO_COMMITTEE}
)


# --- helpers ---


def link(motion: Motion) -> str:
    return reverse("motions:detail", kwargs={"motion_id": motion.pk})


def record(actor: User | None, action: str, motion: Motion, **summary: Any) -> None:
    audit_record(actor=actor, action=f"motion.{action}", target=motion, congress=motion.congress, summary=summary)


def lock(motion: Motion) -> Motion:
    """Re-read the motion under a row lock: concurrent actions on one motion run one after the other."""
    return Motion.objects.select_for_update().select_related("congress", "session").get(pk=motion.pk)


def require_state(motion: Motion, allowed: Sequence[str] | frozenset[str], doing: str) -> None:
    if motion.status not in set(allowed):
        raise InvalidTransition(
            f"议案当前状态为“{motion.get_status_display()}”，不能{doing}", code="invalid_state", field="status"
        )


def confirmed_count(motion: Motion) -> int:
    """Who counts toward the threshold: the lead deputy plus the co-signers who confirmed."""
    return 1 + motion.cosigners.filter(status=MotionCosignerStatus.CONFIRMED).count()


def threshold(congress: Congress) -> int:
    return int(congress.setting("motion_cosigner_threshold"))


def _clean_parts(
    *, congress: Congress, session: CongressSession | None, title: str, reason: str, grounds: str, plan: str
) -> tuple[CongressSession, str, str, str, str]:
    if session is None:
        raise InvalidInput("请选择议案提交的代表大会会议", code="required", field="session")
    if session.congress_id != congress.pk:
        raise InvalidInput("所选会议不属于该人大", code="wrong_congress", field="session")
    return (
        session,
        clean_text(title, field="title", label="标题", max_length=TITLE_MAX),
        clean_text(reason, field="reason", label="案由", max_length=PART_MAX),
        clean_text(grounds, field="grounds", label="案据", max_length=PART_MAX),
        clean_text(plan, field="plan", label="方案", max_length=PART_MAX),
    )


def _check_delegation(actor: User, congress: Congress) -> Unit:
    """The lead deputy's delegation, when a delegation may file motions here."""
    if not congress.setting("motion_delegation_may_submit"):
        raise InvalidInput("本级人大不接受以代表团名义提出议案", code="delegation_not_allowed", field="proposer_kind")
    delegation = _delegation_of(actor, congress)
    if delegation is None:
        raise InvalidInput("您不属于任何代表团，不能以代表团名义提出议案", code="no_delegation", field="proposer_kind")
    return delegation


# --- the deputy's side ---


@transaction.atomic
def motion_create(
    *,
    actor: User,
    congress: Congress,
    session: CongressSession | None,
    title: str,
    reason: str,
    grounds: str,
    plan: str,
    proposer_kind: str = ProposerKind.DEPUTIES,
) -> Motion:
    """A deputy starts a draft motion for a session. Nobody but the invited co-signers sees it."""
    if deputy_congress_id(actor) != congress.pk:
        raise NotPermitted("只有本级人大代表可以提出议案")
    session, title, reason, grounds, plan = _clean_parts(
        congress=congress, session=session, title=title, reason=reason, grounds=grounds, plan=plan
    )
    proposer_kind = clean_choice(proposer_kind, ProposerKind.values, field="proposer_kind", label="提出方式")
    if proposer_kind == ProposerKind.DELEGATION:
        delegation: Unit | None = _check_delegation(actor, congress)
    else:
        delegation = _delegation_of(actor, congress)
    motion = Motion.objects.create(
        congress=congress,
        session=session,
        title=title,
        reason=reason,
        grounds=grounds,
        plan=plan,
        proposer_kind=proposer_kind,
        lead_deputy=actor,
        delegation=delegation,
    )
    record(actor, "created", motion, title=title, proposer_kind=proposer_kind)
    return motion


@transaction.atomic
def motion_update(
    *,
    actor: User,
    motion: Motion,
    session: CongressSession | None,
    title: str,
    reason: str,
    grounds: str,
    plan: str,
    proposer_kind: str,
) -> Motion:
    """The lead deputy edits the draft."""
    if not permissions.is_lead_deputy(actor, motion):
        raise NotPermitted("只有领衔代表可以修改议案")
    session, title, reason, grounds, plan = _clean_parts(
        congress=motion.congress, session=session, title=title, reason=reason, grounds=grounds, plan=plan
    )
    proposer_kind = clean_choice(proposer_kind, ProposerKind.values, field="proposer_kind", label="提出方式")
    delegation = (
        _check_delegation(actor, motion.congress)
        if proposer_kind == ProposerKind.DELEGATION
        else _delegation_of(actor, motion.congress)
    )
    motion = lock(motion)
    require_state(motion, [MotionStatus.DRAFT], "修改")
    motion.session, motion.title, motion.reason, motion.grounds, motion.plan = session, title, reason, grounds, plan
    motion.proposer_kind, motion.delegation = proposer_kind, delegation
    motion.save()
    record(actor, "updated", motion, title=title, proposer_kind=proposer_kind)
    return motion


@transaction.atomic
def cosigner_invite(*, actor: User, motion: Motion, deputies: Sequence[User]) -> list[MotionCosigner]:
    """The lead deputy invites co-signers (附议); each must read and confirm before they count."""
    if not permissions.is_lead_deputy(actor, motion):
        raise NotPermitted("只有领衔代表可以邀请联名代表")
    if not deputies:
        raise InvalidInput("请至少选择一位代表", code="required", field="deputies")
    if len({deputy.pk for deputy in deputies}) != len(deputies):
        raise InvalidInput("联名代表有重复", code="duplicate", field="deputies")
    for deputy in deputies:
        if deputy.pk == motion.lead_deputy_id:
            raise InvalidInput("领衔代表不能同时作为联名代表", code="invalid", field="deputies")
        if not is_deputy_of(deputy, motion.congress):
            raise InvalidInput(f"{deputy.display_name}不是本级人大代表", code="not_deputy", field="deputies")
    motion = lock(motion)
    require_state(motion, [MotionStatus.DRAFT], "邀请联名")
    invited: list[MotionCosigner] = []
    for deputy in deputies:
        if (
            MotionCosigner.objects.filter(motion=motion, deputy=deputy)
            .exclude(status=MotionCosignerStatus.DECLINED)
            .exists()
        ):
            raise InvalidInput(f"已邀请过{deputy.display_name}", code="duplicate", field="deputies")
        cosigner, _created = MotionCosigner.objects.update_or_create(
            motion=motion, deputy=deputy, defaults={"status": MotionCosignerStatus.INVITED, "responded_at": None}
        )
        invited.append(cosigner)
        todo_open(
            congress=motion.congress,
            kind=TODO_COSIGN,
            title=f"议案联名确认：{motion.title}",
            due_at=motion.session.motion_deadline,
            url=link(motion),
            target=cosigner,
            user=deputy,
        )
    record(actor, "cosigners_invited", motion, deputies=[deputy.pk for deputy in deputies])
    return invited


@transaction.atomic
def cosigner_respond(*, actor: User, motion: Motion, accept: bool) -> MotionCosigner:
    """An invited deputy confirms (having read the motion) or declines."""
    cosigner = MotionCosigner.objects.select_for_update().filter(motion=motion, deputy=actor).first()
    if cosigner is None or deputy_congress_id(actor) != motion.congress_id:
        raise NotPermitted("您没有被邀请联名这件议案")
    motion = lock(motion)
    require_state(motion, [MotionStatus.DRAFT], "确认联名")
    if cosigner.status != MotionCosignerStatus.INVITED:
        raise InvalidTransition("您已经回复过这次联名邀请", code="already_responded")
    cosigner.status = MotionCosignerStatus.CONFIRMED if accept else MotionCosignerStatus.DECLINED
    cosigner.responded_at = timezone.now()
    cosigner.save(update_fields=["status", "responded_at"])
    todo_close(target=cosigner, kind=TODO_COSIGN, actor=actor)
    record(actor, "cosign_confirmed" if accept else "cosign_declined", motion, deputy=actor.pk)
    return cosigner


def _close_cosign_todos(motion: Motion, actor: User) -> None:
    for cosigner in motion.cosigners.filter(status=MotionCosignerStatus.INVITED):
        todo_close(target=cosigner, kind=TODO_COSIGN, actor=actor, status="cancelled")


@transaction.atomic
def motion_file(*, actor: User, motion: Motion) -> Motion:
    """The lead deputy files the motion to the session (提出议案).

    A joint motion needs the threshold of deputies (lead plus confirmed co-signers); a delegation
    motion needs none. Filed after the session's motion deadline, it is not refused but handled
    as a suggestion (§1.2): it goes straight into the suggestion review queue.
    """
    if not permissions.is_lead_deputy(actor, motion):
        raise NotPermitted("只有领衔代表可以提出议案")
    motion = lock(motion)
    require_state(motion, [MotionStatus.DRAFT], "提出")
    now = timezone.now()
    deadline = motion.session.motion_deadline
    if deadline is not None and now > deadline:
        motion.filed_at = now
        suggestion = _convert(actor, motion, category=Category.OTHER, note="议案截止时间后提出，按建议处理", now=now)
        _close_cosign_todos(motion, actor)
        record(
            actor,
            "converted_after_deadline",
            motion,
            deadline=deadline.isoformat(),
            suggestion=suggestion.pk,
            cosigners=confirmed_count(motion) - 1,
        )
        return motion
    if motion.proposer_kind == ProposerKind.DELEGATION:
        motion.delegation = _check_delegation(actor, motion.congress)
    else:
        needed, count = threshold(motion.congress), confirmed_count(motion)
        if count < needed:
            raise InvalidInput(
                f"联名代表人数不足：议案须由至少 {needed} 名代表联名提出（含领衔代表），"
                f"目前已确认 {count} 名，还差 {needed - count} 名",
                code="too_few_cosigners",
                field="cosigners",
            )
    sequence = (Motion.objects.filter(session=motion.session).aggregate(top=Max("sequence"))["top"] or 0) + 1
    motion.status = MotionStatus.FILED
    motion.filed_at = now
    motion.sequence = sequence
    motion.number = f"{sequence:03d}"
    motion.save(update_fields=["status", "filed_at", "sequence", "number", "delegation", "updated_at"])
    _close_cosign_todos(motion, actor)
    record(
        actor,
        "filed",
        motion,
        number=motion.number,
        proposer_kind=motion.proposer_kind,
        cosigners=confirmed_count(motion) - 1,
    )
    return motion


def _suggestion_body(motion: Motion) -> str:
    return f"【案由】\n{motion.reason}\n\n【案据】\n{motion.grounds}\n\n【方案】\n{motion.plan}"


def _convert(actor: User, motion: Motion, *, category: str, note: str, now: dt.datetime) -> Suggestion:
    """Turn the motion into a submitted suggestion (转作建议), with its confirmed co-signers."""
    suggestion = Suggestion.objects.create(
        congress=motion.congress,
        session=motion.session,
        phase=Phase.SESSION,
        year=motion.session.opens_on.year,
        title=motion.title,
        body=_suggestion_body(motion),
        category=category,
        lead_deputy=motion.lead_deputy,
        delegation=motion.delegation,
        status=Status.SUBMITTED,
        submitted_at=now,
    )
    for cosigner in motion.cosigners.filter(status=MotionCosignerStatus.CONFIRMED):
        Cosigner.objects.create(
            suggestion=suggestion,
            deputy_id=cosigner.deputy_id,
            status=CosignerStatus.CONFIRMED,
            responded_at=cosigner.responded_at,
        )
    search.index_suggestion(suggestion)
    record_suggestion(actor, "converted_from_motion", suggestion, motion=motion.pk)
    motion.status = MotionStatus.CONVERTED_TO_SUGGESTION
    motion.converted_suggestion = suggestion
    motion.decided_at = now
    motion.decision_note = note
    motion.save()
    return suggestion


@transaction.atomic
def motion_withdraw(*, actor: User, motion: Motion, reason: str = "") -> Motion:
    """The lead deputy withdraws a draft; once filed, they ask and the presidium must agree."""
    if not permissions.is_lead_deputy(actor, motion):
        raise NotPermitted("只有领衔代表可以撤回议案")
    reason = clean_text(reason, field="reason", label="撤回理由", max_length=NOTE_MAX, required=False)
    motion = lock(motion)
    if motion.status == MotionStatus.DRAFT:
        motion.status = MotionStatus.WITHDRAWN
        motion.withdrawn_at = timezone.now()
        motion.withdrawal_reason = reason
        motion.save(update_fields=["status", "withdrawn_at", "withdrawal_reason", "updated_at"])
        _close_cosign_todos(motion, actor)
        record(actor, "withdrawn", motion, reason=reason)
        return motion
    require_state(motion, WITHDRAWABLE_AFTER_FILING, "撤回")
    if motion.withdrawal_requested_at is not None:
        raise InvalidTransition("已申请撤回，正等待主席团同意", code="already_requested", field="status")
    motion.withdrawal_requested_at = timezone.now()
    motion.withdrawal_reason = reason
    motion.save(update_fields=["withdrawal_requested_at", "withdrawal_reason", "updated_at"])
    record(actor, "withdrawal_requested", motion, reason=reason)
    return motion


# --- the presidium's decisions, recorded by staff ---


def _require_staff(actor: User, motion: Motion) -> None:
    if not permissions.can_decide(actor, motion):
        raise NotPermitted("只有本级人大的议案工作人员可以记录主席团的决定")


@transaction.atomic
def motion_decide(
    *,
    actor: User,
    motion: Motion,
    decision: str,
    note: str = "",
    committee: Unit | None = None,
    category: str = "",
) -> Motion:
    """The 主席团 decides on a filed motion: list it, refer it to a committee, not list it, or convert it."""
    _require_staff(actor, motion)
    decision = clean_choice(decision, DECISIONS, field="decision", label="主席团决定")
    note = clean_text(note, field="note", label="决定说明", max_length=NOTE_MAX, required=decision == "not_list")
    if decision == "refer":
        if committee is None:
            raise InvalidInput("交专门委员会审议须选择专门委员会", code="required", field="committee")
        if committee.congress_id != motion.congress_id or committee.kind != UnitKind.SPECIAL_COMMITTEE:
            raise InvalidInput("请选择本级人大的专门委员会", code="wrong_congress", field="committee")
    else:
        committee = None
    if decision == "convert":
        category = clean_choice(category or Category.OTHER, Category.values, field="category", label="建议类别")
    motion = lock(motion)
    require_state(motion, [MotionStatus.FILED], "作出主席团决定")
    now = timezone.now()
    if decision == "convert":
        suggestion = _convert(actor, motion, category=category, note=note, now=now)
        record(actor, "decided", motion, decision=decision, note=note, suggestion=suggestion.pk)
        return motion
    motion.status = DECISIONS[decision]
    motion.committee = committee
    motion.decision_note = note
    motion.decided_at = now
    motion.save(update_fields=["status", "committee", "decision_note", "decided_at", "updated_at"])
    record(actor, "decided", motion, decision=decision, note=note, committee=committee.pk if committee else None)
    return motion


@transaction.atomic
def motion_withdraw_agreed(*, actor: User, motion: Motion, agree: bool = True, note: str = "") -> Motion:
    """The presidium agrees (or not) to the lead deputy's request to withdraw a filed motion."""
    _require_staff(actor, motion)
    note = clean_text(note, field="note", label="说明", max_length=NOTE_MAX, required=False)
    motion = lock(motion)
    require_state(motion, WITHDRAWABLE_AFTER_FILING, "撤回")
    if motion.withdrawal_requested_at is None:
        raise InvalidTransition("领衔代表没有申请撤回这件议案", code="not_requested", field="status")
    if agree:
        motion.status = MotionStatus.WITHDRAWN
        motion.withdrawn_at = timezone.now()
    else:
        motion.withdrawal_requested_at = None
    motion.save(update_fields=["status", "withdrawn_at", "withdrawal_requested_at", "updated_at"])
    record(actor, "withdrawal_agreed" if agree else "withdrawal_refused", motion, note=note)
    return motion


@transaction.atomic
def motion_record_vote(*, actor: User, motion: Motion, result: str, note: str = "") -> Motion:
    """Record the plenary's vote on a motion listed on the agenda: adopted or rejected."""
    _require_staff(actor, motion)
    result = clean_choice(result, VOTE_RESULTS, field="result", label="表决结果")
    note = clean_text(note, field="note", label="说明", max_length=NOTE_MAX, required=False)
    motion = lock(motion)
    require_state(motion, [MotionStatus.LISTED_ON_AGENDA], "记录表决结果")
    motion.status = VOTE_RESULTS[result]
    motion.voted_at = timezone.now()
    if note:
        motion.decision_note = note
    motion.save(update_fields=["status", "voted_at", "decision_note", "updated_at"])
    record(actor, "voted", motion, result=result, note=note)
    return motion
