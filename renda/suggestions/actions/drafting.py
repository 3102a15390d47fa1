"""The deputy's side before review: draft, invite co-signers, submit, withdraw (domain.md §1.4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.todo import todo_close, todo_open
from renda.organizations.models import CongressSession, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role
from renda.suggestions import permissions, search
from renda.suggestions.actions._common import BODY_MAX, TITLE_MAX, link, lock, notify, record, require_state
from renda.suggestions.models import (
    WITHDRAWABLE_STATES,
    Category,
    Cosigner,
    CosignerStatus,
    Phase,
    Status,
    Suggestion,
)

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress

EDITABLE_STATES = frozenset({Status.DRAFT, Status.RETURNED})
TODO_COSIGN = "suggestion.cosign"


def _delegation_of(user: User, congress: Congress) -> Unit | None:
    assignment = (
        RoleAssignment.objects.filter(
            user=user, congress=congress, role=Role.DEPUTY, is_active=True, unit__kind=UnitKind.DELEGATION
        )
        .select_related("unit")
        .first()
    )
    return assignment.unit if assignment is not None else None


def _clean_fields(
    *, congress: Congress, title: str, body: str, category: str, phase: str, session: CongressSession | None
) -> tuple[str, str, str, str]:
    title = clean_text(title, field="title", label="标题", max_length=TITLE_MAX)
    body = clean_text(body, field="body", label="内容", max_length=BODY_MAX)
    category = clean_choice(category, Category.values, field="category", label="类别")
    phase = clean_choice(phase, Phase.values, field="phase", label="提出时间")
    if session is not None and session.congress_id != congress.pk:
        raise InvalidInput("所选会议不属于该人大", code="wrong_congress", field="session")
    if phase == Phase.SESSION and session is None:
        raise InvalidInput("会议期间提出的建议须选择会议", code="required", field="session")
    return title, body, category, phase


def is_deputy_of(user: User, congress: Congress) -> bool:
    return RoleAssignment.objects.filter(user=user, congress=congress, role=Role.DEPUTY, is_active=True).exists()


@transaction.atomic
def suggestion_create(
    *,
    actor: User,
    congress: Congress,
    title: str,
    body: str,
    category: str,
    phase: str = Phase.RECESS,
    session: CongressSession | None = None,
) -> Suggestion:
    """A deputy starts a draft. Nobody else sees it until it is submitted."""
    if permissions.deputy_congress_id(actor) != congress.pk:
        raise NotPermitted("只有本级人大代表可以提出建议")
    title, body, category, phase = _clean_fields(
        congress=congress, title=title, body=body, category=category, phase=phase, session=session
    )
    suggestion = Suggestion.objects.create(
        congress=congress,
        session=session,
        phase=phase,
        year=(session.opens_on.year if session is not None else timezone.localdate().year),
        title=title,
        body=body,
        category=category,
        lead_deputy=actor,
        delegation=_delegation_of(actor, congress),
    )
    search.index_suggestion(suggestion)
    record(actor, "created", suggestion, title=title)
    return suggestion


@transaction.atomic
def suggestion_update(
    *,
    actor: User,
    suggestion: Suggestion,
    title: str,
    body: str,
    category: str,
    phase: str,
    session: CongressSession | None = None,
) -> Suggestion:
    """The lead deputy edits a draft, or an item returned for revision."""
    if not permissions.is_lead_deputy(actor, suggestion):
        raise NotPermitted("只有领衔代表可以修改建议")
    suggestion = lock(suggestion)
    require_state(suggestion, EDITABLE_STATES, "修改")
    title, body, category, phase = _clean_fields(
        congress=suggestion.congress, title=title, body=body, category=category, phase=phase, session=session
    )
    suggestion.title, suggestion.body, suggestion.category = title, body, category
    suggestion.phase, suggestion.session = phase, session
    if session is not None:
        suggestion.year = session.opens_on.year
    suggestion.save()
    search.index_suggestion(suggestion)
    record(actor, "updated", suggestion, title=title)
    return suggestion


@transaction.atomic
def cosigner_invite(*, actor: User, suggestion: Suggestion, deputies: Sequence[User]) -> list[Cosigner]:
    """The lead deputy invites co-signers; each must read and confirm before they count."""
    if not permissions.is_lead_deputy(actor, suggestion):
        raise NotPermitted("只有领衔代表可以邀请联名代表")
    suggestion = lock(suggestion)
    require_state(suggestion, EDITABLE_STATES, "邀请联名")
    if not deputies:
        raise InvalidInput("请至少选择一位代表", code="required", field="deputies")
    invited: list[Cosigner] = []
    for deputy in deputies:
        if deputy.pk == suggestion.lead_deputy_id:
            raise InvalidInput("领衔代表不能同时作为联名代表", code="invalid", field="deputies")
        if not is_deputy_of(deputy, suggestion.congress):
            raise InvalidInput(f"{deputy.display_name}不是本级人大代表", code="not_deputy", field="deputies")
        if (
            Cosigner.objects.filter(suggestion=suggestion, deputy=deputy)
            .exclude(status=CosignerStatus.DECLINED)
            .exists()
        ):
            raise InvalidInput(f"已邀请过{deputy.display_name}", code="duplicate", field="deputies")
        cosigner, _created = Cosigner.objects.update_or_create(
            suggestion=suggestion,
            deputy=deputy,
            defaults={"status": CosignerStatus.INVITED, "responded_at": None},
        )
        invited.append(cosigner)
        todo_open(
            congress=suggestion.congress,
            kind=TODO_COSIGN,
            title=f"联名确认：{suggestion.title}",
            due_at=None,
            url=link(suggestion),
            target=cosigner,
            user=deputy,
        )
    record(actor, "cosigners_invited", suggestion, deputies=[deputy.pk for deputy in deputies])
    notify(deputies, "suggestion.cosign_invited", suggestion, lead=actor.display_name)
    return invited


@transaction.atomic
def cosigner_respond(*, actor: User, suggestion: Suggestion, accept: bool) -> Cosigner:
    """An invited deputy confirms (having read the content) or declines."""
    cosigner = Cosigner.objects.select_for_update().filter(suggestion=suggestion, deputy=actor).first()
    if cosigner is None or permissions.deputy_congress_id(actor) != suggestion.congress_id:
        raise NotPermitted("您没有被邀请联名这件建议")
    suggestion = lock(suggestion)
    require_state(suggestion, EDITABLE_STATES, "确认联名")
    if cosigner.status != CosignerStatus.INVITED:
        raise InvalidTransition("您已经回复过这次联名邀请", code="already_responded")
    cosigner.status = CosignerStatus.CONFIRMED if accept else CosignerStatus.DECLINED
    cosigner.responded_at = timezone.now()
    cosigner.save(update_fields=["status", "responded_at"])
    todo_close(target=cosigner, kind=TODO_COSIGN, actor=actor)
    record(actor, "cosign_confirmed" if accept else "cosign_declined", suggestion, deputy=actor.pk)
    return cosigner


@transaction.atomic
def cosigner_remove(*, actor: User, suggestion: Suggestion, deputy: User) -> None:
    """The lead deputy takes back an invitation (for instance one never answered) before submitting."""
    if not permissions.is_lead_deputy(actor, suggestion):
        raise NotPermitted("只有领衔代表可以取消联名邀请")
    suggestion = lock(suggestion)
    require_state(suggestion, EDITABLE_STATES, "取消联名邀请")
    cosigner = Cosigner.objects.filter(suggestion=suggestion, deputy=deputy).first()
    if cosigner is None:
        raise InvalidInput("该代表不在联名名单中", code="not_found", field="deputy")
    todo_close(target=cosigner, kind=TODO_COSIGN, actor=actor, status="cancelled")
    cosigner.delete()
    record(actor, "cosigner_removed", suggestion, deputy=deputy.pk)


@transaction.atomic
def suggestion_submit(*, actor: User, suggestion: Suggestion) -> Suggestion:
    """The draft goes to the 交办机构's review queue (at the session, or in the recess)."""
    if not permissions.is_lead_deputy(actor, suggestion):
        raise NotPermitted("只有领衔代表可以提交建议")
    suggestion = lock(suggestion)
    require_state(suggestion, EDITABLE_STATES, "提交")
    pending = suggestion.cosigners.filter(status=CosignerStatus.INVITED).count()
    if pending:
        raise InvalidTransition(
            f"还有 {pending} 位联名代表尚未确认，请等待确认或取消邀请后再提交",
            code="cosigners_pending",
            field="cosigners",
        )
    resubmitted = suggestion.status == Status.RETURNED
    suggestion.status = Status.SUBMITTED
    suggestion.submitted_at = timezone.now()
    suggestion.save(update_fields=["status", "submitted_at", "updated_at"])
    confirmed = suggestion.cosigners.filter(status=CosignerStatus.CONFIRMED).count()
    record(actor, "resubmitted" if resubmitted else "submitted", suggestion, cosigners=confirmed)
    return suggestion


