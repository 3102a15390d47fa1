"""Back-office pages for groups, liaison stations, the two contact systems and training.

Thin adapters: a fetcher from ``renda.deputies.permissions`` finds the object (404 for anyone
who may not see it), a form checks the types, and one named action does the change and checks
who may do it. A refused POST re-renders the form with the action's Chinese message (4xx).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, URLPattern, path, resolve
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from renda.accounts.models import User
from renda.core.errors import DomainError, NotPermitted
from renda.core.views import perform, render_form_error
from renda.deputies import permissions
from renda.deputies.actions import contacts as contact_actions
from renda.deputies.actions import groups as group_actions
from renda.deputies.actions import stations as station_actions
from renda.deputies.actions import training as training_actions
from renda.deputies.actions.stations import OPINION_FORM_PATH
from renda.deputies.models import (
    ContactKind,
    DeputyGroup,
    DeputyProfile,
    DeputyStatus,
    GroupKind,
    ReceptionDay,
    Station,
    StationTier,
    TrainingKind,
    TrainingSession,
)
from renda.organizations.models import Congress, RoleAssignment, congress_subtree_ids
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role

PAST_WEEKS_SHOWN = 4


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _role(request: HttpRequest) -> str | None:
    assignment = acting_role(_user(request))
    return None if assignment is None else str(assignment.role)


def _require_roles(request: HttpRequest, roles: set[str]) -> None:
    if _role(request) not in roles:
        raise PermissionDenied


def _acting_congress(request: HttpRequest) -> Congress:
    assignment = acting_role(_user(request))
    if assignment is None:
        raise PermissionDenied
    return assignment.congress


def deputies_of(congress_ids: set[int]) -> QuerySet[DeputyProfile]:
    """Deputies in office in any of the given congresses, for the pickers."""
    return (
        DeputyProfile.objects.filter(terms__congress_id__in=congress_ids, terms__status=DeputyStatus.IN_OFFICE)
        .distinct()
        .order_by("name", "pk")
    )


def opinion_form_url(
    request: HttpRequest, *, station: Station | None = None, profile: DeputyProfile | None = None
) -> str:
    """The absolute URL of the citizen opinion form already addressed to the station or the deputy."""
    query = (
        f"station={station.public_code}" if station is not None else f"deputy={profile.public_code if profile else ''}"
    )
    return request.build_absolute_uri(f"{OPINION_FORM_PATH}?{query}")


def opinion_form_ready() -> bool:
    try:
        resolve(OPINION_FORM_PATH)
    except Resolver404:
        return False
    return True


def qr_response(url: str, *, image_format: str, filename: str) -> HttpResponse:
    """The QR code of ``url``: SVG to show or print, or a PNG download."""
    code = segno.make(url, error="m")
    buffer = io.BytesIO()
    if image_format == "png":
        code.save(buffer, kind="png", scale=10, border=4)
        response = HttpResponse(buffer.getvalue(), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="{filename}.png"'
        return response
    code.save(buffer, kind="svg", scale=6, border=4, xmldecl=False, title=url)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    if image_format == "svg-download":
        response["Content-Disposition"] = f'attachment; filename="{filename}.svg"'
    return response


# --- groups ---


class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=GroupKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    scope = forms.CharField(label=_("区域或领域"), max_length=100, required=False)
    leader = forms.ModelChoiceField(label=_("组长"), queryset=DeputyProfile.objects.none(), required=False)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = deputies_of({congress.pk})  # type: ignore[attr-defined]


class MembersForm(forms.Form):
    operation = forms.ChoiceField(choices=[("add", _("加入")), ("remove", _("移出"))], widget=forms.HiddenInput)
    members = forms.ModelMultipleChoiceField(label=_("代表"), queryset=DeputyProfile.objects.none())

    def __init__(self, *args: Any, queryset: QuerySet[DeputyProfile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = queryset  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    summary = forms.CharField(label=_("活动情况"), max_length=5000, required=False, widget=forms.Textarea)
    participants = forms.ModelMultipleChoiceField(
        label=_("参加代表"), queryset=DeputyProfile.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, group: DeputyGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = group.members.order_by("name", "pk")  # type: ignore[attr-defined]


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    """Groups of the congress with their activity figures; staff open new groups here."""
    user = _user(request)
    _require_roles(request, {Role.STAFF_ADMIN, Role.COMMITTEE_STAFF, Role.LEADER, Role.DEPUTY})
    congress = _acting_congress(request)
    may_manage = permissions.can_manage_groups(user, congress)
    form = GroupForm(congress=congress)
    status = 200
    if request.method == "POST":
        form = GroupForm(request.POST, congress=congress)
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                group = group_actions.group_create(actor=user, congress=congress, **form.cleaned_data)
            except DomainError as error:
                return render_form_error(
                    request, "deputies/groups_list.html", _group_list_context(user, form, may_manage), error
                )
            messages.success(request, _("代表小组已设立"))
            return redirect("deputies:group_detail", group_id=group.pk)
        status = 400
    return render(request, "deputies/groups_list.html", _group_list_context(user, form, may_manage), status=status)


def _group_list_context(user: User, form: GroupForm, may_manage: bool) -> dict[str, Any]:
    year = timezone.localdate().year
    groups = list(
        permissions.groups_visible_to(user)
        .select_related("leader")
        .annotate(
            member_count=Count("members", distinct=True),
            activity_count=Count("activities", filter=Q(activities__held_on__year=year), distinct=True),
        )
        .order_by("kind", "name")
    )
    top = max((group.activity_count for group in groups), default=0) or 1
    for group in groups:
        group.bar_percent = round(group.activity_count * 100 / top)  # type: ignore[attr-defined]
    return {
        "groups": groups,
        "year": year,
        "form": form,
        "may_manage": may_manage,
        "total_activities": sum(group.activity_count for group in groups),
    }


@login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    user = _user(request)
    group = permissions.get_group_for_view(user, group_id)
    may_manage = permissions.can_manage_groups(user, group.congress)
    candidates = deputies_of({group.congress_id}).exclude(pk__in=group.members.values("pk"))
    add_form = MembersForm(initial={"operation": "add"}, queryset=candidates)
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        queryset = candidates if request.POST.get("operation") == "add" else group.members.all()
        add_form = MembersForm(request.POST, queryset=queryset)
        if add_form.is_valid():
            action = (
                group_actions.group_members_add
                if add_form.cleaned_data["operation"] == "add"
                else group_actions.group_members_remove
            )
            if perform(
                request,
                lambda: action(actor=user, group=group, profiles=add_form.cleaned_data["members"]),
                success=_("小组成员已更新"),
            ):
                return redirect("deputies:group_detail", group_id=group.pk)
            status = 400
        else:
            status = 400
    context = {
        "group": group,
        "members": group.members.order_by("name", "pk"),
        "activities": group.activities.annotate(participant_count=Count("participants")).order_by("-held_on", "-pk")[
            :50
        ],
        "may_manage": may_manage,
        "may_record": permissions.can_record_group_activity(user, group),
        "add_form": add_form,
    }
    return render(request, "deputies/groups_detail.html", context, status=status)


@login_required
def group_activity(request: HttpRequest, group_id: int) -> HttpResponse:
    """The form a staff member or the group's leader fills in after an activity."""
    user = _user(request)
    group = permissions.get_group_for_view(user, group_id)
    if not permissions.can_record_group_activity(user, group):
        raise PermissionDenied
    form = ActivityForm(group=group, initial={"held_on": timezone.localdate()})
    if request.method == "POST":
        form = ActivityForm(request.POST, group=group)
        if not form.is_valid():
            return render(request, "deputies/groups_activity.html", {"group": group, "form": form}, status=400)
        try:
            group_actions.group_activity_record(actor=user, group=group, **form.cleaned_data)
        except DomainError as error:
            return render_form_error(request, "deputies/groups_activity.html", {"group": group, "form": form}, error)
        messages.success(request, _("小组活动已登记，参加代表的履职档案已记录"))
        return redirect("deputies:group_detail", group_id=group.pk)
    return render(request, "deputies/groups_activity.html", {"group": group, "form": form})


