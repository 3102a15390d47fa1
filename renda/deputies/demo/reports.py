"""Demo step: reports (placeholder until built)."""

from __future__ import annotations

from renda.organizations.models import Congress


def build(*, city: Congress, seed: int = 2026) -> None:
    """Fill the demo city's reports by the real actions."""
