"""One vote mechanism for every ballot: livelihood-project votes, SC votes, satisfaction ratings.

Who voted and what was chosen live in separate tables. ``BallotVoter`` records
that a person cast a ballot (one row per voter, enforced by the database).
``BallotSheet`` and ``BallotMark`` record the choices. In a secret ballot
nothing joins the two: sheets and marks have a random UUID key, no user, no
timestamp and no sequence, so neither their key order nor their columns reveal
who cast them or when. In a named ballot the voter row points at its sheet.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from renda.organizations.models import Congress


class BallotMode(models.TextChoices):
    SECRET = "secret", _("无记名")
    NAMED = "named", _("记名")


class BallotRule(models.TextChoices):
    SELECT_K_OF_N = "select_k_of_n", _("差额选择（N 选 K）")
    YES_NO_ABSTAIN = "yes_no_abstain", _("赞成/反对/弃权")
    SATISFACTION = "satisfaction", _("满意/基本满意/不满意")


class MajorityBase(models.TextChoices):
    ALL_ELECTORATE = "all_electorate", _("全体应投票人员")
    VOTES_CAST = "votes_cast", _("实投票数")


class TieRule(models.TextChoices):
    RUNOFF = "runoff", _("另行投票")
    CANDIDATE_ORDER = "candidate_order", _("按候选顺序")
    LOT = "lot", _("抽签")


class BallotStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已结束")


# Guarded by the actions: draft → open → closed, never back.
ALLOWED_TRANSITIONS = {
    BallotStatus.DRAFT: {BallotStatus.OPEN},
    BallotStatus.OPEN: {BallotStatus.CLOSED},
    BallotStatus.CLOSED: set(),
}


class OptionCode(models.TextChoices):
    """The fixed meaning of an option under the yes/no/abstain and satisfaction rules; blank for candidates."""

    CANDIDATE = "", _("候选项")
    YES = "yes", _("赞成")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Ballot(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("人大"))
    title = models.CharField(_("标题"), max_length=200)
    # The process that opened the ballot, and the object it decides (e.g. "livelihood.vote", "livelihood.round", "12").
    purpose = models.CharField(_("用途"), max_length=60, blank=True)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=60, blank=True)
    mode = models.CharField(_("方式"), max_length=10, choices=BallotMode.choices, default=BallotMode.SECRET)
    rule = models.CharField(_("计票规则"), max_length=20, choices=BallotRule.choices)
    k = models.PositiveSmallIntegerField(_("应选数"), null=True, blank=True)
    require_majority_of_electorate = models.BooleanField(_("须获全体过半数"), default=False)
    majority_base = models.CharField(
        _("过半数基数"), max_length=20, choices=MajorityBase.choices, default=MajorityBase.ALL_ELECTORATE
    )
    # Minimum number of ballots cast for a valid result; left blank, it becomes "more than half" at opening.
    quorum = models.PositiveIntegerField(_("法定人数"), null=True, blank=True)
    tie_rule = models.CharField(_("票数相同时"), max_length=20, choices=TieRule.choices, default=TieRule.RUNOFF)
    opens_at = models.DateTimeField(_("开始投票"))
    closes_at = models.DateTimeField(_("结束投票"))
    status = models.CharField(_("状态"), max_length=10, choices=BallotStatus.choices, default=BallotStatus.DRAFT)
    # The people named at creation; copied into ElectorateMember (and frozen) when the ballot opens.
    planned_electorate = models.JSONField(_("拟定投票人"), default=list, blank=True)
    # A ballot of people without accounts: this many one-time voting codes are issued at opening (see VoterCode).
    code_voters = models.PositiveIntegerField(_("投票码数量"), null=True, blank=True)
    tally = models.JSONField(_("计票"), null=True, blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    valid = models.BooleanField(_("结果有效"), null=True, blank=True)
    invalid_reason = models.CharField(_("无效原因"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="ballot_window_positive"),
            models.CheckConstraint(
                condition=~Q(rule=BallotRule.SELECT_K_OF_N) | Q(k__gte=1), name="ballot_select_needs_k"
            ),
            models.CheckConstraint(
                condition=Q(status=BallotStatus.CLOSED) | Q(tally__isnull=True), name="ballot_tally_only_when_closed"
            ),
            # A voting code names nobody, so a code ballot can only be secret.
            models.CheckConstraint(
                condition=Q(code_voters__isnull=True) | Q(mode=BallotMode.SECRET), name="ballot_codes_are_secret"
            ),
        ]
        indexes = [models.Index(fields=["congress", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def uses_codes(self) -> bool:
        return self.code_voters is not None


class Question(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="questions", verbose_name=_("表决"))
    text = models.CharField(_("事项"), max_length=300)
    order = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        ordering = ["order"]
        verbose_name = _("表决事项")
        verbose_name_plural = _("表决事项")
        constraints = [models.UniqueConstraint(fields=["ballot", "order"], name="question_unique_order")]

    def __str__(self) -> str:
        return self.text


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("事项"))
    label = models.CharField(_("选项"), max_length=200)
    code = models.CharField(_("含义"), max_length=20, choices=OptionCode.choices, blank=True, default="")
    order = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        ordering = ["order"]
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        constraints = [models.UniqueConstraint(fields=["question", "order"], name="option_unique_order")]

    def __str__(self) -> str:
        return self.label


class ElectorateMember(models.Model):
    """One person entitled to vote, copied when the ballot opens and never changed after."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="electorate", verbose_name=_("表决"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("投票人")
    )
    # Snapshot: the name as it was when the ballot opened.
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    username = models.CharField(_("用户名"), max_length=150)

    class Meta:
        verbose_name = _("应投票人")
        verbose_name_plural = _("应投票人")
        constraints = [models.UniqueConstraint(fields=["ballot", "user"], name="electorate_unique_member")]

    def __str__(self) -> str:
        return self.full_name or self.username


