"""Citizens' opinions: intake, triage, dispatch and the closed loop (domain.md §3.1).

"代表点单、人大派单、部门接单": an opinion comes in (portal form, a station's or a
deputy's QR code, entry at a reception day, bulk import), is triaged (answered on
the spot, refused with the right channel, graded L1/L2/L3 and dispatched to a
unit, or converted into a deputy's suggestion), accepted or returned by the unit,
replied, relayed to the citizen, rated, and closed or reopened. Every change is a
named action in ``actions/``, with one audit event on the opinion.

Personal data: the citizen's name and phone are kept encrypted and shown masked to
everyone but the triage staff and the handling unit; erasure blanks them and keeps
the opinion, anonymised, for the statistics.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.deputies.models import DeputyProfile, Station
from renda.organizations.models import Congress, Unit

# Tracking codes avoid look-alike characters (0/O, 1/I/L) so a citizen can read one over the phone.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


class Source(models.TextChoices):
    PORTAL = "portal", _("网上提交")
    STATION_QR = "station_qr", _("联络站码")
    DEPUTY_QR = "deputy_qr", _("代表码")
    RECEPTION = "reception", _("接待日登记")
    DEPUTY_VISIT = "deputy_visit", _("代表走访收集")
    HOTLINE_12345 = "hotline_12345", _("12345 热线")
    OTHER_PLATFORM = "other_platform", _("其他平台导入")


class Category(models.TextChoices):
    URBAN = "urban", _("城建与物业")
    TRAFFIC = "traffic", _("交通出行")
    ENVIRONMENT = "environment", _("生态环境")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗卫生")
    SOCIAL = "social", _("社会保障与养老")
    MARKET = "market", _("市场监管与消费")
    SAFETY = "safety", _("公共安全")
    RURAL = "rural", _("农业农村")
    GOVERNANCE = "governance", _("基层治理")
    OTHER = "other", _("其他")


class Level(models.TextChoices):
    """Graded handling: L1 township/street, L2 county/district, L3 city department."""

    L1 = "L1", _("一级（乡镇街道）")
    L2 = "L2", _("二级（县区）")
    L3 = "L3", _("三级（市级部门）")


class Status(models.TextChoices):
    RECEIVED = "received", _("待分流")
    ANSWERED_ON_SPOT = "answered_on_spot", _("当场答复")
    REFUSED = "refused", _("不予受理")
    CONVERTED = "converted", _("已转代表建议")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("办理中")
    REPLIED = "replied", _("已答复")
    RELAYED = "relayed", _("已反馈群众")
    CLOSED = "closed", _("已办结")


# The unit holds the item in these states.
UNIT_STATES = frozenset({Status.DISPATCHED, Status.ACCEPTED})
# Ended without the loop (no rating asked).
ENDED_AT_TRIAGE = frozenset({Status.ANSWERED_ON_SPOT, Status.REFUSED, Status.CONVERTED})


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Opinion(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="opinions", verbose_name=_("人大"))
    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True, default=new_tracking_code)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.PROTECT, related_name="opinions", verbose_name=_("联络站")
    )
    deputy = models.ForeignKey(
        DeputyProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="opinions", verbose_name=_("代表")
    )
    text = models.TextField(_("意见内容"), max_length=2000)
    # Where the problem is: a district or township congress of the tree (for the area tables), and the address.
    area = models.ForeignKey(
        Congress, null=True, blank=True, on_delete=models.PROTECT, related_name="area_opinions", verbose_name=_("区域")
    )
    address = models.CharField(_("地点"), max_length=200, blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, blank=True)
    level = models.CharField(_("分级"), max_length=2, choices=Level.choices, blank=True)
    is_complex = models.BooleanField(_("复杂事项"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # Citizen: encrypted (renda.core.crypto), masked for display; blank after erasure.
    citizen_name_encrypted = models.TextField(blank=True)
    citizen_phone_encrypted = models.TextField(blank=True)
    citizen_phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    citizen_name_masked = models.CharField(_("群众姓名"), max_length=20, blank=True)
    citizen_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    phone_verified = models.BooleanField(_("手机已验证"), default=False)
    citizen_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(_("个人信息删除时间"), null=True, blank=True)
    # Triage outcomes.
    on_spot_answer = models.TextField(_("当场答复"), max_length=3000, blank=True)
    refuse_reason = models.CharField(_("不予受理理由"), max_length=500, blank=True)
    redirect_channel = models.CharField(_("建议途径"), max_length=100, blank=True)
    converted_suggestion = models.ForeignKey(
        "suggestions.Suggestion", null=True, blank=True, on_delete=models.SET_NULL, related_name="from_opinions"
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    # The current handling unit and round (a reopened item starts a new round with the same unit).
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="opinions", verbose_name=_("承办单位")
    )
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=0)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("按时答复"), null=True, blank=True)
    rating = models.CharField(_("群众评价"), max_length=20, choices=Rating.choices, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    # Near-duplicate cluster (insight); handled as one when staff choose.
    cluster = models.ForeignKey(
        "insight.Cluster", null=True, blank=True, on_delete=models.SET_NULL, related_name="opinions"
    )
    # Imports: the other platform's id, so a file imported twice adds nothing.
    external_id = models.CharField(_("外部编号"), max_length=60, blank=True)
    # Hash of the submitter's IP (rate limiting and abuse review), never the address itself.
    submitted_ip_hash = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(_("收到时间"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("群众意见")
        verbose_name_plural = _("群众意见")
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "source", "external_id"],
                condition=~Q(external_id=""),
                name="opinion_external_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["congress", "status"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["congress", "category", "received_at"]),
            models.Index(fields=["congress", "area", "received_at"]),
            # The dashboard's year and week counts and the ledger's date filters.
            models.Index(fields=["congress", "received_at"], name="opinion_congress_received"),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class Dispatch(models.Model):
    """One unit's handling of one round (派单 → 接单 or 退回 → 答复)."""

    class State(models.TextChoices):
        PENDING = "pending", _("待接单")
        ACCEPTED = "accepted", _("已接单")
        RETURNED = "returned", _("已退回")
        REPLIED = "replied", _("已答复")

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="dispatches")
    round = models.PositiveSmallIntegerField(_("办理轮次"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="opinion_dispatches", verbose_name=_("单位"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    due_at = models.DateTimeField(_("办理期限"))
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dispatched_at = models.DateTimeField(_("派单时间"))
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    reply = models.TextField(_("答复内容"), max_length=5000, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        ordering = ["opinion", "round", "pk"]
        verbose_name = _("派单")
        verbose_name_plural = _("派单")
        constraints = [
            # One live dispatch per opinion at a time.
            models.UniqueConstraint(
                fields=["opinion"], condition=Q(state__in=["pending", "accepted"]), name="dispatch_one_live"
            ),
        ]
        indexes = [models.Index(fields=["unit", "state", "due_at"])]

    def __str__(self) -> str:
        return f"{self.opinion_id}/{self.round} → {self.unit_id}"


class OpinionRating(models.Model):
    """The citizen's rating of one round's answer; the database allows one per round."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField(_("办理轮次"))
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("意见"), max_length=1000, blank=True)
    reopened = models.BooleanField(_("要求重新办理"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["opinion", "round"]
        verbose_name = _("群众评价")
        verbose_name_plural = _("群众评价")
        constraints = [models.UniqueConstraint(fields=["opinion", "round"], name="opinion_rating_once_per_round")]

    def __str__(self) -> str:
        return f"{self.opinion_id}/{self.round} {self.rating}"


class OpinionAttachment(models.Model):
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="opinions/%Y/%m/", max_length=200)
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("意见附件")
        verbose_name_plural = _("意见附件")

    def __str__(self) -> str:
        return self.name


class DashboardSnapshot(models.Model):
    """The dashboard's figures of one congress and month, as last counted (``renda.opinions.snapshots``).

    Kept only where counting takes long (a congress with a very large year of opinions): the page
    then shows these counts with their time, and a periodic job recounts them in the background.
    """

    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))
    computed_at = models.DateTimeField(_("统计时间"))
    seconds = models.FloatField(_("统计用时（秒）"))
    payload = models.JSONField()

    class Meta:
        verbose_name = _("看板统计快照")
        verbose_name_plural = _("看板统计快照")
        constraints = [models.UniqueConstraint(fields=["congress", "month"], name="dashboard_snapshot_once")]

    def __str__(self) -> str:
        return f"{self.congress_id} {self.month:%Y-%m} {self.computed_at:%H:%M}"
