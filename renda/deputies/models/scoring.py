"""Performance scores (履职积分), domain.md §2.2.

A congress has one active ``ScoringScheme``: items (an entry kind, points per
act, a cap per year), grade bands, and the consequence rule. Scores are
computed from verified duty entries by ``renda.deputies.scoring`` and never
typed in. Each ``DeputyScore`` stores its explanation, item by item.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.deputies.models.record import EntryKind
from renda.deputies.models.roster import DeputyProfile
from renda.organizations.models import Congress


class ScoringScheme(models.Model):
    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="scoring_schemes", verbose_name=_("人大")
    )
    name = models.CharField(_("名称"), max_length=100)
    # Applies to scores of this year onwards, until a later scheme.
    effective_year = models.PositiveSmallIntegerField(_("适用年度起"))
    max_total = models.DecimalField(_("满分"), max_digits=6, decimal_places=1, default=100)
    good_threshold = models.DecimalField(_("“好”的下限"), max_digits=6, decimal_places=1, default=80)
    fair_threshold = models.DecimalField(_("“较好”的下限"), max_digits=6, decimal_places=1, default=60)
    # After this many consecutive "poor" years the electoral unit is advised to ask for resignation or recall.
    poor_years_before_advice = models.PositiveSmallIntegerField(_("连续“差”年数"), default=2)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["congress", "-effective_year"]
        verbose_name = _("履职积分办法")
        verbose_name_plural = _("履职积分办法")
        constraints = [
            models.UniqueConstraint(fields=["congress", "effective_year"], name="scoring_scheme_once_per_year"),
            models.CheckConstraint(condition=Q(good_threshold__gt=models.F("fair_threshold")), name="scheme_bands"),
        ]

    def __str__(self) -> str:
        return self.name


class ScoringItem(models.Model):
    """Points for each verified entry of a kind, capped per year (a negative value deducts, e.g. for absences)."""

    scheme = models.ForeignKey(ScoringScheme, on_delete=models.CASCADE, related_name="items", verbose_name=_("办法"))
    kind = models.CharField(_("履职类型"), max_length=30, choices=EntryKind.choices)
    points = models.DecimalField(_("每次分值"), max_digits=6, decimal_places=1)
    cap = models.DecimalField(_("年度上限"), max_digits=6, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["scheme", "pk"]
        verbose_name = _("积分项目")
        verbose_name_plural = _("积分项目")
        constraints = [models.UniqueConstraint(fields=["scheme", "kind"], name="scoring_item_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points}"


class Grade(models.TextChoices):
    GOOD = "good", _("好")
    FAIR = "fair", _("较好")
    POOR = "poor", _("差")


class DeputyScore(models.Model):
    """A deputy's score for a year up to the end of a quarter (quarter 4 is the whole year)."""

    scheme = models.ForeignKey(ScoringScheme, on_delete=models.PROTECT, related_name="scores", verbose_name=_("办法"))
    profile = models.ForeignKey(DeputyProfile, on_delete=models.CASCADE, related_name="scores", verbose_name=_("代表"))
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("截至季度"))
    total = models.DecimalField(_("总分"), max_digits=7, decimal_places=1)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices)
    # [{"kind": ..., "label": ..., "count": n, "points": p, "raw": n*p, "cap": c|None, "score": s}, ...]
    breakdown = models.JSONField(_("明细"), default=list)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["-year", "-quarter", "-total"]
        verbose_name = _("履职积分")
        verbose_name_plural = _("履职积分")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "profile", "year", "quarter"], name="deputy_score_once"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="deputy_score_quarter"),
        ]
        indexes = [models.Index(fields=["year", "quarter", "grade"])]

    def __str__(self) -> str:
        return f"{self.profile} {self.year}Q{self.quarter} {self.total}"


class ScoreConsequence(models.Model):
    """What the rule makes of a year's grade: a talk (约谈), advice to resign or recall, or commendation."""

    class Kind(models.TextChoices):
        TALK = "talk", _("约谈")
        ADVISE_RESIGN = "advise_resign", _("建议辞职或罢免")
        COMMEND = "commend", _("表彰并优先推荐")

    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="+", verbose_name=_("人大"))
    profile = models.ForeignKey(
        DeputyProfile, on_delete=models.CASCADE, related_name="consequences", verbose_name=_("代表")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    reason = models.CharField(_("依据"), max_length=300)
    done_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    note = models.CharField(_("办理情况"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year", "kind"]
        verbose_name = _("积分结果运用")
        verbose_name_plural = _("积分结果运用")
        constraints = [
            models.UniqueConstraint(fields=["profile", "year", "kind"], name="score_consequence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.year} {self.get_kind_display()}"
