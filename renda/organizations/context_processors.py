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
        "suggestion_nav": _suggestion_nav(user),
        "deputies_nav": _deputies_nav(user),
        "livelihood_nav": _livelihood_nav(user),
        "opinions_nav": _opinions_nav(user),
    }


def _suggestion_nav(user: Any) -> dict[str, bool]:
    """Which suggestion pages the acting role has: its own work queue, and the congress-wide views."""
    from renda.suggestions import permissions as suggestion_permissions

    return {
        "deputy": suggestion_permissions.deputy_congress_id(user) is not None,
        "staff": suggestion_permissions.staff_congress_id(user) is not None,
        "reader": suggestion_permissions.reader_congress_id(user) is not None,
        "unit": suggestion_permissions.acting_unit(user) is not None,
    }


def _deputies_nav(user: Any) -> dict[str, bool]:
    """The deputies' pages of the acting role: a deputy's own file, staff's and leaders' congress-wide pages."""
    from renda.deputies import permissions as deputy_permissions

    return {
        "deputy": deputy_permissions.own_profile(user) is not None,
        "staff": deputy_permissions.staff_congress_id(user) is not None,
        "reader": deputy_permissions.reader_congress_id(user) is not None,
        "station": deputy_permissions.acting_station(user) is not None,
    }


def _livelihood_nav(user: Any) -> dict[str, bool]:
    """Livelihood projects: everyone of the congress who takes part reads the cycles; lead units see their queue."""
    from renda.livelihood import permissions as livelihood_permissions

    unit = livelihood_permissions.acting_unit(user)
    return {
        "cycles": livelihood_permissions.cycle_congress_id_for_reading(user) is not None,
        "unit": unit is not None,
    }


def _opinions_nav(user: Any) -> dict[str, bool]:
    """Citizens' opinions: triage and the ledger for staff, the dashboard for readers, a unit's queue, entry."""
    from renda.opinions import permissions as opinion_permissions

    return {
        "triage": opinion_permissions.triage_congress_id(user) is not None,
        "reader": opinion_permissions.reader_congress_id(user) is not None,
        "unit": opinion_permissions.acting_unit(user) is not None,
        "entry": opinion_permissions.acting_station(user) is not None
        or opinion_permissions.acting_deputy(user) is not None,
    }
