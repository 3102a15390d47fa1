"""Field encryption for personal data at rest (ID numbers), with a keyed digest for lookups.

The key comes from ``settings.RENDA_FIELD_KEY`` (environment ``RENDA_FIELD_KEY``,
a Fernet key). Without one, a key is derived from ``SECRET_KEY`` so a
development checkout works; production sets its own key and keeps it apart
from the database backups (see docs/security.md). Rotating the key means
re-encrypting with ``MultiFernet``; the digest uses a separate derived key so
it stays stable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _derive(purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + settings.SECRET_KEY.encode()).digest()


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode() if key else base64.urlsafe_b64encode(_derive(b"renda-field-encryption:")))


def _current() -> Fernet:
    return _fernet(getattr(settings, "RENDA_FIELD_KEY", "") or "")


def encrypt(value: str) -> str:
    """The encrypted token of ``value``; "" stays ""."""
    if not value:
        return ""
    return _current().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The plain value of a token made by ``encrypt``; raises ``ValueError`` if it was tampered with."""
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt field: wrong key or damaged value") from exc


def digest(value: str) -> str:
    """A keyed digest (HMAC-SHA256) for uniqueness checks and exact lookups without the plain value."""
    if not value:
        return ""
    return hmac.new(_derive(b"renda-field-digest:"), value.encode(), hashlib.sha256).hexdigest()
