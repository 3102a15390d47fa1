"""API for the audit trail: read-only, for auditors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from renda.core.audit_queries import audit_events_for, parse_filter
from renda.core.models import AuditEvent
from renda.organizations.permissions import can_view_audit

router = Router(tags=["审计 Audit"])


class AuditEventOut(Schema):
    sequence: int
    occurred_at: dt.datetime
    actor_label: str
    acting_role: str
    congress_id: int | None
    action: str
    target_type: str
    target_id: str
    target_label: str
    summary: dict[str, Any]
    ip_address: str | None
    event_hash: str
    hash_algorithm: str


@router.get("/audit/events", response=list[AuditEventOut], summary="审计事件（可筛选）")
@paginate(PageNumberPagination, page_size=50)
def list_events(  # noqa: PLR0917 - ninja maps each filter to a query parameter
    request: HttpRequest,
    action: str = "",
    actor: str = "",
    role: str = "",
    target_type: str = "",
    target_id: str = "",
    congress: str = "",
    date_from: str = "",
    date_to: str = "",
) -> QuerySet[AuditEvent]:
    user = request.user
    if not can_view_audit(user):  # type: ignore[arg-type]
        raise PermissionDenied
    audit_filter = parse_filter(
        {
            "action": action,
            "actor": actor,
            "role": role,
            "target_type": target_type,
            "target_id": target_id,
            "congress": congress,
            "date_from": date_from,
            "date_to": date_to,
        }
    )
    return audit_events_for(user, audit_filter)  # type: ignore[arg-type]