@transaction.atomic
def suggestion_withdraw(*, actor: User, suggestion: Suggestion, reason: str = "") -> Suggestion:
    """The lead deputy withdraws the item before it is answered; open duties on it close."""
    from renda.core.models import TodoItem, TodoStatus

    if not permissions.is_lead_deputy(actor, suggestion):
        raise NotPermitted("只有领衔代表可以撤回建议")
    suggestion = lock(suggestion)
    require_state(suggestion, WITHDRAWABLE_STATES, "撤回")
    suggestion.status = Status.WITHDRAWN
    suggestion.withdrawn_at = timezone.now()
    suggestion.save(update_fields=["status", "withdrawn_at", "updated_at"])
    _close_all_todos(suggestion, actor)
    TodoItem.objects.filter(
        target_type="suggestions.cosigner",
        target_id__in=[str(pk) for pk in suggestion.cosigners.values_list("pk", flat=True)],
        status=TodoStatus.OPEN,
    ).update(status=TodoStatus.CANCELLED, closed_at=timezone.now(), closed_by=actor)
    record(actor, "withdrawn", suggestion, reason=reason[:200])
    return suggestion


def _close_all_todos(suggestion: Suggestion, actor: User) -> None:
    from renda.core.models import TodoItem, TodoStatus

    assignment_ids = [str(pk) for pk in suggestion.assignments.values_list("pk", flat=True)]
    TodoItem.objects.filter(
        target_type="suggestions.assignment", target_id__in=assignment_ids, status=TodoStatus.OPEN
    ).update(status=TodoStatus.CANCELLED, closed_at=timezone.now(), closed_by=actor)
