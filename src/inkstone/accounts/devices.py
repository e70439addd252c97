"""Name the device behind a User-Agent header: "Firefox on Windows", for the sessions page.

A small table of patterns, tried in order, is enough to tell a user which of their browsers a
session is; it is not browser detection for serving different pages. Order matters: browsers
built on Chrome also say "Chrome" and "Safari", and an iPhone says "like Mac OS X".
"""

from __future__ import annotations

import re
from typing import NamedTuple

_BROWSERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"\bEdg(?:e|A|iOS)?/", "Edge"),
        (r"\bOPR/|\bOpera\b", "Opera"),
        (r"\bSamsungBrowser/", "Samsung Internet"),
        (r"\bVivaldi/", "Vivaldi"),
        (r"\bYaBrowser/", "Yandex Browser"),
        (r"\bFirefox/|\bFxiOS/", "Firefox"),
        (r"\bChromium/", "Chromium"),
        (r"\bChrome/|\bCriOS/", "Chrome"),
        (r"\bSafari/", "Safari"),
        (r"\bMSIE |\bTrident/", "Internet Explorer"),
        (r"^curl/", "curl"),
        (r"^Wget/", "Wget"),
        (r"^python-requests/|^python-httpx/|^Python-urllib/", "Python"),
    )
)

_SYSTEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"\biPad\b", "iPadOS"),
        (r"\biPhone\b|\biPod\b", "iOS"),
        (r"\bAndroid\b", "Android"),
        (r"\bWindows\b", "Windows"),
        (r"\bCrOS\b", "ChromeOS"),
        (r"\bMac OS X\b|\bMacintosh\b", "macOS"),
        (r"\bLinux\b|\bX11\b", "Linux"),
    )
)


class Device(NamedTuple):
    """A browser and an operating system, each ``""`` when not recognised."""

    browser: str
    system: str

    def __str__(self) -> str:
        if self.browser and self.system:
            return f"{self.browser} on {self.system}"
        return self.browser or self.system or "Unknown device"


def _first(table: tuple[tuple[re.Pattern[str], str], ...], user_agent: str) -> str:
    return next((name for pattern, name in table if pattern.search(user_agent)), "")


def parse_user_agent(user_agent: str | None) -> Device:
    """Return the browser and system a User-Agent header names (``""`` for either unknown)."""
    if not user_agent:
        return Device("", "")
    return Device(_first(_BROWSERS, user_agent), _first(_SYSTEMS, user_agent))


def describe(user_agent: str | None) -> str:
    """Return an English name for the device: "Firefox on Windows", or "Unknown device"."""
    return str(parse_user_agent(user_agent))
