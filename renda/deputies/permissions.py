"""Who sees and does what with deputies' files (domain.md §2).

Every predicate looks at the role the person acts in now (``acting_role``):

- committee staff and the staff administrator of a congress manage its roster, groups,
  stations, training and scores, verify self-reported entries and see every file;
- leaders of that congress read every file and every figure, but change nothing;
- a deputy sees their own file only (all their entries, whatever the status) and may add
  self-reported entries; never another deputy's unverified entries; never verifies;
- station staff manage their own station (and the points under it) only;
- phone and ID number are masked for everyone; staff may unmask, which is an audited action.

Fetchers raise Http404 for anyone who may not see the object, so a refused request never
learns whether it exists. Once someone may see it, a refused action is NotPermitted (403).
Areas append their predicates below, each under its own heading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from renda.deputies.models import DeputyProfile, Station
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User

STAFF_ROLES = frozenset({Role.COMMITTEE_STAFF, Role.STAFF_ADMIN})


def staff_congress_id(user: User | None) -> int | None:
    """The congress whose deputies the user manages now (its committee staff or administrator)."""
    assignment = acting_role(user)
    if assignment is None or assignment.role not in STAFF_ROLES:
        return None
    return assignment.congress_id


def reader_congress_id(user: User | None) -> int | None:
    """The congress whose deputies' files and figures the user reads now (staff and leaders)."""
    assignment = acting_role(user)
    if assignment is None or assignment.role not in STAFF_ROLES | {Role.LEADER}:
        return None
    return assignment.congress_id


def own_profile(user: User | None) -> DeputyProfile | None:
    """The acting deputy's own roster profile, if they act as a deputy now."""
    assignment = acting_role(user)
    if assignment is None or assignment.role != Role.DEPUTY or user is None:
        return None
    return DeputyProfile.objects.filter(user=user).first()


def acting_station(user: User | None) -> Station | None:
    """The station the user staffs now (station staff act for one station's unit)."""
    assignment = acting_role(user)
    if assignment is None or assignment.role != Role.STATION_STAFF or assignment.unit_id is None:
        return None
    return Station.objects.filter(unit_id=assignment.unit_id).select_related("unit").first()


def profile_congress_ids(profile: DeputyProfile) -> set[int]:
    return set(profile.terms.values_list("congress_id", flat=True))


def can_read_profile(user: User | None, profile: DeputyProfile) -> bool:
    """Staff and leaders of a congress the deputy serves in, and the deputy themself."""
    congress_id = reader_congress_id(user)
    if congress_id is not None and congress_id in profile_congress_ids(profile):
        return True
    own = own_profile(user)
    return own is not None and own.pk == profile.pk


def can_manage_profile(user: User | None, profile: DeputyProfile) -> bool:
    congress_id = staff_congress_id(user)
    return congress_id is not None and congress_id in profile_congress_ids(profile)


def can_unmask(user: User | None, profile: DeputyProfile) -> bool:
    """Only the managing staff may see a deputy's phone and ID number in clear, and each look is audited."""
    return can_manage_profile(user, profile)


def get_readable_profile(user: User | None, profile_id: int) -> DeputyProfile:
    profile = DeputyProfile.objects.filter(pk=profile_id).first()
    if profile is None or not can_read_profile(user, profile):
        raise Http404
    return profile
