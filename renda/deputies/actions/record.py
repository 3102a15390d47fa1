"""The duty record's actions (履职档案, domain.md §2.1): self-reports with evidence, verification, staff entries,
meeting attendance.

A deputy reports what no process records by itself (an inspection, research, contacting voters,
a practical deed), with photos or PDF files as evidence; the entry waits for the staff of the
congress, who verify or reject it. Only verified entries count in scores. Staff add entries for
acts they know of, and record who attended or missed a meeting (the interface a meetings app
will call). Each action checks permission, then input, then changes, then writes one audit event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from renda.core.audit import audit_record
from renda.core.checks import clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.notify import notify_send
from renda.core.todo import todo_close, todo_open
from renda.core.uploads import IMAGE_SUFFIXES, check_upload
from renda.deputies import permissions
from renda.deputies.models import (
    DeputyProfile,
    DeputyTerm,
    DutyEntry,
    DutyEvidence,
    EntryKind,
    EntrySource,
    EntryStatus,
)
from renda.deputies.models.record import SELF_REPORTABLE_KINDS
from renda.organizations.models import RoleAssignment, Unit
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from renda.accounts.models import User
    from renda.organizations.models import Congress

TODO_VERIFY = "deputies.entry_verify"

TITLE_MAX = 200
DETAIL_MAX = 5000
REASON_MAX = 300
LINKED_KEY_MAX = 40
HOURS_MAX = Decimal("240")
EVIDENCE_MAX_FILES = 9
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_SUFFIXES = (*IMAGE_SUFFIXES, ".pdf")
# The type a file is served with comes from its checked suffix, never from what the browser claimed.
EVIDENCE_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}

ATTENDANCE_KINDS = frozenset({EntryKind.ATTEND_SESSION, EntryKind.ATTEND_SC})
MEETING_LINK = "meeting"
# What staff may register by hand: the self-reportable kinds and the acts of this app's own processes
# that may happen outside the platform. Suggestions, motions and attendance come only from their processes.
STAFF_ADDABLE_KINDS = SELF_REPORTABLE_KINDS | frozenset(
    {
        EntryKind.ATTEND_SC,
        EntryKind.GROUP_ACTIVITY,
        EntryKind.STATION_RECEPTION,
        EntryKind.CONTACTED_BY_SC,
        EntryKind.TRAINING,
        EntryKind.REPORT_TO_ELECTORS,
    }
)
# Among the congress's committee staff, the body that keeps the deputies' files verifies entries.
VERIFIER_UNIT_HINTS = ("代表", "选任")


# --- input ---


def clean_hours(value: object) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput("时长须为数字（小时）", code="invalid", field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > HOURS_MAX:
        raise InvalidInput(f"时长须大于 0 且不超过 {HOURS_MAX} 小时", code="out_of_range", field="hours")
    return hours.quantize(Decimal("0.1"))


def clean_date(value: object, *, field: str = "date") -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise InvalidInput("请填写日期", code="required", field=field)
    if value > timezone.localdate():
        raise InvalidInput("日期不能晚于今天", code="future", field=field)
    return value


def _clean_kind(value: object, allowed: frozenset[str], *, refused: str) -> str:
    kind = str(value or "")
    if kind not in EntryKind.values:
        raise InvalidInput("履职类型的取值无效", code="invalid_choice", field="kind")
    if kind not in allowed:
        raise InvalidInput(refused, code="not_allowed", field="kind")
    return kind


def term_covering(profile: DeputyProfile, congress: Congress, date: dt.date) -> DeputyTerm | None:
    """The deputy's term in ``congress`` that includes ``date``, if any."""
    return (
        profile.terms.filter(congress=congress, starts_on__lte=date)
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=date))
        .first()
    )


# --- helpers ---


def entry_link(entry: DutyEntry) -> str:
    return reverse("deputies:entry_detail", kwargs={"entry_id": entry.pk})


def _record(actor: User | None, action: str, entry: DutyEntry, **summary: Any) -> None:
    audit_record(actor=actor, action=f"duty_entry.{action}", target=entry, congress=entry.congress, summary=summary)


def _lock(entry: DutyEntry) -> DutyEntry:
    return DutyEntry.objects.select_for_update().select_related("profile", "congress").get(pk=entry.pk)


