"""API: reports (placeholder until built)."""

from ninja import Router

router = Router(tags=["人大代表"])
