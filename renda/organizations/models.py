"""Congresses (the tenants), their units, and the roles people hold in them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.organizations.config import SETTINGS_BY_KEY
from renda.organizations.roles import Role


class CongressLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("县（市、区）级")
    TOWNSHIP = "township", _("乡镇（街道）级")


class Congress(models.Model):
    """One People's Congress and its Standing Committee: the tenant every record belongs to."""

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    level = models.CharField(_("层级"), max_length=20, choices=CongressLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    settings = models.JSONField(_("配置"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("人大")
        verbose_name_plural = _("人大")

    def __str__(self) -> str:
        return self.name

    def setting(self, key: str) -> Any:
        """The congress's value for a [config] threshold, or the domain default."""
        spec = SETTINGS_BY_KEY[key]
        return self.settings.get(key, spec.default)

    def ancestor_ids(self) -> list[int]:
        ids: list[int] = []
        node = self.parent
        while node is not None:
            ids.append(node.pk)
            node = node.parent
        return ids


def congress_subtree_ids(root_ids: list[int]) -> set[int]:
    """Every congress at or below the given ones. The tree is three levels deep, so a loop is enough."""
    found = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        frontier = set(Congress.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


class UnitKind(models.TextChoices):
    GENERAL_OFFICE = "general_office", _("办公室（厅）")
    SPECIAL_COMMITTEE = "special_committee", _("专门委员会")
    WORKING_BODY = "working_body", _("工作委员会")
    GOVERNMENT_OFFICE = "government_office", _("政府办公室")
    GOVERNMENT_DEPARTMENT = "government_department", _("政府部门")
    COURT = "court", _("人民法院")
    PROCURATORATE = "procuratorate", _("人民检察院")
    SUPERVISORY_COMMISSION = "supervisory_commission", _("监察委员会")
    TOWNSHIP_GOVERNMENT = "township_government", _("乡镇人民政府（街道办事处）")
    DELEGATION = "delegation", _("代表团")
    LIAISON_STATION = "liaison_station", _("代表联络站")
    OTHER = "other", _("其他")


# Units that belong to the congress itself, as opposed to the bodies it supervises.
CONGRESS_UNIT_KINDS = frozenset({UnitKind.GENERAL_OFFICE, UnitKind.SPECIAL_COMMITTEE, UnitKind.WORKING_BODY})


class Unit(models.Model):
    """A body that acts in a process: a committee, a government department, a court, a station."""

    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="units", verbose_name=_("所属人大"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级单位")
    )
    kind = models.CharField(_("类型"), max_length=40, choices=UnitKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["congress", "sort_order", "name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(fields=["congress", "name"], name="unit_name_unique_in_congress"),
        ]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A person holds a role in a congress, in a unit where the role needs one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("用户")
    )
    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("人大")
    )
    role = models.CharField(_("角色"), max_length=40, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("单位")
    )
    is_active = models.BooleanField(_("有效"), default=True)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["congress__level", "congress__code", "role"]
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "congress", "role", "unit"],
                name="role_assignment_unique_with_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "congress", "role"],
                condition=Q(unit__isnull=True),
                name="role_assignment_unique_without_unit",
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.congress.short_name or self.congress.name} · {self.get_role_display()}"
        if self.unit_id:
            label += f" · {self.unit.short_name or self.unit.name}"  # type: ignore[union-attr]
        return label


class CongressSession(models.Model):
    """One meeting of the People's Congress (e.g. 第十七届人民代表大会第三次会议).

    Suggestions made at it are 会议期间 items; some congresses count their deadlines from its close.
    """

    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("人大"))
    term = models.PositiveSmallIntegerField(_("届次"))
    number = models.PositiveSmallIntegerField(_("会次"))
    name = models.CharField(_("名称"), max_length=100)
    opens_on = models.DateField(_("开幕日期"))
    closes_on = models.DateField(_("闭幕日期"))
    motion_deadline = models.DateTimeField(_("议案截止时间"), null=True, blank=True)

    class Meta:
        ordering = ["congress", "-opens_on"]
        verbose_name = _("代表大会会议")
        verbose_name_plural = _("代表大会会议")
        constraints = [
            models.UniqueConstraint(fields=["congress", "term", "number"], name="session_unique_in_congress"),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="session_closes_after_open"),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarAdjustmentKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息日")
    WORKING_DAY = "working_day", _("工作日")


class CalendarAdjustment(models.Model):
    """A day this congress (and the congresses below it) treats differently from the national calendar.

    An extra holiday, or an extra working day; for a year the holiday package does
    not cover yet, staff enter the State Council's schedule here. See renda/core/calendar.py.
    """

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="calendar_adjustments", verbose_name=_("人大")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=20, choices=CalendarAdjustmentKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["congress", "date"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        constraints = [
            models.UniqueConstraint(fields=["congress", "date"], name="calendar_adjustment_one_per_day"),
            models.CheckConstraint(
                condition=Q(kind__in=CalendarAdjustmentKind.values), name="calendar_adjustment_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}"