# --- stations ---


class StationCreateForm(forms.Form):
    tier = forms.TypedChoiceField(label=_("层级"), choices=StationTier.choices, coerce=int)
    parent = forms.ModelChoiceField(label=_("上级站点"), queryset=Station.objects.none(), required=False)
    congress = forms.ModelChoiceField(label=_("所属人大"), queryset=Congress.objects.none())
    name = forms.CharField(label=_("站点名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200)
    opening_hours = forms.CharField(label=_("开放时间"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    is_public = forms.BooleanField(label=_("在门户公开"), required=False, initial=True)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        managed = permissions.managed_stations(user).select_related("unit")
        self.fields["parent"].queryset = managed  # type: ignore[attr-defined]
        staff_id = permissions.staff_congress_id(user)
        own = permissions.acting_station(user)
        if staff_id is not None:
            scope = congress_subtree_ids([staff_id])
        elif own is not None:
            scope = {own.unit.congress_id}
        else:
            scope = set()
        self.fields["congress"].queryset = Congress.objects.filter(pk__in=scope)  # type: ignore[attr-defined]


class StationDetailsForm(forms.Form):
    address = forms.CharField(label=_("地址"), max_length=200)
    opening_hours = forms.CharField(label=_("开放时间"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    is_public = forms.BooleanField(label=_("在门户公开"), required=False)


class ReceptionForm(forms.Form):
    date = forms.DateField(label=_("接待日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    topic = forms.CharField(label=_("主题"), max_length=200, required=False)
    deputies = forms.ModelMultipleChoiceField(label=_("值班代表"), queryset=DeputyProfile.objects.none())

    def __init__(self, *args: Any, station: Station, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        congress = station.unit.congress
        self.fields["deputies"].queryset = deputies_of({congress.pk, *congress.ancestor_ids()})  # type: ignore[attr-defined]


class ReceptionRecordForm(forms.Form):
    citizens_received = forms.IntegerField(label=_("接待群众人次"), min_value=0)
    notes = forms.CharField(label=_("接待情况"), max_length=5000, required=False, widget=forms.Textarea)


def _tree_rows(stations: Sequence[Station]) -> list[tuple[Station, int]]:
    """Depth-first order, each station with its depth below the first one shown."""
    ids = {station.pk for station in stations}
    children: dict[int | None, list[Station]] = {}
    for station in stations:
        parent = station.parent_id if station.parent_id in ids else None
        children.setdefault(parent, []).append(station)
    rows: list[tuple[Station, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for station in sorted(children.get(parent, []), key=lambda s: (s.tier, s.unit.sort_order, s.unit.name)):
            rows.append((station, depth))
            walk(station.pk, depth + 1)

    walk(None, 0)
    return rows


@login_required
def station_tree(request: HttpRequest) -> HttpResponse:
    """The network the user manages (or, leaders, reads), tier by tier; staff open stations here."""
    user = _user(request)
    _require_roles(request, {Role.STAFF_ADMIN, Role.COMMITTEE_STAFF, Role.LEADER, Role.STATION_STAFF})
    may_create = _role(request) != Role.LEADER
    form = StationCreateForm(user=user)
    status = 200
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        form = StationCreateForm(request.POST, user=user)
        if form.is_valid():
            try:
                station = station_actions.station_create(actor=user, **form.cleaned_data)
            except DomainError as error:
                return render_form_error(request, "deputies/stations_tree.html", _tree_context(user, form), error)
            messages.success(request, _("联络站点已设立"))
            return redirect("deputies:station_detail", station_id=station.pk)
        status = 400
    context = _tree_context(user, form)
    context["may_create"] = may_create
    return render(request, "deputies/stations_tree.html", context, status=status)


def _tree_context(user: User, form: StationCreateForm) -> dict[str, Any]:
    today = timezone.localdate()
    stations = list(
        permissions.stations_visible_to(user)
        .select_related("unit__congress")
        .annotate(
            held_count=Count("receptions", filter=Q(receptions__status=ReceptionDay.Status.HELD), distinct=True),
            citizens=Sum("receptions__citizens_received", filter=Q(receptions__status=ReceptionDay.Status.HELD)),
            upcoming=Count(
                "receptions",
                filter=Q(receptions__status=ReceptionDay.Status.PLANNED, receptions__date__gte=today),
                distinct=True,
            ),
        )
    )
    return {"rows": _tree_rows(stations), "form": form, "may_create": True}


def _weeks(receptions: list[ReceptionDay]) -> list[tuple[dt.date, list[ReceptionDay]]]:
    """Receptions grouped by the Monday of their week, in date order."""
    weeks: OrderedDict[dt.date, list[ReceptionDay]] = OrderedDict()
    for reception in receptions:
        monday = reception.date - dt.timedelta(days=reception.date.weekday())
        weeks.setdefault(monday, []).append(reception)
    return list(weeks.items())


def _station_context(request: HttpRequest, station: Station, **forms_: Any) -> dict[str, Any]:
    user = _user(request)
    today = timezone.localdate()
    show_all = request.GET.get("all") == "1"
    receptions = station.receptions.prefetch_related("deputies").order_by("date", "starts_at")
    if not show_all:
        receptions = receptions.filter(date__gte=today - dt.timedelta(weeks=PAST_WEEKS_SHOWN))
    may_manage = permissions.can_manage_station(user, station)
    return {
        "station": station,
        "children": station.children.select_related("unit").order_by("unit__name"),
        "weeks": _weeks(list(receptions)),
        "today": today,
        "show_all": show_all,
        "may_manage": may_manage,
        "details_form": forms_.get("details_form")
        or StationDetailsForm(
            initial={
                "address": station.address,
                "opening_hours": station.opening_hours,
                "phone": station.phone,
                "is_public": station.is_public,
            }
        ),
        "reception_form": forms_.get("reception_form")
        or ReceptionForm(station=station, initial={"start": dt.time(9), "end": dt.time(11, 30)}),
        "qr_url": opinion_form_url(request, station=station),
        "opinion_form_ready": opinion_form_ready(),
        "totals": station.receptions.filter(status=ReceptionDay.Status.HELD).aggregate(
            held=Count("pk"), citizens=Sum("citizens_received")
        ),
    }


@login_required
def station_detail(request: HttpRequest, station_id: int) -> HttpResponse:
    """A station: details, its schedule week by week, and (its managers) the forms to change them."""
    user = _user(request)
    station = permissions.get_station_for_view(user, station_id)
    if request.method != "POST":
        return render(request, "deputies/stations_detail.html", _station_context(request, station))
    if not permissions.can_manage_station(user, station):
        raise PermissionDenied
    if request.POST.get("form") == "details":
        details_form = StationDetailsForm(request.POST)
        context = _station_context(request, station, details_form=details_form)
        if not details_form.is_valid():
            return render(request, "deputies/stations_detail.html", context, status=400)
        try:
            station_actions.station_update(actor=user, station=station, **details_form.cleaned_data)
        except DomainError as error:
            context["form"] = details_form
            return render_form_error(request, "deputies/stations_detail.html", context, error)
        messages.success(request, _("站点信息已保存"))
    else:
        reception_form = ReceptionForm(request.POST, station=station)
        context = _station_context(request, station, reception_form=reception_form)
        if not reception_form.is_valid():
            return render(request, "deputies/stations_detail.html", context, status=400)
        try:
            station_actions.reception_schedule(actor=user, station=station, **reception_form.cleaned_data)
        except DomainError as error:
            context["form"] = reception_form
            return render_form_error(request, "deputies/stations_detail.html", context, error)
        messages.success(request, _("接待日已排班"))
    return redirect("deputies:station_detail", station_id=station.pk)


@login_required
def station_qr(request: HttpRequest, station_id: int) -> HttpResponse:
    """The station's QR code for print (SVG) or download (``?format=png``)."""
    user = _user(request)
    station = permissions.get_station_for_view(user, station_id)
    if not permissions.can_manage_station(user, station):
        raise PermissionDenied
    image_format = request.GET.get("format", "svg")
    return qr_response(
        opinion_form_url(request, station=station), image_format=image_format, filename=f"station-{station.public_code}"
    )


def _managed_reception(user: User, reception_id: int) -> ReceptionDay:
    """404 for whoever may not see the station; 403 for a reader (a leader) who may not manage it."""
    try:
        return permissions.get_reception_for_manage(user, reception_id)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from error


@login_required
def reception_record(request: HttpRequest, reception_id: int) -> HttpResponse:
    user = _user(request)
    reception = _managed_reception(user, reception_id)
    form = ReceptionRecordForm(initial={"citizens_received": reception.citizens_received, "notes": reception.notes})
    context: dict[str, Any] = {"reception": reception, "station": reception.station, "form": form}
    if request.method == "POST":
        form = ReceptionRecordForm(request.POST)
        context["form"] = form
        if not form.is_valid():
            return render(request, "deputies/stations_reception.html", context, status=400)
        try:
            station_actions.reception_record(actor=user, reception=reception, **form.cleaned_data)
        except DomainError as error:
            return render_form_error(request, "deputies/stations_reception.html", context, error)
        messages.success(request, _("接待情况已登记，值班代表的履职档案已记录"))
        return redirect("deputies:station_detail", station_id=reception.station_id)
    return render(request, "deputies/stations_reception.html", context)


@login_required
@require_POST
def reception_cancel(request: HttpRequest, reception_id: int) -> HttpResponse:
    user = _user(request)
    reception = _managed_reception(user, reception_id)
    if not perform(
        request,
        lambda: station_actions.reception_cancel(
            actor=user, reception=reception, reason=request.POST.get("reason", "")
        ),
        success=_("接待日已取消"),
    ):
        return render(
            request,
            "deputies/stations_reception.html",
            {"reception": reception, "station": reception.station, "form": ReceptionRecordForm()},
            status=409,
        )
    return redirect("deputies:station_detail", station_id=reception.station_id)


# --- the two contact systems ---


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ContactKind.choices)
    visitor = forms.ModelChoiceField(label=_("走访的常委会组成人员"), queryset=User.objects.none(), required=False)
    deputy = forms.ModelChoiceField(label=_("代表"), queryset=DeputyProfile.objects.none())
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.CharField(
        label=_("方式"), max_length=40, required=False, help_text=_("如：走访、座谈、电话、视频、进站接待")
    )
    people_count = forms.IntegerField(label=_("联系群众人次"), min_value=0, required=False, initial=0)
    summary = forms.CharField(label=_("情况"), max_length=5000, required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignment = acting_role(user)
        congress_id = assignment.congress_id if assignment is not None else 0
        role = assignment.role if assignment is not None else None
        members = RoleAssignment.objects.filter(
            congress_id=congress_id, role__in=[Role.SC_MEMBER, Role.LEADER], is_active=True
        ).values("user_id")
        self.fields["visitor"].queryset = User.objects.filter(pk__in=members).order_by("full_name")  # type: ignore[attr-defined]
        deputies = deputies_of({congress_id})
        if role == Role.SC_MEMBER:
            self.fields["kind"].choices = [(ContactKind.SC_MEMBER_TO_DEPUTY, ContactKind.SC_MEMBER_TO_DEPUTY.label)]  # type: ignore[attr-defined]
            self.fields["visitor"].queryset = User.objects.filter(pk=user.pk)  # type: ignore[attr-defined]
            self.fields["visitor"].initial = user.pk
            self.fields["visitor"].required = True
            del self.fields["people_count"]
        elif role == Role.DEPUTY:
            own = permissions.own_profile(user)
            self.fields["kind"].choices = [(ContactKind.DEPUTY_TO_CITIZENS, ContactKind.DEPUTY_TO_CITIZENS.label)]  # type: ignore[attr-defined]
            deputies = DeputyProfile.objects.filter(pk=own.pk if own else 0)
            self.fields["deputy"].initial = own.pk if own else None
            del self.fields["visitor"]
        self.fields["deputy"].queryset = deputies  # type: ignore[attr-defined]


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_roles(request, {Role.STAFF_ADMIN, Role.COMMITTEE_STAFF, Role.LEADER, Role.SC_MEMBER, Role.DEPUTY})
    visits = permissions.contacts_visible_to(user).select_related("deputy", "visitor")
    kind = request.GET.get("kind", "")
    if kind in ContactKind.values:
        visits = visits.filter(kind=kind)
    year = timezone.localdate().year
    figures = list(
        permissions.contacts_visible_to(user)
        .filter(held_on__year=year)
        .values("kind")
        .annotate(visits=Count("pk"), people=Sum("people_count"))
    )
    context = {
        "visits": visits[:200],
        "kind": kind,
        "kinds": ContactKind.choices,
        "year": year,
        "sc_visits": sum(row["visits"] for row in figures if row["kind"] == ContactKind.SC_MEMBER_TO_DEPUTY),
        "citizen_people": sum(row["people"] or 0 for row in figures if row["kind"] == ContactKind.DEPUTY_TO_CITIZENS),
        "may_record": permissions.can_record_contacts(user),
    }
    return render(request, "deputies/contacts_list.html", context)


@login_required
def contact_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not permissions.can_record_contacts(user):
        raise PermissionDenied
    form = ContactForm(user=user, initial={"date": timezone.localdate()})
    if request.method == "POST":
        form = ContactForm(request.POST, user=user)
        if not form.is_valid():
            return render(request, "deputies/contacts_form.html", {"form": form}, status=400)
        data = dict(form.cleaned_data)
        data["people_count"] = data.get("people_count") or 0
        try:
            contact_actions.contact_record(actor=user, **data)
        except DomainError as error:
            return render_form_error(request, "deputies/contacts_form.html", {"form": form}, error)
        messages.success(request, _("联系情况已登记"))
        return redirect("deputies:contact_list")
    return render(request, "deputies/contacts_form.html", {"form": form})


# --- training ---


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=TrainingKind.choices)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("学时"), max_digits=5, decimal_places=1, min_value=0)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    organizer = forms.CharField(label=_("主办"), max_length=100, required=False)


class InviteForm(forms.Form):
    everyone = forms.BooleanField(label=_("邀请本级全体在任代表"), required=False)
    profiles = forms.ModelMultipleChoiceField(label=_("代表"), queryset=DeputyProfile.objects.none(), required=False)

    def __init__(self, *args: Any, session: TrainingSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profiles"].queryset = deputies_of({session.congress_id}).exclude(  # type: ignore[attr-defined]
            pk__in=session.attendance.values("profile_id")
        )


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_roles(request, {Role.STAFF_ADMIN, Role.COMMITTEE_STAFF, Role.LEADER, Role.DEPUTY})
    congress = _acting_congress(request)
    may_manage = permissions.can_manage_training(user, congress)
    form = TrainingForm()
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        form = TrainingForm(request.POST)
        if form.is_valid():
            try:
                session = training_actions.training_create(actor=user, congress=congress, **form.cleaned_data)
            except DomainError as error:
                context = {"sessions": _sessions(user), "form": form, "may_manage": may_manage}
                return render_form_error(request, "deputies/training_list.html", context, error)
            messages.success(request, _("培训已创建，请邀请参训代表"))
            return redirect("deputies:training_detail", training_id=session.pk)
        status = 400
    context = {"sessions": _sessions(user), "form": form, "may_manage": may_manage}
    return render(request, "deputies/training_list.html", context, status=status)


def _sessions(user: User) -> QuerySet[TrainingSession]:
    return permissions.trainings_visible_to(user).annotate(
        invited=Count("attendance", distinct=True),
        person_times=Count("attendance", filter=Q(attendance__attended=True), distinct=True),
    )


@login_required
def training_detail(request: HttpRequest, training_id: int) -> HttpResponse:
    user = _user(request)
    session = permissions.get_training_for_view(user, training_id)
    may_manage = permissions.can_manage_training(user, session.congress)
    form = InviteForm(session=session)
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        form = InviteForm(request.POST, session=session)
        if form.is_valid():
            chosen = (
                list(form.fields["profiles"].queryset)  # type: ignore[attr-defined]
                if form.cleaned_data["everyone"]
                else list(form.cleaned_data["profiles"])
            )
            if perform(
                request,
                lambda: training_actions.training_invite(actor=user, session=session, profiles=chosen),
                success=_("已邀请参训代表"),
            ):
                return redirect("deputies:training_detail", training_id=session.pk)
        status = 400
    rows = session.attendance.select_related("profile").order_by("profile__name", "profile_id")
    if permissions.reader_congress_id(user) != session.congress_id:
        # An invited deputy sees their own line only.
        rows = rows.filter(profile=permissions.own_profile(user))
    context = {
        "session": session,
        "rows": rows,
        "may_manage": may_manage,
        "form": form,
        "invited": session.attendance.count(),
        "person_times": session.attendance.filter(attended=True).count(),
    }
    return render(request, "deputies/training_detail.html", context, status=status)


@login_required
def training_attendance(request: HttpRequest, training_id: int) -> HttpResponse:
    """A checkbox per invited deputy: checked attended, unchecked absent."""
    user = _user(request)
    session = permissions.get_training_for_view(user, training_id)
    if not permissions.can_manage_training(user, session.congress):
        raise PermissionDenied
    rows = list(session.attendance.select_related("profile").order_by("profile__name", "profile_id"))
    context: dict[str, Any] = {"session": session, "rows": rows, "error": None}
    if request.method == "POST":
        invited = {row.profile_id for row in rows}
        checked: set[int] = set()
        for value in request.POST.getlist("attended"):
            if value.isdigit() and int(value) in invited:
                checked.add(int(value))
        try:
            training_actions.training_attendance(
                actor=user, session=session, attended_ids=checked, absent_ids=invited - checked
            )
        except DomainError as error:
            context["error"] = error.message
            return render(request, "deputies/training_attendance.html", context, status=error.status_code)
        messages.success(request, _("出勤情况已登记"))
        return redirect("deputies:training_detail", training_id=session.pk)
    return render(request, "deputies/training_attendance.html", context)


# --- the deputy's own code (代表码) ---


@login_required
def deputy_qr(request: HttpRequest, profile_id: int) -> HttpResponse:
    """The deputy's QR code (SVG; ``?format=png`` downloads it; ``?format=page`` shows it with the link)."""
    profile = permissions.get_profile_for_code(_user(request), profile_id)
    url = opinion_form_url(request, profile=profile)
    image_format = request.GET.get("format", "svg")
    if image_format == "page":
        context = {"profile": profile, "qr_url": url, "opinion_form_ready": opinion_form_ready()}
        return render(request, "deputies/stations_deputy_qr.html", context)
    return qr_response(url, image_format=image_format, filename=f"deputy-{profile.public_code}")


urlpatterns: list[URLPattern] = [
    path("groups/", group_list, name="group_list"),
    path("groups/<int:group_id>/", group_detail, name="group_detail"),
    path("groups/<int:group_id>/activity/", group_activity, name="group_activity"),
    path("stations/", station_tree, name="station_tree"),
    path("stations/<int:station_id>/", station_detail, name="station_detail"),
    path("stations/<int:station_id>/qr/", station_qr, name="station_qr"),
    path("receptions/<int:reception_id>/record/", reception_record, name="reception_record"),
    path("receptions/<int:reception_id>/cancel/", reception_cancel, name="reception_cancel"),
    path("contacts/", contact_list, name="contact_list"),
    path("contacts/new/", contact_create, name="contact_create"),
    path("training/", training_list, name="training_list"),
    path("training/<int:training_id>/", training_detail, name="training_detail"),
    path("training/<int:training_id>/attendance/", training_attendance, name="training_attendance"),
    path("deputy-code/<int:profile_id>/", deputy_qr, name="deputy_qr"),
]
