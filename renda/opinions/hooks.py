"""What other processes do when something happens to an opinion, run inside the opinion action's transaction.

``opinion.received`` → insight reads the text (tokens, routing suggestion, near-duplicate cluster).
The opinion app knows only this one entry point of insight; insight owns what it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db import models

    from renda.core.models import AuditEvent


def on_received(event: AuditEvent, target: models.Model | None) -> None:
    from renda.insight.api_hooks import on_opinion_received
    from renda.opinions.models import Opinion

    if isinstance(target, Opinion):
        on_opinion_received(target)
