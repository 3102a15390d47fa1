"""Pages for reports to electors (述职): the list (and who has not reported this term), scheduling,
recording the meeting, the voters' rating with one-time codes, and its result.

Thin adapters: fetchers in ``renda.deputies.permissions`` find the report (404 for anyone who may not
see it), forms check the types, one named action does each change. The voting codes are shown once,
in the response of the action that issued them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from renda.accounts.models import User
from renda.ballots import queries as ballot_queries
from renda.ballots.views import render_code_slips
from renda.core.errors import DomainError
from renda.core.views import perform, render_form_error
from renda.deputies import permissions
from renda.deputies import reports as report_queries
from renda.deputies.actions import reports as report_actions
from renda.deputies.models import DeputyProfile, DeputyStatus, ElectorReport, ElectorReportStatus
from renda.organizations.models import Congress


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _reader_congress(request: HttpRequest) -> Congress | None:
    congress_id = permissions.reader_congress_id(_user(request))
    return Congress.objects.filter(pk=congress_id).first() if congress_id is not None else None


class ScheduleForm(forms.Form):
    profile = forms.ModelChoiceField(label=_("代表"), queryset=DeputyProfile.objects.none())
    date = forms.DateField(label=_("述职日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=200)
    electoral_unit = forms.CharField(
        label=_("选举单位（选区）"), max_length=100, required=False, help_text=_("留空则取代表任期登记的选区")
    )

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["profile"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrowing for the type checker
        field.queryset = (
            DeputyProfile.objects.filter(terms__congress=congress, terms__status=DeputyStatus.IN_OFFICE)
            .distinct()
            .order_by("name", "pk")
        )


class HoldForm(forms.Form):
    audience_count = forms.IntegerField(
        label=_("到会选民代表人数"), min_value=1, max_value=100_000, help_text=_("一般不少于 50 人")
    )
    voters_present = forms.IntegerField(
        label=_("参加测评人数"), min_value=1, max_value=100_000, required=False, help_text=_("留空则为到会人数")
    )
    report_text = forms.CharField(label=_("述职报告"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 8}))
    questions = forms.CharField(
        label=_("询问与回答"), max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class RatingForm(forms.Form):
    voters = forms.IntegerField(label=_("发放投票码数量（参加测评的选民代表人数）"), min_value=1, max_value=5000)
    hours = forms.IntegerField(label=_("测评时长（小时）"), min_value=1, max_value=72, initial=2)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=300, required=False)


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """Staff and leaders see the congress's reports; a deputy sees their own. ``?show=missing`` lists
    the deputies who have not reported yet in the current term."""
    user = _user(request)
    congress = _reader_congress(request)
    own = permissions.own_profile(user)
    if congress is None and own is None:
        raise PermissionDenied
    status = request.GET.get("status", "")
    reports = permissions.reports_visible_to(user)
    if status in ElectorReportStatus.values:
        reports = reports.filter(status=status)
    term = report_queries.current_term_number(congress) if congress is not None else None
    show_missing = request.GET.get("show") == "missing" and congress is not None and term is not None
    missing = (
        list(report_queries.deputies_without_report(congress, term)[:500])
        if show_missing and congress is not None and term is not None
        else []
    )
    context = {
        "reports": list(reports[:300]),
        "statuses": ElectorReportStatus.choices,
        "status": status,
        "show_missing": show_missing,
        "missing": missing,
        "term": term,
        "may_manage": congress is not None and permissions.can_manage_reports(user, congress),
        "may_read_all": congress is not None,
    }
    return render(request, "deputies/reports_list.html", context)


@login_required
def report_schedule(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress_id = permissions.staff_congress_id(user)
    if congress_id is None:
        raise PermissionDenied
    congress = Congress.objects.get(pk=congress_id)
    form = ScheduleForm(request.POST or None, congress=congress)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            report = report_actions.report_schedule(
                actor=user,
                profile=form.cleaned_data["profile"],
                date=form.cleaned_data["date"],
                place=form.cleaned_data["place"],
                electoral_unit=form.cleaned_data["electoral_unit"],
            )
        except DomainError as error:
            return render_form_error(request, "deputies/reports_form.html", context, error)
        messages.success(request, _("已安排代表述职"))
        return redirect("deputies:report_detail", report_id=report.pk)
    return render(request, "deputies/reports_form.html", context, status=400 if form.errors else 200)


def _detail(
    request: HttpRequest, report: ElectorReport, *, hold_form: HoldForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    ballot = report.ballot
    context = {
        "report": report,
        "may_manage": permissions.can_manage_reports(user, report.congress),
        "hold_form": hold_form or HoldForm(),
        "rating_form": RatingForm(initial={"voters": report.audience_count, "hours": 2}),
        "cancel_form": CancelForm(),
        "ballot": ballot,
        "counts": ballot_queries.quorum_status(ballot) if ballot is not None else None,
        "result": ballot_queries.result_rows(ballot) if ballot is not None else None,
        "in_window": ballot_queries.in_window(ballot) if ballot is not None else False,
        "may_open_ballot": ballot is not None and permissions.can_manage_reports(user, report.congress),
    }
    return render(request, "deputies/reports_detail.html", context, status=status)


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _detail(request, permissions.get_report_for_view(_user(request), report_id))


@login_required
@require_POST
def report_hold(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    report = permissions.get_report_for_manage(user, report_id)
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, hold_form=form, status=400)
    try:
        report_actions.report_hold(
            actor=user,
            report=report,
            audience_count=form.cleaned_data["audience_count"],
            voters_present=form.cleaned_data["voters_present"],
            report_text=form.cleaned_data["report_text"],
            questions=form.cleaned_data["questions"],
        )
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _detail(request, report, hold_form=form, status=error.status_code)
    messages.success(request, _("已记录述职情况，并记入代表履职档案"))
    return redirect("deputies:report_detail", report_id=report.pk)


@login_required
@require_POST
def report_rating(request: HttpRequest, report_id: int) -> HttpResponse:
    """Open the rating and show the voting codes, this once, as slips to print."""
    user = _user(request)
    report = permissions.get_report_for_manage(user, report_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写发放投票码数量（1–5000）和测评时长（1–72 小时）"))
        return redirect("deputies:report_detail", report_id=report.pk)
    try:
        opening = report_actions.rating_open(
            actor=user, report=report, voters=form.cleaned_data["voters"], hours=form.cleaned_data["hours"]
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("deputies:report_detail", report_id=report.pk)
    return render_code_slips(
        request,
        opening.ballot,
        opening.codes,
        back_url=reverse("deputies:report_detail", kwargs={"report_id": report.pk}),
        template="deputies/reports_codes.html",
    )


@login_required
@require_POST
def report_cancel(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    report = permissions.get_report_for_manage(user, report_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    perform(
        request,
        lambda: report_actions.report_cancel(actor=user, report=report, reason=reason),
        success=_("已取消述职安排"),
    )
    return redirect("deputies:report_detail", report_id=report.pk)


urlpatterns: list[URLPattern] = [
    path("reports/", report_list, name="report_list"),
    path("reports/new/", report_schedule, name="report_schedule"),
    path("reports/<int:report_id>/", report_detail, name="report_detail"),
    path("reports/<int:report_id>/hold/", report_hold, name="report_hold"),
    path("reports/<int:report_id>/rating/", report_rating, name="report_rating"),
    path("reports/<int:report_id>/cancel/", report_cancel, name="report_cancel"),
]
