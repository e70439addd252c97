"""Site settings an administrator edits in the back office, applied in every process.

The settings live in the database (``site_settings``, one row per key) over defaults taken
from the environment (``SITE_NAME``, ``REQUIRE_EMAIL_CONFIRMATION``): a key never saved
follows its default. Each process keeps the settings it last read with the version they had
(the ``site.settings`` counter, bumped by every save) and asks for the version again at most
every ``SITE_SETTINGS_TTL`` seconds (2 by default, 0 in tests), so a change made in one web
process or worker shows in all of them within that time without a restart; the process that
saves sees it at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core import events
from inkstone.core.db import Base, BigId, counters, reads, utcnow
from inkstone.extensions import db

VERSION = "site.settings"
NAME_MAX = 80
TAGLINE_MAX = 200
ANNOUNCEMENT_MAX = 2000


class Registration(StrEnum):
    """Who may create an account."""

    OPEN = "open"
    INVITE = "invite"  # only with an invitation from the back office
    CLOSED = "closed"


class SiteSetting(Base):
    """One saved setting: its key and JSON value, and who saved it when."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    def __repr__(self) -> str:
        return f"<SiteSetting {self.key}={self.value!r}>"


@dataclass(frozen=True)
class SiteSettings:
    """The settings in force. ``announcement_html`` is the announcement rendered when saved."""

    site_name: str = "Inkstone"
    tagline: str = ""
    registration: str = Registration.OPEN.value
    require_email_confirmation: bool = False
    announcement: str = ""
    announcement_html: str = ""
    default_language: str = ""  # "": the browser's language decides, then English
    comments_enabled: bool = True
    # Moderators and administrators must have a second factor (set up at their next sign-in).
    require_two_factor_for_staff: bool = False

    @property
    def name(self) -> str:
        """Return the site's name (the layout's brand and every page title)."""
        return self.site_name


KEYS = frozenset(f.name for f in fields(SiteSettings))


def defaults(app: Flask) -> SiteSettings:
    """Return the settings of a site where nothing was saved yet (from the environment)."""
    return SiteSettings(
        site_name=str(app.config.get("SITE_NAME") or "Inkstone"),
        require_email_confirmation=bool(app.config.get("REQUIRE_EMAIL_CONFIRMATION")),
    )


@dataclass
class _Cached:
    version: int
    settings: SiteSettings
    checked: float


_lock = threading.Lock()
_EXTENSION = "inkstone.site_settings"
_VERSION_READ = select(counters.Counter.value).where(counters.Counter.name == VERSION)
_ROWS = select(SiteSetting.key, SiteSetting.value)


def _load(app: Flask) -> SiteSettings:
    saved = {key: value for key, value in reads.execute(_ROWS) if key in KEYS}
    return replace(defaults(app), **saved)


def site_settings() -> SiteSettings:
    """Return the settings in force (kept per process, re-checked every few seconds)."""
    if not has_app_context():
        return SiteSettings()
    found: SiteSettings | None = g.get("_site_settings")
    if found is not None:
        return found
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ttl = float(app.config.get("SITE_SETTINGS_TTL", 2.0))
    cached: _Cached | None = app.extensions.get(_EXTENSION)
    now = time.monotonic()
    if cached is None or now - cached.checked >= ttl:
        try:
            version = int(reads.scalar(_VERSION_READ) or 0)
            settings = (
                _load(app) if cached is None or cached.version != version else cached.settings
            )
        except SQLAlchemyError:
            # The database is down or this request's transaction failed: the error page
            # still needs a site name. Use what was read last, or the defaults.
            found = cached.settings if cached is not None else defaults(app)
            g._site_settings = found
            return found
        cached = _Cached(version=version, settings=settings, checked=now)
        with _lock:
            app.extensions[_EXTENSION] = cached
    g._site_settings = cached.settings
    return cached.settings


def save_site_settings(*, changes: dict[str, Any], actor_id: int | None) -> SiteSettings:
    """Store ``changes`` (keys of :class:`SiteSettings`), bump the version; flush, not commit.

    Validation is the caller's (the back office's schema); unknown keys raise ``ValueError``.
    """
    unknown = set(changes) - KEYS
    if unknown:
        raise ValueError(f"unknown site settings: {sorted(unknown)}")
    for key, value in changes.items():
        row = db.session.get(SiteSetting, key)
        if row is None:
            db.session.add(SiteSetting(key=key, value=value, updated_by_id=actor_id))
        else:
            row.value = value
            row.updated_by_id = actor_id
    db.session.flush()
    counters.bump(VERSION, 1)
    events.site_settings_changed.send(keys=frozenset(changes), actor_id=actor_id)
    forget_site_settings()
    return site_settings()


def forget_site_settings() -> None:
    """Drop this process's copy (the next read loads the settings again)."""
    if has_app_context():
        current_app.extensions.pop(_EXTENSION, None)
        g.pop("_site_settings", None)
