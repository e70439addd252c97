"""Changing the site settings from the back office: validate, render, save, audit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inkstone.articles.markdown import render
from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import User
from inkstone.core.errors import Invalid
from inkstone.core.site import (
    ANNOUNCEMENT_MAX,
    NAME_MAX,
    TAGLINE_MAX,
    Registration,
    SiteSettings,
    save_site_settings,
    site_settings,
)
from inkstone.i18n.locale import LANGUAGES

# What an administrator sets; ``announcement_html`` follows ``announcement``.
EDITABLE = (
    "site_name",
    "tagline",
    "registration",
    "require_email_confirmation",
    "announcement",
    "default_language",
    "comments_enabled",
    "require_two_factor_for_staff",
)
REGISTRATIONS = tuple(mode.value for mode in Registration)
DEFAULT_LANGUAGES = ("", *LANGUAGES)  # "": the reader's browser decides


def _text(changes: Mapping[str, Any], key: str, *, low: int, high: int) -> str:
    value = changes[key]
    if not isinstance(value, str):
        raise Invalid("must be text", field=key)
    value = value.strip()
    if not low <= len(value) <= high:
        raise Invalid(f"must be {low} to {high} characters long", field=key)
    return value


def _flag(changes: Mapping[str, Any], key: str) -> bool:
    value = changes[key]
    if not isinstance(value, bool):
        raise Invalid("must be true or false", field=key)
    return value


def _choice(changes: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = changes[key]
    if not isinstance(value, str) or value not in choices:
        raise Invalid(f"must be one of: {', '.join(repr(c) for c in choices)}", field=key)
    return value


def clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``changes`` checked and tidied (text trimmed), or raise ``Invalid``."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(f"unknown settings: {', '.join(sorted(unknown))}", field="settings")
    cleaned: dict[str, Any] = {}
    for key in changes:
        if key == "site_name":
            cleaned[key] = _text(changes, key, low=1, high=NAME_MAX)
        elif key == "tagline":
            cleaned[key] = _text(changes, key, low=0, high=TAGLINE_MAX)
        elif key == "announcement":
            cleaned[key] = _text(changes, key, low=0, high=ANNOUNCEMENT_MAX)
        elif key == "registration":
            cleaned[key] = _choice(changes, key, REGISTRATIONS)
        elif key == "default_language":
            cleaned[key] = _choice(changes, key, DEFAULT_LANGUAGES)
        else:
            cleaned[key] = _flag(changes, key)
    return cleaned


def update_site_settings(*, changes: Mapping[str, Any], actor: User) -> SiteSettings:
    """Save the settings in ``changes`` that differ from those in force; audit what changed.

    A new announcement is rendered from Markdown to sanitised HTML here, once, so pages
    show the stored HTML as it is. Flushes, never commits.
    """
    current = site_settings()
    wanted = clean_changes(changes)
    changed = {key: value for key, value in wanted.items() if getattr(current, key) != value}
    if not changed:
        return current
    saved = dict(changed)
    if "announcement" in changed:
        text = changed["announcement"]
        saved["announcement_html"] = render(text) if text else ""
    settings = save_site_settings(changes=saved, actor_id=actor.id)
    record_event(
        Event.SITE_SETTINGS_CHANGED,
        user=None,  # about the site, not a person: the admin is recorded as the actor
        actor=actor,
        changed=sorted(changed),
        before={key: getattr(current, key) for key in sorted(changed)},
        after={key: changed[key] for key in sorted(changed)},
    )
    return settings
