"""Demo step: the scoring scheme of the demo city, its 2025 and 2026 scores, and the consequences.

The clerk (committee staff) makes the default scheme, in force from 2025. The processes of the
earlier demo steps log only part of a deputy's year (about 14 entries each), so the clerk also
registers the offline activities of 2026 (视察、调研、联系群众、办实事 reported on paper at the
delegations), verified, for most deputies: about 65 % very active, 25 % moderately, the rest not
at all; then computes 2026 quarter by quarter. The 2025
file is the previous year's paper file entered as staff-registered, verified entries (补录),
written in bulk: most deputies were active, while a few of those who are "poor" in 2026 were
"poor" in 2025 too, so the two-year rule (建议辞职或罢免) fires. Then the clerk derives the
consequences of both years and records one 2025 talk as done. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.utils import timezone

from renda.accounts.models import User
from renda.deputies import scoring
from renda.deputies.actions import scoring as actions
from renda.deputies.models import DeputyScore, DutyEntry, EntryKind, EntrySource, EntryStatus, Grade, ScoreConsequence
from renda.organizations.models import Congress
from renda.organizations.roles import Role

YEAR = 2026
PREVIOUS = 2025
# Of the deputies "poor" in 2026, how many were "poor" in 2025 as well.
POOR_TWICE = 3

# An active deputy's 2025: (kind, lowest count, highest count).
ACTIVE_YEAR = [
    (EntryKind.ATTEND_SESSION, 1, 1),
    (EntryKind.ATTEND_SC, 0, 3),
    (EntryKind.INSPECTION, 1, 5),
    (EntryKind.RESEARCH, 0, 3),
    (EntryKind.GROUP_ACTIVITY, 2, 6),
    (EntryKind.STATION_RECEPTION, 1, 5),
    (EntryKind.CONTACT_CITIZENS, 3, 10),
    (EntryKind.SUGGESTION, 1, 3),
    (EntryKind.TRAINING, 1, 4),
    (EntryKind.REPORT_TO_ELECTORS, 0, 1),
    (EntryKind.PRACTICAL_DEED, 0, 3),
]
# Offline activities registered for 2026, by level of activity.
OFFLINE_BUSY = [
    (EntryKind.INSPECTION, 3, 5),
    (EntryKind.RESEARCH, 2, 5),
    (EntryKind.CONTACT_CITIZENS, 6, 10),
    (EntryKind.PRACTICAL_DEED, 1, 3),
    (EntryKind.LAW_INSPECTION, 1, 3),
    (EntryKind.ATTEND_SC, 1, 3),
]
OFFLINE_SOME = [
    (EntryKind.INSPECTION, 2, 4),
    (EntryKind.RESEARCH, 1, 3),
    (EntryKind.CONTACT_CITIZENS, 5, 8),
    (EntryKind.PRACTICAL_DEED, 1, 2),
]
QUIET_YEAR = [(EntryKind.ATTEND_SESSION, 1, 1), (EntryKind.CONTACT_CITIZENS, 0, 4), (EntryKind.TRAINING, 0, 1)]


def _clerk(city: Congress) -> User | None:
    clerk = User.objects.filter(username="clerk").first()
    if clerk is None:
        return None
    clerk.active_assignment = clerk.role_assignments.filter(
        congress=city, role=Role.COMMITTEE_STAFF, is_active=True
    ).first()
    return clerk if clerk.active_assignment is not None else None


def _entries(
    city: Congress,
    clerk: User,
    rng: random.Random,
    *,
    profile_id: int,
    plan: Sequence[tuple[str, int, int]],
    year: int,
    last: dt.date,
    title: str,
) -> list[DutyEntry]:
    first = dt.date(year, 1, 1)
    verified_at = timezone.make_aware(
        dt.datetime.combine(min(last + dt.timedelta(days=1), dt.date(year + 1, 1, 20)), dt.time(10))
    )
    rows = []
    for kind, low, high in plan:
        for _ in range(rng.randint(low, high)):
            rows.append(
                DutyEntry(
                    profile_id=profile_id,
                    congress=city,
                    date=first + dt.timedelta(days=rng.randrange((last - first).days + 1)),
                    kind=kind,
                    title=f"{title}：{EntryKind(kind).label}",
                    source=EntrySource.STAFF,
                    status=EntryStatus.VERIFIED,
                    verified_by=clerk,
                    verified_at=verified_at,
                    created_by=clerk,
                )
            )
    return rows


def _offline_activities(city: Congress, clerk: User, rng: random.Random) -> None:
    """The 2026 activities reported on paper at the delegations, registered by the clerk (verified)."""
    last = min(timezone.localdate(), dt.date(YEAR, 12, 31))
    if last.year < YEAR:
        return
    rows: list[DutyEntry] = []
    for profile_id in sorted(set(scoring.profiles_in_office(city, YEAR).values_list("profile_id", flat=True))):
        level = rng.random()
        plan = OFFLINE_BUSY if level < 0.65 else OFFLINE_SOME if level < 0.9 else []
        rows += _entries(
            city, clerk, rng, profile_id=profile_id, plan=plan, year=YEAR, last=last, title=f"{YEAR} 年线下履职登记"
        )
    DutyEntry.objects.bulk_create(rows, batch_size=2000)


def _previous_year(city: Congress, clerk: User, rng: random.Random) -> None:
    """The 2025 file (补录): verified entries for every deputy in office in 2025."""
    in_office = sorted(set(scoring.profiles_in_office(city, PREVIOUS).values_list("profile_id", flat=True)))
    if not in_office:
        return
    scheme = scoring.scheme_for(city, YEAR)
    poor_now = sorted(
        DeputyScore.objects.filter(scheme=scheme, year=YEAR, quarter=4, grade=Grade.POOR).values_list(
            "profile_id", flat=True
        )
    )
    serving = set(in_office)
    candidates = [profile_id for profile_id in poor_now if profile_id in serving]
    quiet = set(rng.sample(candidates, min(POOR_TWICE, len(candidates))))
    rows: list[DutyEntry] = []
    for profile_id in in_office:
        plan = QUIET_YEAR if profile_id in quiet else ACTIVE_YEAR
        rows += _entries(
            city,
            clerk,
            rng,
            profile_id=profile_id,
            plan=plan,
            year=PREVIOUS,
            last=dt.date(PREVIOUS, 12, 31),
            title=f"{PREVIOUS} 年度履职档案补录",
        )
    DutyEntry.objects.bulk_create(rows, batch_size=2000)


def build(*, city: Congress, seed: int = 2026) -> None:
    """Fill the demo city's scores by the real actions."""
    clerk = _clerk(city)
    if clerk is None:
        return
    rng = random.Random(seed + 4)
    if scoring.scheme_for(city, PREVIOUS) is None:
        actions.scheme_create(
            actor=clerk, congress=city, name="江城市人大代表履职积分办法（试行）", effective_year=PREVIOUS
        )
    _offline_activities(city, clerk, rng)
    for quarter in scoring.QUARTERS:
        actions.scores_compute(actor=clerk, congress=city, year=YEAR, quarter=quarter)
    _previous_year(city, clerk, rng)
    actions.scores_compute(actor=clerk, congress=city, year=PREVIOUS, quarter=4)
    actions.consequences_derive(actor=clerk, congress=city, year=PREVIOUS)
    actions.consequences_derive(actor=clerk, congress=city, year=YEAR)
    talk = ScoreConsequence.objects.filter(congress=city, year=PREVIOUS, kind=ScoreConsequence.Kind.TALK).first()
    if talk is not None:
        actions.consequence_done(
            actor=clerk, consequence=talk, note="已于 2026 年 2 月由人代选任工委约谈，代表表示将加强联系群众。"
        )
