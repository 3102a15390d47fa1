"""Helpers for the portal-form tests: solve the session's captcha, read the SMS code, post the form."""

from __future__ import annotations

import re
import time
from typing import Any

from django.test import Client
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse

from renda.accounts import sms
from renda.opinions import captcha

TEXT = "小区门口的路灯坏了三个月，晚上出行很不方便，请尽快修复。"
PHONE = "13912345678"
# The smallest valid PNG header: check_upload reads the signature, not the picture.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form_url(query: str = "") -> str:
    return reverse("portal:opinion_new") + (f"?{query}" if query else "")


def solve_captcha(client: Client, answer: str = "7") -> str:
    """Put a known captcha in the client's session (what the page drew is random)."""
    session = client.session
    session[captcha.SESSION_KEY] = {"n": "test", "h": captcha._digest("test", answer), "t": int(time.time())}
    session.save()
    return answer


def last_sms_code(phone: str = PHONE) -> str:
    for to, message in reversed(sms.outbox):
        if to == phone:
            found = re.search(r"验证码为 (\d{6})", message)
            if found:
                return found.group(1)
    raise AssertionError("no SMS code sent")


def request_sms_code(client: Client, phone: str = PHONE) -> str:
    response = client.post(reverse("portal:opinion_sms_send"), {"citizen_phone": phone}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()
    return last_sms_code(phone)


def submit(client: Client, data: dict[str, Any] | None = None, *, query: str = "", anonymous: bool = True) -> Any:
    """GET the form (as a browser would), then POST it with the captcha solved."""
    client.get(form_url(query))
    values: dict[str, Any] = {"text": TEXT}
    if anonymous:
        values["captcha"] = solve_captcha(client)
    values.update(data or {})
    return client.post(form_url(query), values, content_type=MULTIPART_CONTENT)
