"""Brakes on sign-in and sign-up: a per-account rate limit, counts of failures and sign-ups.

Two counters, both keyed by the email address tried (registered or not, so neither tells
which addresses have accounts), from any IP, on the web form and the API alike:

- the per-account **rate limit** (``RATELIMIT_SIGNIN_ACCOUNT``) is a Flask-Limiter shared
  limit; only failed attempts are deducted (``deduct_when``), so a person who types the right
  password never uses it up. Anyone can still use it up for someone else's address and keep
  its owner out until the window ends, which is why its default is generous and the captcha,
  not this limit, is the web form's first brake. ``RATELIMIT_ENABLED=false`` turns it off
  with every other limit.
- the **failure count** decides when the web form asks for a captcha as well
  (``CAPTCHA_AFTER_FAILURES`` in the last hour; a successful sign-in starts it again). A
  captcha is not a rate limit, so the count is kept even when rate limits are off: it lives in
  its own ``limits`` storage built from ``RATELIMIT_STORAGE_URI`` (Flask-Limiter builds none
  when it is disabled). That is the same engine as the rate limits: in memory on one machine,
  Redis (shared by every host) when scaled. It costs one key lookup per attempt, however many
  failures the whole site sees, and expires by itself; the audit log keeps the history.

A third count, of **sign-ups per client IP** (``CAPTCHA_AFTER_SIGNUPS`` in the last hour),
makes the sign-up form ask for the captcha too. It is kept in the same storage and counted in
one place, an ``events.user_registered`` subscriber, so every channel counts (the sign-up
page, ``POST /users``, a sign-up with a third-party account) without its caller doing
anything; accounts made outside a request (the CLI, demo data) count for no one.

The captcha: a self-hosted image captcha for the sign-in and sign-up forms (no third-party
service).

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
import threading
import time
from functools import cache
from typing import Any

from captcha.image import ImageCaptcha
from flask import Flask, current_app, g, has_request_context, request, session
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, RateLimitItemPerHour
from limits.storage import MovingWindowSupport, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter

from inkstone.auth.services import normalize_email
from inkstone.core import events
from inkstone.core.errors import is_api_request

ACCOUNT_SCOPE = "signin-account"
_EXTENSION = "inkstone.signin_failures"
_FAILED = "inkstone_signin_failed"
_lock = threading.Lock()


def _digest(key: str) -> str:
    """Return a short stable name for ``key`` (an email address, an IP): storage keys never
    hold the address itself (addresses are compared normalised)."""
    return hashlib.sha256(normalize_email(key).encode()).hexdigest()[:32]


def tried_email() -> str:
    """Return the email address this sign-in request tries ('' when it names none).

    Reads the body defensively: malformed JSON or a wrong shape is left for the form or
    the API schema to answer, never an error here.
    """
    email: Any = None
    if is_api_request():
        body = request.get_json(silent=True)
        user = body.get("user") if isinstance(body, dict) else None
        email = user.get("email") if isinstance(user, dict) else None
    else:
        email = request.form.get("email")
    return normalize_email(email) if isinstance(email, str) else ""


def account_key() -> str:
    """Return the per-account rate-limit key of this request (a digest of the email tried)."""
    email = tried_email()
    # Never empty: Flask-Limiter skips (and logs an error for) a limit with an empty key.
    return f"account:{_digest(email) if email else 'none'}"


def account_limit() -> str:
    """Return the per-account sign-in limit (Flask-Limiter notation)."""
    return str(current_app.config["RATELIMIT_SIGNIN_ACCOUNT"])


def attempt_failed(_response: Any) -> bool:
    """Tell Flask-Limiter whether this request was a failed sign-in (``deduct_when``)."""
    return bool(g.get(_FAILED, False))


class HourlyCounter:
    """Events per key (an email address, an IP) in a moving one-hour window, up to a threshold."""

    def __init__(self, storage: Storage, threshold: int, kind: str) -> None:
        self.threshold = threshold
        self.kind = kind
        self.item: RateLimitItem = RateLimitItemPerHour(max(threshold, 1), namespace="INKSTONE")
        # Memory and Redis keep a true moving window; other engines a fixed one.
        self.strategy: RateLimiter = (
            MovingWindowRateLimiter(storage)
            if isinstance(storage, MovingWindowSupport)
            else FixedWindowRateLimiter(storage)
        )

    def add(self, key: str) -> None:
        """Count one event (the count stops at the threshold: no need to go further)."""
        self.strategy.hit(self.item, self.kind, _digest(key))

    def reached(self, key: str) -> bool:
        """Tell whether ``key`` has had as many events as the threshold in the window."""
        return not self.strategy.test(self.item, self.kind, _digest(key))

    def clear(self, key: str) -> None:
        """Forget the events of ``key``."""
        self.strategy.clear(self.item, self.kind, _digest(key))


def _counter(kind: str = "signin-failures") -> HourlyCounter:
    """Return one of this app's counters, built on first use (no connection at start-up)."""
    app = current_app
    counters: dict[str, HourlyCounter] | None = app.extensions.get(_EXTENSION)
    if counters is None:
        with _lock:
            counters = app.extensions.get(_EXTENSION)
            if counters is None:
                # The rate limits' Redis timeouts too: a Redis that stops answering is a
                # quick 503, not a held thread.
                storage = storage_from_string(
                    str(app.config["RATELIMIT_STORAGE_URI"]),
                    **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
                )
                if not isinstance(storage, Storage):  # an async+… URI: not for a WSGI app
                    raise TypeError("RATELIMIT_STORAGE_URI must name a synchronous storage")
                counters = {
                    "signin-failures": HourlyCounter(
                        storage, int(app.config["CAPTCHA_AFTER_FAILURES"]), "signin-failures"
                    ),
                    "signups": HourlyCounter(
                        storage, int(app.config["CAPTCHA_AFTER_SIGNUPS"]), "signups"
                    ),
                }
                app.extensions[_EXTENSION] = counters
    return counters[kind]


