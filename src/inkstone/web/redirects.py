"""``next`` parameters that can only lead back into this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None, *, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default``.

    Only a plain absolute path is accepted: no scheme, no host, no ``//host`` or ``/\\host``
    (browsers read both as another site), no control characters.
    """
    if not target or len(target) > 2000:
        return default
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in target) or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def home_url() -> str:
    """Return the site's front page (whichever feature serves it), under the app's root."""
    return request.script_root + "/"
