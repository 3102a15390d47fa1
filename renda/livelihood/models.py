"""Livelihood projects decided by the deputies' vote (民生实事项目票决制), domain.md §4.

One ``Cycle`` per congress and project year runs the chain 征集 → 初选 → 审议 →
票决 → 实施 → 监督 → 报告 → 测评. Proposals come in during the solicitation
window; staff turn them into ``Project`` candidates (or exclude them with a
reason); the party committee approves the list; the session votes on it with
a ``ballots`` ballot (select k of n); the chosen projects get an
implementation plan with milestones, a supervision group with visits,
problems (a ledger closed item by item) and recommendations, quarterly
progress reports, a completion report, and a satisfaction rating per project
and sub-item, again by ``ballots``. Every change goes through ``actions/``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.ballots.models import Ballot
from renda.organizations.models import Congress, CongressSession, Unit


class CycleStatus(models.TextChoices):
    SOLICITING = "soliciting", _("征集中")
    SCREENING = "screening", _("初选论证")
    LIST_APPROVED = "list_approved", _("候选名单已批准")
    DELIBERATION = "deliberation", _("大会审议")
    VOTING = "voting", _("票决中")
    DECIDED = "decided", _("已票决")
    IMPLEMENTING = "implementing", _("实施监督中")
    COMPLETION_REPORTED = "completion_reported", _("已报告完成情况")
    RATING = "rating", _("满意度测评中")
    CLOSED = "closed", _("已测评")


class Field(models.TextChoices):
    """The eight fields the Zhejiang rule targets."""

    CHILDCARE = "childcare", _("幼有所育")
    EDUCATION = "education", _("学有所教")
    EMPLOYMENT = "employment", _("劳有所得")
    HEALTH = "health", _("病有所医")
    ELDERLY = "elderly", _("老有所养")
    HOUSING = "housing", _("住有所居")
    VULNERABLE = "vulnerable", _("弱有所扶")
    MOBILITY = "mobility", _("行有所畅")
    OTHER = "other", _("其他")


class Cycle(models.Model):
    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="livelihood_cycles", verbose_name=_("人大")
    )
    year = models.PositiveSmallIntegerField(_("项目年度"))
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=30, choices=CycleStatus.choices, default=CycleStatus.SOLICITING)
    solicit_opens_on = models.DateField(_("征集开始"))
    solicit_closes_on = models.DateField(_("征集截止"))
    slots = models.PositiveSmallIntegerField(_("票决项目数"))
    session = models.ForeignKey(
        CongressSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("票决会议")
    )
    party_approved_on = models.DateField(_("党委批准日期"), null=True, blank=True)
    party_approval_ref = models.CharField(_("批准文号"), max_length=100, blank=True)
    materials_sent_at = models.DateTimeField(_("审议材料送达"), null=True, blank=True)
    vote_ballot = models.OneToOneField(
        Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="livelihood_vote", verbose_name=_("票决")
    )
    rating_ballot = models.OneToOneField(
        Ballot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="livelihood_rating",
        verbose_name=_("满意度测评"),
    )
    # Set when the vote gives no valid result (no quorum, unresolved tie): the reason, shown to staff.
    vote_problem = models.CharField(_("票决问题"), max_length=200, blank=True)
    # Set when the satisfaction rating gives no valid result (no quorum): the reason; staff may rate again.
    rating_problem = models.CharField(_("测评问题"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["congress", "-year"]
        verbose_name = _("民生实事年度")
        verbose_name_plural = _("民生实事年度")
        constraints = [
            models.UniqueConstraint(fields=["congress", "year"], name="livelihood_cycle_once_per_year"),
            models.CheckConstraint(
                condition=Q(solicit_closes_on__gte=models.F("solicit_opens_on")), name="livelihood_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalSource(models.TextChoices):
    DEPUTY = "deputy", _("人大代表")
    UNIT = "unit", _("单位")
    PUBLIC = "public", _("社会公众")


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ADOPTED = "adopted", _("纳入候选")
    NOT_ADOPTED = "not_adopted", _("未纳入")


class Proposal(models.Model):
    """An idea sent in during the solicitation window (征集)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("年度"))
    source = models.CharField(_("来源"), max_length=10, choices=ProposalSource.choices)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Shown as submitted; for the public, a name they chose to give (may be blank).
    proposer_name = models.CharField(_("提出人"), max_length=100, blank=True)
    title = models.CharField(_("项目名称"), max_length=100)
    content = models.TextField(_("项目内容"), max_length=3000)
    field = models.CharField(_("领域"), max_length=20, choices=Field.choices, default=Field.OTHER)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    project = models.ForeignKey(
        "Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
        verbose_name=_("候选项目"),
    )
    response = models.CharField(_("处理说明"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("项目建议")
        verbose_name_plural = _("项目建议")

    def __str__(self) -> str:
        return self.title


class ProjectStatus(models.TextChoices):
    CANDIDATE = "candidate", _("候选")
    EXCLUDED = "excluded", _("未列入候选")
    NOT_SELECTED = "not_selected", _("未当选")
    DECIDED = "decided", _("已票决")
    IMPLEMENTING = "implementing", _("实施中")
    COMPLETED = "completed", _("已完成")
    UNFINISHED = "unfinished", _("未完成")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    NO_RESULT = "no_result", _("无有效结果")


class RatedMixin(models.Model):
    """Raw counts and verdict of the satisfaction rating, copied from the ballot when it closes (§11)."""

    rating_satisfied = models.PositiveIntegerField(_("满意票"), null=True, blank=True)
    rating_basic = models.PositiveIntegerField(_("基本满意票"), null=True, blank=True)
    rating_dissatisfied = models.PositiveIntegerField(_("不满意票"), null=True, blank=True)
    verdict = models.CharField(_("测评结果"), max_length=20, choices=Verdict.choices, blank=True)

    class Meta:
        abstract = True


class Project(RatedMixin):
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="projects", verbose_name=_("年度"))
    name = models.CharField(_("项目名称"), max_length=100)
    content = models.TextField(_("项目内容"), max_length=5000)
    field = models.CharField(_("领域"), max_length=20, choices=Field.choices, default=Field.OTHER)
    investment = models.DecimalField(_("计划投资（万元）"), max_digits=12, decimal_places=2)
    funding_source = models.CharField(_("资金来源"), max_length=200)
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="livelihood_projects", verbose_name=_("牵头单位")
    )
    completion_date = models.DateField(_("计划完成时间"))
    status = models.CharField(_("状态"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.CANDIDATE)
    exclusion_reason = models.CharField(_("未列入原因"), max_length=500, blank=True)
    # Place in the candidate list (ballot order), then votes and rank from the vote.
    list_order = models.PositiveSmallIntegerField(_("候选序号"), null=True, blank=True)
    votes = models.PositiveIntegerField(_("得票数"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("得票排名"), null=True, blank=True)
    plan = models.TextField(_("实施方案"), max_length=10000, blank=True)
    plan_published_at = models.DateTimeField(_("实施方案公布时间"), null=True, blank=True)
    completion_percent = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    # Required when the completion report says the project is unfinished: why, and the measures.
    unfinished_explanation = models.TextField(_("未完成说明"), max_length=3000, blank=True)
    key_supervision_next_year = models.BooleanField(_("列为下年度重点监督"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "list_order", "pk"]
        verbose_name = _("民生实事项目")
        verbose_name_plural = _("民生实事项目")
        constraints = [
            models.CheckConstraint(condition=Q(completion_percent__lte=100), name="project_percent_max"),
            models.UniqueConstraint(
                fields=["cycle", "list_order"], condition=Q(list_order__isnull=False), name="project_list_order_unique"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return self.name


class SubItem(RatedMixin):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sub_items", verbose_name=_("项目"))
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("子项名称"), max_length=100)
    content = models.TextField(_("内容"), max_length=2000, blank=True)
    investment = models.DecimalField(_("计划投资（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    responsible_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    completion_percent = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)

    class Meta:
        ordering = ["project", "order"]
        verbose_name = _("子项目")
        verbose_name_plural = _("子项目")
        constraints = [
            models.UniqueConstraint(fields=["project", "order"], name="subitem_unique_order"),
            models.CheckConstraint(condition=Q(completion_percent__lte=100), name="subitem_percent_max"),
        ]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    """A deliberation material (审议材料) sent to the deputies before the session."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="materials", verbose_name=_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    file = models.FileField(_("文件"), upload_to="livelihood/materials/%Y/", max_length=200)
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("审议材料")
        verbose_name_plural = _("审议材料")

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("项目"))
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("计划时间"))
    responsible_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    done_on = models.DateField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["project", "due_on", "pk"]
        verbose_name = _("实施节点")
        verbose_name_plural = _("实施节点")

    def __str__(self) -> str:
        return self.title


class SupervisionGroup(models.Model):
    """一项目一监督小组: led by an SC leader, with deputies."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="supervision_group", verbose_name=_("项目")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("组长")
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("成员"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监督小组")
        verbose_name_plural = _("监督小组")

    def __str__(self) -> str:
        return f"{self.project} 监督小组"


class SupervisionVisit(models.Model):
    group = models.ForeignKey(SupervisionGroup, on_delete=models.CASCADE, related_name="visits", verbose_name=_("小组"))
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200)
    findings = models.TextField(_("监督情况"), max_length=5000)
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("参加人员"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("监督活动")
        verbose_name_plural = _("监督活动")

    def __str__(self) -> str:
        return f"{self.group} {self.held_on}"


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    CLOSED = "closed", _("已销号")


class Problem(models.Model):
    """A problem found in supervision: the ledger (问题/责任/整改清单) is closed item by item (销号)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="problems", verbose_name=_("项目"))
    visit = models.ForeignKey(
        SupervisionVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    description = models.TextField(_("问题"), max_length=2000)
    responsible_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    rectify_by = models.DateField(_("整改时限"))
    status = models.CharField(_("状态"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    rectification = models.TextField(_("整改情况"), max_length=3000, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "status", "rectify_by", "pk"]
        verbose_name = _("问题清单")
        verbose_name_plural = _("问题清单")

    def __str__(self) -> str:
        return self.description[:30]


class Recommendation(models.Model):
    """督办建议 from the supervision group to the lead unit."""

    group = models.ForeignKey(
        SupervisionGroup, on_delete=models.CASCADE, related_name="recommendations", verbose_name=_("小组")
    )
    text = models.TextField(_("督办建议"), max_length=3000)
    issued_on = models.DateField(_("提出日期"))
    response = models.TextField(_("落实情况"), max_length=3000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("督办建议")
        verbose_name_plural = _("督办建议")

    def __str__(self) -> str:
        return self.text[:30]


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", _("季度进展")
    COMPLETION = "completion", _("完成情况报告")


class ProgressReport(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports", verbose_name=_("项目"))
    kind = models.CharField(_("类型"), max_length=20, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    # 1–4 for a quarterly report; null for the completion report.
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    completion_percent = models.PositiveSmallIntegerField(_("完成进度（%）"))
    # Per sub-item: {"<subitem id>": percent}.
    sub_item_percents = models.JSONField(_("子项进度"), default=dict, blank=True)
    content = models.TextField(_("进展情况"), max_length=5000)
    funds_spent = models.DecimalField(_("已完成投资（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"))

    class Meta:
        ordering = ["project", "year", "quarter"]
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "quarter"],
                condition=Q(kind="quarterly"),
                name="progress_report_once_per_quarter",
            ),
            models.UniqueConstraint(fields=["project"], condition=Q(kind="completion"), name="completion_report_once"),
            models.CheckConstraint(condition=Q(completion_percent__lte=100), name="report_percent_max"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}Q{self.quarter or '-'}"
