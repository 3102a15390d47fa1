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

from django.db.models import QuerySet
from django.http import Http404

from renda.core import errors
from renda.deputies.models import DeputyProfile, DeputyTerm, Station
from renda.organizations.permissions import READER_ROLES, STAFF_ROLES, acting_role, congress_acting_as
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress


def staff_congress_id(user: User | None) -> int | None:
    """The congress whose deputies the user manages now (its committee staff or administrator)."""
    return congress_acting_as(user, STAFF_ROLES)


def reader_congress_id(user: User | None) -> int | None:
    """The congress whose deputies' files and figures the user reads now (staff and leaders)."""
    return congress_acting_as(user, READER_ROLES)


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


# --- the roster (代表名册) ---


def can_manage_roster(user: User | None, congress: Congress) -> bool:
    """Only the staff of a congress add deputies to its roster, import, and record terms and status changes."""
    return staff_congress_id(user) == congress.pk


def can_read_roster(user: User | None, congress: Congress) -> bool:
    """Staff and leaders of a congress read its roster and composition; deputies see only their own profile."""
    return reader_congress_id(user) == congress.pk


def can_unmask_roster(user: User | None, congress: Congress) -> bool:
    """An export with phone and ID numbers in clear: only the managing staff, and the export is audited."""
    return can_manage_roster(user, congress)


def get_manageable_profile(user: User | None, profile_id: int) -> DeputyProfile:
    """The profile for a change: 404 if the person may not even read it, 403 if they only read it."""
    profile = get_readable_profile(user, profile_id)
    if not can_manage_profile(user, profile):
        raise errors.NotPermitted("只有本级人大代表工作机构可以修改代表名册")
    return profile


def get_manageable_term(user: User | None, term_id: int) -> DeputyTerm:
    """A term the user may change: staff of the term's own congress. Others who may read the profile get 403."""
    term = DeputyTerm.objects.select_related("profile__user", "congress", "delegation").filter(pk=term_id).first()
    if term is None or not can_read_profile(user, term.profile):
        raise Http404
    if not can_manage_roster(user, term.congress):
        raise errors.NotPermitted("只有该任期所在人大的代表工作机构可以变更代表状态")
    return term


# --- groups, stations, contacts, training ---
#
# Stations form one four-tier network that spans the congresses (总站 in the city, 中心站 in
# the districts, 站 in the townships), so the staff of a congress manage every station in
# their congress and below it. Station staff manage their own station and the points under
# it. Groups and training belong to one congress, managed by its staff and read by its leaders.


from renda.core.errors import NotPermitted  # noqa: E402
from renda.deputies.models import (  # noqa: E402
    ContactKind,
    ContactVisit,
    DeputyGroup,
    ReceptionDay,
    TrainingSession,
)
from renda.organizations.models import Congress  # noqa: E402


