"""People who log in, their second factor, their one-time SMS codes and their API tokens."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from renda.organizations.models import RoleAssignment


class User(AbstractUser):
    """A person. What they may do comes from their role assignments, never from flags on this row."""

    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, null=True, blank=True, unique=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    failed_login_count = models.PositiveIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("已启用动态口令"), default=False)
    totp_last_counter = models.BigIntegerField(default=0)
    notify_by_email = models.BooleanField(_("通过电子邮件接收通知"), default=True)
    notify_by_sms = models.BooleanField(_("通过短信接收通知"), default=True)

    # Set per request by the middleware or the API authenticator; not a column.
    active_assignment: RoleAssignment | None = None

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now

    def password_expired(self, now: dt.datetime | None = None) -> bool:
        days = settings.RENDA_PASSWORD_EXPIRY_DAYS
        if days <= 0 or self.password_changed_at is None:
            return False
        now = now or timezone.now()
        return self.password_changed_at + dt.timedelta(days=days) < now

    @property
    def phone_masked(self) -> str:
        return self.masked_phone()

    def masked_phone(self) -> str:
        if not self.phone:
            return ""
        return self.phone[:3] + "****" + self.phone[-4:]


class SmsCode(models.Model):
    """A one-time login code sent by SMS. Only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sms_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"SMS code for {self.user_id}"


class PersonalToken(models.Model):
    """A revocable API token. The secret is shown once; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    key_prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