def verifier_units(congress: Congress) -> list[Unit]:
    """The units whose committee staff verify entries: the deputies' affairs body when there is one, else all."""
    unit_ids = RoleAssignment.objects.filter(
        congress=congress, role=Role.COMMITTEE_STAFF, is_active=True, unit__isnull=False, unit__is_active=True
    ).values("unit_id")
    units = list(Unit.objects.filter(pk__in=unit_ids).order_by("pk"))
    preferred = [unit for unit in units if any(hint in unit.name for hint in VERIFIER_UNIT_HINTS)]
    return preferred or units


def _open_verify_todo(entry: DutyEntry, units: Sequence[Unit]) -> None:
    title = f"核实履职登记：{entry.profile.name} {entry.title}"[:200]
    for unit in units:
        todo_open(
            congress=entry.congress,
            kind=TODO_VERIFY,
            title=title,
            due_at=None,
            url=entry_link(entry),
            target=entry,
            unit=unit,
        )


def _notify_deputy(entry: DutyEntry, event: str, **context: Any) -> None:
    notify_send(
        recipient=entry.profile.user,
        event=event,
        context={"title": entry.title, "date": entry.date.isoformat(), "link": entry_link(entry), **context},
        target=entry,
        congress=entry.congress,
    )


def _require_pending(entry: DutyEntry, doing: str) -> None:
    if entry.status != EntryStatus.PENDING:
        raise InvalidTransition(
            f"该记录当前状态为“{entry.get_status_display()}”，不能{doing}", code="invalid_state", field="status"
        )


def _require_verifier(actor: User, entry: DutyEntry) -> None:
    if permissions.can_verify_entry(actor, entry):
        return
    if entry.profile.user_id == actor.pk:
        raise NotPermitted("不能核实本人的履职登记")
    raise NotPermitted("只有本级人大代表工作机构可以核实履职登记")


def _delete_files_on_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]
    if not names:
        return

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


# --- the deputy's own entries ---


@transaction.atomic
def entry_self_report(
    *,
    actor: User,
    kind: str,
    date: dt.date | None,
    title: str,
    detail: str = "",
    hours: Decimal | float | str | None = None,
    uploads: Sequence[UploadedFile[bytes]] = (),
) -> DutyEntry:
    """The acting deputy reports an act with evidence; it waits for the staff's verification."""
    profile = permissions.own_profile(actor)
    assignment = acting_role(actor)
    if profile is None or assignment is None:
        raise NotPermitted("只有人大代表本人可以登记履职活动")
    congress = assignment.congress
    kind = _clean_kind(kind, SELF_REPORTABLE_KINDS, refused="该类型的履职活动由系统自动记录，不能自行登记")
    date = clean_date(date)
    term = term_covering(profile, congress, date)
    if term is None:
        raise InvalidInput("日期不在您的代表任期内", code="outside_term", field="date")
    title = clean_text(title, field="title", label="事项", max_length=TITLE_MAX)
    detail = clean_text(detail, field="detail", label="情况说明", max_length=DETAIL_MAX, required=False)
    hours_value = clean_hours(hours)
    uploads = list(uploads)
    if len(uploads) > EVIDENCE_MAX_FILES:
        raise InvalidInput(f"佐证材料最多 {EVIDENCE_MAX_FILES} 个文件", code="too_many", field="uploads")
    # Every file is checked before anything is saved: one wrong file refuses the whole entry.
    checked = [
        check_upload(
            upload,
            allowed=EVIDENCE_SUFFIXES,
            max_bytes=EVIDENCE_MAX_BYTES,
            field="uploads",
            label=f"佐证材料“{(upload.name or '')[:40]}”",
        )
        for upload in uploads
    ]
    entry = DutyEntry.objects.create(
        profile=profile,
        congress=congress,
        term=term,
        date=date,
        kind=kind,
        title=title,
        detail=detail,
        hours=hours_value,
        source=EntrySource.SELF,
        status=EntryStatus.PENDING,
        created_by=actor,
    )
    saved: list[str] = []
    try:
        for upload, info in zip(uploads, checked, strict=True):
            evidence = DutyEvidence(
                entry=entry,
                name=info.name,
                size=info.size,
                content_type=EVIDENCE_CONTENT_TYPES[info.suffix],
                sha256=info.sha256,
            )
            # A random stored name: the deputy's file name never becomes a path.
            evidence.file.save(f"{uuid.uuid4().hex}{info.suffix}", upload, save=False)
            saved.append(evidence.file.name or "")
            evidence.save()
        _open_verify_todo(entry, verifier_units(congress))
        _record(actor, "self_reported", entry, kind=kind, date=date.isoformat(), title=title, files=len(checked))
    except BaseException:
        # Nothing is saved half-way: the rows roll back with the transaction, the files go here.
        for name in saved:
            default_storage.delete(name)
        raise
    return entry


