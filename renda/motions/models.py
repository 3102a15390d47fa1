"""Deputies' motions (代表议案): joint or delegation submission, the presidium's decision (domain.md §1.2–1.3).

A motion is filed to one session. Ten deputies (a per-congress setting) or one delegation
may file it; it needs 案由, 案据 and 方案. The 主席团 lists it on the agenda (then the
plenary votes), refers it to a special committee, does not list it, or converts it to a
suggestion, which then follows the suggestion workflow. Every change is made by a named
action in ``actions.py``, which also writes the audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.organizations.models import Congress, CongressSession, Unit


class ProposerKind(models.TextChoices):
    DEPUTIES = "deputies", _("代表联名")
    DELEGATION = "delegation", _("代表团")


class MotionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FILED = "filed", _("已提出，待主席团决定")
    LISTED_ON_AGENDA = "listed_on_agenda", _("列入大会议程")
    REFERRED_TO_COMMITTEE = "referred_to_committee", _("交专门委员会审议")
    NOT_LISTED = "not_listed", _("不列入大会议程")
    CONVERTED_TO_SUGGESTION = "converted_to_suggestion", _("转作建议处理")
    WITHDRAWN = "withdrawn", _("已撤回")
    ADOPTED = "adopted", _("大会表决通过")
    REJECTED = "rejected", _("大会表决未通过")


class MotionCosignerStatus(models.TextChoices):
    INVITED = "invited", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("已谢绝")


class Motion(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="motions", verbose_name=_("人大"))
    session = models.ForeignKey(
        CongressSession, on_delete=models.PROTECT, related_name="motions", verbose_name=_("会议")
    )
    title = models.CharField(_("标题"), max_length=100)
    reason = models.TextField(_("案由"), max_length=5000)
    grounds = models.TextField(_("案据"), max_length=5000)
    plan = models.TextField(_("方案"), max_length=5000)
    proposer_kind = models.CharField(
        _("提出方式"), max_length=20, choices=ProposerKind.choices, default=ProposerKind.DEPUTIES
    )
    lead_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_motions", verbose_name=_("领衔代表")
    )
    delegation = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegation_motions",
        verbose_name=_("代表团"),
    )
    status = models.CharField(
        _("状态"), max_length=30, choices=MotionStatus.choices, default=MotionStatus.DRAFT, db_index=True
    )
    number = models.CharField(_("编号"), max_length=20, blank=True)
    sequence = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    filed_at = models.DateTimeField(_("提出时间"), null=True, blank=True)

    # The presidium's decision (主席团决定).
    committee = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referred_motions",
        verbose_name=_("审议的专门委员会"),
    )
    decision_note = models.CharField(_("决定说明"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    converted_suggestion = models.ForeignKey(
        "suggestions.Suggestion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_motions",
        verbose_name=_("转作的建议"),
    )
    voted_at = models.DateTimeField(_("表决时间"), null=True, blank=True)

    # Withdrawal (撤回): after filing only when the presidium agrees.
    withdrawal_requested_at = models.DateTimeField(_("申请撤回时间"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("撤回理由"), max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["-session__opens_on", "sequence", "-pk"]
        verbose_name = _("代表议案")
        verbose_name_plural = _("代表议案")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "sequence"], condition=Q(sequence__isnull=False), name="motion_sequence_unique"
            ),
            models.CheckConstraint(condition=Q(status__in=MotionStatus.values), name="motion_status_valid"),
        ]
        indexes = [models.Index(fields=["congress", "status"], name="motion_congress_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


class MotionCosigner(models.Model):
    """A deputy invited to co-sign. They count toward the threshold only once they have confirmed."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="cosigners")
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cosigned_motions", verbose_name=_("代表")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=MotionCosignerStatus.choices, default=MotionCosignerStatus.INVITED
    )
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["motion", "pk"]
        verbose_name = _("附议代表")
        verbose_name_plural = _("附议代表")
        constraints = [models.UniqueConstraint(fields=["motion", "deputy"], name="motion_cosigner_once")]

    def __str__(self) -> str:
        return f"{self.deputy} → {self.motion_id}"
