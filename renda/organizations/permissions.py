"""Who may administer congresses, units, users and roles, and who may read the audit trail.

Every predicate looks at the role the person is acting in now
(``user.active_assignment``), not at every role they hold: a deputy who is also
an administrator acts as one or the other, and the audit trail says which.
Fetchers return the object or raise Http404, so a refused request never learns
whether the object exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from renda.organizations.models import Congress, RoleAssignment, Unit, congress_subtree_ids
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User


def acting_role(user: User | None) -> RoleAssignment | None:
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "active_assignment", None)


def _scope_ids(assignment: RoleAssignment) -> set[int]:
    cached: set[int] | None = getattr(assignment, "_scope_cache", None)
    if cached is None:
        cached = congress_subtree_ids([assignment.congress_id])
        assignment._scope_cache = cached  # type: ignore[attr-defined]
    return cached


def administered_congress_ids(user: User | None) -> set[int]:
    """Congresses the user administers now: their own and every one below it."""
    assignment = acting_role(user)
    # Only a staff administrator administers anything.
    if assignment is None or assignment.role != Role.STAFF_ADMIN:
        return set()
    return _scope_ids(assignment)


def audited_congress_ids(user: User | None) -> set[int]:
    """Congresses whose audit trail the user may read now."""
    assignment = acting_role(user)
    # Only an auditor reads the audit trail (separation of duties: admins do not audit themselves).
    if assignment is None or assignment.role != Role.AUDITOR:
        return set()
    return _scope_ids(assignment)


def can_administer(user: User | None) -> bool:
    return bool(administered_congress_ids(user))


def can_administer_congress(user: User | None, congress: Congress) -> bool:
    return congress.pk in administered_congress_ids(user)


def can_create_child_congress(user: User | None, parent: Congress) -> bool:
    # A township has no congress below it.
    if parent.level == "township":
        return False
    return can_administer_congress(user, parent)


def can_administer_unit(user: User | None, unit: Unit) -> bool:
    return unit.congress_id in administered_congress_ids(user)


def can_view_audit(user: User | None) -> bool:
    return bool(audited_congress_ids(user))


def can_administer_user(user: User | None, target: User) -> bool:
    """An administrator manages a person who holds at least one role in their congresses."""
    scope = administered_congress_ids(user)
    if not scope:
        return False
    return target.role_assignments.filter(congress_id__in=scope).exists()


def can_grant_role(user: User | None, congress: Congress, role: str) -> bool:
    # Granting a role is administering the congress it is held in.
    return can_administer_congress(user, congress)


# --- fetchers: authorise, or 404 without saying whether the object exists ---


def congresses_for_admin(user: User | None) -> QuerySet[Congress]:
    return Congress.objects.filter(pk__in=administered_congress_ids(user))


def get_congress_for_admin(user: User | None, congress_id: int) -> Congress:
    congress = congresses_for_admin(user).filter(pk=congress_id).first()
    if congress is None:
        raise Http404
    return congress


def units_for_admin(user: User | None) -> QuerySet[Unit]:
    return Unit.objects.filter(congress_id__in=administered_congress_ids(user)).select_related("congress", "parent")


def get_unit_for_admin(user: User | None, unit_id: int) -> Unit:
    unit = units_for_admin(user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def users_for_admin(user: User | None) -> QuerySet[User]:
    from renda.accounts.models import User as UserModel

    scope = administered_congress_ids(user)
    return UserModel.objects.filter(role_assignments__congress_id__in=scope).distinct()


def get_user_for_admin(user: User | None, user_id: int) -> User:
    target = users_for_admin(user).filter(pk=user_id).first()
    if target is None:
        raise Http404
    return target


def get_assignment_for_admin(user: User | None, assignment_id: int) -> RoleAssignment:
    assignment = (
        RoleAssignment.objects.filter(pk=assignment_id, congress_id__in=administered_congress_ids(user))
        .select_related("user", "congress", "unit")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment
