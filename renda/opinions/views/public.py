"""The citizen's side of opinions, on the public portal (no login), served under /portal/ in ``portal:``.

- ``opinion_new``: the form. Anonymous by default; a captcha drawn as inline SVG (no outside
  service) for anyone not logged in as a citizen; a phone, if left, is proven by an SMS code.
  Opened from a station's or a deputy's QR code (``?station=<code>`` / ``?deputy=<code>``) it is
  addressed to them; an unknown code gives the plain form with a notice.
- ``opinion_sent``: the tracking code, big, with the tracking link (also sent by SMS to a verified phone).
- ``opinion_track`` / ``opinion_status``: progress by tracking code, the answers, the rating form
  (and asking for it to be handled again) and erasure of one's personal data.

Submissions are limited per client address and per phone (HTTP 429); wrong tracking codes and wrong
phone digits are counted too, so codes cannot be guessed one after another.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_stubs_ext import StrPromise

from renda.core import crypto, throttle
from renda.core.errors import DomainError, InvalidInput
from renda.core.notify import absolute_link
from renda.core.throttle import TooManyRequests
from renda.core.views import add_domain_error
from renda.deputies.models import DeputyProfile, DeputyTerm, Station
from renda.deputies.models.roster import DeputyStatus
from renda.opinions import captcha, permissions, phone_codes
from renda.opinions.actions import opinion_rate, opinion_submit
from renda.opinions.actions._common import ADDRESS_MAX, COMMENT_MAX, MAX_UPLOADS, NAME_MAX, TEXT_MAX, TEXT_MIN
from renda.opinions.models import Opinion, Rating, Source
from renda.opinions.tracking import erase_by_code, find_by_code, tracking_for
from renda.organizations.models import Congress, CongressLevel
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role

logger = logging.getLogger("renda.opinions")

# Submissions per client address and per phone: a few in ten minutes, a day's worth.
SUBMIT_LIMITS = ((5, 10 * 60), (20, 24 * 3600))
# Any post to the form per address (failed captchas included).
POSTS_PER_TEN_MINUTES = 30
SENT_SESSION_KEY = "opinions.sent"
LEVEL_ORDER = {CongressLevel.TOWNSHIP: 0, CongressLevel.DISTRICT: 1, CongressLevel.CITY: 2}


# --- who the form is addressed to ---


@dataclass(frozen=True)
class Addressee:
    congress: Congress | None
    source: str
    station: Station | None = None
    deputy: DeputyProfile | None = None
    notice: str = ""

    @property
    def label(self) -> str:
        if self.station is not None:
            return self.station.unit.name
        if self.deputy is not None:
            return str(_("%(name)s代表") % {"name": self.deputy.name})
        return ""


def deputy_congress(deputy: DeputyProfile) -> Congress | None:
    """The congress whose staff look after a deputy's opinions: the nearest one the deputy serves in now."""
    today = timezone.localdate()
    terms = (
        DeputyTerm.objects.filter(profile=deputy, status=DeputyStatus.IN_OFFICE, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("congress")
    )
    congresses = [term.congress for term in terms if term.congress.is_active]
    if not congresses:
        return None
    return min(congresses, key=lambda congress: (LEVEL_ORDER.get(CongressLevel(congress.level), 9), congress.pk))


def default_congress(code: str = "") -> Congress | None:
    """The congress a plain form goes to: the one named by ``?congress=<code>``, or the first city congress."""
    congresses = Congress.objects.filter(is_active=True)
    if code:
        named = congresses.filter(code=code[:40]).first()
        if named is not None:
            return named
    return congresses.filter(parent__isnull=True).order_by("code", "pk").first()


def resolve_addressee(query: Mapping[str, str]) -> Addressee:
    """Read ``?station=`` / ``?deputy=``; an unknown or retired code falls back to the plain form, with a notice."""
    station_code = str(query.get("station", "")).strip()[:20]
    deputy_code = str(query.get("deputy", "")).strip()[:20]
    plain = default_congress(str(query.get("congress", "")).strip())
    if station_code:
        station = (
            Station.objects.filter(public_code=station_code, is_public=True, unit__is_active=True)
            .select_related("unit", "unit__congress")
            .first()
        )
        if station is not None and station.unit.congress.is_active:
            return Addressee(congress=station.unit.congress, source=Source.STATION_QR, station=station)
        notice = str(_("未找到该联络站（二维码可能已失效），您的意见将提交给人大常委会统一分流。"))
        return Addressee(congress=plain, source=Source.PORTAL, notice=notice)
    if deputy_code:
        deputy = DeputyProfile.objects.filter(public_code=deputy_code).first()
        congress = deputy_congress(deputy) if deputy is not None else None
        if deputy is not None and congress is not None:
            return Addressee(congress=congress, source=Source.DEPUTY_QR, deputy=deputy)
        notice = str(_("未找到该代表（二维码可能已失效），您的意见将提交给人大常委会统一分流。"))
        return Addressee(congress=plain, source=Source.PORTAL, notice=notice)
    return Addressee(congress=plain, source=Source.PORTAL)


def area_choices(congress: Congress) -> list[tuple[str, str]]:
    """The districts and townships under the congress (and the congress itself below the city), in tree order."""
    nodes = list(Congress.objects.filter(is_active=True).only("pk", "name", "parent_id", "level", "code"))
    children: dict[int | None, list[Congress]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    choices: list[tuple[str, str]] = []

    def walk(node: Congress, depth: int) -> None:
        if node.level != CongressLevel.CITY:
            choices.append((str(node.pk), "　" * max(depth, 0) + node.name))
        for child in sorted(children.get(node.pk, []), key=lambda item: (item.code, item.pk)):
            walk(child, depth + 1)

    walk(congress, 0 if congress.level != CongressLevel.CITY else -1)
    return choices


def portal_citizen(request: HttpRequest) -> Any:
    """The logged-in citizen acting under their account; anyone else is anonymous here."""
    assignment = acting_role(request.user)  # type: ignore[arg-type]
    if assignment is not None and assignment.role == Role.CITIZEN:
        return request.user
    return None


def _limited(keys: list[str]) -> bool:
    return any(throttle.exceeded(key, limit, window) for key in keys for limit, window in SUBMIT_LIMITS)


def _count(keys: list[str]) -> None:
    for key in keys:
        for limit, window in SUBMIT_LIMITS:
            throttle.hit(key, limit, window)


# --- the form ---


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by the intake action (``check_upload``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        if not data:
            return []
        return list(data) if isinstance(data, list | tuple) else [data]


# The fields the portal form and the reception entry form share (their labels speak to different people).


def opinion_text_field(label: str | StrPromise, *, help_text: str | StrPromise = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX}),
        help_text=help_text,
        error_messages={
            "required": _("请填写意见内容"),
            "min_length": _("意见内容至少 %(limit_value)d 个字（现为 %(show_value)d 个字）"),
            "max_length": _("意见内容不能超过 %(limit_value)d 个字（现为 %(show_value)d 个字）"),
        },
    )


def area_field() -> forms.ChoiceField:
    """Choices come from the form's congress (``area_choices``)."""
    return forms.ChoiceField(label=_("所在区域"), required=False, error_messages={"invalid_choice": _("所选区域无效")})


def address_field() -> forms.CharField:
    return forms.CharField(
        label=_("具体地点（选填）"),
        max_length=ADDRESS_MAX,
        required=False,
        error_messages={"max_length": _("地点不能超过 %(limit_value)d 个字")},
    )


class OpinionForm(forms.Form):
    text = opinion_text_field(_("您的意见或诉求"), help_text=_("请写清楚问题、地点和您的诉求（10–2000 字）。"))
    area = area_field()
    address = address_field()
    uploads = PhotosField(
        label=_("照片（选填）"),
        required=False,
        help_text=_("最多 %(count)d 张，每张不超过 10 MB（JPG、PNG、GIF、WEBP）。") % {"count": MAX_UPLOADS},
    )
    citizen_name = forms.CharField(
        label=_("您的称呼（选填）"),
        max_length=NAME_MAX,
        required=False,
        error_messages={"max_length": _("称呼不能超过 %(limit_value)d 个字")},
    )
    citizen_phone = forms.CharField(
        label=_("手机号（选填）"),
        max_length=20,
        required=False,
        help_text=_("留手机号须短信验证，办理答复后会短信通知您。姓名和电话只有办理人员可见。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"max_length": _("联系电话须为 11 位手机号码，如 13912345678")},
    )
    sms_code = forms.CharField(
        label=_("短信验证码"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    captcha = forms.CharField(
        label=_("验证码（请填写上图算式的结果）"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, areas: list[tuple[str, str]], anonymous: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("不确定 / 不选择")), *areas]  # type: ignore[attr-defined]
        if not areas:
            del self.fields["area"]
        if not anonymous:
            del self.fields["captcha"]


def _form_context(request: HttpRequest, addressee: Addressee, form: OpinionForm, **extra: Any) -> dict[str, Any]:
    anonymous = "captcha" in form.fields
    return {
        "form": form,
        "addressee": addressee,
        "captcha": captcha.captcha_new(request) if anonymous else None,
        "anonymous": anonymous,
        "query": request.GET.urlencode(),
        **extra,
    }


def _render_form(
    request: HttpRequest, addressee: Addressee, form: OpinionForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    # The captcha answer and the SMS code are never sent back into the page.
    if isinstance(form.data, QueryDict):
        data = form.data.copy()
        for name in ("captcha", "sms_code"):
            if name in data:
                data[name] = ""
        form.data = data
    return render(request, "opinions/public_form.html", _form_context(request, addressee, form, **extra), status=status)


@require_http_methods(["GET", "POST"])
def opinion_new(request: HttpRequest) -> HttpResponse:
    addressee = resolve_addressee(request.GET)
    if addressee.congress is None:
        raise Http404
    citizen = portal_citizen(request)
    areas = area_choices(addressee.congress)
    if request.method != "POST":
        initial: dict[str, Any] = {}
        if addressee.station is not None and any(
            key == str(addressee.station.unit.congress_id) for key, _label in areas
        ):
            initial["area"] = str(addressee.station.unit.congress_id)
        if citizen is not None:
            initial.update(citizen_name=citizen.full_name, citizen_phone=citizen.phone or "")
        form = OpinionForm(initial=initial, areas=areas, anonymous=citizen is None)
        return _render_form(request, addressee, form)

    form = OpinionForm(request.POST, request.FILES, areas=areas, anonymous=citizen is None)
    ip_hash = throttle.request_ip_hash(request)
    if not throttle.hit(f"opinions:post:ip:{ip_hash}", POSTS_PER_TEN_MINUTES, 10 * 60) or _limited(
        [f"opinions:submit:ip:{ip_hash}"]
    ):
        return _render_form(request, addressee, form, status=429, limited=True)
    valid = form.is_valid()
    cleaned = form.cleaned_data if valid else {}
    # Every check runs, so all the mistakes show at once; each check names its own field.
    if citizen is None:
        try:
            captcha.captcha_check(request, request.POST.get("captcha", ""))
        except InvalidInput as error:
            add_domain_error(form, error)
    phone = ""
    phone_verified = False
    raw_phone = str(request.POST.get("citizen_phone", "")).strip()
    if raw_phone:
        try:
            phone = phone_codes.clean_phone(raw_phone)
            if citizen is not None and phone == citizen.phone:
                phone_verified = True  # the citizen's own login phone, proven when they signed up
            else:
                phone_codes.phone_code_check(phone=phone, code=request.POST.get("sms_code", ""))
                phone_verified = True
        except InvalidInput as error:
            add_domain_error(form, error)
    if phone and _limited([f"opinions:submit:phone:{crypto.digest(phone)}"]):
        return _render_form(request, addressee, form, status=429, limited=True)
    if not valid or form.errors:
        return _render_form(request, addressee, form, status=400)
    area = None
    if cleaned.get("area"):
        area = Congress.objects.filter(pk=int(cleaned["area"])).first()
    try:
        opinion = opinion_submit(
            actor=citizen,
            congress=addressee.congress,
            text=cleaned["text"],
            source=addressee.source,
            station=addressee.station,
            deputy=addressee.deputy,
            area=area,
            address=cleaned.get("address", ""),
            citizen_name=cleaned.get("citizen_name", ""),
            citizen_phone=phone,
            phone_verified=phone_verified,
            uploads=cleaned.get("uploads", []),
            ip_hash=ip_hash,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _render_form(request, addressee, form, status=min(error.status_code, 499))
    keys = [f"opinions:submit:ip:{ip_hash}"]
    if phone:
        phone_codes.phone_code_spend(phone)
        keys.append(f"opinions:submit:phone:{crypto.digest(phone)}")
    _count(keys)
    sms_sent = _send_tracking_sms(opinion, phone) if phone_verified else False
    request.session[SENT_SESSION_KEY] = {"code": opinion.tracking_code, "sms": sms_sent}
    return redirect("portal:opinion_sent")


def _tracking_url(opinion: Opinion) -> str:
    return absolute_link(reverse("portal:opinion_status", kwargs={"code": opinion.tracking_code}))


def _send_tracking_sms(opinion: Opinion, phone: str) -> bool:
    from renda.accounts.sms import SmsNotConfigured, sms_send

    message = (
        f"【人大代表联络站】您的意见已收到，查询码 {opinion.tracking_code}，"
        f"可随时查看办理进度：{_tracking_url(opinion)}"
    )
    try:
        sms_send(phone, message)
    except SmsNotConfigured:
        logger.warning("Tracking code SMS not sent: no SMS gateway configured")
        return False
    return True


@require_POST
def opinion_sms_send(request: HttpRequest) -> HttpResponse:
    """Send the SMS code to the phone typed in the form (htmx: a status line; without script: the form again)."""
    message, failed = "", False
    try:
        phone = phone_codes.phone_code_send(
            phone=str(request.POST.get("citizen_phone", "")), ip_hash=throttle.request_ip_hash(request)
        )
    except DomainError as error:
        message, failed, status = error.message, True, error.status_code
    else:
        message, status = (
            str(_("验证码已发送至 %(phone)s，5 分钟内有效。") % {"phone": phone[:3] + "****" + phone[-4:]}),
            200,
        )
    if request.headers.get("HX-Request"):
        # htmx swaps only successful responses: the refusal is shown in the same place, marked as an error.
        return render(request, "opinions/public_sms_status.html", {"message": message, "failed": failed})
    addressee = resolve_addressee(request.GET)
    if addressee.congress is None:
        raise Http404
    citizen = portal_citizen(request)
    initial = {
        name: request.POST.get(name, "") for name in ("text", "area", "address", "citizen_name", "citizen_phone")
    }
    form = OpinionForm(initial=initial, areas=area_choices(addressee.congress), anonymous=citizen is None)
    return _render_form(request, addressee, form, status=status, sms_message=message, sms_failed=failed)


@require_GET
def opinion_captcha(request: HttpRequest) -> HttpResponse:
    """A new captcha picture (the "换一张" link)."""
    return render(request, "opinions/public_captcha.html", {"captcha": captcha.captcha_new(request)})


@require_GET
def opinion_sent(request: HttpRequest) -> HttpResponse:
    sent = request.session.get(SENT_SESSION_KEY)
    if not isinstance(sent, dict) or not sent.get("code"):
        return redirect("portal:opinion_new")
    code = str(sent["code"])
    context = {
        "code": code,
        "sms_sent": bool(sent.get("sms")),
        "tracking_url": absolute_link(reverse("portal:opinion_status", kwargs={"code": code})),
    }
    return render(request, "opinions/public_sent.html", context)


# --- tracking ---


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        error_messages={"required": _("请填写查询码")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("您对办理结果是否满意"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评价"), "invalid_choice": _("评价的取值无效")},
    )
    comment = forms.CharField(
        label=_("意见（选填）"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("评价意见不能超过 %(limit_value)d 个字")},
    )
    reopen = forms.BooleanField(label=_("不满意，要求重新办理"), required=False)


class EraseForm(forms.Form):
    phone_digits = forms.CharField(
        label=_("留言时所留手机号的后四位"),
        max_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _render_missing(request: HttpRequest, code: str, *, status: int, message: str = "") -> HttpResponse:
    form = TrackForm(initial={"code": code[:20]})
    return render(request, "opinions/public_track_missing.html", {"form": form, "message": message}, status=status)


@require_GET
def opinion_track(request: HttpRequest) -> HttpResponse:
    """The tracking-code form; a code sent with it goes straight to its page."""
    code = permissions.normalise_tracking_code(request.GET.get("code", ""))
    if code:
        if len(code) > 20:
            return _render_missing(request, code, status=404)
        return redirect("portal:opinion_status", code=code)
    return render(request, "opinions/public_track.html", {"form": TrackForm()})


def _status_page(
    request: HttpRequest,
    opinion: Opinion,
    *,
    status: int = 200,
    rating_form: RatingForm | None = None,
    erase_form: EraseForm | None = None,
) -> HttpResponse:
    context = {
        "tracking": tracking_for(opinion),
        "rating_form": rating_form or RatingForm(),
        "erase_form": erase_form or EraseForm(),
    }
    return render(request, "opinions/public_status.html", context, status=status)


def _with_lookup(request: HttpRequest, code: str) -> Opinion | HttpResponse:
    try:
        return find_by_code(code, ip_hash=throttle.request_ip_hash(request))
    except TooManyRequests as error:
        return _render_missing(request, code, status=429, message=error.message)
    except Http404:
        return _render_missing(request, code, status=404)


@require_GET
def opinion_status(request: HttpRequest, code: str) -> HttpResponse:
    found = _with_lookup(request, code)
    if isinstance(found, HttpResponse):
        return found
    return _status_page(request, found)


@require_POST
def opinion_rate_page(request: HttpRequest, code: str) -> HttpResponse:
    found = _with_lookup(request, code)
    if isinstance(found, HttpResponse):
        return found
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _status_page(request, found, status=400, rating_form=form)
    try:
        rated = opinion_rate(
            opinion=found,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            reopen=form.cleaned_data["reopen"],
            actor=portal_citizen(request),
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _status_page(request, found, status=min(error.status_code, 499), rating_form=form)
    if rated.reopened:
        messages.success(request, _("感谢您的评价。已要求承办单位重新办理，请留意办理进度。"))
    else:
        messages.success(request, _("感谢您的评价，该意见已办结。"))
    return redirect("portal:opinion_status", code=found.tracking_code)


@require_POST
def opinion_erase(request: HttpRequest, code: str) -> HttpResponse:
    found = _with_lookup(request, code)
    if isinstance(found, HttpResponse):
        return found
    form = EraseForm(request.POST)
    form.is_valid()
    try:
        erase_by_code(
            opinion=found, phone_digits=form.cleaned_data.get("phone_digits", ""), actor=portal_citizen(request)
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _status_page(request, found, status=min(error.status_code, 499), erase_form=form)
    messages.success(request, _("您的姓名和电话已删除，意见内容将匿名保留用于统计。"))
    return redirect("portal:opinion_status", code=found.tracking_code)


portal_urlpatterns: list[URLPattern] = [
    path("opinions/new/", opinion_new, name="opinion_new"),
    path("opinions/new/sms-code/", opinion_sms_send, name="opinion_sms_send"),
    path("opinions/new/captcha/", opinion_captcha, name="opinion_captcha"),
    path("opinions/sent/", opinion_sent, name="opinion_sent"),
    path("opinions/track/", opinion_track, name="opinion_track"),
    path("opinions/track/<str:code>/", opinion_status, name="opinion_status"),
    path("opinions/track/<str:code>/rate/", opinion_rate_page, name="opinion_rate"),
    path("opinions/track/<str:code>/erase/", opinion_erase, name="opinion_erase"),
]
