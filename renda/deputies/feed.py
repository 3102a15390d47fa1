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
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models

from renda.deputies.models import DeputyProfile, DutyEntry, EntrySource, EntryStatus
from renda.organizations.models import Congress

if TYPE_CHECKING:
    from renda.accounts.models import User


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
