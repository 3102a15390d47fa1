"""API authentication: the browser session (with CSRF) or a personal bearer token.

Either way, the role the caller acts in is resolved like in the UI: the
``X-Renda-Role`` header (a role-assignment id), else the session's choice,
else the first role by precedence.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from renda.accounts.actions import token_authenticate
from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput
from renda.organizations.middleware import SESSION_KEY, publish_context, resolve_assignment


class PasswordChangeRequired(DomainError):
    status_code = 403
    default_code = "password_change_required"


def activate(request: HttpRequest, user: User) -> User:
    """Resolve the acting role and refuse callers who must change their password first."""
    if (user.must_change_password or user.password_expired()) and not request.path.endswith("/me/password"):
        raise PasswordChangeRequired("请先修改密码（首次登录或密码已过期）")
    wanted = request.headers.get("X-Renda-Role")
    if wanted:
        assignment = resolve_assignment(user, wanted)
        if assignment is None or str(assignment.pk) != wanted.strip():
            raise InvalidInput("X-Renda-Role 不是你担任的有效角色编号", code="invalid_role", field="X-Renda-Role")
    else:
        assignment = resolve_assignment(user, request.session.get(SESSION_KEY) if hasattr(request, "session") else None)
    user.active_assignment = assignment
    request.user = user
    publish_context(request, assignment)
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token)
        if user is None:
            return None
        request.authenticated_by_token = True  # type: ignore[attr-defined]
        return activate(request, user)


class SessionCsrfAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        return activate(request, user)
