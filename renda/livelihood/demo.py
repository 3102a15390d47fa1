"""Demo data: two years of the livelihood cycle (placeholder until built)."""

from __future__ import annotations

from renda.organizations.models import Congress


def build_demo_livelihood(*, city: Congress, seed: int = 2026) -> None:
    """Two annual cycles (2025 closed and rated, 2026 under implementation), made by the real actions."""
