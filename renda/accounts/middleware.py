"""Send a person whose password must change to the change page before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/static/", "/i18n/", "/api/v1/me/password")


class AccountStateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and (user.must_change_password or user.password_expired())  # type: ignore[union-attr]
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "password_change_required", "message": "请先修改密码", "field": None}, status=403
                )
            return redirect("accounts:password_change")
        return self.get_response(request)
