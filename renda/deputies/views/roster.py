"""Pages of the roster (代表名册): the list, a deputy's card, the staff forms, import/export and composition.

Staff of a congress manage its roster; its leaders read it; a deputy sees only their own card
(masked, without the unmask button). Thin adapters: the permission fetchers find the profile
(404 for anyone who may not see it), the named action in ``actions.roster`` changes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput
from renda.core.pending_uploads import PendingUploads
from renda.core.views import render_form_error
from renda.deputies import composition as composition_module
from renda.deputies import permissions, roster_io
from renda.deputies.actions import roster as actions
from renda.deputies.models import DeputyProfile, DeputyStatus, DeputyTerm, Gender, Occupation, Party
from renda.organizations.models import Congress, Unit, UnitKind

PAGE_SIZE = 30
ALL = gettext_lazy("全部")
PENDING = PendingUploads(session_key="roster_imports", prefix="roster-", suffix=".xlsx")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _reader_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.reader_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


def _staff_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.staff_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


def _status(error: DomainError) -> int:
    return error.status_code if error.status_code < 500 else 400


def _delegations(congress: Congress) -> QuerySet[Unit]:
    return Unit.objects.filter(congress=congress, kind=UnitKind.DELEGATION).order_by("sort_order", "name")


# --- the list ---


class RosterFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("姓名或代表证号"), required=False, max_length=60)
    delegation = forms.ModelChoiceField(
        label=gettext_lazy("代表团"), queryset=Unit.objects.none(), required=False, empty_label=ALL
    )
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=[("", ALL), *DeputyStatus.choices], required=False)
    occupation = forms.ChoiceField(
        label=gettext_lazy("职业构成"), choices=[("", ALL), *Occupation.choices], required=False
    )

    def __init__(self, data: QueryDict, *, congress: Congress) -> None:
        super().__init__(data)
        self.fields["delegation"].queryset = _delegations(congress)  # type: ignore[attr-defined]


def _current_terms(profiles: list[DeputyProfile], congress: Congress) -> dict[int, DeputyTerm]:
    found: dict[int, DeputyTerm] = {}
    for term in (
        DeputyTerm.objects.filter(congress=congress, profile__in=profiles)
        .select_related("delegation")
        .order_by("profile_id", "-starts_on")
    ):
        found.setdefault(term.profile_id, term)
    return found


@login_required
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    congress = _reader_congress(request)
    form = RosterFilterForm(request.GET, congress=congress)
    profiles = DeputyProfile.objects.none()
    if form.is_valid():
        data = form.cleaned_data
        profiles = roster_io.roster_profiles(
            congress, q=data["q"], delegation=data["delegation"], status=data["status"], occupation=data["occupation"]
        )
    page = Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    terms = _current_terms(list(page.object_list), congress)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deputies/roster_list.html",
        {
            "congress": congress,
            "form": form,
            "page": page,
            "rows": [(profile, terms.get(profile.pk)) for profile in page.object_list],
            "query_string": query.urlencode(),
            "can_manage": permissions.can_manage_roster(_user(request), congress),
        },
    )


# --- a deputy's card ---


@login_required
@require_GET
def profile_detail(request: HttpRequest, profile_id: int) -> HttpResponse:
    user = _user(request)
    profile = permissions.get_readable_profile(user, profile_id)
    terms = profile.terms.select_related("congress", "delegation").order_by("-starts_on")
    return render(
        request,
        "deputies/roster_detail.html",
        {
            "profile": profile,
            "phone_masked": actions.mask_phone(profile.phone),
            "terms": [(term, actions.is_current(term)) for term in terms],
            "can_manage": permissions.can_manage_profile(user, profile),
            "can_unmask": permissions.can_unmask(user, profile),
            "manageable_terms": {term.pk for term in terms if permissions.can_manage_roster(user, term.congress)},
        },
    )


@login_required
@require_GET
def photo(request: HttpRequest, profile_id: int) -> FileResponse:
    profile = permissions.get_readable_profile(_user(request), profile_id)
    if not profile.photo:
        raise Http404
    response = FileResponse(profile.photo.open("rb"))
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def unmask(request: HttpRequest, profile_id: int) -> HttpResponse:
    """The clear phone or ID number as an htmx fragment (403 with the message for anyone else)."""
    profile = permissions.get_readable_profile(_user(request), profile_id)
    field = request.POST.get("field", "")
    try:
        value = actions.unmask(actor=_user(request), profile=profile, field=field)
    except DomainError as error:
        return HttpResponse(error.message, status=_status(error), content_type="text/plain; charset=utf-8")
    return render(request, "deputies/roster_unmasked.html", {"value": value, "field": field})


# --- the staff forms ---


class ProfileForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    gender = forms.ChoiceField(label=gettext_lazy("性别"), choices=Gender.choices)
    ethnicity = forms.CharField(label=gettext_lazy("民族"), max_length=20, initial="汉族")
    birth_date = forms.DateField(
        label=gettext_lazy("出生日期"),
        required=False,
        help_text=gettext_lazy("可不填，按身份证号自动取得"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    party = forms.ChoiceField(label=gettext_lazy("政治面貌"), choices=Party.choices)
    occupation = forms.ChoiceField(label=gettext_lazy("职业构成"), choices=Occupation.choices)
    employer = forms.CharField(label=gettext_lazy("工作单位"), max_length=100, required=False)
    title = forms.CharField(label=gettext_lazy("职务职称"), max_length=100, required=False)
    phone = forms.CharField(
        label=gettext_lazy("手机号"), max_length=20, help_text=gettext_lazy("代表用此手机号接收短信验证码登录")
    )
    id_number = forms.CharField(label=gettext_lazy("身份证号"), max_length=18)
    card_number = forms.CharField(label=gettext_lazy("代表证号"), max_length=30, required=False)


class TermForm(forms.Form):
    term_number = forms.IntegerField(label=gettext_lazy("届次"), min_value=1, max_value=99)
    delegation = forms.ModelChoiceField(
        label=gettext_lazy("代表团"), queryset=Unit.objects.none(), required=False, empty_label="—"
    )
    electoral_unit = forms.CharField(label=gettext_lazy("选举单位（选区）"), max_length=100, required=False)
    starts_on = forms.DateField(label=gettext_lazy("任期开始"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=gettext_lazy("任期结束"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegation"].queryset = _delegations(congress)  # type: ignore[attr-defined]


class NewProfileForm(ProfileForm, TermForm):
    """A new deputy and, optionally, their first term here."""

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, congress=congress, **kwargs)
        for name in ("term_number", "starts_on"):
            self.fields[name].required = False
        self.fields["term_number"].help_text = gettext_lazy("填写届次和任期开始日期，同时登记本届任期")


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=gettext_lazy("照片"), required=False, help_text=gettext_lazy("JPG、PNG 图片，不超过 5 MB")
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_create(request: HttpRequest) -> HttpResponse:
    congress = _staff_congress(request)
    template = "deputies/roster_form.html"
    if request.method != "POST":
        form = NewProfileForm(congress=congress, initial={"starts_on": None})
        return render(request, template, {"form": form, "congress": congress, "creating": True})
    form = NewProfileForm(request.POST, congress=congress)
    context = {"form": form, "congress": congress, "creating": True}
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    try:
        profile = actions.profile_create(
            actor=_user(request),
            congress=congress,
            name=data["name"],
            gender=data["gender"],
            ethnicity=data["ethnicity"],
            birth_date=data["birth_date"],
            party=data["party"],
            occupation=data["occupation"],
            employer=data["employer"],
            title=data["title"],
            phone=data["phone"],
            id_number=data["id_number"],
            card_number=data["card_number"],
            term_number=data["term_number"],
            delegation=data["delegation"],
            electoral_unit=data["electoral_unit"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
    except DomainError as error:
        return render_form_error(request, template, context, error)
    messages.success(request, _("已登记代表 %(name)s") % {"name": profile.name})
    return redirect("deputies:profile_detail", profile_id=profile.pk)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, profile_id: int) -> HttpResponse:
    user = _user(request)
    profile = permissions.get_readable_profile(user, profile_id)
    if not permissions.can_manage_profile(user, profile):
        raise PermissionDenied
    template = "deputies/roster_form.html"
    initial = {field: getattr(profile, field) for field in actions.PROFILE_FIELDS if field != "id_number"}
    initial["id_number"] = profile.id_number_masked
    if request.method != "POST":
        context = {"form": ProfileForm(initial=initial), "photo_form": PhotoForm(), "profile": profile}
        return render(request, template, context)
    form = ProfileForm(request.POST, initial=initial)
    # The ID number field shows the masked value; it is changed only when a full new number is typed.
    form.fields["id_number"].required = False
    photo_form = PhotoForm(request.POST, request.FILES)
    context = {"form": form, "photo_form": photo_form, "profile": profile}
    if not form.is_valid() or not photo_form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    changes = {field: data[field] for field in actions.PROFILE_FIELDS if field != "id_number"}
    if data["id_number"] and "*" not in data["id_number"]:
        changes["id_number"] = data["id_number"]
    try:
        actions.profile_update(actor=user, profile=profile, **changes)
        upload = photo_form.cleaned_data.get("photo")
        if upload:
            actions.photo_set(actor=user, profile=profile, upload=upload)
    except DomainError as error:
        if error.field == "photo":
            photo_form.add_error("photo", error.message)
            return render(request, template, context, status=_status(error))
        return render_form_error(request, template, context, error)
    messages.success(request, _("已保存"))
    return redirect("deputies:profile_detail", profile_id=profile.pk)


@login_required
@require_http_methods(["GET", "POST"])
def term_add(request: HttpRequest, profile_id: int) -> HttpResponse:
    user = _user(request)
    profile = permissions.get_readable_profile(user, profile_id)
    congress = _staff_congress(request)
    if not permissions.can_manage_profile(user, profile) and profile.terms.exists():
        raise PermissionDenied
    template = "deputies/roster_term_form.html"
    if request.method != "POST":
        return render(
            request, template, {"form": TermForm(congress=congress), "profile": profile, "congress": congress}
        )
    form = TermForm(request.POST, congress=congress)
    context = {"form": form, "profile": profile, "congress": congress}
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    try:
        actions.term_add(
            actor=user,
            profile=profile,
            congress=congress,
            term_number=data["term_number"],
            delegation=data["delegation"],
            electoral_unit=data["electoral_unit"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
    except DomainError as error:
        return render_form_error(request, template, context, error)
    messages.success(request, _("已登记任期"))
    return redirect("deputies:profile_detail", profile_id=profile.pk)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("变更为"),
        choices=[(value, label) for value, label in DeputyStatus.choices if value != DeputyStatus.IN_OFFICE],
    )
    on = forms.DateField(label=gettext_lazy("变更日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("变更原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


@login_required
@require_http_methods(["GET", "POST"])
def term_status(request: HttpRequest, term_id: int) -> HttpResponse:
    user = _user(request)
    try:
        term = permissions.get_manageable_term(user, term_id)
    except DomainError as error:
        raise PermissionDenied from error
    template = "deputies/roster_status_form.html"
    if request.method != "POST":
        return render(request, template, {"form": StatusForm(), "term": term})
    form = StatusForm(request.POST)
    context = {"form": form, "term": term}
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    try:
        actions.status_change(actor=user, term=term, status=data["status"], on=data["on"], reason=data["reason"])
    except DomainError as error:
        return render_form_error(request, template, context, error)
    messages.success(request, _("已变更代表状态"))
    return redirect("deputies:profile_detail", profile_id=term.profile_id)


# --- import, export, template ---


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST step=check: the row-by-row report. step=import / import_valid: the import."""
    congress = _staff_congress(request)
    template = "deputies/roster_import.html"
    context: dict[str, Any] = {"congress": congress, "columns": roster_io.TEMPLATE_COLUMNS}
    if request.method != "POST":
        return render(request, template, context)
    step = request.POST.get("step", "check")
    if step in ("import", "import_valid"):
        token = request.POST.get("token", "")
        report = None
        try:
            stored, _kept = PENDING.kept(request, token, congress)
            report = roster_io.parse(stored.read_bytes(), congress=congress)
            result = roster_io.roster_import(
                actor=_user(request), congress=congress, report=report, valid_only=step == "import_valid"
            )
        except DomainError as error:
            context.update(error=error, report=report, token=token if report is not None else "")
            return render(request, template, context, status=_status(error))
        PENDING.drop(request, token)
        messages.success(request, _("已导入 %(count)d 名代表") % {"count": result.profiles})
        return redirect("deputies:roster")
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(_("请选择要导入的 Excel 文件（.xlsx）"), code="required", field="file")
        data = roster_io.read_upload(upload)
        report = roster_io.parse(data, congress=congress)
    except DomainError as error:
        context["error"] = error
        return render(request, template, context, status=_status(error))
    context.update(report=report, token=PENDING.keep(request, data, congress))
    return render(request, template, context)


