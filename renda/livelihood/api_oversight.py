"""API: oversight (placeholder until built)."""

from ninja import Router

router = Router(tags=["民生实事"])
