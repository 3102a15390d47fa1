"""Pages of the duty record (履职档案): a deputy's file, self-reports with photos, verification, attendance.

Thin adapters: ``permissions`` finds the profile or entry (404 for anyone who may not see it),
a role that sees it but may not act gets 403, and the actions in ``actions.record`` do every
change; their refusals are shown on the page with their status (400 bad input, 409 not now).
Evidence files are served only through ``evidence``, after the same check as the entry.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrPromise

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput, NotPermitted
from renda.core.views import render_form_error
from renda.deputies import permissions
from renda.deputies.actions import record as actions
from renda.deputies.annual_report import build_annual_report, report_filename
from renda.deputies.models import DeputyProfile, DeputyTerm, DutyEntry, EntryKind, EntrySource, EntryStatus
from renda.deputies.models.record import SELF_REPORTABLE_KINDS
from renda.organizations.models import Congress
from renda.organizations.permissions import acting_role

QUEUE_PAGE_SIZE = 50
TIMELINE_LIMIT = 1000
ATTENDANCE_LIST_LIMIT = 2000


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff_congress(user: User) -> Congress:
    """The congress whose records the person keeps now; anyone else may not use the staff pages."""
    assignment = acting_role(user)
    if assignment is None or not permissions.can_record_for(user, assignment.congress_id):
        raise PermissionDenied
    return assignment.congress


def _button(request: HttpRequest, action: Callable[[], object], *, success: str | StrPromise) -> bool:
    """Run the action behind a button; "not you" is a 403, any other refusal the next page's message."""
    try:
        action()
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def _kind_choices(kinds: frozenset[str]) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in EntryKind.choices if value in kinds]


