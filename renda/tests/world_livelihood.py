"""The livelihood rows of the permission matrix, and the objects they are tried against.

``PAGES``/``API`` use the same rules as ``test_permission_matrix`` (a set of roles,
``"anyone"``, ``"logged_in"``, ``"owner"`` or ``"flow"``). ``WORLD_KWARGS`` maps a
route keyword (e.g. ``profile_id``) to a key of the dict ``build`` returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

PAGES: dict[str, tuple[str, Any]] = {}
API: dict[str, Any] = {}
API_QUERIES: dict[str, str] = {}
API_BODIES: dict[str, dict[str, Any]] = {}
WORLD_KWARGS: dict[str, str] = {}


def build(city: Congress, unit: Unit, people: dict[str, User]) -> dict[str, Any]:
    """The livelihood objects of the world; ``people`` maps each role to a user holding it in ``city``."""
    return {}
