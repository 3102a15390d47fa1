"""Pages: station staff and deputies write down what citizens told them (代表点单, ``entry_new``).

Station staff enter for their own station (source: reception day), a deputy for themselves (a visit
or a reception day); committee staff may enter for their congress. The citizen's name and phone are
taken only with the citizen's consent. The opinion is addressed to whoever entered it, so they triage it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from renda.core.errors import DomainError
from renda.core.views import add_domain_error
from renda.opinions import permissions
from renda.opinions.actions import opinion_enter
from renda.opinions.actions._common import MAX_UPLOADS, NAME_MAX
from renda.opinions.models import Category, Source
from renda.opinions.views.public import PhotosField, address_field, area_choices, area_field, opinion_text_field
from renda.organizations.models import Congress

# How long after the fact an opinion heard at a reception or a visit may still be entered.
ENTRY_MAX_AGE_DAYS = 90


class Enterer:
    """Who is entering, in the role they act in now: the station, the deputy or the congress's staff."""

    def __init__(self, request: HttpRequest) -> None:
        user = request.user
        self.station = permissions.acting_station(user)  # type: ignore[arg-type]
        self.deputy = None if self.station is not None else permissions.acting_deputy(user)  # type: ignore[arg-type]
        congress: Congress | None = None
        if self.station is not None:
            congress = self.station.unit.congress
        elif self.deputy is not None or permissions.triage_congress_id(user) is not None:  # type: ignore[arg-type]
            assignment = getattr(user, "active_assignment", None)
            congress = assignment.congress if assignment is not None else None
        if congress is None:
            raise PermissionDenied
        self.congress: Congress = congress

    @property
    def label(self) -> str:
        if self.station is not None:
            return self.station.unit.name
        if self.deputy is not None:
            return str(_("%(name)s代表") % {"name": self.deputy.name})
        return self.congress.name


class EntryForm(forms.Form):
    source = forms.ChoiceField(
        label=_("收集方式"),
        choices=[(Source.DEPUTY_VISIT, Source.DEPUTY_VISIT.label), (Source.RECEPTION, Source.RECEPTION.label)],
        error_messages={"invalid_choice": _("收集方式的取值无效")},
    )
    received_on = forms.DateField(
        label=_("收集日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写收集日期"), "invalid": _("日期格式应为 2026-01-31")},
    )
    text = opinion_text_field(_("群众反映的问题和诉求"))
    category = forms.ChoiceField(label=_("类别（选填）"), required=False, choices=[("", "—"), *Category.choices])
    area = area_field()
    address = address_field()
    uploads = PhotosField(
        label=_("照片（选填）"),
        required=False,
        help_text=_("最多 %(count)d 张，每张不超过 10 MB。") % {"count": MAX_UPLOADS},
    )
    citizen_name = forms.CharField(
        label=_("群众姓名（经本人同意）"),
        max_length=NAME_MAX,
        required=False,
        error_messages={"max_length": _("群众姓名不能超过 %(limit_value)d 个字")},
    )
    citizen_phone = forms.CharField(
        label=_("群众电话（经本人同意）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        error_messages={"max_length": _("联系电话须为 11 位手机号码，如 13912345678")},
    )
    consent = forms.BooleanField(label=_("群众同意留下姓名和电话，用于办理和答复"), required=False)

    def __init__(self, *args: Any, enterer: Enterer, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("不确定 / 不选择")), *areas]  # type: ignore[attr-defined]
        if not areas:
            del self.fields["area"]
        if enterer.deputy is None:
            # Station staff and committee staff enter what they heard at the reception desk.
            del self.fields["source"]

    def clean_received_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["received_on"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("收集日期不能晚于今天"))
        if value < today - dt.timedelta(days=ENTRY_MAX_AGE_DAYS):
            raise forms.ValidationError(_("只能登记 %(days)d 天内收集的意见") % {"days": ENTRY_MAX_AGE_DAYS})
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("citizen_name") or cleaned.get("citizen_phone")) and not cleaned.get("consent"):
            self.add_error("consent", _("留下群众的姓名或电话须经本人同意，请确认"))
        return cleaned


def _received_at(day: dt.date) -> dt.datetime:
    """Today's entries keep the moment; an earlier day is recorded at noon of that day."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def _after_entry(opinion_id: int) -> str:
    try:
        return reverse("opinions:opinion_detail", kwargs={"opinion_id": opinion_id})
    except NoReverseMatch:
        return reverse("opinions:entry_new")


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest) -> HttpResponse:
    enterer = Enterer(request)
    areas = area_choices(enterer.congress)
    context: dict[str, Any] = {"enterer": enterer}
    if request.method != "POST":
        initial: dict[str, Any] = {"received_on": timezone.localdate(), "source": Source.DEPUTY_VISIT}
        if enterer.station is not None and any(key == str(enterer.congress.pk) for key, _label in areas):
            initial["area"] = str(enterer.congress.pk)
        context["form"] = EntryForm(initial=initial, enterer=enterer, areas=areas)
        return render(request, "opinions/entry_form.html", context)
    form = EntryForm(request.POST, request.FILES, enterer=enterer, areas=areas)
    context["form"] = form
    if not form.is_valid():
        return render(request, "opinions/entry_form.html", context, status=400)
    cleaned = form.cleaned_data
    area = Congress.objects.filter(pk=int(cleaned["area"])).first() if cleaned.get("area") else None
    try:
        opinion = opinion_enter(
            actor=request.user,  # type: ignore[arg-type]
            text=cleaned["text"],
            station=enterer.station,
            deputy=enterer.deputy,
            congress=enterer.congress,
            source=cleaned.get("source", ""),
            area=area,
            address=cleaned["address"],
            citizen_name=cleaned["citizen_name"],
            citizen_phone=cleaned["citizen_phone"],
            uploads=cleaned["uploads"],
            category=cleaned["category"],
            received_at=_received_at(cleaned["received_on"]),
        )
    except DomainError as error:
        add_domain_error(form, error)
        return render(request, "opinions/entry_form.html", context, status=min(error.status_code, 499))
    messages.success(
        request,
        _("已登记群众意见，查询码 %(code)s（请告知群众，凭码可查询办理进度）。") % {"code": opinion.tracking_code},
    )
    return redirect(_after_entry(opinion.pk))


urlpatterns: list[URLPattern] = [
    path("entries/new/", entry_new, name="entry_new"),
]
