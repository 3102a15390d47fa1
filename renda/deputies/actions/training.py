"""Training sessions (集中, 专题, 线上): create, invite deputies, record attendance.

An attended session logs a ``training`` duty entry with the session's hours; a deputy marked
absent logs nothing (and loses the entry if they had been marked present before).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction

from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.deputies import permissions
from renda.deputies.actions._activity import (
    NAME_MAX,
    PLACE_MAX,
    TITLE_MAX,
    record,
    require_congress_deputies,
    require_date,
    today,
    unique_profiles,
)
from renda.deputies.feed import record_system_entry, withdraw_system_entry
from renda.deputies.models import DeputyProfile, EntryKind, TrainingAttendance, TrainingKind, TrainingSession

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress

HOURS_MAX = Decimal("999.9")


def _require_manager(actor: User, congress: Congress) -> None:
    if not permissions.can_manage_training(actor, congress):
        raise NotPermitted("只有本级人大工作机构可以管理代表培训")


def _clean_hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise InvalidInput("学时须为数字", code="invalid", field="hours") from None
    if not Decimal("0") < hours <= HOURS_MAX:
        raise InvalidInput(f"学时须大于 0 且不超过 {HOURS_MAX}", code="invalid", field="hours")
    return hours


@transaction.atomic
def training_create(
    *,
    actor: User,
    congress: Congress,
    title: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    hours: Decimal | float | str,
    place: str = "",
    organizer: str = "",
) -> TrainingSession:
    _require_manager(actor, congress)
    title = clean_text(title, field="title", label="培训名称", max_length=TITLE_MAX)
    kind = clean_choice(kind, TrainingKind.values, field="kind", label="培训类型")
    starts_on = require_date(starts_on, field="starts_on", label="开始日期")
    ends_on = require_date(ends_on, field="ends_on", label="结束日期")
    if ends_on < starts_on:
        raise InvalidInput("结束日期不能早于开始日期", code="invalid", field="ends_on")
    session = TrainingSession.objects.create(
        congress=congress,
        title=title,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        hours=_clean_hours(hours),
        place=clean_text(place, field="place", label="地点", max_length=PLACE_MAX, required=False),
        organizer=clean_text(organizer, field="organizer", label="主办", max_length=NAME_MAX, required=False),
        created_by=actor,
    )
    record(actor, "training_created", session, congress, kind=kind, hours=str(session.hours))
    return session


@transaction.atomic
def training_invite(
    *, actor: User, session: TrainingSession, profiles: Iterable[DeputyProfile]
) -> list[TrainingAttendance]:
    """Invite deputies of the congress; already invited ones are left as they are. Returns the new rows."""
    _require_manager(actor, session.congress)
    people = unique_profiles(profiles, field="profiles", label="参训代表")
    require_congress_deputies(people, session.congress, field="profiles", label="参训代表")
    invited = set(session.attendance.values_list("profile_id", flat=True))
    rows = TrainingAttendance.objects.bulk_create(
        [TrainingAttendance(session=session, profile=p) for p in people if p.pk not in invited]
    )
    record(actor, "training_invited", session, session.congress, invited=len(rows))
    return rows


@transaction.atomic
def training_attendance(
    *, actor: User, session: TrainingSession, attended_ids: Iterable[int], absent_ids: Iterable[int]
) -> int:
    """Mark invited deputies (profile ids) present or absent; returns the session's person-time count (人次)."""
    _require_manager(actor, session.congress)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.starts_on > today():
        raise InvalidTransition("培训尚未开始，不能登记出勤", code="not_yet", field="attended_ids")
    present, absent = {int(pk) for pk in attended_ids}, {int(pk) for pk in absent_ids}
    if present & absent:
        raise InvalidInput("同一名代表不能既出勤又缺勤", code="conflict", field="attended_ids")
    rows = {row.profile_id: row for row in session.attendance.select_related("profile")}
    unknown = (present | absent) - set(rows)
    if unknown:
        raise InvalidInput("只能为受邀代表登记出勤", code="not_invited", field="attended_ids")
    changed: list[TrainingAttendance] = []
    for profile_id in present | absent:
        row = rows[profile_id]
        row.attended = profile_id in present
        changed.append(row)
        if row.attended:
            record_system_entry(
                profile=row.profile,
                congress=session.congress,
                kind=EntryKind.TRAINING,
                date=session.starts_on,
                title=f"参加{session.get_kind_display()}：{session.title}",
                linked=session,
                hours=session.hours,
                actor=actor,
            )
        else:
            withdraw_system_entry(profile=row.profile, kind=EntryKind.TRAINING, linked=session)
    TrainingAttendance.objects.bulk_update(changed, ["attended"])
    person_times = session.attendance.filter(attended=True).count()
    record(
        actor,
        "training_attendance",
        session,
        session.congress,
        present=len(present),
        absent=len(absent),
        person_times=person_times,
    )
    return person_times
