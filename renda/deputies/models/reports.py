"""Reports to electors (述职), domain.md §2.3: schedule, record, and the voters' anonymous rating.

The rating is a ``ballots`` ballot of rule ``satisfaction`` (purpose
``deputies.elector_report``) whose electorate is a set of one-time voting
codes handed to the voter representatives present, so nobody needs an account
and nothing links a code to a person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.ballots.models import Ballot
from renda.deputies.models.roster import DeputyProfile, DeputyTerm
from renda.organizations.models import Congress


class ElectorReportStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已述职")
    RATED = "rated", _("已测评")
    CANCELLED = "cancelled", _("已取消")


class ElectorReport(models.Model):
    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="elector_reports", verbose_name=_("人大")
    )
    profile = models.ForeignKey(
        DeputyProfile, on_delete=models.PROTECT, related_name="elector_reports", verbose_name=_("代表")
    )
    term = models.ForeignKey(DeputyTerm, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scheduled_on = models.DateField(_("述职日期"))
    place = models.CharField(_("地点"), max_length=200)
    electoral_unit = models.CharField(_("选举单位（选区）"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ElectorReportStatus.choices, default=ElectorReportStatus.SCHEDULED
    )
    audience_count = models.PositiveIntegerField(_("到会选民代表人数"), null=True, blank=True)
    report_text = models.TextField(_("述职报告"), max_length=20000, blank=True)
    questions = models.TextField(_("询问与回答"), max_length=10000, blank=True)
    ballot = models.OneToOneField(
        Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="elector_report", verbose_name=_("测评")
    )
    # Copied from the ballot's result when it closes: 满意 / 基本满意 / 不满意, or "" for no valid result.
    verdict = models.CharField(_("测评结果"), max_length=30, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_on", "-pk"]
        verbose_name = _("代表述职")
        verbose_name_plural = _("代表述职")

    def __str__(self) -> str:
        return f"{self.profile} {self.scheduled_on}"
