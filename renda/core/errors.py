"""Typed domain errors shared by every app.

A permission error and a state error are different things: the first says
"not you", the second "not now". Views and the API map them to different
responses (403/404 versus 409), and neither is ever a 500.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request. Carries a stable code and the field at fault."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field


class InvalidInput(DomainError):
    default_code = "invalid_input"


class InvalidTransition(DomainError):
    """The object is not in a state that allows this action."""

    status_code = 409
    default_code = "invalid_state"


class NotPermitted(DomainError):
    """The actor may not do this. Views turn it into 403 (or 404 where existence is secret)."""

    status_code = 403
    default_code = "forbidden"
