"""Who may run a ballot, who may see it, who may vote.

Staff of the ballot's own congress (committee staff or the staff
administrator, acting in that role now) create, open and close ballots and
see them. A member of the frozen electorate sees the ballot and votes, in
whatever role they act. Fetchers raise Http404 for everyone else, so a
refused request never learns whether the ballot exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from renda.ballots.models import Ballot, ElectorateMember
from renda.organizations.models import Congress
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User

BALLOT_STAFF_ROLES = frozenset({Role.COMMITTEE_STAFF, Role.STAFF_ADMIN})


def managed_congress_id(user: User | None) -> int | None:
    """The congress whose ballots the user runs now, if any."""
    assignment = acting_role(user)
    # Only committee staff and the staff administrator run ballots...
    if assignment is None or assignment.role not in BALLOT_STAFF_ROLES:
        return None
    # ...and only in the congress they hold that role in (not in the congresses below it).
    return assignment.congress_id


def can_manage_ballots(user: User | None, congress: Congress) -> bool:
    return managed_congress_id(user) == congress.pk


def can_manage_ballot(user: User | None, ballot: Ballot) -> bool:
    return managed_congress_id(user) == ballot.congress_id


def is_electorate_member(user: User | None, ballot: Ballot) -> bool:
    # The electorate exists only once the ballot has opened; a draft has no voters yet.
    if user is None or not user.is_authenticated:
        return False
    return ElectorateMember.objects.filter(ballot=ballot, user=user).exists()


def can_view_ballot(user: User | None, ballot: Ballot) -> bool:
    return can_manage_ballot(user, ballot) or is_electorate_member(user, ballot)


def can_vote(user: User | None, ballot: Ballot) -> bool:
    # Voting is a right of the electorate member, whichever role they act in; staff vote only if listed.
    return is_electorate_member(user, ballot)


# --- fetchers ---


def ballots_visible_to(user: User | None) -> QuerySet[Ballot]:
    if user is None or not user.is_authenticated:
        return Ballot.objects.none()
    condition = Q(electorate__user=user)
    congress_id = managed_congress_id(user)
    if congress_id is not None:
        condition |= Q(congress_id=congress_id)
    return Ballot.objects.filter(pk__in=Ballot.objects.filter(condition).values("pk")).select_related("congress")


def get_ballot_for_manage(user: User | None, ballot_id: int) -> Ballot:
    ballot = Ballot.objects.filter(pk=ballot_id).select_related("congress").first()
    if ballot is None or not can_manage_ballot(user, ballot):
        raise Http404
    return ballot


def get_ballot_for_view(user: User | None, ballot_id: int) -> Ballot:
    ballot = Ballot.objects.filter(pk=ballot_id).select_related("congress").first()
    if ballot is None or not can_view_ballot(user, ballot):
        raise Http404
    return ballot
