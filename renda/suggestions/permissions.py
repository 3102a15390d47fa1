"""Who sees a suggestion and who may act on it (domain.md §1.1).

Every predicate looks at the role the person acts in now. In short:

- the 交办机构 (committee staff, or the staff administrator) of the item's own congress
  reviews, assigns and supervises; leaders of that congress read everything;
- a deputy sees what they lead or were invited to co-sign, items merged into those, and
  what is disclosed; only the lead deputy edits, submits, withdraws and rates;
- a unit (its officers and head) sees only items actively assigned to it; a co-handling
  unit gives its opinion but never sends the final reply; only the head approves a reply;
- nobody sees someone else's draft.

Fetchers raise Http404 for anyone who may not see the item, so a refused request never
learns whether it exists. Once someone may see it, a refused action is NotPermitted (403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from renda.organizations.permissions import READER_ROLES, STAFF_ROLES, acting_role, congress_acting_as
from renda.organizations.roles import Role
from renda.suggestions.models import (
    Assignment,
    AssignmentStatus,
    Cosigner,
    HandlingRole,
    Status,
    Suggestion,
)

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

UNIT_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD})


def staff_congress_id(user: User | None) -> int | None:
    """The congress whose suggestions the user reviews and assigns now (交办机构)."""
    return congress_acting_as(user, STAFF_ROLES)


def reader_congress_id(user: User | None) -> int | None:
    """The congress whose every submitted suggestion the user may read now (staff and leaders)."""
    return congress_acting_as(user, READER_ROLES)


def acting_unit(user: User | None) -> Unit | None:
    """The handling unit the user acts for now, if they act as its officer or head."""
    assignment = acting_role(user)
    if assignment is None or assignment.role not in UNIT_ROLES or assignment.unit_id is None:
        return None
    return assignment.unit


def deputy_congress_id(user: User | None) -> int | None:
    assignment = acting_role(user)
    if assignment is None or assignment.role != Role.DEPUTY:
        return None
    return assignment.congress_id


def is_unit_head(user: User | None) -> bool:
    assignment = acting_role(user)
    return assignment is not None and assignment.role == Role.UNIT_HEAD


# --- what a person may see ---


def suggestions_visible_to(user: User | None) -> QuerySet[Suggestion]:
    """Every item the person may read in the role they act in now."""
    if user is None or not user.is_authenticated:
        return Suggestion.objects.none()
    public = Q(is_public=True) & ~Q(status__in=[Status.DRAFT, Status.WITHDRAWN])
    congress_id = reader_congress_id(user)
    if congress_id is not None:
        return Suggestion.objects.filter(Q(congress_id=congress_id) & ~Q(status=Status.DRAFT))
    unit = acting_unit(user)
    if unit is not None:
        assigned = Assignment.objects.filter(unit=unit, status=AssignmentStatus.ACTIVE).values("suggestion_id")
        return Suggestion.objects.filter(pk__in=assigned).exclude(status=Status.WITHDRAWN)
    if deputy_congress_id(user) is not None:
        # Three independent id subqueries rather than one query joining co-signers and merged items: the
        # joined form made SQLite's planner pick a nested scan over every item once ANALYZE had run.
        led = Suggestion.objects.filter(lead_deputy=user).values("pk")
        cosigned = Cosigner.objects.filter(deputy=user).values("suggestion_id")
        merged_into = Suggestion.objects.filter(lead_deputy=user, merged_into__isnull=False).values("merged_into_id")
        return Suggestion.objects.filter(Q(pk__in=led) | Q(pk__in=cosigned) | Q(pk__in=merged_into) | public)
    # Everyone else (SC members, station staff, citizens): what is disclosed.
    return Suggestion.objects.filter(public)


def can_view_suggestion(user: User | None, suggestion: Suggestion) -> bool:
    return suggestions_visible_to(user).filter(pk=suggestion.pk).exists()


def can_view_in_some_role(user: User, suggestion: Suggestion) -> bool:
    """Whether any of the person's active roles lets them read the item: who may be told about it."""
    acting_now = getattr(user, "active_assignment", None)
    try:
        for assignment in user.role_assignments.filter(is_active=True).select_related("unit", "congress"):
            user.active_assignment = assignment
            if can_view_suggestion(user, suggestion):
                return True
        return False
    finally:
        user.active_assignment = acting_now


def is_involved_deputy(user: User | None, suggestion: Suggestion) -> bool:
    """The lead deputy, a co-signer (invited or confirmed), or the lead of an item merged into this one."""
    if user is None or not user.is_authenticated:
        return False
    if suggestion.lead_deputy_id == user.pk:
        return True
    return (
        suggestion.cosigners.filter(deputy=user).exists() or suggestion.merged_items.filter(lead_deputy=user).exists()
    )


def sees_internal_handling(user: User | None, suggestion: Suggestion) -> bool:
    """Whether the person sees drafts of replies, disputes and extensions (staff, leaders, assigned units)."""
    if reader_congress_id(user) == suggestion.congress_id:
        return True
    unit = acting_unit(user)
    return unit is not None and unit_assignment(user, suggestion) is not None


# --- what a person may do ---


def can_manage(user: User | None, suggestion: Suggestion) -> bool:
    return staff_congress_id(user) == suggestion.congress_id


def can_manage_congress(user: User | None, congress: Congress) -> bool:
    return staff_congress_id(user) == congress.pk


def can_read_congress(user: User | None, congress: Congress) -> bool:
    return reader_congress_id(user) == congress.pk


def is_lead_deputy(user: User | None, suggestion: Suggestion) -> bool:
    """The lead deputy, acting as a deputy of the item's congress."""
    return (
        user is not None and deputy_congress_id(user) == suggestion.congress_id and suggestion.lead_deputy_id == user.pk
    )


def unit_assignment(user: User | None, suggestion: Suggestion) -> Assignment | None:
    """The acting unit's active assignment on the item's current round, if any."""
    unit = acting_unit(user)
    if unit is None:
        return None
    return (
        Assignment.objects.filter(
            suggestion=suggestion, unit=unit, status=AssignmentStatus.ACTIVE, round=suggestion.round
        )
        .select_related("unit")
        .first()
    )


def can_handle(user: User | None, assignment: Assignment) -> bool:
    """An officer or the head of the assigned unit."""
    unit = acting_unit(user)
    return unit is not None and assignment.unit_id == unit.pk and assignment.status == AssignmentStatus.ACTIVE


def can_send_reply(user: User | None, assignment: Assignment) -> bool:
    # A co-handling unit gives its opinion to the lead; it never answers the deputy itself.
    return can_handle(user, assignment) and assignment.role != HandlingRole.CO


def can_approve_reply(user: User | None, assignment: Assignment) -> bool:
    # Only the head signs the unit's reply (签发).
    return can_send_reply(user, assignment) and is_unit_head(user)


# --- fetchers ---


def get_suggestion_for_view(user: User | None, suggestion_id: int) -> Suggestion:
    suggestion = (
        suggestions_visible_to(user)
        .filter(pk=suggestion_id)
        .select_related("congress", "lead_deputy", "delegation", "session", "merged_into")
        .first()
    )
    if suggestion is None:
        raise Http404
    return suggestion


def get_assignment_for_unit(user: User | None, assignment_id: int) -> Assignment:
    assignment = (
        Assignment.objects.filter(pk=assignment_id).select_related("suggestion", "unit", "suggestion__congress").first()
    )
    if assignment is None or not can_handle(user, assignment):
        raise Http404
    return assignment
