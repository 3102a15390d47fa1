"""Who sees a citizen's opinion and who may act on it (domain.md §3.1).

Every predicate looks at the role the person acts in now. In short:

- triage (分流) is done by the committee staff of the opinion's congress, by the staff of the
  station it came to, and by the deputy it was addressed to (代表点单);
- leaders of the congress read everything;
- a unit (its officers and head) sees only opinions dispatched to it, in the live round or before;
- a deputy sees opinions addressed to them or that they entered; station staff their station's;
- a logged-in citizen sees their own; everyone else sees nothing here (the portal uses the tracking code);
- the citizen's name and phone are shown only to the triage staff of the opinion and the unit
  handling it now; everyone else sees the masked form.

Fetchers raise Http404 for anyone who may not see the opinion, so a refused request never learns
whether it exists. Once someone may see it, a refused action is NotPermitted (403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from renda.opinions.models import TRACKING_ALPHABET, UNIT_STATES, Dispatch, Opinion
from renda.organizations.permissions import acting_role, congress_acting_as
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.deputies.models import DeputyProfile, Station
    from renda.organizations.models import Unit

UNIT_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD})


# --- the role someone acts in now ---


def triage_congress_id(user: User | None) -> int | None:
    """The congress whose every opinion the user triages now: its committee staff."""
    return congress_acting_as(user, {Role.COMMITTEE_STAFF})


def reader_congress_id(user: User | None) -> int | None:
    """The congress whose every opinion the user may read now: committee staff and leaders."""
    return congress_acting_as(user, {Role.COMMITTEE_STAFF, Role.LEADER})


def acting_unit(user: User | None) -> Unit | None:
    """The handling unit the user acts for now, if they act as its officer or head."""
    assignment = acting_role(user)
    if assignment is None or assignment.role not in UNIT_ROLES or assignment.unit_id is None:
        return None
    return assignment.unit


def acting_station_unit_id(user: User | None) -> int | None:
    """The station (its unit's id) the user staffs now."""
    assignment = acting_role(user)
    if assignment is None or assignment.role != Role.STATION_STAFF or assignment.unit_id is None:
        return None
    return assignment.unit_id


def acting_station(user: User | None) -> Station | None:
    from renda.deputies.models import Station

    unit_id = acting_station_unit_id(user)
    if unit_id is None:
        return None
    return Station.objects.filter(unit_id=unit_id).select_related("unit").first()


def acting_deputy(user: User | None) -> DeputyProfile | None:
    """The deputy's profile, when the user acts as a deputy now."""
    from renda.deputies.models import DeputyProfile

    assignment = acting_role(user)
    if assignment is None or assignment.role != Role.DEPUTY or user is None:
        return None
    return DeputyProfile.objects.filter(user=user).first()


def is_citizen(user: User | None) -> bool:
    assignment = acting_role(user)
    return assignment is not None and assignment.role == Role.CITIZEN


# --- what a person may see ---


def opinions_visible_to(user: User | None) -> QuerySet[Opinion]:
    """Every opinion the person may read in the role they act in now."""
    if user is None or not user.is_authenticated:
        return Opinion.objects.none()
    congress_id = reader_congress_id(user)
    if congress_id is not None:
        return Opinion.objects.filter(congress_id=congress_id)
    unit = acting_unit(user)
    if unit is not None:
        # Live or past rounds: a unit keeps seeing what it handled (its reply is on record).
        dispatched = Dispatch.objects.filter(unit=unit).values("opinion_id")
        return Opinion.objects.filter(pk__in=dispatched)
    station_unit_id = acting_station_unit_id(user)
    if station_unit_id is not None:
        return Opinion.objects.filter(station__unit_id=station_unit_id)
    assignment = acting_role(user)
    if assignment is not None and assignment.role == Role.DEPUTY:
        return Opinion.objects.filter(Q(deputy__user=user) | Q(created_by=user))
    if is_citizen(user):
        return Opinion.objects.filter(citizen_user=user)
    return Opinion.objects.none()


def can_view_opinion(user: User | None, opinion: Opinion) -> bool:
    return opinions_visible_to(user).filter(pk=opinion.pk).exists()


def can_view_in_some_role(user: User, opinion: Opinion) -> bool:
    """Whether any of the person's active roles lets them read the opinion: who may be told about it."""
    acting_now = getattr(user, "active_assignment", None)
    try:
        for assignment in user.role_assignments.filter(is_active=True).select_related("unit", "congress"):
            user.active_assignment = assignment
            if can_view_opinion(user, opinion):
                return True
        return False
    finally:
        user.active_assignment = acting_now


# --- what a person may do ---


def can_triage(user: User | None, opinion: Opinion) -> bool:
    """Committee staff of its congress, the staff of its station, or the deputy it is addressed to."""
    # The committee staff of the opinion's own congress.
    if triage_congress_id(user) == opinion.congress_id:
        return True
    # The staff of the station it came to.
    station_unit_id = acting_station_unit_id(user)
    station = opinion.station
    if station_unit_id is not None and station is not None:
        return bool(station.unit_id == station_unit_id)
    # The deputy it was addressed to (代表点单).
    assignment = acting_role(user)
    deputy = opinion.deputy
    if assignment is not None and assignment.role == Role.DEPUTY and deputy is not None:
        return bool(deputy.user_id == assignment.user_id)
    return False


def can_triage_congress(user: User | None, congress_id: int) -> bool:
    """Committee staff of the congress: the ones who see the whole triage queue, clusters and imports."""
    return triage_congress_id(user) == congress_id


def can_relay(user: User | None, opinion: Opinion) -> bool:
    """Who passes the answer back to the citizen: the same people who triage it."""
    return can_triage(user, opinion)


def live_dispatch(opinion: Opinion) -> Dispatch | None:
    return (
        Dispatch.objects.filter(opinion=opinion, state__in=[Dispatch.State.PENDING, Dispatch.State.ACCEPTED])
        .select_related("unit")
        .first()
    )


def can_handle(user: User | None, opinion: Opinion) -> bool:
    """An officer or the head of the unit the opinion is dispatched to now."""
    unit = acting_unit(user)
    return unit is not None and opinion.unit_id == unit.pk and opinion.status in UNIT_STATES


def can_see_contact(user: User | None, opinion: Opinion) -> bool:
    """The citizen's name and phone in clear: the triage staff of the opinion and the unit handling it now."""
    if user is None or not user.is_authenticated:
        return False
    if can_triage(user, opinion):
        return True
    return can_handle(user, opinion)


# --- fetchers ---


def get_visible_opinion(user: User | None, opinion_id: int) -> Opinion:
    opinion = (
        opinions_visible_to(user)
        .filter(pk=opinion_id)
        .select_related("congress", "station", "station__unit", "deputy", "unit", "area", "converted_suggestion")
        .first()
    )
    if opinion is None:
        raise Http404
    return opinion


def normalise_tracking_code(code: object) -> str:
    text = str(code or "").strip().upper().replace(" ", "").replace("-", "")
    return text


def get_by_tracking_code(code: object) -> Opinion:
    """The opinion a citizen follows by its tracking code; a wrong code is a plain 404."""
    text = normalise_tracking_code(code)
    if not text or len(text) > 12 or any(character not in TRACKING_ALPHABET for character in text):
        raise Http404
    opinion = (
        Opinion.objects.filter(tracking_code=text)
        .select_related("congress", "station", "station__unit", "deputy", "unit")
        .first()
    )
    if opinion is None:
        raise Http404
    return opinion