@transaction.atomic
def entry_withdraw(*, actor: User, entry: DutyEntry) -> None:
    """The deputy takes back their own self-reported entry while it waits for verification."""
    if not permissions.can_withdraw_entry(actor, entry):
        raise NotPermitted("只能撤回本人的履职登记")
    entry = _lock(entry)
    if entry.source != EntrySource.SELF:
        raise InvalidTransition("只有代表自报的记录可以撤回", code="not_self_reported", field="source")
    _require_pending(entry, "撤回")
    todo_close(target=entry, kind=TODO_VERIFY, actor=actor, status="cancelled")
    _record(actor, "withdrawn", entry, kind=entry.kind, date=entry.date.isoformat(), title=entry.title)
    files = list(entry.evidence.values_list("file", flat=True))
    entry.delete()
    _delete_files_on_commit(files)


# --- the staff's side ---


def _decide(actor: User, entry: DutyEntry, *, status: str, reason: str = "") -> DutyEntry:
    entry.status = status
    entry.verified_by = actor
    entry.verified_at = timezone.now()
    entry.reject_reason = reason
    entry.save(update_fields=["status", "verified_by", "verified_at", "reject_reason"])
    todo_close(target=entry, kind=TODO_VERIFY, actor=actor)
    if status == EntryStatus.VERIFIED:
        _record(actor, "verified", entry)
        _notify_deputy(entry, "duty_entry.verified")
    else:
        _record(actor, "rejected", entry, reason=reason)
        _notify_deputy(entry, "duty_entry.rejected", reason=reason)
    return entry


@transaction.atomic
def entry_verify(*, actor: User, entry: DutyEntry) -> DutyEntry:
    """Staff of the entry's congress confirm a pending self-report; it now counts."""
    _require_verifier(actor, entry)
    entry = _lock(entry)
    _require_pending(entry, "核实")
    return _decide(actor, entry, status=EntryStatus.VERIFIED)


@transaction.atomic
def entry_reject(*, actor: User, entry: DutyEntry, reason: str) -> DutyEntry:
    """Staff refuse a pending self-report, saying why; the deputy is told."""
    _require_verifier(actor, entry)
    reason = clean_text(reason, field="reason", label="未通过原因", max_length=REASON_MAX)
    entry = _lock(entry)
    _require_pending(entry, "退回")
    return _decide(actor, entry, status=EntryStatus.REJECTED, reason=reason)


@transaction.atomic
def entry_verify_batch(*, actor: User, entries: Sequence[DutyEntry]) -> int:
    """Verify several pending entries at once (each its own audit event). Entries no longer pending are skipped."""
    if not entries:
        raise InvalidInput("请至少选择一条记录", code="required", field="entries")
    for entry in entries:
        _require_verifier(actor, entry)
    done = 0
    for entry in entries:
        locked = _lock(entry)
        if locked.status != EntryStatus.PENDING:
            continue
        _decide(actor, locked, status=EntryStatus.VERIFIED)
        done += 1
    return done


