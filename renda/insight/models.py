"""Reading the citizens' opinions (domain.md §3.2): tokens, routing suggestions, clusters, hot topics, reports.

- ``DictionaryTerm``: the domain dictionary staff extend (路灯, 加装电梯, 老旧小区…), loaded into the tokenizer.
- ``KeywordRule``: the cold-start router, edited by staff, used until a congress has enough triage history.
- ``RoutingModel``: a trained classifier per congress, with its version and its accuracy on a held-out set.
- ``OpinionAnalysis``: per opinion, the tokens and the suggestion shown to staff (never applied silently).
- ``Cluster``: near-duplicate opinions about the same problem, which staff may handle as one.
- ``Watch`` and ``SpikeAlert``: who watches an area or topic, and the week-on-week spikes they were told of.
- ``MonthlyReport``: the generated 民情民意分析报告 (.docx).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renda.organizations.models import Congress, Unit


class DictionaryTerm(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="dictionary_terms")
    word = models.CharField(_("词语"), max_length=30)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("领域词")
        verbose_name_plural = _("领域词典")
        constraints = [models.UniqueConstraint(fields=["congress", "word"], name="dictionary_term_once")]

    def __str__(self) -> str:
        return self.word


class KeywordRule(models.Model):
    """If the text contains ``keyword``, suggest this category, level and unit (highest priority wins)."""

    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="keyword_rules")
    keyword = models.CharField(_("关键词"), max_length=30)
    category = models.CharField(_("类别"), max_length=20)
    level = models.CharField(_("分级"), max_length=2, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField(_("优先级"), default=10)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-priority", "keyword"]
        verbose_name = _("关键词规则")
        verbose_name_plural = _("关键词规则")
        constraints = [models.UniqueConstraint(fields=["congress", "keyword"], name="keyword_rule_once")]

    def __str__(self) -> str:
        return self.keyword


class RoutingModel(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="routing_models")
    version = models.PositiveIntegerField(_("版本"))
    trained_at = models.DateTimeField(_("训练时间"))
    training_size = models.PositiveIntegerField(_("训练样本数"))
    holdout_size = models.PositiveIntegerField(_("测试样本数"))
    # Accuracy on the held-out labelled set never used for training; per target and per category.
    accuracy = models.JSONField(_("准确率"), default=dict)
    params = models.JSONField(_("参数"), default=dict)
    artifact = models.BinaryField(_("模型"))
    is_active = models.BooleanField(_("在用"), default=False)

    class Meta:
        ordering = ["congress", "-version"]
        verbose_name = _("分流模型")
        verbose_name_plural = _("分流模型")
        constraints = [models.UniqueConstraint(fields=["congress", "version"], name="routing_model_version_once")]

    def __str__(self) -> str:
        return f"{self.congress_id} v{self.version}"


class OpinionAnalysis(models.Model):
    opinion = models.OneToOneField(
        "opinions.Opinion", primary_key=True, on_delete=models.CASCADE, related_name="analysis"
    )
    tokens = models.TextField(_("分词"), blank=True)
    suggested_category = models.CharField(_("建议类别"), max_length=20, blank=True)
    suggested_level = models.CharField(_("建议分级"), max_length=2, blank=True)
    suggested_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField(_("置信度"), default=0.0)
    # 0 = keyword rules (cold start); otherwise the RoutingModel version.
    model_version = models.PositiveIntegerField(_("模型版本"), default=0)
    analysed_at = models.DateTimeField(_("分析时间"))

    class Meta:
        verbose_name = _("意见分析")
        verbose_name_plural = _("意见分析")

    def __str__(self) -> str:
        return f"analysis {self.opinion_id}"


class Cluster(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="opinion_clusters")
    title = models.CharField(_("主题"), max_length=100)
    size = models.PositiveIntegerField(_("意见数"), default=0)
    representative = models.ForeignKey(
        "opinions.Opinion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(_("类别"), max_length=20, blank=True)
    area = models.ForeignKey(Congress, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_received_at = models.DateTimeField(_("首次收到"))
    last_received_at = models.DateTimeField(_("最近收到"))
    handled_as_one = models.BooleanField(_("合并办理"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size", "-last_received_at"]
        verbose_name = _("相似意见组")
        verbose_name_plural = _("相似意见组")
        indexes = [models.Index(fields=["congress", "size"])]

    def __str__(self) -> str:
        return self.title


class Watch(models.Model):
    """A staff member watching an area and/or a topic receives its spike alerts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opinion_watches")
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("类别"), max_length=20, blank=True)
    area = models.ForeignKey(Congress, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [models.UniqueConstraint(fields=["user", "congress", "category", "area"], name="watch_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.category} {self.area_id}"


class SpikeAlert(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="spike_alerts")
    week_start = models.DateField(_("周"))
    category = models.CharField(_("类别"), max_length=20, blank=True)
    area = models.ForeignKey(Congress, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(_("本周数量"))
    previous_count = models.PositiveIntegerField(_("上周数量"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start", "-count"]
        verbose_name = _("激增预警")
        verbose_name_plural = _("激增预警")
        constraints = [
            models.UniqueConstraint(fields=["congress", "week_start", "category", "area"], name="spike_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.week_start} {self.category} {self.count}"


class MonthlyReport(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="opinion_reports")
    month = models.DateField(_("月份"))  # the first day of the month
    file = models.FileField(_("文件"), upload_to="insight/reports/", max_length=200)
    figures = models.JSONField(_("数据"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"))

    class Meta:
        ordering = ["-month"]
        verbose_name = _("民情民意分析报告")
        verbose_name_plural = _("民情民意分析报告")
        constraints = [models.UniqueConstraint(fields=["congress", "month"], name="monthly_report_once")]

    def __str__(self) -> str:
        return f"{self.congress_id} {self.month:%Y-%m}"


class ClusterBand(models.Model):
    """One LSH band key of an opinion's sketch (``renda.insight.clusters``): the candidate look-up.

    An opinion gets ``clusters.BANDS`` rows; two opinions sharing a key are candidate near-duplicates.
    Only opinions of the last clustering window are needed (the batch pipeline writes only those and
    ``clusters.prune_bands`` drops older rows). The key already mixes in the congress.
    """

    key = models.BigIntegerField()
    # Indexed: an opinion's bands are replaced on re-analysis and go with it when it is deleted.
    opinion = models.ForeignKey("opinions.Opinion", on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("相似意见索引")
        verbose_name_plural = _("相似意见索引")
        indexes = [
            models.Index(fields=["key", "received_at"], name="cluster_band_key"),
            models.Index(fields=["received_at"], name="cluster_band_time"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.opinion_id}"
