"""Resolve the role the person is acting in, and publish it (with the client IP) to the audit context."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse

from renda.core.audit import RequestContext, reset_request_context, set_request_context
from renda.core.middleware import client_ip
from renda.organizations.models import RoleAssignment
from renda.organizations.roles import ROLE_PRECEDENCE

if TYPE_CHECKING:
    from renda.accounts.models import User

SESSION_KEY = "renda_active_assignment"


def active_assignments(user: User) -> list[RoleAssignment]:
    """The roles a person holds now, in precedence order. Read once per request and kept on the user object
    (the middleware, the API authenticator and the page's context processor all need them)."""
    cached: list[RoleAssignment] | None = getattr(user, "_renda_assignments", None)
    if cached is not None:
        return cached
    assignments = list(
        RoleAssignment.objects.filter(user=user, is_active=True, congress__is_active=True).select_related(
            "congress", "unit"
        )
    )
    order = {str(role): index for index, role in enumerate(ROLE_PRECEDENCE)}
    assignments.sort(key=lambda item: (order.get(item.role, 99), item.congress.level != "city", item.pk))
    user._renda_assignments = assignments  # type: ignore[attr-defined]
    return assignments


def resolve_assignment(user: User, wanted_id: int | str | None) -> RoleAssignment | None:
    """The assignment asked for, if the user holds it; otherwise the first by precedence."""
    assignments = active_assignments(user)
    if wanted_id is not None:
        for assignment in assignments:
            if str(assignment.pk) == str(wanted_id):
                return assignment
    return assignments[0] if assignments else None


def publish_context(request: HttpRequest, assignment: RoleAssignment | None) -> None:
    token = getattr(request, "_renda_context_token", None)
    if token is not None:
        reset_request_context(token)
    request._renda_context_token = set_request_context(  # type: ignore[attr-defined]
        RequestContext(
            ip_address=client_ip(request),
            acting_role=assignment.role if assignment else "",
            congress_id=assignment.congress_id if assignment else None,
        )
    )


class ActiveRoleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        assignment = None
        user = request.user
        if user.is_authenticated:
            assignment = resolve_assignment(user, request.session.get(SESSION_KEY))  # type: ignore[arg-type]
            user.active_assignment = assignment  # type: ignore[union-attr]
        publish_context(request, assignment)
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_renda_context_token", None)
            if token is not None:
                reset_request_context(token)
                request._renda_context_token = None  # type: ignore[attr-defined]