@transaction.atomic
def entry_staff_add(
    *,
    actor: User,
    profile: DeputyProfile,
    kind: str,
    date: dt.date | None,
    title: str,
    detail: str = "",
    hours: Decimal | float | str | None = None,
) -> DutyEntry:
    """Staff register an act they know of (e.g. taking part in an inspection); it is verified at once."""
    assignment = acting_role(actor)
    if assignment is None or not permissions.can_record_for(actor, assignment.congress_id):
        raise NotPermitted("只有本级人大代表工作机构可以登记代表履职情况")
    if profile.user_id == actor.pk:
        raise NotPermitted("不能为本人登记履职情况")
    congress = assignment.congress
    if not profile.terms.filter(congress=congress).exists():
        raise NotPermitted("该代表不是本级人大代表")
    kind = _clean_kind(kind, STAFF_ADDABLE_KINDS, refused="该类型的履职活动由相应流程自动记录，不能手工登记")
    date = clean_date(date)
    term = term_covering(profile, congress, date)
    if term is None:
        raise InvalidInput("日期不在该代表的任期内", code="outside_term", field="date")
    title = clean_text(title, field="title", label="事项", max_length=TITLE_MAX)
    detail = clean_text(detail, field="detail", label="情况说明", max_length=DETAIL_MAX, required=False)
    hours_value = clean_hours(hours)
    now = timezone.now()
    entry = DutyEntry.objects.create(
        profile=profile,
        congress=congress,
        term=term,
        date=date,
        kind=kind,
        title=title,
        detail=detail,
        hours=hours_value,
        source=EntrySource.STAFF,
        status=EntryStatus.VERIFIED,
        verified_by=actor,
        verified_at=now,
        created_by=actor,
    )
    _record(actor, "staff_added", entry, kind=kind, date=date.isoformat(), title=title)
    _notify_deputy(entry, "duty_entry.staff_added")
    return entry


# --- meeting attendance (the interface a meetings app will call) ---


@dataclass(frozen=True)
class AttendanceResult:
    attended: int
    absent: int


def _terms_by_profile(profiles: Iterable[DeputyProfile], congress: Congress, date: dt.date) -> dict[int, int]:
    ids = [profile.pk for profile in profiles]
    rows = (
        DeputyTerm.objects.filter(profile_id__in=ids, congress=congress, starts_on__lte=date)
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=date))
        .values_list("profile_id", "pk")
    )
    return dict(rows)


@transaction.atomic
def attendance_record(
    *,
    actor: User,
    congress: Congress,
    kind: str,
    title: str,
    date: dt.date | None,
    attended: Sequence[DeputyProfile],
    absent: Sequence[DeputyProfile],
    linked_key: str,
) -> AttendanceResult:
    """Staff record who attended (出席大会 / 列席常委会) and who missed a meeting.

    Idempotent per meeting (``linked_key``): recording it again adds only what is new, and a
    deputy moved from absent to attended (or back) has the earlier entry replaced.
    """
    if not permissions.can_record_for(actor, congress.pk):
        raise NotPermitted("只有本级人大代表工作机构可以登记会议出勤")
    kind = _clean_kind(kind, ATTENDANCE_KINDS, refused="会议类型只能是代表大会或常委会会议")
    title = clean_text(title, field="title", label="会议名称", max_length=TITLE_MAX - 10)
    date = clean_date(date)
    linked_key = clean_text(linked_key, field="linked_key", label="会议标识", max_length=LINKED_KEY_MAX)
    attended_ids = {profile.pk for profile in attended}
    absent_ids = {profile.pk for profile in absent}
    if not attended_ids and not absent_ids:
        raise InvalidInput("请至少选择一位出席或缺席的代表", code="required", field="attended")
    both = attended_ids & absent_ids
    if both:
        raise InvalidInput("同一位代表不能既出席又缺席", code="conflict", field="absent")
    profiles = {profile.pk: profile for profile in [*attended, *absent]}
    terms = _terms_by_profile(profiles.values(), congress, date)
    outside = [profile.name for pk, profile in profiles.items() if pk not in terms]
    if outside:
        raise InvalidInput(
            f"以下人员在会议日期不是本级人大在任代表：{'、'.join(outside[:10])}", code="not_deputy", field="attended"
        )
    meeting = DutyEntry.objects.filter(linked_type=MEETING_LINK, linked_id=linked_key)
    # A correction: the opposite entry of a deputy now recorded the other way is replaced.
    meeting.filter(profile_id__in=attended_ids, kind=EntryKind.ABSENT).delete()
    meeting.filter(profile_id__in=absent_ids, kind=kind).delete()
    existing = set(meeting.values_list("profile_id", "kind"))
    new_entries = [
        DutyEntry(
            profile_id=pk,
            congress=congress,
            term_id=terms[pk],
            date=date,
            kind=entry_kind,
            title=(title if entry_kind != EntryKind.ABSENT else f"缺席：{title}")[:TITLE_MAX],
            source=EntrySource.SYSTEM,
            status=EntryStatus.VERIFIED,
            linked_type=MEETING_LINK,
            linked_id=linked_key,
            created_by=actor,
        )
        for ids, entry_kind in ((attended_ids, kind), (absent_ids, EntryKind.ABSENT))
        for pk in sorted(ids)
        if (pk, entry_kind) not in existing
    ]
    DutyEntry.objects.bulk_create(new_entries, batch_size=500)
    audit_record(
        actor=actor,
        action="deputies.attendance_recorded",
        congress=congress,
        summary={
            "kind": kind,
            "title": title,
            "date": date.isoformat(),
            "meeting": linked_key,
            "attended": len(attended_ids),
            "absent": len(absent_ids),
            "new_entries": len(new_entries),
        },
    )
    return AttendanceResult(attended=len(attended_ids), absent=len(absent_ids))


