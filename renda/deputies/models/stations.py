"""Groups, liaison stations and the two contact systems (两联系), domain.md §2.4.

A station is a ``Unit`` of kind ``liaison_station`` (so station staff are
granted it by an ordinary role assignment) with its place in the four-tier
tree, its address, hours and public code for the QR link.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.deputies.models.roster import DeputyProfile
from renda.organizations.models import Congress, Unit


class GroupKind(models.TextChoices):
    AREA = "area", _("代表小组（按区域）")
    PROFESSIONAL = "professional", _("代表专业小组")


class DeputyGroup(models.Model):
    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="deputy_groups", verbose_name=_("人大")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=GroupKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    # The area (e.g. a district) or the field (e.g. 财政经济) the group covers.
    scope = models.CharField(_("区域或领域"), max_length=100, blank=True)
    leader = models.ForeignKey(
        DeputyProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("组长")
    )
    members = models.ManyToManyField(DeputyProfile, related_name="groups", blank=True, verbose_name=_("成员"))
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        ordering = ["congress", "kind", "name"]
        verbose_name = _("代表小组")
        verbose_name_plural = _("代表小组")
        constraints = [models.UniqueConstraint(fields=["congress", "name"], name="deputy_group_name_unique")]

    def __str__(self) -> str:
        return self.name


class GroupActivity(models.Model):
    """An activity of a group; each participant gets a duty entry of kind ``group_activity``."""

    group = models.ForeignKey(DeputyGroup, on_delete=models.PROTECT, related_name="activities", verbose_name=_("小组"))
    title = models.CharField(_("活动名称"), max_length=200)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    summary = models.TextField(_("活动情况"), max_length=5000, blank=True)
    participants = models.ManyToManyField(DeputyProfile, related_name="group_activities", verbose_name=_("参加代表"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("小组活动")
        verbose_name_plural = _("小组活动")

    def __str__(self) -> str:
        return self.title


class StationTier(models.IntegerChoices):
    """Quzhou's four tiers: 市联络总站 – 县联络中心站 – 乡镇/街道站 – 点."""

    HEADQUARTERS = 1, _("联络总站")
    CENTER = 2, _("联络中心站")
    STATION = 3, _("联络站")
    POINT = 4, _("联络点")


def _new_station_code() -> str:
    return secrets.token_urlsafe(6)


class Station(models.Model):
    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="station", verbose_name=_("单位"))
    tier = models.PositiveSmallIntegerField(_("层级"), choices=StationTier.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级站点")
    )
    address = models.CharField(_("地址"), max_length=200)
    opening_hours = models.CharField(_("开放时间"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # Public, unguessable code in the QR link that opens the citizen form already addressed to this station.
    public_code = models.CharField(_("站点码"), max_length=20, unique=True, default=_new_station_code)
    is_public = models.BooleanField(_("对外公开"), default=True)

    class Meta:
        ordering = ["tier", "unit__name"]
        verbose_name = _("代表联络站")
        verbose_name_plural = _("代表联络站")

    def __str__(self) -> str:
        return self.unit.name


class ReceptionDay(models.Model):
    """A scheduled reception (接待日) at a station with the deputies on duty; the portal shows upcoming ones."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("已排班")
        HELD = "held", _("已接待")
        CANCELLED = "cancelled", _("已取消")

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="receptions", verbose_name=_("站点"))
    date = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    topic = models.CharField(_("主题"), max_length=200, blank=True)
    deputies = models.ManyToManyField(DeputyProfile, related_name="receptions", verbose_name=_("值班代表"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    citizens_received = models.PositiveIntegerField(_("接待群众人次"), default=0)
    notes = models.TextField(_("接待情况"), max_length=5000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["date", "starts_at"]
        verbose_name = _("接待日")
        verbose_name_plural = _("接待日")
        indexes = [models.Index(fields=["station", "date"])]

    def __str__(self) -> str:
        return f"{self.station} {self.date}"


class ContactKind(models.TextChoices):
    SC_MEMBER_TO_DEPUTY = "sc_member_to_deputy", _("常委会组成人员联系代表")
    DEPUTY_TO_CITIZENS = "deputy_to_citizens", _("代表联系群众")


class ContactVisit(models.Model):
    """One visit in the two contact systems (两联系)."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="contact_visits", verbose_name=_("人大")
    )
    kind = models.CharField(_("类型"), max_length=30, choices=ContactKind.choices)
    # The SC member who visits (sc_member_to_deputy); blank for deputy_to_citizens.
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("联系人"),
    )
    deputy = models.ForeignKey(DeputyProfile, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("代表"))
    held_on = models.DateField(_("日期"))
    method = models.CharField(_("方式"), max_length=40, blank=True)
    # Citizens met, for deputy_to_citizens.
    people_count = models.PositiveIntegerField(_("联系群众人次"), default=0)
    summary = models.TextField(_("情况"), max_length=5000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("联系活动")
        verbose_name_plural = _("联系活动")
        indexes = [models.Index(fields=["congress", "kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"
