"""Deputies' suggestions (代表建议) from draft to rating: domain.md §1.4–1.9.

A ``Suggestion`` carries the item's state and, denormalised, every fact the
statistics count (first reply time, on-time flag, result category, final
ratings), so a year's statistics are one aggregate query. The facts behind
them live in their own rows: co-signers, assignments to units, disputes,
extensions, communication logs, replies and evaluations. Every change is made
by a named action in ``actions/``, which also writes the audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.organizations.models import Congress, CongressSession, Unit


class Phase(models.TextChoices):
    SESSION = "session", _("会议期间")
    RECESS = "recess", _("闭会期间")


class Category(models.TextChoices):
    FINANCE = "finance", _("财政经济")
    URBAN = "urban", _("城乡建设")
    AGRICULTURE = "agriculture", _("农业农村")
    EDUCATION = "education", _("教科文卫")
    SOCIAL = "social", _("社会建设")
    JUDICIAL = "judicial", _("监察司法")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    NOT_REGISTERED = "not_registered", _("不予立案")
    MERGED = "merged", _("已并案")
    REGISTERED = "registered", _("待交办")
    ASSIGNED = "assigned", _("已交办")
    IN_HANDLING = "in_handling", _("办理中")
    REPLIED = "replied", _("已答复")
    REHANDLING = "rehandling", _("二次办理")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


# States in which units hold the item.
HANDLING_STATES = frozenset({Status.ASSIGNED, Status.IN_HANDLING, Status.REHANDLING})
# States a deputy may still withdraw from (before any reply).
WITHDRAWABLE_STATES = frozenset(
    {Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.REGISTERED, Status.ASSIGNED, Status.IN_HANDLING}
)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Suggestion(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="suggestions", verbose_name=_("人大"))
    session = models.ForeignKey(
        CongressSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
        verbose_name=_("会议"),
    )
    phase = models.CharField(_("提出时间"), max_length=10, choices=Phase.choices)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    number = models.CharField(_("编号"), max_length=20, blank=True)
    sequence = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=5000)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    lead_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_suggestions",
        verbose_name=_("领衔代表"),
    )
    delegation = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegation_suggestions",
        verbose_name=_("代表团"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    # Review (审核/登记).
    registered_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_items", verbose_name=_("并入")
    )
    is_complex = models.BooleanField(_("涉及面广、处理难度大"), default=False)

    # Flags that can be set at any time.
    is_key = models.BooleanField(_("重点督办"), default=False, db_index=True)
    supervising_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_suggestions",
        verbose_name=_("督办机构"),
    )
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_suggestions",
        verbose_name=_("督办领导"),
    )
    is_public = models.BooleanField(_("公开"), default=False, db_index=True)

    # Handling facts, kept up to date by the actions; the statistics read only these.
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    first_assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("答复期限"), null=True, blank=True)
    first_replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("按时答复"), null=True, blank=True)
    result_category = models.CharField(_("办理结果分类"), max_length=4, blank=True)
    has_communication = models.BooleanField(_("已沟通"), default=False)
    was_rehandled = models.BooleanField(_("经二次办理"), default=False)
    process_rating = models.CharField(_("办理过程评价"), max_length=20, choices=Rating.choices, blank=True)
    result_rating = models.CharField(_("办理结果评价"), max_length=20, choices=Rating.choices, blank=True)
    evaluated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-sequence", "-pk"]
        verbose_name = _("代表建议")
        verbose_name_plural = _("代表建议")
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="suggestion_sequence_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="suggestion_status_valid"),
        ]
        indexes = [
            models.Index(fields=["congress", "year", "status"], name="suggestion_year_status"),
            models.Index(fields=["lead_deputy", "status"], name="suggestion_lead_status"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


class CosignerStatus(models.TextChoices):
    INVITED = "invited", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("已谢绝")


class Cosigner(models.Model):
    """A deputy invited to co-sign. They count only once they have confirmed (§1.4)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="cosigners")
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cosigned_suggestions", verbose_name=_("代表")
    )
    status = models.CharField(_("状态"), max_length=20, choices=CosignerStatus.choices, default=CosignerStatus.INVITED)
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["suggestion", "pk"]
        verbose_name = _("联名代表")
        verbose_name_plural = _("联名代表")
        constraints = [models.UniqueConstraint(fields=["suggestion", "deputy"], name="cosigner_once")]

    def __str__(self) -> str:
        return f"{self.deputy} → {self.suggestion_id}"


class HandlingRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("会办")
    PARALLEL = "parallel", _("分办")


# Roles whose unit sends a reply of its own; a co-handling unit gives its opinion to the lead instead.
REPLYING_ROLES = frozenset({HandlingRole.LEAD, HandlingRole.PARALLEL})


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    WITHDRAWN = "withdrawn", _("已撤销")


