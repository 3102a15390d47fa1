"""Helpers shared by every app's views, and the error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_stubs_ext import StrPromise

from renda.core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show an action's refusal on the form, next to the field it names when the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def render_form_error(request: HttpRequest, template: str, context: dict[str, Any], error: DomainError) -> HttpResponse:
    form = context.get("form")
    if isinstance(form, forms.Form):
        add_domain_error(form, error)
    return render(request, template, context, status=error.status_code if error.status_code < 500 else 400)


def form_page(
    request: HttpRequest,
    *,
    template: str,
    context: dict[str, Any],
    form: forms.Form,
    run: Callable[[forms.Form], object],
    success: str | StrPromise,
    then: str,
) -> HttpResponse:
    """A page with one form behind one named action.

    GET shows the form; a valid POST runs the action and goes to ``then`` with ``success`` as the next
    page's message; a form error is a 400, and the action's refusal is shown on the form with its status.
    """
    context = {**context, "form": form}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        run(form)
    except DomainError as error:
        return render_form_error(request, template, context, error)
    messages.success(request, success)
    return redirect(then)


def perform(request: HttpRequest, action: Callable[[], object], *, success: str | StrPromise) -> bool:
    """Run the one action behind a button: its refusal, or ``success``, becomes the next page's message."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
