"""Emergency admin. Audit events are read-only here too: no add, change or delete."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from renda.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("sequence", "occurred_at", "actor_label", "acting_role", "action", "target_label")
    list_filter = ("action", "acting_role")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
