"""Permission-scoped reads of the audit trail, shared by the viewer page and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from renda.core.errors import InvalidInput
from renda.core.models import AuditEvent
from renda.organizations.permissions import audited_congress_ids

if TYPE_CHECKING:
    from renda.accounts.models import User


@dataclass
class AuditFilter:
    action: str = ""
    actor: str = ""
    role: str = ""
    target_type: str = ""
    target_id: str = ""
    congress_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _parse_date(raw: str, field: str) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", code="invalid_date", field=field) from None


def parse_filter(params: dict[str, str]) -> AuditFilter:
    congress = (params.get("congress") or "").strip()
    if congress and not congress.isdigit():
        raise InvalidInput("人大编号必须是数字", code="invalid", field="congress")
    result = AuditFilter(
        action=(params.get("action") or "").strip()[:80],
        actor=(params.get("actor") or "").strip()[:150],
        role=(params.get("role") or "").strip()[:40],
        target_type=(params.get("target_type") or "").strip()[:80],
        target_id=(params.get("target_id") or "").strip()[:64],
        congress_id=int(congress) if congress else None,
        date_from=_parse_date(params.get("date_from", ""), "date_from"),
        date_to=_parse_date(params.get("date_to", ""), "date_to"),
    )
    if result.date_from and result.date_to and result.date_from > result.date_to:
        raise InvalidInput("开始日期不能晚于结束日期", code="invalid_range", field="date_from")
    return result


def audit_events_for(user: User, audit_filter: AuditFilter) -> QuerySet[AuditEvent]:
    """Events the user may read, newest first. An auditor reads the congresses in their scope only."""
    scope = audited_congress_ids(user)
    events = AuditEvent.objects.filter(congress_id__in=scope)
    if audit_filter.congress_id is not None:
        events = events.filter(congress_id=audit_filter.congress_id)
    if audit_filter.action:
        events = events.filter(action__startswith=audit_filter.action)
    if audit_filter.actor:
        events = events.filter(actor_label=audit_filter.actor)
    if audit_filter.role:
        events = events.filter(acting_role=audit_filter.role)
    if audit_filter.target_type:
        events = events.filter(target_type=audit_filter.target_type)
    if audit_filter.target_id:
        events = events.filter(target_id=audit_filter.target_id)
    zone = timezone.get_current_timezone()
    if audit_filter.date_from:
        events = events.filter(occurred_at__gte=dt.datetime.combine(audit_filter.date_from, dt.time.min, tzinfo=zone))
    if audit_filter.date_to:
        events = events.filter(
            occurred_at__lt=dt.datetime.combine(audit_filter.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        )
    return events.order_by("-sequence")
