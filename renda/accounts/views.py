"""Login (password, then TOTP for staff; or an SMS code), logout, password change, API tokens, role switch."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from renda.accounts import actions
from renda.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    SmsLoginForm,
    SmsRequestForm,
    TokenCreateForm,
    TotpForm,
)
from renda.accounts.models import User
from renda.core.errors import DomainError
from renda.core.models import Installation
from renda.core.views import perform, render_form_error
from renda.organizations.actions import role_switch
from renda.organizations.middleware import SESSION_KEY, resolve_assignment

PENDING_USER = "renda_pending_user"
PENDING_NEXT = "renda_pending_next"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return "/"


def _complete_login(request: HttpRequest, user: User, method: str) -> HttpResponse:
    next_url = request.session.get(PENDING_NEXT, "/")
    login(request, user, backend="renda.accounts.backends.UsernameOrPhoneBackend")
    actions.login_succeed(user=user, method=method)
    assignment = resolve_assignment(user, None)
    if assignment is not None:
        request.session[SESSION_KEY] = assignment.pk
    return redirect(next_url)


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    context = {"form": form, "next": request.GET.get("next", "")}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/login.html", context, status=400)
        try:
            user = actions.login_check_password(
                identifier=form.cleaned_data["identifier"], password=form.cleaned_data["password"]
            )
        except DomainError as error:
            return render_form_error(request, "accounts/login.html", context, error)
        request.session.cycle_key()
        request.session[PENDING_USER] = user.pk
        request.session[PENDING_NEXT] = _safe_next(request, request.POST.get("next"))
        if actions.user_requires_totp(user):
            return redirect("accounts:totp" if user.totp_enabled else "accounts:totp_setup")
        request.session.pop(PENDING_USER, None)
        return _complete_login(request, user, "password")
    return render(request, "accounts/login.html", context)


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def totp_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None or not user.totp_enabled:
        return redirect("accounts:login")
    form = TotpForm(request.POST or None)
    context = {"form": form, "demo_code": actions.totp_for(user).now() if Installation.is_demo_database() else None}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/totp.html", context, status=400)
        try:
            actions.login_check_totp(user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            return render_form_error(request, "accounts/totp.html", context, error)
        request.session.pop(PENDING_USER, None)
        return _complete_login(request, user, "password+totp")
    return render(request, "accounts/totp.html", context)


def totp_setup_view(request: HttpRequest) -> HttpResponse:
    """First login of a staff member: load the secret into an authenticator app and confirm a code."""
    user = _pending_user(request)
    if user is None or user.totp_enabled:
        return redirect("accounts:login")
    if not user.totp_secret:
        actions.totp_begin_enrolment(user=user)
    form = TotpForm(request.POST or None)
    uri = actions.totp_provisioning_uri(user)
    context = {
        "form": form,
        "secret": user.totp_secret,
        "qr_data_uri": segno.make(uri, error="m").svg_data_uri(scale=4),
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/totp_setup.html", context, status=400)
        try:
            actions.totp_confirm_enrolment(user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            return render_form_error(request, "accounts/totp_setup.html", context, error)
        request.session.pop(PENDING_USER, None)
        return _complete_login(request, user, "password+totp")
    return render(request, "accounts/totp_setup.html", context)


def sms_login_view(request: HttpRequest) -> HttpResponse:
    """Deputies and citizens: a one-time code by SMS instead of a password."""
    request_form = SmsRequestForm(request.POST if request.POST.get("step") == "request" else None)
    login_form = SmsLoginForm(request.POST if request.POST.get("step") == "login" else None)
    context = {"request_form": request_form, "form": login_form, "sent": False}
    if request.method == "POST" and request.POST.get("step") == "request":
        if not request_form.is_valid():
            return render(request, "accounts/sms_login.html", context, status=400)
        try:
            actions.sms_code_request(phone=request_form.cleaned_data["phone"])
        except DomainError as error:
            context["form"] = request_form
            return render_form_error(request, "accounts/sms_login.html", context, error)
        context["sent"] = True
        context["form"] = SmsLoginForm(initial={"phone": request_form.cleaned_data["phone"]})
        return render(request, "accounts/sms_login.html", context)
    if request.method == "POST" and request.POST.get("step") == "login":
        if not login_form.is_valid():
            return render(request, "accounts/sms_login.html", context, status=400)
        try:
            user = actions.login_check_sms_code(
                phone=login_form.cleaned_data["phone"], code=login_form.cleaned_data["code"]
            )
        except DomainError as error:
            context["sent"] = True
            return render_form_error(request, "accounts/sms_login.html", context, error)
        request.session.cycle_key()
        request.session[PENDING_NEXT] = "/"
        return _complete_login(request, user, "sms")
    return render(request, "accounts/sms_login.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    context = {"form": form, "forced": user.must_change_password or user.password_expired()}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/password_change.html", context, status=400)
        try:
            actions.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as error:
            return render_form_error(request, "accounts/password_change.html", context, error)
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改")
        return redirect("home")
    return render(request, "accounts/password_change.html", context)


@login_required
def tokens_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = TokenCreateForm(request.POST or None)
    context: dict[str, object] = {"form": form, "tokens": user.api_tokens.all(), "new_secret": None}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/tokens.html", context, status=400)
        try:
            _token, secret = actions.token_create(user=user, name=form.cleaned_data["name"])
        except DomainError as error:
            return render_form_error(request, "accounts/tokens.html", context, error)
        context["new_secret"] = secret
        context["form"] = TokenCreateForm()
        context["tokens"] = user.api_tokens.all()
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = user.api_tokens.filter(pk=token_id).first()
    if token is None:
        raise Http404
    perform(request, lambda: actions.token_revoke(actor=user, token=token), success="令牌已撤销")
    return redirect("accounts:tokens")


@login_required
@require_POST
def role_switch_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    wanted = request.POST.get("assignment", "")
    assignment = resolve_assignment(user, wanted)
    if assignment is None or str(assignment.pk) != wanted:
        raise Http404
    role_switch(user=user, assignment=assignment)
    request.session[SESSION_KEY] = assignment.pk
    messages.success(request, f"已切换为：{assignment}")
    return redirect("home")
