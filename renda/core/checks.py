"""Checks on the values an action receives, shared by every app's actions.

Each returns the clean value or raises ``InvalidInput`` naming the field, with a message in Chinese that
says what is wrong and by how much, so a form can show it next to the field and the API can return it.
"""

from __future__ import annotations

from collections.abc import Iterable

from renda.core.errors import InvalidInput


def clean_text(
    value: object, *, field: str, label: str, max_length: int, min_length: int = 0, required: bool = True
) -> str:
    """The text stripped; refused when required and empty, shorter than ``min_length`` or over ``max_length``."""
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"{label}不能为空", code="required", field=field)
    if text and len(text) < min_length:
        raise InvalidInput(f"{label}至少 {min_length} 个字（现为 {len(text)} 个字）", code="too_short", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字（现为 {len(text)} 个字）", code="too_long", field=field)
    return text


def clean_choice(value: object, choices: Iterable[str], *, field: str, label: str) -> str:
    """The value when it is one of ``choices``."""
    text = str(value or "")
    if text not in set(choices):
        raise InvalidInput(f"{label}的取值无效", code="invalid_choice", field=field)
    return text
