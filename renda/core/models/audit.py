"""The append-only audit chain and the installation record."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("审计事件只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计事件只能追加，不能删除")

    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("审计事件只能通过 audit_record 逐条追加")


class AuditEvent(models.Model):
    """One action, chained to the one before it by hash.

    ``sequence`` has no gaps: a missing number is a deleted event. ``event_hash``
    covers every other column and the previous hash, so an edited row breaks
    the chain at that row.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    acting_role = models.CharField(max_length=40, blank=True)
    congress = models.ForeignKey(
        "organizations.Congress", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    event_hash = models.CharField(max_length=64)
    hash_algorithm = models.CharField(max_length=10)

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("审计事件只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计事件只能追加，不能删除")


class AuditChainHead(models.Model):
    """The single row that serialises appends to the chain (locked with SELECT ... FOR UPDATE)."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_sequence}"


class Installation(models.Model):
    """Facts about this installation. ``is_demo`` is set only by the demo-city command."""

    is_demo = models.BooleanField(default=False)
    demo_seed = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("安装信息")

    def __str__(self) -> str:
        return "demo" if self.is_demo else "production"

    @classmethod
    def current(cls) -> Installation:
        installation, _created = cls.objects.get_or_create(pk=1)
        return installation

    @classmethod
    def is_demo_database(cls) -> bool:
        return cls.objects.filter(pk=1, is_demo=True).exists()