class BallotSheet(models.Model):
    """One cast ballot paper: a random key, the ballot, and the hash of the voter's receipt code. Nothing else."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("表决"))
    receipt_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")

    def __str__(self) -> str:
        return str(self.id)


class BallotMark(models.Model):
    """One option marked on a sheet."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sheet = models.ForeignKey(BallotSheet, on_delete=models.PROTECT, related_name="marks", verbose_name=_("选票"))
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="marks", verbose_name=_("选项"))

    class Meta:
        verbose_name = _("选票标记")
        verbose_name_plural = _("选票标记")
        constraints = [models.UniqueConstraint(fields=["sheet", "option"], name="mark_unique_option")]

    def __str__(self) -> str:
        return f"{self.sheet_id}:{self.option_id}"


class BallotVoter(models.Model):
    """That a person voted. The database allows one row per (ballot, person)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="voters", verbose_name=_("表决"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("投票人")
    )
    # Only a named ballot links the voter to the sheet; in a secret ballot this stays empty.
    sheet = models.OneToOneField(
        BallotSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="named_voter"
    )
    voted_at = models.DateTimeField(_("投票时间"))

    class Meta:
        verbose_name = _("已投票人")
        verbose_name_plural = _("已投票人")
        constraints = [models.UniqueConstraint(fields=["ballot", "user"], name="ballot_voter_once")]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.user_id}"


class VoterCode(models.Model):
    """One one-time voting code of a code ballot: only its keyed hash, and whether it was used.

    No time, no sheet, no order of use: the row says that a code exists and was spent, never what it chose.
    ``used`` flips in the vote's transaction by a conditional update, so a code counts once.
    """

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="voter_codes", verbose_name=_("表决"))
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(_("已使用"), default=False)

    class Meta:
        verbose_name = _("投票码")
        verbose_name_plural = _("投票码")
        indexes = [models.Index(fields=["ballot", "used"])]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.pk}"