class Assignment(models.Model):
    """One unit's duty on one round of one item (交办)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="suggestion_assignments", verbose_name=_("承办单位")
    )
    role = models.CharField(_("承办方式"), max_length=10, choices=HandlingRole.choices)
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    status = models.CharField(
        _("状态"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE
    )
    assigned_at = models.DateTimeField(_("交办时间"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("交办人")
    )
    due_at = models.DateTimeField(_("答复期限"))
    original_due_at = models.DateTimeField(_("原定期限"))
    dispute_until = models.DateTimeField(_("异议截止"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.TextField(_("会办意见"), blank=True, max_length=5000)
    opinion_sent_at = models.DateTimeField(_("会办意见提交时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("按时答复"), null=True, blank=True)

    class Meta:
        ordering = ["suggestion", "round", "role", "pk"]
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        constraints = [
            # Two clerks assigning the same item at once cannot give one unit two duties for one round.
            models.UniqueConstraint(
                fields=["suggestion", "unit", "round"],
                condition=Q(status="active"),
                name="assignment_one_active_per_unit_round",
            ),
            models.UniqueConstraint(
                fields=["suggestion", "round"],
                condition=Q(status="active", role="lead"),
                name="assignment_one_active_lead_per_round",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "replied_at", "due_at"], name="assignment_unit_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id} → {self.unit} ({self.get_role_display()})"

    @property
    def replies_itself(self) -> bool:
        return self.role in REPLYING_ROLES


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待决定")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("不同意")


class Dispute(models.Model):
    """A unit contests its assignment within the window (退办/调整); the 交办机构 decides."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="disputes")
    reason = models.TextField(_("异议理由"), max_length=2000)
    suggested_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("建议改交单位")
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decision_note = models.CharField(_("处理意见"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("交办异议")
        verbose_name_plural = _("交办异议")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status="pending"), name="dispute_one_pending_per_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} on assignment {self.assignment_id}"


class Extension(models.Model):
    """A unit asks for more time on a complex item; the 交办机构 approves with a reason and the deputy is told."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    requested_due = models.DateField(_("申请延期至"))
    reason = models.TextField(_("延期理由"), max_length=2000)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status="pending"), name="extension_one_pending_per_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"extension {self.pk} on assignment {self.assignment_id}"


class CommunicationKind(models.TextChoices):
    MEETING = "meeting", _("当面沟通")
    PHONE = "phone", _("电话沟通")
    VISIT = "visit", _("走访")
    FORUM = "forum", _("座谈")
    SITE = "site", _("实地察看")
    OTHER = "other", _("其他")


class CommunicationLog(models.Model):
    """联系沟通 with the deputy (代表法 Art 43); by default a reply needs one first."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="communications")
    kind = models.CharField(_("沟通方式"), max_length=10, choices=CommunicationKind.choices)
    date = models.DateField(_("沟通日期"))
    participants = models.CharField(_("参加人员"), max_length=300)
    content = models.TextField(_("沟通情况"), max_length=3000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("沟通记录")
        verbose_name_plural = _("沟通记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class ReplyStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("待单位负责人审签")
    RETURNED = "returned", _("退回修改")
    SENT = "sent", _("已答复")


class Reply(models.Model):
    """A unit's formal written answer (答复), approved by the unit head before it is sent."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="replies")
    category = models.CharField(_("办理结果分类"), max_length=4)
    text = models.TextField(_("答复内容"), max_length=20000)
    contact_person = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ReplyStatus.choices, default=ReplyStatus.PENDING_APPROVAL
    )
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("拟稿时间"), auto_now_add=True)
    approval_note = models.CharField(_("审签意见"), max_length=500, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时答复"), null=True, blank=True)

    class Meta:
        ordering = ["assignment", "pk"]
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=Q(status="sent"), name="reply_one_sent"),
        ]

    def __str__(self) -> str:
        return f"reply {self.pk} ({self.category})"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"suggestions/{instance.reply.assignment.suggestion_id}/{instance.sha256[:16]}-{filename[-80:]}"


class Attachment(models.Model):
    """A file sent with a reply, such as the signed and sealed PDF."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class Evaluation(models.Model):
    """The lead deputy's rating of one round's answer (征询意见表), on process and result."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="evaluations")
    round = models.PositiveSmallIntegerField(_("办理轮次"))
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    process_rating = models.CharField(_("办理过程"), max_length=20, choices=Rating.choices)
    result_rating = models.CharField(_("办理结果"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("意见"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        ordering = ["suggestion", "round"]
        verbose_name = _("代表评价")
        verbose_name_plural = _("代表评价")
        constraints = [models.UniqueConstraint(fields=["suggestion", "round"], name="evaluation_once_per_round")]

    def __str__(self) -> str:
        return f"evaluation {self.suggestion_id}/{self.round}"

    @property
    def is_dissatisfied(self) -> bool:
        return Rating.DISSATISFIED in (self.process_rating, self.result_rating)


class SearchEntry(models.Model):
    """The item's words (title, body, replies) cut by jieba, for full-text search; see ``search.py``."""

    suggestion = models.OneToOneField(Suggestion, on_delete=models.CASCADE, primary_key=True, related_name="+")
    tokens = models.TextField()

    class Meta:
        verbose_name = _("检索索引")

    def __str__(self) -> str:
        return f"search entry {self.suggestion_id}"
