from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from renda.organizations import permissions
from renda.organizations.middleware import active_assignments


def active_role(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "active_assignment": getattr(user, "active_assignment", None),
        "all_assignments": active_assignments(user),  # type: ignore[arg-type]
        "can_administer": permissions.can_administer(user),  # type: ignore[arg-type]
        "can_view_audit": permissions.can_view_audit(user),  # type: ignore[arg-type]
    }
