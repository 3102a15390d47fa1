"""A little brake on guessing voting codes: failed code attempts are counted per client address.

Only failures count (a wrong or spent code), so fifty voter representatives voting from the
same hall network never trip it; someone trying codes one after another does. The counter
lives in the cache for a short window; it slows guessing down, the code space does the rest.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from renda.core.errors import DomainError
from renda.core.middleware import client_ip

CODE_FAILURE_LIMIT = 20
CODE_FAILURE_WINDOW_SECONDS = 10 * 60
COUNTED_CODES = frozenset({"invalid_code", "code_used"})


class TooManyAttempts(DomainError):
    status_code = 429
    default_code = "too_many_attempts"


def _key(request: HttpRequest) -> str:
    return f"ballots:code-failures:{client_ip(request) or 'unknown'}"


def check_code_attempts(request: HttpRequest) -> None:
    """Refuse (429) a client that has failed too many codes lately."""
    if int(cache.get(_key(request), 0)) >= CODE_FAILURE_LIMIT:
        raise TooManyAttempts("输入错误的投票码次数过多，请 10 分钟后再试，或向工作人员求助")


def note_code_failure(request: HttpRequest, error: DomainError) -> None:
    """Count a refusal that was about the code itself (wrong or already used)."""
    if error.code not in COUNTED_CODES:
        return
    key = _key(request)
    cache.add(key, 0, CODE_FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, CODE_FAILURE_WINDOW_SECONDS)
