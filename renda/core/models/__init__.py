"""Kernel models, one module per kernel service; import them from here."""

from renda.core.models.audit import AppendOnlyError, AuditChainHead, AuditEvent, AuditEventQuerySet, Installation
from renda.core.models.notify import DeliveryStatus, FailedJob, Notification
from renda.core.models.todo import TodoItem, TodoStatus

__all__ = [
    "AppendOnlyError",
    "AuditChainHead",
    "AuditEvent",
    "AuditEventQuerySet",
    "DeliveryStatus",
    "FailedJob",
    "Installation",
    "Notification",
    "TodoItem",
    "TodoStatus",
]
