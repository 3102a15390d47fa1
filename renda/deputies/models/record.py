"""The duty record (履职档案): one entry per act (一事一记), domain.md §2.1.

Entries come from two sources. Other processes write ``system`` entries by
themselves through ``renda.deputies.feed`` (a suggestion submitted, a meeting
attended or missed, a reception, a training, a report to electors); they are
verified from the start and idempotent per linked object. Deputies add
``self`` entries with evidence, which staff verify or reject. Only verified
entries count in scores.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.deputies.models.roster import DeputyProfile, DeputyTerm
from renda.organizations.models import Congress


class EntryKind(models.TextChoices):
    ATTEND_SESSION = "attend_session", _("出席代表大会")
    ATTEND_SC = "attend_sc", _("列席常委会会议")
    ABSENT = "absent", _("缺席会议")
    INSPECTION = "inspection", _("视察")
    RESEARCH = "research", _("调研")
    LAW_INSPECTION = "law_inspection", _("执法检查")
    GROUP_ACTIVITY = "group_activity", _("代表小组活动")
    STATION_RECEPTION = "station_reception", _("进站接待群众")
    CONTACT_CITIZENS = "contact_citizens", _("联系群众")
    CONTACTED_BY_SC = "contacted_by_sc", _("常委会组成人员走访")
    SUGGESTION = "suggestion", _("提出建议")
    SUGGESTION_COSIGNED = "suggestion_cosigned", _("附议建议")
    MOTION = "motion", _("提出议案")
    TRAINING = "training", _("参加培训")
    REPORT_TO_ELECTORS = "report_to_electors", _("向选民述职")
    PRACTICAL_DEED = "practical_deed", _("为民办实事")
    OTHER = "other", _("其他履职活动")


# Kinds a deputy may report themselves (with evidence); the rest come only from the processes.
SELF_REPORTABLE_KINDS = frozenset(
    {
        EntryKind.INSPECTION,
        EntryKind.RESEARCH,
        EntryKind.LAW_INSPECTION,
        EntryKind.CONTACT_CITIZENS,
        EntryKind.PRACTICAL_DEED,
        EntryKind.OTHER,
    }
)


class EntrySource(models.TextChoices):
    SYSTEM = "system", _("系统记录")
    SELF = "self", _("代表自报")
    STAFF = "staff", _("工作人员登记")


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("待核实")
    VERIFIED = "verified", _("已核实")
    REJECTED = "rejected", _("未通过")


class DutyEntry(models.Model):
    profile = models.ForeignKey(DeputyProfile, on_delete=models.PROTECT, related_name="entries", verbose_name=_("代表"))
    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="duty_entries", verbose_name=_("人大")
    )
    term = models.ForeignKey(
        DeputyTerm, null=True, blank=True, on_delete=models.PROTECT, related_name="entries", verbose_name=_("任期")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=30, choices=EntryKind.choices)
    title = models.CharField(_("事项"), max_length=200)
    detail = models.TextField(_("情况说明"), max_length=5000, blank=True)
    hours = models.DecimalField(_("时长（小时）"), max_digits=6, decimal_places=1, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=EntrySource.choices)
    status = models.CharField(_("状态"), max_length=10, choices=EntryStatus.choices)
    # The object behind a system entry, e.g. ("suggestion", "123"); unique per profile and kind.
    linked_type = models.CharField(max_length=40, blank=True)
    linked_id = models.CharField(max_length=40, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("未通过原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("履职记录")
        verbose_name_plural = _("履职记录")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "kind", "linked_type", "linked_id"],
                condition=~Q(linked_type=""),
                name="duty_entry_once_per_object",
            ),
        ]
        indexes = [
            models.Index(fields=["profile", "date"]),
            models.Index(fields=["congress", "status", "date"]),
            models.Index(fields=["congress", "kind", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.date} {self.title}"


class DutyEvidence(models.Model):
    """A photo or document attached to a self-reported entry (type and size checked by the action)."""

    entry = models.ForeignKey(DutyEntry, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("记录"))
    file = models.FileField(_("文件"), upload_to="deputies/evidence/%Y/%m/", max_length=200)
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.name
