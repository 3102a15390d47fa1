"""A captcha that works without the internet: a small sum drawn as an inline SVG with noise.

The sum is drawn stroke by stroke (seven-segment digits, each glyph tilted a little, noise lines
and dots over it), so it is not in the page as text. The answer is kept in the session only as a
keyed digest with a nonce; each captcha is good for one try and ten minutes. It is a brake on
scripts, not a wall: the rate limits (``renda.core.throttle``) do the rest.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from renda.core.errors import InvalidInput

SESSION_KEY = "opinions.captcha"
SALT = "renda.opinions.captcha"
MAX_AGE_SECONDS = 10 * 60
WIDTH, HEIGHT = 200, 64
GLYPH_WIDTH, GLYPH_HEIGHT = 18, 34

# Seven segments: a top, b upper right, c lower right, d bottom, e lower left, f upper left, g middle.
_SEGMENTS = {
    "a": ((0, 0), (1, 0)),
    "b": ((1, 0), (1, 0.5)),
    "c": ((1, 0.5), (1, 1)),
    "d": ((0, 1), (1, 1)),
    "e": ((0, 0.5), (0, 1)),
    "f": ((0, 0), (0, 0.5)),
    "g": ((0, 0.5), (1, 0.5)),
}
_DIGITS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abged",
    "3": "abgcd",
    "4": "fgbc",
    "5": "afgcd",
    "6": "afgedc",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
}
_SYMBOLS: dict[str, tuple[tuple[tuple[float, float], tuple[float, float]], ...]] = {
    "+": (((0.1, 0.5), (0.9, 0.5)), ((0.5, 0.28), (0.5, 0.72))),
    "-": (((0.1, 0.5), (0.9, 0.5)),),
    "=": (((0.1, 0.4), (0.9, 0.4)), ((0.1, 0.6), (0.9, 0.6))),
}
_INKS = ("#1f2d3d", "#7a1f1f", "#1f4d7a", "#2e5e2e")
_NOISE = ("#9aa5b1", "#c0a060", "#8fb0c8", "#b48a9a")


@dataclass(frozen=True)
class Captcha:
    svg: SafeString


def _n(value: float) -> str:
    return f"{value:.1f}"


def _digest(nonce: str, answer: str) -> str:
    return salted_hmac(SALT, f"{nonce}:{answer}").hexdigest()


def _glyph_strokes(char: str) -> tuple[tuple[tuple[float, float], tuple[float, float]], ...]:
    if char in _DIGITS:
        return tuple(_SEGMENTS[segment] for segment in _DIGITS[char])
    return _SYMBOLS[char]


def render_svg(expression: str, rng: random.Random) -> SafeString:
    """The expression (digits and + - =) as strokes with a little tilt and jitter, under noise."""
    parts: list[str] = []
    for _ in range(5):
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1.2"/>',
                rng.randint(0, WIDTH),
                rng.randint(0, HEIGHT),
                rng.randint(0, WIDTH),
                rng.randint(0, HEIGHT),
                rng.choice(_NOISE),
            )
        )
    x = 12.0
    for char in expression:
        if char == " ":
            x += 8
            continue
        ink = rng.choice(_INKS)
        top = 14 + rng.uniform(-5, 5)
        angle = rng.uniform(-14, 14)
        lines = format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}"/>',
            (
                (
                    _n(x + start[0] * GLYPH_WIDTH + rng.uniform(-1.5, 1.5)),
                    _n(top + start[1] * GLYPH_HEIGHT + rng.uniform(-1.5, 1.5)),
                    _n(x + end[0] * GLYPH_WIDTH + rng.uniform(-1.5, 1.5)),
                    _n(top + end[1] * GLYPH_HEIGHT + rng.uniform(-1.5, 1.5)),
                )
                for start, end in _glyph_strokes(char)
            ),
        )
        parts.append(
            format_html(
                '<g stroke="{}" stroke-width="3.2" stroke-linecap="round" transform="rotate({} {} {})">{}</g>',
                ink,
                _n(angle),
                _n(x + GLYPH_WIDTH / 2),
                _n(top + GLYPH_HEIGHT / 2),
                lines,
            )
        )
        x += GLYPH_WIDTH + rng.uniform(7, 11)
    for _ in range(4):
        parts.append(
            format_html(
                '<path d="M{} {} Q{} {} {} {}" fill="none" stroke="{}" stroke-width="1.5"/>',
                0,
                rng.randint(10, HEIGHT - 10),
                rng.randint(40, WIDTH - 40),
                rng.randint(0, HEIGHT),
                WIDTH,
                rng.randint(10, HEIGHT - 10),
                rng.choice(_NOISE),
            )
        )
    for _ in range(40):
        parts.append(
            format_html(
                '<circle cx="{}" cy="{}" r="{}" fill="{}"/>',
                rng.randint(0, WIDTH),
                rng.randint(0, HEIGHT),
                _n(rng.uniform(0.6, 1.6)),
                rng.choice(_NOISE),
            )
        )
    body = mark_safe("".join(parts))  # noqa: S308 - every part was built by format_html from numbers and constants
    return format_html(
        '<svg class="captcha-image" xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" '
        'role="img" aria-label="验证码图片：请计算图中算式" data-testid="captcha-image">'
        '<rect width="100%" height="100%" fill="#f7f4ec"/>{}</svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        body,
    )


def _new_sum(rng: random.Random) -> tuple[str, int]:
    right = rng.randint(1, 9)
    if rng.random() < 0.5:
        left = rng.randint(1, 20)
        return f"{left} + {right} =", left + right
    left = rng.randint(10, 20)
    return f"{left} - {right} =", left - right


def captcha_new(request: HttpRequest) -> Captcha:
    """A fresh sum for this session (it replaces any earlier one); only the keyed digest of the answer is kept."""
    # Seeded from the system's randomness: the sum cannot be predicted from earlier pictures.
    rng = random.Random(secrets.randbits(64))
    expression, answer = _new_sum(rng)
    nonce = secrets.token_hex(8)
    request.session[SESSION_KEY] = {"n": nonce, "h": _digest(nonce, str(answer)), "t": int(time.time())}
    return Captcha(svg=render_svg(expression, rng))


def captcha_check(request: HttpRequest, answer: object) -> None:
    """Accept the answer to this session's captcha, or raise ``InvalidInput`` on ``captcha``. One try per captcha."""
    stored = request.session.pop(SESSION_KEY, None)
    text = str(answer or "").strip()
    if not text:
        raise InvalidInput("请填写验证码（图中算式的结果）", code="captcha_required", field="captcha")
    if not isinstance(stored, dict) or int(time.time()) - int(stored.get("t", 0)) > MAX_AGE_SECONDS:
        raise InvalidInput("验证码已过期，请按新图片重新计算", code="captcha_expired", field="captcha")
    if not constant_time_compare(str(stored.get("h", "")), _digest(str(stored.get("n", "")), text)):
        raise InvalidInput("验证码计算结果不正确，请按新图片重新计算", code="captcha_wrong", field="captcha")
