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
from renda.organizations.middleware import SESSION_KEY, publish_context, resolve_assignment


def activate(request: HttpRequest, user: User) -> User:
    wanted = request.headers.get("X-Renda-Role")
    if not wanted and hasattr(request, "session"):
        wanted = request.session.get(SESSION_KEY)
    assignment = resolve_assignment(user, wanted)
    user.active_assignment = assignment
    request.user = user
    publish_context(request, assignment)
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token)
        if user is None:
            return None
        return activate(request, user)


class SessionCsrfAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        return activate(request, user)
