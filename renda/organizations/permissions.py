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


# The 人大工作机构: committee staff and the staff administrator act for their congress.
STAFF_ROLES = frozenset({Role.COMMITTEE_STAFF, Role.STAFF_ADMIN})
# Those who read every item of their congress: the staff and the leaders.
READER_ROLES = STAFF_ROLES | {Role.LEADER}


def congress_acting_as(user: User | None, roles: frozenset[str] | set[str]) -> int | None:
    """The congress the user acts for now in one of ``roles`` (only that congress, not those below it)."""
    assignment = acting_role(user)
    if assignment is None or assignment.role not in roles:
        return None
    return assignment.congress_id


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
    """An administrator manages a person whose every active role lies inside their congresses."""
    scope = administered_congress_ids(user)
    # Only administrators manage accounts.
    if not scope or user is None:
        return False
    # Nobody administers their own account through the admin pages (no self-granted powers).
    if target.pk == user.pk:
        return False
    assignments = target.role_assignments.all()
    # The person must belong to one of the administered congresses...
    if not assignments.filter(congress_id__in=scope).exists():
        return False
    # ...and hold no active role outside them: a district admin cannot reset a city official's password.
    return not assignments.filter(is_active=True).exclude(congress_id__in=scope).exists()


# Held by one person in one congress, these would let them audit their own administration.
INCOMPATIBLE_ROLES = {Role.STAFF_ADMIN: Role.AUDITOR, Role.AUDITOR: Role.STAFF_ADMIN}


def can_grant_role(user: User | None, congress: Congress, role: str, target: User | None = None) -> bool:
    # Granting a role is administering the congress it is held in.
    if not can_administer_congress(user, congress):
        return False
    if target is None or user is None:
        return True
    # Nobody grants roles to themselves.
    if target.pk == user.pk:
        return False
    # Separation of duties: an administrator is never also the auditor of the same congress.
    incompatible = INCOMPATIBLE_ROLES.get(Role(role)) if role in Role.values else None
    return (
        incompatible is None
        or not target.role_assignments.filter(congress=congress, role=incompatible, is_active=True).exists()
    )


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
    """People the administrator manages: in their congresses, with no active role elsewhere, not themselves."""
    from renda.accounts.models import User as UserModel

    scope = administered_congress_ids(user)
    outside = RoleAssignment.objects.filter(is_active=True).exclude(congress_id__in=scope).values("user_id")
    return (
        UserModel.objects.filter(role_assignments__congress_id__in=scope)
        .exclude(pk__in=outside)
        .exclude(pk=user.pk if user is not None else 0)
        .distinct()
    )


def get_user_for_admin(user: User | None, user_id: int) -> User:
    target = users_for_admin(user).filter(pk=user_id).first()
    if target is None or not can_administer_user(user, target):
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
