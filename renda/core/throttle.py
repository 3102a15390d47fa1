"""A small shared rate limiter on the cache: fixed windows, one counter per key and window.

Public forms (a citizen's opinion, an SMS code, a tracking-code lookup) use it to slow a flood
from one address or one phone down; the caller names the key (e.g. ``opinions:submit:ip:<hash>``)
and decides what to do once the limit is passed (usually ``TooManyRequests``, an HTTP 429).

The cache is per process unless a shared cache (Redis, database) is configured; the limits are a
brake, not a quota, so that is good enough for one server.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from renda.core import crypto
from renda.core.errors import DomainError
from renda.core.middleware import client_ip


class TooManyRequests(DomainError):
    """Too many requests from one address or for one phone in the window (HTTP 429)."""

    status_code = 429
    default_code = "rate_limited"


def _window_key(key: str, window_seconds: int) -> str:
    window = int(timezone.now().timestamp()) // window_seconds
    return f"throttle:{key}:{window_seconds}:{window}"


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key`` in the current window: True while within ``limit``, False once over it."""
    window_key = _window_key(key, window_seconds)
    cache.add(window_key, 0, window_seconds)
    try:
        count = int(cache.incr(window_key))
    except ValueError:  # expired between add and incr
        cache.set(window_key, 1, window_seconds)
        count = 1
    return count <= limit


def exceeded(key: str, limit: int, window_seconds: int) -> bool:
    """Whether ``key`` has already used up ``limit`` in the current window, without counting a hit."""
    return int(cache.get(_window_key(key, window_seconds), 0)) >= limit


def request_ip_hash(request: HttpRequest) -> str:
    """A keyed digest of the client address: what rate limits and abuse reviews keep, never the address."""
    return crypto.digest(f"ip:{client_ip(request) or 'unknown'}")
