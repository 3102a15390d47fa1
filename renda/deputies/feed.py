"""The duty record's feed: other processes log a deputy's acts here, by themselves (一事一记).

Two ways in:

- ``record_system_entry(...)``: called by this app's own processes (receptions, training,
  group activities, contact visits, reports to electors, meeting attendance);
- audit listeners (``renda.core.audit.register_audit_listener``), connected in ``apps.py``,
  for processes that know nothing of deputies: a suggestion submitted or co-signed, a
  motion filed.

System entries are verified from the start and idempotent: one per (deputy, kind, linked
object), so replaying an event changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from renda.core.audit import register_audit_listener
from renda.deputies.models import DeputyProfile, DutyEntry, EntryKind, EntrySource, EntryStatus
from renda.organizations.models import Congress

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.core.models import AuditEvent
    from renda.suggestions.models import Suggestion


def _term_for(profile: DeputyProfile, congress: Congress, date: dt.date) -> int | None:
    term = (
        profile.terms.filter(congress=congress, starts_on__lte=date)
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=date))
        .values_list("pk", flat=True)
        .first()
    )
    return term


def record_system_entry(
    *,
    profile: DeputyProfile,
    congress: Congress,
    kind: str,
    date: dt.date,
    title: str,
    linked: models.Model | tuple[str, str],
    hours: Decimal | None = None,
    detail: str = "",
    actor: User | None = None,
) -> DutyEntry:
    """Log one act from a process; returns the existing entry if this act was logged already."""
    if isinstance(linked, tuple):
        linked_type, linked_id = linked
    else:
        linked_type, linked_id = linked._meta.label_lower, str(linked.pk)
    entry, _created = DutyEntry.objects.get_or_create(
        profile=profile,
        kind=kind,
        linked_type=linked_type,
        linked_id=linked_id,
        defaults={
            "congress": congress,
            "term_id": _term_for(profile, congress, date),
            "date": date,
            "title": title[:200],
            "detail": detail[:5000],
            "hours": hours,
            "source": EntrySource.SYSTEM,
            "status": EntryStatus.VERIFIED,
            "created_by": actor,
        },
    )
    return entry


def withdraw_system_entry(*, profile: DeputyProfile, kind: str, linked: models.Model | tuple[str, str]) -> None:
    """Remove a system entry whose act was undone (e.g. a co-signature withdrawn before submission)."""
    if isinstance(linked, tuple):
        linked_type, linked_id = linked
    else:
        linked_type, linked_id = linked._meta.label_lower, str(linked.pk)
    DutyEntry.objects.filter(
        profile=profile, kind=kind, linked_type=linked_type, linked_id=linked_id, source=EntrySource.SYSTEM
    ).delete()


# --- audit listeners: processes that know nothing of deputies ---


def _profiles_by_user(user_ids: list[int]) -> dict[int, DeputyProfile]:
    """Roster profiles of these accounts; an account with none (accounts exist before the roster) is left out."""
    return {profile.user_id: profile for profile in DeputyProfile.objects.filter(user_id__in=user_ids)}


def _local_date(moment: dt.datetime | None) -> dt.date:
    return timezone.localdate(moment) if moment is not None else timezone.localdate()


def _log_suggestion(suggestion: Suggestion, actor: User | None) -> None:
    """The lead deputy's SUGGESTION entry and one SUGGESTION_COSIGNED per co-signer confirmed now.

    Replaying (a resubmission) adds what is new and drops co-signers no longer on the item.
    """
    from renda.suggestions.models import CosignerStatus

    cosigner_ids = list(
        suggestion.cosigners.filter(status=CosignerStatus.CONFIRMED).values_list("deputy_id", flat=True)
    )
    profiles = _profiles_by_user([suggestion.lead_deputy_id, *cosigner_ids])
    date = _local_date(suggestion.submitted_at)
    lead = profiles.get(suggestion.lead_deputy_id)
    if lead is not None:
        record_system_entry(
            profile=lead,
            congress=suggestion.congress,
            kind=EntryKind.SUGGESTION,
            date=date,
            title=suggestion.title,
            linked=suggestion,
            actor=actor,
        )
    cosigners = [profiles[user_id] for user_id in cosigner_ids if user_id in profiles]
    for profile in cosigners:
        record_system_entry(
            profile=profile,
            congress=suggestion.congress,
            kind=EntryKind.SUGGESTION_COSIGNED,
            date=date,
            title=suggestion.title,
            linked=suggestion,
            actor=actor,
        )
    DutyEntry.objects.filter(
        kind=EntryKind.SUGGESTION_COSIGNED,
        linked_type=suggestion._meta.label_lower,
        linked_id=str(suggestion.pk),
        source=EntrySource.SYSTEM,
    ).exclude(profile__in=cosigners).delete()


def on_suggestion_submitted(event: AuditEvent, target: models.Model | None) -> None:
    """``suggestion.submitted`` / ``suggestion.resubmitted``: the target is the Suggestion."""
    from renda.suggestions.models import Suggestion

    if isinstance(target, Suggestion):
        _log_suggestion(target, event.actor)


def on_suggestion_withdrawn(event: AuditEvent, target: models.Model | None) -> None:
    """A withdrawn suggestion leaves the files of its lead and co-signers."""
    from renda.suggestions.models import Suggestion

    if isinstance(target, Suggestion):
        DutyEntry.objects.filter(
            kind__in=[EntryKind.SUGGESTION, EntryKind.SUGGESTION_COSIGNED],
            linked_type=target._meta.label_lower,
            linked_id=str(target.pk),
            source=EntrySource.SYSTEM,
        ).delete()


def on_motion_filed(event: AuditEvent, target: models.Model | None) -> None:
    """``motion.filed``: a MOTION entry for the lead deputy (co-signers are not logged for motions)."""
    from renda.motions.models import Motion

    if not isinstance(target, Motion):
        return
    lead = _profiles_by_user([target.lead_deputy_id]).get(target.lead_deputy_id)
    if lead is None:
        return
    record_system_entry(
        profile=lead,
        congress=target.congress,
        kind=EntryKind.MOTION,
        date=_local_date(target.filed_at),
        title=target.title,
        linked=target,
        actor=event.actor,
    )


def on_motion_converted_after_deadline(event: AuditEvent, target: models.Model | None) -> None:
    """A motion filed after the deadline is handled as a suggestion: logged like a submitted suggestion."""
    from renda.motions.models import Motion

    if isinstance(target, Motion) and target.converted_suggestion is not None:
        _log_suggestion(target.converted_suggestion, event.actor)


def on_motion_withdrawn(event: AuditEvent, target: models.Model | None) -> None:
    """The presidium agreed to the withdrawal of a filed motion: it leaves the lead deputy's file."""
    from renda.motions.models import Motion

    if isinstance(target, Motion):
        DutyEntry.objects.filter(
            kind=EntryKind.MOTION,
            linked_type=target._meta.label_lower,
            linked_id=str(target.pk),
            source=EntrySource.SYSTEM,
        ).delete()


LISTENERS: dict[str, Callable[[AuditEvent, models.Model | None], None]] = {
    "suggestion.submitted": on_suggestion_submitted,
    "suggestion.resubmitted": on_suggestion_submitted,
    "suggestion.withdrawn": on_suggestion_withdrawn,
    "motion.filed": on_motion_filed,
    "motion.converted_after_deadline": on_motion_converted_after_deadline,
    "motion.withdrawal_agreed": on_motion_withdrawn,
}


def connect() -> None:
    """Called from ``DeputiesConfig.ready``; registering twice is harmless."""
    for action, listener in LISTENERS.items():
        register_audit_listener(action, listener)