# --- forms (fields only: the actions check the values and name the field at fault) ---


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("履职类型"), required=False)
    date = forms.DateField(label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(
        label=_("事项"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": actions.TITLE_MAX, "autocomplete": "off"}),
        help_text=_("例如：参加市人大常委会组织的养老服务工作视察"),
    )
    detail = forms.CharField(
        label=_("情况说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": actions.DETAIL_MAX}),
    )
    hours = forms.DecimalField(
        label=_("时长（小时）"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=actions.HOURS_MAX,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, kinds: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind: forms.ChoiceField = self.fields["kind"]  # type: ignore[assignment]
        kind.choices = [("", "—"), *_kind_choices(kinds)]
        kind.error_messages["invalid_choice"] = _("履职类型的取值无效")
        self.fields["date"].error_messages["invalid"] = _("日期格式不正确")
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["hours"].error_messages["invalid"] = _("时长须为数字（小时）")

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "date": data["date"],
            "title": data["title"],
            "detail": data["detail"],
            "hours": data["hours"],
        }


class AttendanceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("会议类型"),
        required=False,
        choices=_kind_choices(actions.ATTENDANCE_KINDS),
        initial=EntryKind.ATTEND_SESSION,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("会议名称"), required=False, widget=forms.TextInput(attrs={"maxlength": 190}))
    date = forms.DateField(label=_("会议日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    linked_key = forms.CharField(
        label=_("会议标识"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": actions.LINKED_KEY_MAX}),
        help_text=_("同一次会议每次登记都用同一个标识（如 2026-session-5），重复登记只补充新的记录。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["invalid_choice"] = _("会议类型的取值无效")
        self.fields["date"].error_messages["invalid"] = _("日期格式不正确")


# --- the file ---


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _file_page(request: HttpRequest, profile: DeputyProfile) -> HttpResponse:
    user = _user(request)
    entries = permissions.visible_entries(user, profile)
    terms = list(profile.terms.select_related("congress", "delegation").order_by("-starts_on"))
    term_id = _int_param(request, "term")
    term: DeputyTerm | None = next((t for t in terms if t.pk == term_id), None)
    if term is None:
        # The current term of the reader's congress when there is one, else the latest.
        reader = permissions.reader_congress_id(user)
        term = next((t for t in terms if t.congress_id == reader), terms[0] if terms else None)
    in_term = entries
    if term is not None:
        # By dates, so an act logged without a term (none matched that day) still shows in its period.
        in_term = entries.filter(congress_id=term.congress_id, date__gte=term.starts_on)
        if term.ends_on is not None:
            in_term = in_term.filter(date__lte=term.ends_on)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    shown = in_term
    if kind in EntryKind.values:
        shown = shown.filter(kind=kind)
    if status in EntryStatus.values:
        shown = shown.filter(status=status)
    labels = dict(EntryKind.choices)
    counts = [
        {
            "kind": row["kind"],
            "label": labels.get(row["kind"], row["kind"]),
            "verified": row["verified"],
            "pending": row["pending"],
            "hours": row["hours"],
        }
        for row in in_term.values("kind")
        .annotate(
            verified=Count("pk", filter=Q(status=EntryStatus.VERIFIED)),
            pending=Count("pk", filter=Q(status=EntryStatus.PENDING)),
            hours=Sum("hours", filter=Q(status=EntryStatus.VERIFIED)),
        )
        .order_by("kind")
    ]
    top = max((row["verified"] for row in counts), default=0)
    for row in counts:
        row["percent"] = round(100 * row["verified"] / top) if top else 0
    rows = list(shown.annotate(files=Count("evidence")).order_by("-date", "-pk")[:TIMELINE_LIMIT])
    years: dict[int, dict[int, list[DutyEntry]]] = defaultdict(lambda: defaultdict(list))
    for entry in rows:
        years[entry.date.year][entry.date.month].append(entry)
    timeline = [
        {
            "year": year,
            "months": [{"month": month, "entries": years[year][month]} for month in sorted(years[year], reverse=True)],
        }
        for year in sorted(years, reverse=True)
    ]
    own = permissions.own_profile(user)
    report_years = [day.year for day in in_term.dates("date", "year", order="DESC")]
    context = {
        "profile": profile,
        "terms": terms,
        "term": term,
        "counts": counts,
        "timeline": timeline,
        # One reverse() for the whole timeline rather than one per entry (a file may show 1,000 of them).
        "entry_url_prefix": reverse("deputies:entry_detail", args=[0]).removesuffix("0/"),
        "truncated": len(rows) >= TIMELINE_LIMIT,
        "kind": kind,
        "status": status,
        "kind_choices": EntryKind.choices,
        "status_choices": EntryStatus.choices,
        "is_own": own is not None and own.pk == profile.pk,
        "can_add": permissions.can_manage_profile(user, profile) and profile.user_id != user.pk,
        "report_years": report_years or [timezone.localdate().year],
    }
    return render(request, "deputies/record_file.html", context)


@login_required
def my_file(request: HttpRequest) -> HttpResponse:
    """我的履职档案: the acting deputy's own file."""
    user = _user(request)
    assignment = acting_role(user)
    if assignment is None or assignment.role != "deputy":
        raise PermissionDenied
    profile = permissions.own_profile(user)
    if profile is None:
        raise Http404
    return _file_page(request, profile)


@login_required
def file(request: HttpRequest, profile_id: int) -> HttpResponse:
    """A deputy's file: the deputy themself, and the staff and leaders of their congress."""
    profile = permissions.get_readable_profile(_user(request), profile_id)
    return _file_page(request, profile)


@login_required
def annual_report(request: HttpRequest, profile_id: int) -> HttpResponseBase:
    """The year's 履职报告 as a Word file (``?year=``, default this year)."""
    user = _user(request)
    profile = permissions.get_readable_profile(user, profile_id)
    year_text = request.GET.get("year", "").strip()
    if year_text and not (year_text.isdigit() and 1949 <= int(year_text) <= 2100):
        return HttpResponseBadRequest("年度须为四位数字，例如 2026".encode(), content_type="text/plain; charset=utf-8")
    year = int(year_text) if year_text else timezone.localdate().year
    content = build_annual_report(profile=profile, year=year, entries=permissions.visible_entries(user, profile))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = _attachment_header(report_filename(profile, year))
    return response


def _attachment_header(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"report.docx\"; filename*=UTF-8''{quote(filename)}"


# --- entries ---


def _entry_form_page(request: HttpRequest, form: EntryForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "max_files": actions.EVIDENCE_MAX_FILES}
    return render(request, "deputies/record_entry_form.html", context, status=status)


@login_required
def entry_new(request: HttpRequest) -> HttpResponse:
    """The deputy reports an act from the phone, with photos taken on the spot or PDF files."""
    user = _user(request)
    if permissions.own_profile(user) is None:
        raise PermissionDenied
    if request.method != "POST":
        return _entry_form_page(request, EntryForm(kinds=SELF_REPORTABLE_KINDS))
    form = EntryForm(request.POST, kinds=SELF_REPORTABLE_KINDS)
    if not form.is_valid():
        return _entry_form_page(request, form, status=400)
    uploads = [upload for upload in request.FILES.getlist("uploads") if upload.size]
    try:
        entry = actions.entry_self_report(actor=user, uploads=uploads, **form.values())
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        context = {"form": form, "max_files": actions.EVIDENCE_MAX_FILES, "upload_error": error.field == "uploads"}
        return render_form_error(request, "deputies/record_entry_form.html", context, error)
    messages.success(request, _("已登记，等待人大代表工作机构核实。"))
    return redirect("deputies:entry_detail", entry_id=entry.pk)


@login_required
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = _user(request)
    entry = permissions.get_entry_for_view(user, entry_id)
    evidence = list(entry.evidence.all())
    context = {
        "entry": entry,
        "evidence": evidence,
        "can_verify": entry.status == EntryStatus.PENDING and permissions.can_verify_entry(user, entry),
        "can_withdraw": entry.status == EntryStatus.PENDING
        and entry.source == EntrySource.SELF
        and permissions.can_withdraw_entry(user, entry),
        "is_own": permissions.can_withdraw_entry(user, entry),
    }
    return render(request, "deputies/record_entry_detail.html", context)


@login_required
def evidence(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    """An evidence file, for whoever may see its entry; images inline (thumbnails), PDF files as downloads."""
    item = permissions.get_evidence_for_view(_user(request), evidence_id)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    is_image = item.content_type.startswith("image/")
    response = FileResponse(
        handle, as_attachment=not is_image, filename=item.name, content_type=item.content_type or None
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def entry_verify(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = _user(request)
    entry = permissions.get_entry_for_view(user, entry_id)
    _button(request, lambda: actions.entry_verify(actor=user, entry=entry), success=_("已核实。"))
    return _back(request, entry)


@login_required
@require_POST
def entry_reject(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = _user(request)
    entry = permissions.get_entry_for_view(user, entry_id)
    reason = request.POST.get("reason", "")
    _button(request, lambda: actions.entry_reject(actor=user, entry=entry, reason=reason), success=_("已退回。"))
    return _back(request, entry)


@login_required
@require_POST
def entry_withdraw(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = _user(request)
    entry = permissions.get_entry_for_view(user, entry_id)
    if _button(request, lambda: actions.entry_withdraw(actor=user, entry=entry), success=_("已撤回这条登记。")):
        return redirect("deputies:my_file")
    return redirect("deputies:entry_detail", entry_id=entry.pk)


def _back(request: HttpRequest, entry: DutyEntry) -> HttpResponse:
    if request.POST.get("next") == "queue":
        return redirect("deputies:verify_queue")
    return redirect("deputies:entry_detail", entry_id=entry.pk)


# --- staff ---


@login_required
def verify_queue(request: HttpRequest) -> HttpResponse:
    """Pending self-reports of the congress, oldest first; verify one, several at once, or reject with a reason."""
    user = _user(request)
    congress = _staff_congress(user)
    pending = DutyEntry.objects.filter(congress=congress, status=EntryStatus.PENDING)
    if request.method == "POST":
        ids = [int(value) for value in request.POST.getlist("entries") if value.isdigit()]
        chosen = list(pending.filter(pk__in=ids).select_related("profile", "congress"))
        _button(
            request,
            lambda: _report_batch(request, actions.entry_verify_batch(actor=user, entries=chosen)),
            success=_("已批量核实。"),
        )
        return redirect("deputies:verify_queue")
    page = Paginator(
        pending.select_related("profile").annotate(files=Count("evidence")).order_by("created_at", "pk"),
        QUEUE_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {"congress": congress, "page": page, "entries": page.object_list}
    return render(request, "deputies/record_queue.html", context)


def _report_batch(request: HttpRequest, done: int) -> None:
    messages.info(request, _("本次核实 %(count)d 条记录。") % {"count": done})


@login_required
def entry_staff_add(request: HttpRequest, profile_id: int) -> HttpResponse:
    """Staff register an act they know of for a deputy of their congress (verified at once)."""
    user = _user(request)
    profile = permissions.get_readable_profile(user, profile_id)
    _staff_congress(user)
    kinds = actions.STAFF_ADDABLE_KINDS
    template = "deputies/record_staff_add.html"
    if request.method != "POST":
        return render(request, template, {"form": EntryForm(kinds=kinds), "profile": profile})
    form = EntryForm(request.POST, kinds=kinds)
    if not form.is_valid():
        return render(request, template, {"form": form, "profile": profile}, status=400)
    try:
        entry = actions.entry_staff_add(actor=user, profile=profile, **form.values())
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        return render_form_error(request, template, {"form": form, "profile": profile}, error)
    messages.success(request, _("已登记并计入该代表的履职档案。"))
    return redirect("deputies:entry_detail", entry_id=entry.pk)


def _deputies_in_office(congress: Congress, date: dt.date) -> QuerySet[DeputyProfile]:
    in_office = DeputyTerm.objects.filter(congress=congress, starts_on__lte=date).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=date)
    )
    return DeputyProfile.objects.filter(pk__in=in_office.values("profile_id")).order_by("name", "pk")


@login_required
def attendance(request: HttpRequest) -> HttpResponse:
    """Record a meeting's attendance: for the session everyone attends except those marked absent; for a
    Standing Committee meeting those marked attend as guests (列席)."""
    user = _user(request)
    congress = _staff_congress(user)
    today = timezone.localdate()
    deputies = list(_deputies_in_office(congress, today)[:ATTENDANCE_LIST_LIMIT])
    template = "deputies/record_attendance.html"
    if request.method != "POST":
        form = AttendanceForm(initial={"date": today, "kind": EntryKind.ATTEND_SESSION})
        return render(request, template, {"form": form, "deputies": deputies, "marked": set()})
    form = AttendanceForm(request.POST)
    marked = {int(value) for value in request.POST.getlist("marked") if value.isdigit()}
    context = {"form": form, "deputies": deputies, "marked": marked}
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    try:
        date = data["date"]
        if date is None:
            raise InvalidInput("请填写会议日期", code="required", field="date")
        everyone = list(_deputies_in_office(congress, date))
        chosen = [profile for profile in everyone if profile.pk in marked]
        if len(chosen) != len(marked):
            raise InvalidInput("所选代表在会议日期不是本级人大在任代表", code="not_deputy", field="marked")
        if data["kind"] == EntryKind.ATTEND_SESSION:
            attended, absent = [p for p in everyone if p.pk not in marked], chosen
        else:
            attended, absent = chosen, []
        result = actions.attendance_record(
            actor=user,
            congress=congress,
            kind=data["kind"],
            title=data["title"],
            date=date,
            attended=attended,
            absent=absent,
            linked_key=data["linked_key"],
        )
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        return render_form_error(request, template, context, error)
    messages.success(
        request,
        _("已登记：出席 %(attended)d 人，缺席 %(absent)d 人。")
        % {"attended": result.attended, "absent": result.absent},
    )
    return redirect("deputies:attendance")


urlpatterns: list[URLPattern] = [
    path("me/", my_file, name="my_file"),
    path("files/<int:profile_id>/", file, name="file"),
    path("files/<int:profile_id>/report.docx", annual_report, name="annual_report"),
    path("files/<int:profile_id>/add/", entry_staff_add, name="entry_staff_add"),
    path("entries/new/", entry_new, name="entry_new"),
    path("entries/<int:entry_id>/", entry_detail, name="entry_detail"),
    path("entries/<int:entry_id>/verify/", entry_verify, name="entry_verify"),
    path("entries/<int:entry_id>/reject/", entry_reject, name="entry_reject"),
    path("entries/<int:entry_id>/withdraw/", entry_withdraw, name="entry_withdraw"),
    path("evidence/<int:evidence_id>/", evidence, name="evidence"),
    path("record/queue/", verify_queue, name="verify_queue"),
    path("record/attendance/", attendance, name="attendance"),
]
