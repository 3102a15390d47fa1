"""Show audit events in words a clerk reads: role labels, and the summary as “key: value” pairs."""

from __future__ import annotations

from typing import Any

from django import template

from renda.organizations.roles import Role

register = template.Library()

ROLE_LABELS = {**{role.value: str(role.label) for role in Role}, "system": "系统"}


@register.filter
def role_label(code: str) -> str:
    return ROLE_LABELS.get(code, code) if code else "—"


@register.filter
def summary_text(summary: Any) -> str:
    if not isinstance(summary, dict) or not summary:
        return "—"
    return "；".join(f"{key}: {value}" for key, value in summary.items())
