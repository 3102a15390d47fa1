"""SMS codes that prove a citizen holds the phone they leave on the opinion form.

A six-digit code is sent by ``renda.accounts.sms.sms_send`` and kept in the cache only as a keyed
digest, for five minutes. A new code may be asked for after 60 seconds; five wrong tries use the
code up. The form checks the code before the opinion is saved and spends it only once the opinion
is in, so a form sent back for another mistake (text too short, a bad photo) keeps its code.

Sending is limited per phone and per client address, so the form cannot be used to bomb a phone
with messages.
"""

from __future__ import annotations

import logging
import secrets
import time

from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac

from renda.core import crypto, throttle
from renda.core.errors import InvalidInput
from renda.core.throttle import TooManyRequests
from renda.deputies.actions.roster import validate_phone

logger = logging.getLogger("renda.opinions")

CODE_TTL_SECONDS = 5 * 60
RESEND_AFTER_SECONDS = 60
MAX_WRONG_TRIES = 5
SENDS_PER_PHONE_PER_DAY = 5
SENDS_PER_ADDRESS_PER_HOUR = 10
SALT = "renda.opinions.phone-code"


def clean_phone(value: object) -> str:
    """The normalised mobile number, or ``InvalidInput`` on ``citizen_phone``."""
    try:
        return validate_phone(value)
    except InvalidInput as error:
        raise InvalidInput(
            "联系电话须为 11 位手机号码，如 13912345678", code=error.code, field="citizen_phone"
        ) from None


def _key(phone: str) -> str:
    return f"opinions:phone-code:{crypto.digest(phone)}"


def _hash(phone: str, code: str) -> str:
    return salted_hmac(SALT, f"{phone}:{code}").hexdigest()


def phone_code_send(*, phone: str, ip_hash: str) -> str:
    """Send a fresh code to ``phone``; returns the normalised phone. Refuses (429) when asked too often."""
    from renda.accounts.sms import SmsNotConfigured, sms_send

    phone = clean_phone(phone)
    digest = crypto.digest(phone)
    if not cache.add(f"opinions:phone-code-wait:{digest}", 1, RESEND_AFTER_SECONDS):
        raise TooManyRequests(
            f"验证码已发送，请 {RESEND_AFTER_SECONDS} 秒后再重新获取", code="resend_too_soon", field="citizen_phone"
        )
    if not throttle.hit(f"opinions:phone-code:phone:{digest}", SENDS_PER_PHONE_PER_DAY, 24 * 3600):
        raise TooManyRequests("该手机号今天获取验证码的次数过多，请明天再试", field="citizen_phone")
    if not throttle.hit(f"opinions:phone-code:ip:{ip_hash}", SENDS_PER_ADDRESS_PER_HOUR, 3600):
        raise TooManyRequests("获取验证码过于频繁，请一小时后再试", field="citizen_phone")
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires = int(time.time()) + CODE_TTL_SECONDS
    cache.set(_key(phone), {"hash": _hash(phone, code), "wrong": 0, "expires": expires}, CODE_TTL_SECONDS)
    try:
        sms_send(phone, f"【人大代表联络站】您提交群众意见的验证码为 {code}，5 分钟内有效。如非本人操作请忽略。")
    except SmsNotConfigured:
        cache.delete(_key(phone))
        raise InvalidInput(
            "短信服务暂不可用，请不填联系电话匿名提交，或稍后再试", code="sms_unavailable", field="citizen_phone"
        ) from None
    return phone


def phone_code_check(*, phone: str, code: object) -> None:
    """Accept the code sent to ``phone`` (without spending it), or raise ``InvalidInput`` on ``sms_code``."""
    text = str(code or "").strip()
    if not text:
        raise InvalidInput("请填写短信验证码（留电话须验证）", code="sms_code_required", field="sms_code")
    key = _key(phone)
    stored = cache.get(key)
    if not isinstance(stored, dict):
        raise InvalidInput("短信验证码错误或已过期，请重新获取", code="invalid_sms_code", field="sms_code")
    if constant_time_compare(str(stored.get("hash", "")), _hash(phone, text)):
        return
    wrong = int(stored.get("wrong", 0)) + 1
    if wrong >= MAX_WRONG_TRIES:
        # Five wrong tries use the code up, so six digits cannot be guessed.
        cache.delete(key)
        raise InvalidInput("短信验证码错误次数过多，请重新获取", code="sms_code_burned", field="sms_code")
    # A wrong try does not extend the code's five minutes.
    remaining = int(stored.get("expires", 0)) - int(time.time())
    if remaining > 0:
        cache.set(key, {**stored, "wrong": wrong}, remaining)
    raise InvalidInput("短信验证码错误或已过期，请重新获取", code="invalid_sms_code", field="sms_code")


def phone_code_spend(phone: str) -> None:
    """The opinion is in: the code may not be used again."""
    cache.delete(_key(phone))