def captcha_enabled() -> bool:
    """Tell whether the web form ever asks for a captcha (``CAPTCHA_AFTER_FAILURES`` > 0)."""
    return int(current_app.config["CAPTCHA_AFTER_FAILURES"]) > 0


def record_failure(email: str) -> None:
    """Count a failed sign-in for ``email``: for the account limit and the captcha."""
    g.setdefault(_FAILED, True)
    if captcha_enabled():
        _counter().add(email)


def record_success(email: str) -> None:
    """Start the count again for ``email``: its owner has just proved who they are."""
    if captcha_enabled():
        _counter().clear(email)


def captcha_required(email: str) -> bool:
    """Tell whether signing in as ``email`` on the web needs a solved captcha too."""
    return captcha_enabled() and bool(email) and _counter().reached(email)


def forget_all(app: Flask) -> None:
    """Start ``app`` on fresh counters (in memory: every failure and sign-up forgotten)."""
    app.extensions.pop(_EXTENSION, None)


# Sign-ups per client IP.


def signup_captcha_enabled() -> bool:
    """Tell whether the sign-up form ever asks for a captcha (``CAPTCHA_AFTER_SIGNUPS`` > 0)."""
    return int(current_app.config["CAPTCHA_AFTER_SIGNUPS"]) > 0


def signup_captcha_required() -> bool:
    """Tell whether a sign-up from this request's IP needs a solved captcha too."""
    return signup_captcha_enabled() and _counter("signups").reached(get_remote_address())


def count_sign_up(**_: Any) -> None:
    """Count an account just made (after its commit) for the IP of the request that made it."""
    if has_request_context() and signup_captcha_enabled():
        _counter("signups").add(get_remote_address())


def subscribe(*_: Any) -> None:
    """Count every sign-up, whatever made it (connecting again connects nothing new)."""
    events.user_registered.connect(count_sign_up)


# The captcha.


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


def _answer_digest(answer: str) -> str:
    key = current_app.secret_key
    secret = key.encode() if isinstance(key, str) else bytes(key or b"")
    return hmac.new(secret, b"captcha:" + answer.encode(), hashlib.sha256).hexdigest()


def new_text() -> str:
    """Return random characters for a new challenge (5 or 6, from ``ALPHABET``)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(secrets.choice(LENGTHS)))


def new_challenge() -> bytes:
    """Start a new challenge for this browser and return its picture (PNG)."""
    text = new_text()
    session[_SESSION_KEY] = {"digest": _answer_digest(text), "at": int(time.time())}
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
    return isinstance(expected, str) and hmac.compare_digest(
        expected, _answer_digest(_normalize(answer))
    )
