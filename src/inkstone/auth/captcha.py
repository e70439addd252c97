"""A self-hosted image captcha for the sign-in form (no third-party service).

The answer is kept in the server-side session as an HMAC (keyed with the app's secret), never
in the page or the cookie; each picture replaces the last, an answer is checked once (right or
wrong), and a picture older than ``CAPTCHA_TTL`` seconds is refused. Answers are read without
regard to case or spaces, from an alphabet without look-alikes (no 0/O/Q, 1/I/L, 2/Z, 5/S,
6/G, 8/B).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from functools import cache

from captcha.image import ImageCaptcha
from flask import current_app, session

ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
LENGTHS = (5, 6)
CAPTCHA_TTL = 10 * 60
ANSWER_MAX = 16  # longer input cannot be right; the form refuses it before we hash it
WIDTH, HEIGHT = 240, 80
_SESSION_KEY = "captcha"


@cache
def _drawer() -> ImageCaptcha:
    """Return the picture maker, built once: loading its fonts is the slow part."""
    return ImageCaptcha(width=WIDTH, height=HEIGHT)


def _normalize(answer: str) -> str:
    return "".join(answer.split()).upper()


def _digest(answer: str) -> str:
    key = current_app.secret_key
    secret = key.encode() if isinstance(key, str) else bytes(key or b"")
    return hmac.new(secret, b"captcha:" + answer.encode(), hashlib.sha256).hexdigest()


def new_text() -> str:
    """Return random characters for a new challenge (5 or 6, from ``ALPHABET``)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(secrets.choice(LENGTHS)))


def new_challenge() -> bytes:
    """Start a new challenge for this browser and return its picture (PNG)."""
    text = new_text()
    session[_SESSION_KEY] = {"digest": _digest(text), "at": int(time.time())}
    return _drawer().generate(text, format="png").getvalue()


def discard() -> None:
    """Forget this browser's picture: no answer can match it any more."""
    session.pop(_SESSION_KEY, None)


def solved(answer: str | None) -> bool:
    """Tell whether ``answer`` matches this browser's picture; either way the picture is used up."""
    challenge = session.pop(_SESSION_KEY, None)
    if not isinstance(challenge, dict) or not answer or len(answer) > ANSWER_MAX:
        return False
    issued = challenge.get("at")
    if not isinstance(issued, int) or time.time() - issued > CAPTCHA_TTL:
        return False
    expected = challenge.get("digest")
    return isinstance(expected, str) and hmac.compare_digest(expected, _digest(_normalize(answer)))
