"""A little brake on guessing voting codes: failed code attempts are counted per client address.

Only failures count (a wrong or spent code), so fifty voter representatives voting from the
same hall network never trip it; someone trying codes one after another does. The counter
(``renda.core.throttle``) lives in the cache for a short window; it slows guessing down, the code
space does the rest.
"""

from __future__ import annotations

from django.http import HttpRequest

from renda.core import throttle
from renda.core.errors import DomainError

CODE_FAILURE_LIMIT = 20
CODE_FAILURE_WINDOW_SECONDS = 10 * 60
COUNTED_CODES = frozenset({"invalid_code", "code_used"})


class TooManyAttempts(DomainError):
    status_code = 429
    default_code = "too_many_attempts"


def _key(request: HttpRequest) -> str:
    return f"ballots:code-failures:{throttle.request_ip_hash(request)}"


def check_code_attempts(request: HttpRequest) -> None:
    """Refuse (429) a client that has failed too many codes lately."""
    if throttle.exceeded(_key(request), CODE_FAILURE_LIMIT, CODE_FAILURE_WINDOW_SECONDS):
        raise TooManyAttempts("输入错误的投票码次数过多，请 10 分钟后再试，或向工作人员求助")


def note_code_failure(request: HttpRequest, error: DomainError) -> None:
    """Count a refusal that was about the code itself (wrong or already used)."""
    if error.code in COUNTED_CODES:
        throttle.hit(_key(request), CODE_FAILURE_LIMIT, CODE_FAILURE_WINDOW_SECONDS)