# --- bulk registration (an import of a year's records, and the demo) ---


@dataclass(frozen=True)
class EntryRow:
    """One self-reported act, with the staff's decision already taken (``status``) or still to take (pending)."""

    profile: DeputyProfile
    kind: str
    date: dt.date
    title: str
    detail: str = ""
    hours: Decimal | None = None
    status: str = EntryStatus.PENDING
    reject_reason: str = ""


@transaction.atomic
def entries_import(*, actor: User, congress: Congress, rows: Sequence[EntryRow]) -> int:
    """Staff load deputies' self-reported acts in bulk (e.g. from the former paper files), with the same rules.

    Each row is checked like ``entry_self_report`` (kind, date within the term and not in the
    future, lengths); one bad row refuses the whole import. Verified and rejected rows carry the
    actor as the verifier; pending rows open a verification to-do. One audit event for the import.
    """
    if not permissions.can_record_for(actor, congress.pk):
        raise NotPermitted("只有本级人大代表工作机构可以批量登记履职情况")
    if not rows:
        raise InvalidInput("没有要登记的记录", code="required", field="rows")
    today = timezone.localdate()
    terms: dict[int, list[DeputyTerm]] = {}
    for held in DeputyTerm.objects.filter(congress=congress, profile_id__in={row.profile.pk for row in rows}):
        terms.setdefault(held.profile_id, []).append(held)
    now = timezone.now()
    entries: list[DutyEntry] = []
    for number, row in enumerate(rows, start=1):
        where = f"第 {number} 条："
        if row.kind not in SELF_REPORTABLE_KINDS:
            raise InvalidInput(where + "该类型的履职活动由系统自动记录，不能自行登记", code="not_allowed", field="kind")
        if row.date > today:
            raise InvalidInput(where + "日期不能晚于今天", code="future", field="date")
        term = next(
            (
                t
                for t in terms.get(row.profile.pk, [])
                if t.starts_on <= row.date and (t.ends_on or row.date) >= row.date
            ),
            None,
        )
        if term is None:
            raise InvalidInput(where + f"日期不在{row.profile.name}的代表任期内", code="outside_term", field="date")
        title = clean_text(row.title, field="title", label=where + "事项", max_length=TITLE_MAX)
        detail = clean_text(row.detail, field="detail", label=where + "情况说明", max_length=DETAIL_MAX, required=False)
        if row.status not in EntryStatus.values:
            raise InvalidInput(where + "状态的取值无效", code="invalid_choice", field="status")
        reason = ""
        if row.status == EntryStatus.REJECTED:
            reason = clean_text(row.reject_reason, field="reason", label=where + "未通过原因", max_length=REASON_MAX)
        decided = row.status != EntryStatus.PENDING
        entries.append(
            DutyEntry(
                profile=row.profile,
                congress=congress,
                term=term,
                date=row.date,
                kind=row.kind,
                title=title,
                detail=detail,
                hours=clean_hours(row.hours),
                source=EntrySource.SELF,
                status=row.status,
                reject_reason=reason,
                verified_by=actor if decided else None,
                verified_at=now if decided else None,
                created_by=row.profile.user,
            )
        )
    created = DutyEntry.objects.bulk_create(entries, batch_size=500)
    pending = [entry for entry in created if entry.status == EntryStatus.PENDING]
    if pending:
        units = verifier_units(congress)
        for entry in pending:
            _open_verify_todo(entry, units)
    counts = {status: sum(1 for entry in created if entry.status == status) for status in EntryStatus.values}
    audit_record(
        actor=actor,
        action="deputies.entries_imported",
        congress=congress,
        summary={"rows": len(created), **counts},
    )
    return len(created)
