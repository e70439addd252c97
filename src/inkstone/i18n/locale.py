"""Which language and time zone a page is shown in.

Language: the user's setting, else the language switcher's cookie, else ``Accept-Language``,
else the site's default language (a back-office setting), else English. Time zone: the
user's setting, else the browser's (a cookie set by ``site.js``), else UTC.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import request
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie

from inkstone.core.site import site_settings

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
DEFAULT_LOCALE = "en"
LOCALE_COOKIE = "locale"
TIMEZONE_COOKIE = "tz"
# Accept-Language tags that only name the language ("zh", "zh-TW", "zh-Hans") read as zh_CN.
_ACCEPTED = {"en": "en", "zh_CN": "zh_CN", "zh": "zh_CN"}


def _user_setting(name: str) -> str | None:
    if request and current_user and current_user.is_authenticated:
        value: str | None = getattr(current_user, name, None)
        return value
    return None


def select_locale() -> str:
    """Return the locale of the current request (Flask-Babel's locale selector)."""
    chosen = _user_setting("locale")
    if chosen in LANGUAGES:
        return chosen
    return _asked_for(request.environ).language or site_default_locale()


def page_variant(environ: dict[str, Any]) -> str:
    """Return what, besides the URL, picks a visitor's page: language and time zone asked for.

    ``select_locale`` and ``select_timezone`` for someone not signed in, up to the site's
    default language (the shared cache keys pages by the site settings too).
    """
    asked = _asked_for(environ)
    return f"{asked.language}|{asked.zone}"


class _Asked(NamedTuple):
    language: str  # "" when neither the cookie nor Accept-Language names one we have
    zone: str  # "" when the cookie names no time zone this system knows


def _asked_for(environ: dict[str, Any]) -> _Asked:
    return _asked(environ.get("HTTP_COOKIE", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""))


@lru_cache(maxsize=4096)
def _asked(cookie_header: str, accept_language: str) -> _Asked:
    """Read a visitor's language and time zone from their headers, once per distinct pair.

    The shared cache asks on every hit, each rendered page once more.
    """
    cookies = parse_cookie(cookie_header) if cookie_header else {}
    language = cookies.get(LOCALE_COOKIE)
    if language not in LANGUAGES:
        accepted = parse_accept_header(accept_language, LanguageAccept)
        language = _ACCEPTED.get(accepted.best_match(list(_ACCEPTED)) or "", "")
    zone = cookies.get(TIMEZONE_COOKIE)
    return _Asked(language or "", zone if zone and valid_timezone(zone) else "")


def site_default_locale() -> str:
    """Return the language of a reader whose browser names none we have: the site's setting."""
    chosen = site_settings().default_language
    return chosen if chosen in LANGUAGES else DEFAULT_LOCALE


@cache
def timezone_names() -> tuple[str, ...]:
    """Return every IANA time zone name, sorted (for the settings form)."""
    return tuple(sorted(available_timezones()))


def valid_timezone(name: str | None) -> bool:
    """Tell whether ``name`` is an IANA time zone this system knows."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def select_timezone() -> str:
    """Return the time zone of the current request (Flask-Babel's time zone selector)."""
    chosen = _user_setting("timezone")
    if chosen and valid_timezone(chosen):
        return chosen
    return _asked_for(request.environ).zone or "UTC"
