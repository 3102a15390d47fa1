"""Notifications (the in-app inbox, plus e-mail and SMS delivery status) and jobs that failed for good."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    NONE = "", _("不发送")
    QUEUED = "queued", _("排队中")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    SKIPPED = "skipped", _("无联系方式或未配置通道，仅站内")
    FAILED = "failed", _("发送失败")


class Notification(models.Model):
    """One message to one person. The inbox row always exists; e-mail and SMS are extra channels."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    congress = models.ForeignKey(
        "organizations.Congress", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.CharField(max_length=60)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, blank=True, default="")
    sms_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, blank=True, default="")
    sms_send_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.subject


class FailedJob(models.Model):
    """A background job that failed after its last retry. Staff see these; nothing is silently lost."""

    task_name = models.CharField(max_length=120)
    arguments = models.JSONField(default=list)
    error = models.TextField()
    retries = models.PositiveIntegerField(default=0)
    failed_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-failed_at"]
        verbose_name = _("失败的后台任务")

    def __str__(self) -> str:
        return f"{self.task_name} {self.failed_at:%Y-%m-%d %H:%M}"
