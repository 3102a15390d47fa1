"""Kernel models, one module per kernel service; import them from here."""

from renda.core.models.audit import AppendOnlyError, AuditChainHead, AuditEvent, AuditEventQuerySet, Installation

__all__ = ["AppendOnlyError", "AuditChainHead", "AuditEvent", "AuditEventQuerySet", "Installation"]