def station_subtree_ids(station_ids: set[int]) -> set[int]:
    """The given stations and every station below them (the tree is four tiers deep)."""
    found = set(station_ids)
    frontier = set(station_ids)
    while frontier:
        frontier = set(Station.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def _congress_scope(congress_id: int | None) -> set[int]:
    from renda.organizations.models import congress_subtree_ids

    return set() if congress_id is None else congress_subtree_ids([congress_id])


def _staff_scope(user: User | None) -> set[int] | None:
    """The congresses (theirs and below) whose stations the acting staff manage; cached on the role for the request."""
    congress_id = staff_congress_id(user)
    if congress_id is None:
        return None
    assignment = acting_role(user)
    cached: set[int] | None = getattr(assignment, "_station_scope_cache", None)
    if cached is None:
        cached = _congress_scope(congress_id)
        assignment._station_scope_cache = cached  # type: ignore[union-attr]
    return cached


def managed_stations(user: User | None) -> QuerySet[Station]:
    """Stations the user manages now: staff, every station of their congress and below; station staff, their own."""
    scope = _staff_scope(user)
    # Committee staff and administrators: the whole network of their congress and the congresses below.
    if scope is not None:
        return Station.objects.filter(unit__congress_id__in=scope)
    own = acting_station(user)
    # Station staff: their station and the points under it.
    if own is not None:
        return Station.objects.filter(pk__in=station_subtree_ids({own.pk}))
    return Station.objects.none()


def stations_visible_to(user: User | None) -> QuerySet[Station]:
    """Stations whose back-office pages the user may open: the managed ones, and (leaders) all of their congress."""
    assignment = acting_role(user)
    # Leaders read the network of their congress and below, but change nothing.
    if assignment is not None and assignment.role == Role.LEADER:
        return Station.objects.filter(unit__congress_id__in=_congress_scope(assignment.congress_id))
    return managed_stations(user)


def can_manage_station(user: User | None, station: Station) -> bool:
    return managed_stations(user).filter(pk=station.pk).exists()


def can_create_station(user: User | None, congress: Congress, parent: Station | None) -> bool:
    """Staff open stations in their congress and below; station staff only points under a station they manage."""
    scope = _staff_scope(user)
    # Staff: anywhere in their part of the congress tree, under a station of theirs.
    if scope is not None:
        return congress.pk in scope and (parent is None or parent.unit.congress_id in scope)
    # Station staff: a point under their own station (or one of its points), never a new root.
    if parent is None or acting_station(user) is None:
        return False
    return can_manage_station(user, parent)


def get_station_for_view(user: User | None, station_id: int) -> Station:
    station = stations_visible_to(user).filter(pk=station_id).select_related("unit__congress", "parent__unit").first()
    if station is None:
        raise Http404
    return station


def get_station_for_manage(user: User | None, station_id: int) -> Station:
    station = get_station_for_view(user, station_id)
    if not can_manage_station(user, station):
        raise NotPermitted("只有本站工作人员或人大工作机构可以管理此站点")
    return station


def get_reception_for_manage(user: User | None, reception_id: int) -> ReceptionDay:
    reception = ReceptionDay.objects.select_related("station__unit__congress").filter(pk=reception_id).first()
    if reception is None or not stations_visible_to(user).filter(pk=reception.station_id).exists():
        raise Http404
    if not can_manage_station(user, reception.station):
        raise NotPermitted("只有本站工作人员或人大工作机构可以管理接待日")
    return reception


def can_manage_groups(user: User | None, congress: Congress) -> bool:
    """Staff of the congress create and change its groups, and record their activities."""
    return staff_congress_id(user) == congress.pk


def groups_visible_to(user: User | None) -> QuerySet[DeputyGroup]:
    congress_id = reader_congress_id(user)
    # Staff and leaders see every group of their congress.
    if congress_id is not None:
        return DeputyGroup.objects.filter(congress_id=congress_id)
    own = own_profile(user)
    # A deputy sees the groups they belong to.
    if own is not None:
        return DeputyGroup.objects.filter(members=own)
    return DeputyGroup.objects.none()


def can_record_group_activity(user: User | None, group: DeputyGroup) -> bool:
    # Staff of the group's congress.
    if can_manage_groups(user, group.congress):
        return True
    own = own_profile(user)
    # The group's leader, acting as a deputy.
    return own is not None and group.leader_id == own.pk


def get_group_for_view(user: User | None, group_id: int) -> DeputyGroup:
    group = groups_visible_to(user).filter(pk=group_id).select_related("congress", "leader").first()
    if group is None:
        raise Http404
    return group


def contacts_visible_to(user: User | None) -> QuerySet[ContactVisit]:
    assignment = acting_role(user)
    if assignment is None or user is None:
        return ContactVisit.objects.none()
    # Staff and leaders see every visit of their congress.
    if assignment.role in STAFF_ROLES | {Role.LEADER}:
        return ContactVisit.objects.filter(congress_id=assignment.congress_id)
    # An SC member sees the visits they made.
    if assignment.role == Role.SC_MEMBER:
        return ContactVisit.objects.filter(congress_id=assignment.congress_id, visitor=user)
    own = own_profile(user)
    # A deputy sees the visits they received and their own contacts with citizens.
    if own is not None:
        return ContactVisit.objects.filter(deputy=own)
    return ContactVisit.objects.none()


def can_record_contacts(user: User | None) -> bool:
    """Who may open the contact form at all: staff, SC members and deputies acting now."""
    assignment = acting_role(user)
    return assignment is not None and assignment.role in STAFF_ROLES | {Role.SC_MEMBER, Role.DEPUTY}


def can_record_contact(user: User | None, *, kind: str, visitor: User | None, deputy: DeputyProfile) -> bool:
    assignment = acting_role(user)
    if assignment is None or user is None:
        return False
    # Staff record any visit in their congress.
    if assignment.role in STAFF_ROLES:
        return True
    # An SC member records the visits they made themself.
    if assignment.role == Role.SC_MEMBER:
        return kind == ContactKind.SC_MEMBER_TO_DEPUTY and visitor is not None and visitor.pk == user.pk
    own = own_profile(user)
    # A deputy records their own contacts with citizens.
    return own is not None and kind == ContactKind.DEPUTY_TO_CITIZENS and own.pk == deputy.pk


def can_manage_training(user: User | None, congress: Congress) -> bool:
    return staff_congress_id(user) == congress.pk


def trainings_visible_to(user: User | None) -> QuerySet[TrainingSession]:
    congress_id = reader_congress_id(user)
    # Staff and leaders see every session of their congress.
    if congress_id is not None:
        return TrainingSession.objects.filter(congress_id=congress_id)
    own = own_profile(user)
    # A deputy sees the sessions they were invited to.
    if own is not None:
        return TrainingSession.objects.filter(attendance__profile=own)
    return TrainingSession.objects.none()


def get_training_for_view(user: User | None, training_id: int) -> TrainingSession:
    session = trainings_visible_to(user).filter(pk=training_id).select_related("congress").first()
    if session is None:
        raise Http404
    return session


def can_view_deputy_code(user: User | None, profile: DeputyProfile) -> bool:
    """The deputy's own 代表码, and the staff managing their file (to print it)."""
    own = own_profile(user)
    if own is not None and own.pk == profile.pk:
        return True
    return can_manage_profile(user, profile)


def get_profile_for_code(user: User | None, profile_id: int) -> DeputyProfile:
    profile = DeputyProfile.objects.filter(pk=profile_id).first()
    if profile is None or not can_view_deputy_code(user, profile):
        raise Http404
    return profile


def public_stations() -> QuerySet[Station]:
    """Every station open to the public on the portal, with the unit it runs on."""
    return Station.objects.filter(is_public=True, unit__is_active=True).select_related("unit", "parent__unit")


def get_public_station(code: str) -> Station:
    station = public_stations().filter(public_code=code).first()
    if station is None:
        raise Http404
    return station


def upcoming_receptions(station: Station, *, limit: int = 20) -> list[ReceptionDay]:
    """Planned reception days from today on, with the deputies on duty (their names only, for the public)."""
    from django.db.models import Prefetch
    from django.utils import timezone

    on_duty = DeputyProfile.objects.only("pk", "name").order_by("name")
    return list(
        station.receptions.filter(status=ReceptionDay.Status.PLANNED, date__gte=timezone.localdate())
        .prefetch_related(Prefetch("deputies", queryset=on_duty))
        .order_by("date", "starts_at")[:limit]
    )


# --- duty record ---

from renda.deputies.models import DutyEntry, DutyEvidence  # noqa: E402


def can_view_entry(user: User | None, entry: DutyEntry) -> bool:
    """The deputy sees every entry of their own; staff and leaders see the entries of their congress."""
    own = own_profile(user)
    # The deputy's own entry, whatever its status.
    if own is not None and own.pk == entry.profile_id:
        return True
    # Staff and leaders of the congress the entry belongs to.
    congress_id = reader_congress_id(user)
    return congress_id is not None and congress_id == entry.congress_id


def can_view_entry_in_some_role(user: User, entry: DutyEntry) -> bool:
    """For messages (no acting role): the deputy themself, or someone holding a reading role in its congress."""
    from renda.organizations.models import RoleAssignment

    if entry.profile.user_id == user.pk:
        return True
    return RoleAssignment.objects.filter(
        user=user, congress_id=entry.congress_id, role__in=[*STAFF_ROLES, Role.LEADER], is_active=True
    ).exists()


def can_verify_entry(user: User | None, entry: DutyEntry) -> bool:
    """Staff of the entry's congress verify or reject it; never the person it is about (not even as staff)."""
    congress_id = staff_congress_id(user)
    # Only the staff of the entry's congress.
    if congress_id is None or congress_id != entry.congress_id:
        return False
    # Nobody verifies an entry about themself.
    return user is not None and entry.profile.user_id != user.pk


def can_withdraw_entry(user: User | None, entry: DutyEntry) -> bool:
    """The deputy takes back their own self-reported entry."""
    own = own_profile(user)
    return own is not None and own.pk == entry.profile_id


def can_record_for(user: User | None, congress_id: int) -> bool:
    """Staff of a congress add entries for its deputies and record its meetings' attendance."""
    staff_congress = staff_congress_id(user)
    return staff_congress is not None and staff_congress == congress_id


def visible_entries(user: User | None, profile: DeputyProfile) -> QuerySet[DutyEntry]:
    """The entries of ``profile`` the user may see (the fetcher of the file already checked the profile)."""
    own = own_profile(user)
    # The deputy sees all of their own.
    if own is not None and own.pk == profile.pk:
        return DutyEntry.objects.filter(profile=profile)
    # Staff and leaders see those of their congress.
    congress_id = reader_congress_id(user)
    if congress_id is not None:
        return DutyEntry.objects.filter(profile=profile, congress_id=congress_id)
    return DutyEntry.objects.none()


def get_entry_for_view(user: User | None, entry_id: int) -> DutyEntry:
    entry = DutyEntry.objects.filter(pk=entry_id).select_related("profile", "congress", "term", "verified_by").first()
    if entry is None or not can_view_entry(user, entry):
        raise Http404
    return entry


def get_evidence_for_view(user: User | None, evidence_id: int) -> DutyEvidence:
    evidence = DutyEvidence.objects.filter(pk=evidence_id).select_related("entry", "entry__profile").first()
    if evidence is None or not can_view_entry(user, evidence.entry):
        raise Http404
    return evidence


# --- scores ---
#
# Staff of a congress write its scoring schemes, compute the scores, derive and settle the
# consequences; its leaders read all of that; a deputy reads their own scores and their
# explanation, never another deputy's (404, as if it did not exist).

from renda.deputies.models import DeputyScore, ScoreConsequence, ScoringScheme  # noqa: E402


def can_manage_scores(user: User | None, congress: Congress) -> bool:
    """Only the committee staff and administrator of the congress."""
    return staff_congress_id(user) == congress.pk


def can_read_scores(user: User | None, congress: Congress) -> bool:
    """Staff and leaders of the congress read the publication list, the consequences and the figures."""
    return reader_congress_id(user) == congress.pk


def can_read_score(user: User | None, score: DeputyScore) -> bool:
    # Staff and leaders of the congress whose scheme made the score.
    if can_read_scores(user, score.scheme.congress):
        return True
    own = own_profile(user)
    # The deputy the score is about.
    return own is not None and own.pk == score.profile_id


def get_score_for_view(user: User | None, score_id: int) -> DeputyScore:
    score = DeputyScore.objects.select_related("scheme__congress", "profile").filter(pk=score_id).first()
    if score is None or not can_read_score(user, score):
        raise Http404
    return score


def get_scheme_for_view(user: User | None, scheme_id: int) -> ScoringScheme:
    scheme = ScoringScheme.objects.select_related("congress").filter(pk=scheme_id).first()
    if scheme is None or not can_read_scores(user, scheme.congress):
        raise Http404
    return scheme


def get_consequence_for_manage(user: User | None, consequence_id: int) -> ScoreConsequence:
    """404 for whoever may not read the congress's scores; 403 for a leader, who reads but changes nothing."""
    consequence = ScoreConsequence.objects.select_related("congress", "profile").filter(pk=consequence_id).first()
    if consequence is None or not can_read_scores(user, consequence.congress):
        raise Http404
    if not can_manage_scores(user, consequence.congress):
        raise NotPermitted("只有本级人大的代表工作机构可以记录办理情况")
    return consequence


# --- reports to electors ---
# Staff of the congress schedule and record a deputy's report to their electors (述职) and run the
# voters' rating; leaders of the congress read them; a deputy reads their own reports.

from renda.deputies.models import ElectorReport  # noqa: E402


def can_manage_reports(user: User | None, congress: Congress) -> bool:
    """The committee staff and the administrator of the congress."""
    return staff_congress_id(user) == congress.pk


def can_read_reports(user: User | None, congress: Congress) -> bool:
    """Staff and leaders of the congress read every report, and the list of deputies yet to report."""
    return reader_congress_id(user) == congress.pk


def can_read_report(user: User | None, report: ElectorReport) -> bool:
    # Staff and leaders of the report's congress.
    if reader_congress_id(user) == report.congress_id:
        return True
    own = own_profile(user)
    # The deputy who reports.
    return own is not None and own.pk == report.profile_id


def reports_visible_to(user: User | None) -> QuerySet[ElectorReport]:
    reports = ElectorReport.objects.select_related("congress", "profile", "term", "ballot")
    congress_id = reader_congress_id(user)
    if congress_id is not None:
        return reports.filter(congress_id=congress_id)
    own = own_profile(user)
    if own is not None:
        return reports.filter(profile=own)
    return reports.none()


def get_report_for_view(user: User | None, report_id: int) -> ElectorReport:
    report = ElectorReport.objects.select_related("congress", "profile", "term", "ballot").filter(pk=report_id).first()
    if report is None or not can_read_report(user, report):
        raise Http404
    return report


def get_report_for_manage(user: User | None, report_id: int) -> ElectorReport:
    """404 for whoever may not read it; 403 for a reader (leader, the deputy) who may not change it."""
    report = get_report_for_view(user, report_id)
    if not can_manage_reports(user, report.congress):
        raise NotPermitted("只有本级人大的代表工作机构可以安排和记录代表述职")
    return report
