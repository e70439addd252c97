"""Remembered HTML for the list pages: previews and other fragments rendered once per key.

Rendering a preview (Babel dates, URLs, escaping) costs several times what reading the page
from the database does, and the same previews are shown again and again. Each fragment is
remembered by everything it shows (the relative time "3 hours ago", the language, the time
zone and the site's root included), so an edit, a new favorite or a new relative time
renders it afresh and nothing is ever shown stale. The maps are per process and bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from itertools import islice
from threading import Lock
from typing import Any

from flask import current_app, request, url_for
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from inkstone.articles.queries import ArticleView
from inkstone.core.db import utcnow
from inkstone.web.formatting import time_ago


class Memo:
    """A thread-safe map of at most ``size`` entries that forgets the oldest first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: dict[Hashable, Any] = {}
        self._lock = Lock()

    def get(self, key: Hashable) -> Any:
        """Return the value kept under ``key``, or ``None``."""
        return self._data.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key``, forgetting the oldest eighth when full."""
        with self._lock:
            if len(self._data) >= self._size:
                for old in list(islice(self._data, self._size // 8)):
                    self._data.pop(old, None)
            self._data[key] = value


_PREVIEWS = Memo(4096)
_FRAGMENTS = Memo(4096)
_AGO = Memo(4096)
_TAG_URLS = Memo(4096)


def remembered(*parts: Hashable, caller: Callable[[], str]) -> Markup:
    """Return the HTML of a ``{% call remembered(…) %}`` block, rendered once per key.

    ``parts`` must name everything the block shows (a CSRF token in it too); the language,
    the time zone and the site's root are added.
    """
    key = (str(get_locale()), str(get_timezone()), request.script_root, *parts)
    html: Markup | None = _FRAGMENTS.get(key)
    if html is None:
        html = Markup(caller())
        _FRAGMENTS.put(key, html)
    return html


def tag_url(name: str) -> str:
    """Return the URL of a tag's page (the sidebar links 20 of them on every list)."""
    key = (request.script_root, name)
    url: str | None = _TAG_URLS.get(key)
    if url is None:
        url = url_for("articles.tag", tag=name)
        _TAG_URLS.put(key, url)
    return url


def _ago(value: datetime, locale: str) -> str:
    """Return ``value|ago`` in ``locale``, worked out once per second of age."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    key = (locale, int((utcnow() - aware).total_seconds()))
    text: str | None = _AGO.get(key)
    if text is None:
        text = time_ago(value)
        _AGO.put(key, text)
    return text


def article_previews(articles: list[ArticleView], shared: dict[str, Any]) -> Markup:
    """Return the ``preview`` macro's HTML for each article (see ``articles/macros.html``).

    ``shared`` holds what the list has in common: ``signed_in``, ``here`` and ``token``.
    """
    locale, zone = str(get_locale()), str(get_timezone())
    list_key = (
        *(locale, zone, request.script_root),
        *(shared["signed_in"], shared["here"], shared["token"]),
    )
    macros = None
    out = []
    for a in articles:
        key = (
            list_key,
            _ago(a.created_at, locale),
            *(a.slug, a.title, a.description, a.created_at, tuple(a.tag_list), a.author),
            *(a.favorited, a.favorites_count, a.published),
        )
        html: Markup | None = _PREVIEWS.get(key)
        if html is None:
            if macros is None:
                macros = current_app.jinja_env.get_template("articles/macros.html").module
            html = Markup(macros.preview(a, shared))  # type: ignore[attr-defined]
            _PREVIEWS.put(key, html)
        out.append(html)
    return Markup("\n").join(out)
