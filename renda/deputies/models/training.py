"""Training sessions (集中, 专题, 线上) with attendance and person-time counts, domain.md §2.4."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.deputies.models.roster import DeputyProfile
from renda.organizations.models import Congress


class TrainingKind(models.TextChoices):
    CENTRALIZED = "centralized", _("集中培训")
    THEMATIC = "thematic", _("专题培训")
    ONLINE = "online", _("线上培训")


class TrainingSession(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("人大"))
    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=TrainingKind.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    organizer = models.CharField(_("主办"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="training_dates_order")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(models.Model):
    """One deputy invited to a session; ``attended`` is set when attendance is recorded."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("培训")
    )
    profile = models.ForeignKey(
        DeputyProfile, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("代表")
    )
    attended = models.BooleanField(_("出勤"), null=True, blank=True)

    class Meta:
        ordering = ["session", "profile"]
        verbose_name = _("培训出勤")
        verbose_name_plural = _("培训出勤")
        constraints = [models.UniqueConstraint(fields=["session", "profile"], name="training_attendance_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.profile_id}"
