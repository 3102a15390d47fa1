"""The home page per role and the administration pages for congresses, units, users and roles.

Views parse input with a form, fetch objects through ``permissions`` (404 when
out of scope), call one action, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from renda.accounts import actions as account_actions
from renda.accounts.models import User
from renda.core import notify, todo
from renda.core.errors import DomainError
from renda.core.views import perform, render_form_error
from renda.organizations import actions, permissions
from renda.organizations.forms import (
    ChildCongressForm,
    CongressForm,
    CongressSettingsForm,
    MemberCreateForm,
    PasswordResetForm,
    RoleGrantForm,
    UnitForm,
    UserEditForm,
)
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import Role


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_admin(request: HttpRequest) -> User:
    user = _actor(request)
    if not permissions.can_administer(user):
        raise PermissionDenied
    return user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    assignment = user.active_assignment
    now = timezone.now()
    items = todo.todos_for(user)
    top = list(
        todo.filter_bucket(items, "open", now)
        .select_related("assignee_unit")
        .order_by(F("due_at").asc(nulls_last=True), "pk")[:8]
    )
    for item in top:
        item.is_overdue_now = todo.is_overdue(item, now)  # type: ignore[attr-defined]
    inbox = notify.inbox_for(user)
    context: dict[str, object] = {
        "assignment": assignment,
        "todo_counts": todo.count_buckets(items, now),
        "todo_items": top,
        "unread_count": inbox.filter(read_at__isnull=True).count(),
        "latest_notifications": list(inbox[:5]),
    }
    if assignment is not None and assignment.role == Role.STAFF_ADMIN:
        scope = permissions.administered_congress_ids(user)
        context["admin_counts"] = {
            "congresses": len(scope),
            "units": Unit.objects.filter(congress_id__in=scope).count(),
            "users": User.objects.filter(role_assignments__congress_id__in=scope).distinct().count(),
            "locked": User.objects.filter(role_assignments__congress_id__in=scope, locked_until__gt=timezone.now())
            .distinct()
            .count(),
        }
    if assignment is not None and assignment.role == Role.AUDITOR:
        from renda.core.models import AuditEvent

        scope = permissions.audited_congress_ids(user)
        context["recent_events"] = list(AuditEvent.objects.filter(congress_id__in=scope).order_by("-sequence")[:10])
    if assignment is not None and assignment.unit_id:
        context["unit"] = assignment.unit
    return render(request, "home.html", context)


@login_required
def congress_tree(request: HttpRequest) -> HttpResponse:
    user = _require_admin(request)
    congresses = list(
        permissions.congresses_for_admin(user).annotate(unit_count=Count("units", distinct=True)).order_by("code")
    )
    children: dict[int | None, list[Congress]] = {}
    ids = {congress.pk for congress in congresses}
    for congress in congresses:
        parent_key = congress.parent_id if congress.parent_id in ids else None
        children.setdefault(parent_key, []).append(congress)

    def flatten(parent: int | None, depth: int) -> list[tuple[Congress, int]]:
        rows: list[tuple[Congress, int]] = []
        for congress in children.get(parent, []):
            rows.append((congress, depth))
            rows.extend(flatten(congress.pk, depth + 1))
        return rows

    return render(request, "organizations/congress_tree.html", {"rows": flatten(None, 0)})


@login_required
def congress_detail(request: HttpRequest, congress_id: int) -> HttpResponse:
    user = _require_admin(request)
    congress = permissions.get_congress_for_admin(user, congress_id)
    form = CongressForm(
        request.POST if request.POST.get("form") == "congress" else None,
        initial={"name": congress.name, "short_name": congress.short_name, "is_active": congress.is_active},
    )
    settings_form = CongressSettingsForm(
        request.POST if request.POST.get("form") == "settings" else None, congress=congress
    )
    child_form = ChildCongressForm(request.POST if request.POST.get("form") == "child" else None)
    context = {"congress": congress, "form": form, "settings_form": settings_form, "child_form": child_form}
    template = "organizations/congress_detail.html"
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "congress":
                if not form.is_valid():
                    return render(request, template, context, status=400)
                actions.congress_update(actor=user, congress=congress, **form.cleaned_data)
                messages.success(request, "已保存")
            elif which == "settings":
                if not settings_form.is_valid():
                    return render(request, template, context, status=400)
                actions.congress_settings_update(actor=user, congress=congress, values=settings_form.values())
                messages.success(request, "配置已保存")
            elif which == "child":
                if not child_form.is_valid():
                    return render(request, template, context, status=400)
                child = actions.congress_create(actor=user, parent=congress, **child_form.cleaned_data)
                messages.success(request, f"已设立：{child.name}")
            else:
                return render(request, template, context, status=400)
        except DomainError as error:
            target = {"settings": settings_form, "child": child_form}.get(which or "", form)
            return _form_error(request, template, context, target, error)
        return redirect("organizations:congress_detail", congress_id=congress.pk)
    return render(request, template, context)


def _form_error(
    request: HttpRequest, template: str, context: dict[str, object], form: object, error: DomainError
) -> HttpResponse:
    from renda.core.views import add_domain_error

    add_domain_error(form, error)  # type: ignore[arg-type]
    return render(request, template, context, status=error.status_code)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    user = _require_admin(request)
    units = permissions.units_for_admin(user).order_by("congress__level", "congress__code", "sort_order", "name")
    congress_filter = request.GET.get("congress", "")
    query = request.GET.get("q", "").strip()[:50]
    if congress_filter.isdigit():
        units = units.filter(congress_id=int(congress_filter))
    if query:
        units = units.filter(Q(name__contains=query) | Q(short_name__contains=query))
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/unit_list.html",
        {
            "page": page,
            "congresses": permissions.congresses_for_admin(user).order_by("code"),
            "congress_filter": congress_filter,
            "q": query,
        },
    )


def _unit_form(request: HttpRequest, user: User, initial: dict[str, object] | None = None) -> UnitForm:
    return UnitForm(
        request.POST or None,
        initial=initial,
        congresses=permissions.congresses_for_admin(user).order_by("code"),
        units=permissions.units_for_admin(user),
    )


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    user = _require_admin(request)
    form = _unit_form(request, user, initial={"is_active": True, "congress": request.GET.get("congress")})
    context = {"form": form, "unit": None}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "organizations/unit_form.html", context, status=400)
        data = form.cleaned_data
        try:
            unit = actions.unit_create(
                actor=user,
                congress=data["congress"],
                name=data["name"],
                short_name=data["short_name"],
                kind=data["kind"],
                parent=data["parent"],
            )
        except DomainError as error:
            return render_form_error(request, "organizations/unit_form.html", context, error)
        messages.success(request, f"已新建单位：{unit.name}")
        return redirect("organizations:unit_list")
    return render(request, "organizations/unit_form.html", context)


@login_required
def unit_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _require_admin(request)
    unit = permissions.get_unit_for_admin(user, unit_id)
    form = _unit_form(
        request,
        user,
        initial={
            "name": unit.name,
            "short_name": unit.short_name,
            "kind": unit.kind,
            "congress": unit.congress_id,
            "parent": unit.parent_id,
            "is_active": unit.is_active,
        },
    )
    form.fields["congress"].disabled = True
    context = {"form": form, "unit": unit}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "organizations/unit_form.html", context, status=400)
        data = form.cleaned_data
        try:
            actions.unit_update(
                actor=user,
                unit=unit,
                name=data["name"],
                short_name=data["short_name"],
                kind=data["kind"],
                parent=data["parent"],
                is_active=data["is_active"],
            )
        except DomainError as error:
            return render_form_error(request, "organizations/unit_form.html", context, error)
        messages.success(request, "已保存")
        return redirect("organizations:unit_list")
    return render(request, "organizations/unit_form.html", context)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    user = _require_admin(request)
    users = permissions.users_for_admin(user).order_by("username")
    query = request.GET.get("q", "").strip()[:50]
    role = request.GET.get("role", "")
    if query:
        users = users.filter(Q(username__contains=query) | Q(full_name__contains=query) | Q(phone__contains=query))
    if role in Role.values:
        scope = permissions.administered_congress_ids(user)
        users = users.filter(role_assignments__role=role, role_assignments__congress_id__in=scope)
    in_scope = RoleAssignment.objects.filter(
        congress_id__in=permissions.administered_congress_ids(user), is_active=True
    ).select_related("congress", "unit")
    page = Paginator(
        users.prefetch_related(Prefetch("role_assignments", queryset=in_scope, to_attr="roles_in_scope")), 50
    ).get_page(request.GET.get("page"))
    return render(
        request, "organizations/user_list.html", {"page": page, "q": query, "role": role, "roles": Role.choices}
    )


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    user = _require_admin(request)
    form = MemberCreateForm(
        request.POST or None,
        congresses=permissions.congresses_for_admin(user).order_by("code"),
        units=permissions.units_for_admin(user),
    )
    context = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "organizations/user_create.html", context, status=400)
        data = form.cleaned_data
        try:
            member = actions.member_create(
                actor=user,
                congress=data["congress"],
                role=data["role"],
                unit=data["unit"],
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                phone=data["phone"],
                email=data["email"],
            )
        except DomainError as error:
            return render_form_error(request, "organizations/user_create.html", context, error)
        messages.success(request, f"已创建用户：{member.display_name}")
        return redirect("organizations:user_detail", user_id=member.pk)
    return render(request, "organizations/user_create.html", context)


@login_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _require_admin(request)
    member = permissions.get_user_for_admin(actor, user_id)
    which = request.POST.get("form", "")
    edit_form = UserEditForm(
        request.POST if which == "edit" else None,
        initial={
            "full_name": member.full_name,
            "phone": member.phone,
            "email": member.email,
            "is_active": member.is_active,
        },
    )
    grant_form = RoleGrantForm(
        request.POST if which == "grant" else None,
        congresses=permissions.congresses_for_admin(actor).order_by("code"),
        units=permissions.units_for_admin(actor),
    )
    reset_form = PasswordResetForm(request.POST if which == "reset" else None)
    scope = permissions.administered_congress_ids(actor)
    context = {
        "member": member,
        "edit_form": edit_form,
        "grant_form": grant_form,
        "reset_form": reset_form,
        "assignments": RoleAssignment.objects.filter(user=member, congress_id__in=scope).select_related(
            "congress", "unit"
        ),
    }
    template = "organizations/user_detail.html"
    if request.method == "POST":
        forms_by_name = {"edit": edit_form, "grant": grant_form, "reset": reset_form}
        form = forms_by_name.get(which)
        try:
            if which == "unlock":
                account_actions.user_unlock(actor=actor, user=member)
                messages.success(request, "账户已解锁")
            elif which == "totp_reset":
                account_actions.totp_reset(actor=actor, user=member)
                messages.success(request, "已重置动态口令，该用户下次登录时重新绑定")
            elif form is None or not form.is_valid():
                return render(request, template, context, status=400)
            elif which == "edit":
                account_actions.user_update(actor=actor, user=member, fields=edit_form.cleaned_data)
                messages.success(request, "已保存")
            elif which == "grant":
                actions.role_grant(
                    actor=actor,
                    user=member,
                    congress=grant_form.cleaned_data["congress"],
                    role=grant_form.cleaned_data["role"],
                    unit=grant_form.cleaned_data["unit"],
                )
                messages.success(request, "已授予角色")
            elif which == "reset":
                account_actions.password_set_by_admin(
                    actor=actor, user=member, new_password=reset_form.cleaned_data["new_password"]
                )
                messages.success(request, "已设置临时密码，用户下次登录须修改")
        except DomainError as error:
            return _form_error(request, template, context, form or edit_form, error)
        return redirect("organizations:user_detail", user_id=member.pk)
    return render(request, template, context)


@login_required
@require_POST
def role_revoke(request: HttpRequest, assignment_id: int) -> HttpResponse:
    actor = _require_admin(request)
    assignment = permissions.get_assignment_for_admin(actor, assignment_id)
    perform(request, lambda: actions.role_revoke(actor=actor, assignment=assignment), success="已撤销角色")
    return redirect("organizations:user_detail", user_id=assignment.user_id)