@login_required
@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    _staff_congress(request)
    response = HttpResponse(roster_io.template_workbook(), content_type=roster_io.XLSX)
    response["Content-Disposition"] = roster_io.TEMPLATE_DISPOSITION
    return response


@login_required
@require_GET
def roster_export(request: HttpRequest) -> HttpResponse:
    """The roster as .xlsx with the list's filters; ``?unmasked=1`` (staff only, audited) shows phone and ID."""
    congress = _reader_congress(request)
    form = RosterFilterForm(request.GET, congress=congress)
    if not form.is_valid():
        return HttpResponse(_("筛选条件无效"), status=400, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    profiles = roster_io.roster_profiles(
        congress, q=data["q"], delegation=data["delegation"], status=data["status"], occupation=data["occupation"]
    )
    unmasked = request.GET.get("unmasked") == "1"
    try:
        content = roster_io.roster_export(actor=_user(request), congress=congress, profiles=profiles, unmasked=unmasked)
    except DomainError as error:
        raise PermissionDenied from error
    response = HttpResponse(content, content_type=roster_io.XLSX)
    response["Content-Disposition"] = roster_io.export_disposition(congress, unmasked=unmasked)
    return response


# --- composition ---


@login_required
@require_GET
def composition(request: HttpRequest) -> HttpResponse:
    congress = _reader_congress(request)
    on = timezone.localdate()
    error = ""
    if request.GET.get("on"):
        try:
            on = dt.date.fromisoformat(request.GET["on"])
        except ValueError:
            error = _("日期无效，请写成 2026-01-01 的格式")
    result = composition_module.compute(congress, on)
    return render(
        request,
        "deputies/roster_composition.html",
        {
            "congress": congress,
            "result": result,
            "on": on,
            "error": error,
            "can_manage": permissions.can_manage_roster(_user(request), congress),
        },
        status=400 if error else 200,
    )


urlpatterns: list[URLPattern] = [
    path("roster/", roster, name="roster"),
    path("roster/new/", profile_create, name="profile_create"),
    path("roster/import/", roster_import, name="roster_import"),
    path("roster/template.xlsx", roster_template, name="roster_template"),
    path("roster/export.xlsx", roster_export, name="roster_export"),
    path("roster/composition/", composition, name="composition"),
    path("profiles/<int:profile_id>/", profile_detail, name="profile_detail"),
    path("profiles/<int:profile_id>/edit/", profile_edit, name="profile_edit"),
    path("profiles/<int:profile_id>/photo/", photo, name="profile_photo"),
    path("profiles/<int:profile_id>/terms/new/", term_add, name="term_add"),
    path("profiles/<int:profile_id>/unmask/", unmask, name="unmask"),
    path("terms/<int:term_id>/status/", term_status, name="term_status"),
]
