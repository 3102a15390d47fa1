"""The SMS adapter. The default backend writes messages to the log; production plugs in a gateway."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("renda.sms")

# Messages kept in memory by the log backend, newest last, so tests and the demo can read them.
outbox: list[tuple[str, str]] = []


class SmsBackend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class LogSmsBackend:
    """Writes each message to the ``renda.sms`` log instead of sending it."""

    def send(self, phone: str, message: str) -> None:
        outbox.append((phone, message))
        del outbox[:-200]
        logger.info("SMS to %s: %s", phone, message)


class SmsNotConfigured(RuntimeError):
    """No SMS gateway is configured; callers keep the message in the inbox instead."""


class DisabledSmsBackend:
    """Production default until a gateway adapter is configured: sends nothing, never logs the text."""

    def send(self, phone: str, message: str) -> None:
        logger.warning("短信网关未配置 (RENDA_SMS_BACKEND)，未发送给 %s****", phone[:3])
        raise SmsNotConfigured("短信网关未配置")


def get_backend() -> SmsBackend:
    backend_class = import_string(settings.RENDA_SMS_BACKEND)
    backend: SmsBackend = backend_class()
    return backend


def sms_send(phone: str, message: str) -> None:
    """Send one SMS. Raises SmsNotConfigured when no gateway is set up."""
    get_backend().send(phone, message)
