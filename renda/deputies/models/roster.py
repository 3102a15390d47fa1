"""The roster (代表名册): one profile per person, and their terms as a deputy at one or more levels.

The ID number is stored encrypted (``renda.core.crypto``), with a keyed digest
for uniqueness and a masked form for display. Phone and ID number are shown
masked to every role that does not need them; unmasking is an audited action.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.organizations.models import Congress, Unit


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Party(models.TextChoices):
    CPC = "cpc", _("中共党员")
    RCCK = "rcck", _("民革党员")
    CDL = "cdl", _("民盟盟员")
    CNDCA = "cndca", _("民建会员")
    CAPD = "capd", _("民进会员")
    CPWDP = "cpwdp", _("农工党党员")
    CZGP = "czgp", _("致公党党员")
    JS = "js", _("九三学社社员")
    TDSL = "tdsl", _("台盟盟员")
    NON_PARTY = "non_party", _("无党派人士")
    MASSES = "masses", _("群众")


class Occupation(models.TextChoices):
    """Occupation categories used in deputy composition statistics (代表构成统计)."""

    WORKER = "worker", _("工人")
    FARMER = "farmer", _("农民")
    PROFESSIONAL = "professional", _("专业技术人员")
    OFFICIAL = "official", _("党政领导干部")
    ENTERPRISE = "enterprise", _("企业负责人")
    MILITARY = "military", _("解放军和武警")
    OTHER = "other", _("其他")


class DeputyStatus(models.TextChoices):
    IN_OFFICE = "in_office", _("在任")
    RESIGNED = "resigned", _("辞职")
    RECALLED = "recalled", _("罢免")
    TERMINATED = "terminated", _("资格终止")


def _new_public_code() -> str:
    return secrets.token_urlsafe(6)


class DeputyProfile(models.Model):
    """One person on the roster (一人一档). ``user`` is their login; every deputy has one (SMS login)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deputy_profile", verbose_name=_("账号")
    )
    name = models.CharField(_("姓名"), max_length=60)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    party = models.CharField(_("政治面貌"), max_length=20, choices=Party.choices)
    occupation = models.CharField(_("职业构成"), max_length=20, choices=Occupation.choices)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    title = models.CharField(_("职务职称"), max_length=100, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Fernet token from renda.core.crypto.encrypt; never the plain number.
    id_number_encrypted = models.TextField(_("身份证号（加密）"), blank=True)
    # HMAC of the normalised number: unique, so one person is one profile, without storing it in clear.
    id_number_digest = models.CharField(max_length=64, blank=True)
    # What every role without the need sees, e.g. "110***********123X".
    id_number_masked = models.CharField(_("身份证号"), max_length=20, blank=True)
    card_number = models.CharField(_("代表证号"), max_length=30, blank=True)
    # Public, unguessable code in the deputy's QR link (代表码) that opens the citizen form addressed to them.
    public_code = models.CharField(_("代表码"), max_length=20, unique=True, default=_new_public_code)
    photo = models.FileField(_("照片"), upload_to="deputies/photos/%Y/", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("代表")
        verbose_name_plural = _("代表名册")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"], condition=~Q(id_number_digest=""), name="deputy_id_number_unique"
            ),
            models.UniqueConstraint(
                fields=["card_number"], condition=~Q(card_number=""), name="deputy_card_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DeputyTerm(models.Model):
    """A term as deputy of one congress (its level comes from the congress), by 届, with delegation or electoral unit.

    Terms of one person at the same level never overlap (checked by ``actions.roster.term_add``).
    """

    profile = models.ForeignKey(DeputyProfile, on_delete=models.CASCADE, related_name="terms", verbose_name=_("代表"))
    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="deputy_terms", verbose_name=_("人大")
    )
    term_number = models.PositiveSmallIntegerField(_("届次"))
    delegation = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="deputy_terms", verbose_name=_("代表团")
    )
    electoral_unit = models.CharField(_("选举单位（选区）"), max_length=100, blank=True)
    starts_on = models.DateField(_("任期开始"))
    ends_on = models.DateField(_("任期结束"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=DeputyStatus.choices, default=DeputyStatus.IN_OFFICE)
    status_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    status_reason = models.CharField(_("变更原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["profile", "-starts_on"]
        verbose_name = _("代表任期")
        verbose_name_plural = _("代表任期")
        constraints = [
            models.UniqueConstraint(fields=["profile", "congress", "term_number"], name="deputy_term_once"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="deputy_term_order"
            ),
        ]
        indexes = [models.Index(fields=["congress", "status"])]

    def __str__(self) -> str:
        return f"{self.profile} · {self.congress} 第{self.term_number}届"
