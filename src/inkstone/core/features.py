"""Features register themselves: blueprints, CLI, tasks and beat entries, navigation, slots.

Each feature package's ``init_app(app)`` calls :func:`register` once with a :class:`Feature`
describing what it adds, and connects its event subscribers (``core.events``). ``create_app``
lists the features once, in layer order; nothing in ``core`` or ``web`` names one. The base
layout builds its navigation from the registered :class:`NavItem` s and includes the
templates features put in its named slots (``head``, ``banner``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from flask import Blueprint, Flask

EXTENSION = "inkstone.features"


class Audience(Enum):
    """Who sees a navigation item."""

    EVERYONE = "everyone"
    SIGNED_IN = "signed-in"
    VISITORS = "visitors"  # signed out


@dataclass(frozen=True)
class NavItem:
    """A link in the site's navigation bar (``menu="main"``) or footer (``menu="footer"``).

    ``kind``: ``link`` (a plain link), ``me`` (a link to the signed-in person's own page,
    ``endpoint`` taking ``username``, shown with their avatar and name) or ``post`` (a button
    that POSTs to ``endpoint`` with the CSRF token, such as signing out). ``scope`` (a scope's
    value, e.g. ``"users:manage"``) hides the item from those who lack it. Lower ``order``
    comes first.
    """

    endpoint: str
    label: Any  # a lazy translation: shown in the reader's language
    order: int
    icon: str = ""
    audience: Audience = Audience.EVERYONE
    scope: str | None = None
    kind: str = "link"
    menu: str = "main"


@dataclass(frozen=True)
class Feature:
    """What one feature adds to the application."""

    name: str
    site: Sequence[Blueprint] = ()
    api: Sequence[Blueprint] = ()
    cli: Sequence[Any] = ()  # click commands or groups: ``flask <name> …``
    tasks: Sequence[str] = ()  # modules defining Celery tasks, imported in web and worker
    beat: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    nav: Sequence[NavItem] = ()
    slots: Mapping[str, Sequence[str]] = field(default_factory=dict)  # slot → templates


@dataclass
class Registry:
    """What the registered features added, kept in ``app.extensions``."""

    features: list[str] = field(default_factory=list)
    nav: list[NavItem] = field(default_factory=list)
    slots: dict[str, list[str]] = field(default_factory=dict)
    # Set by the feature that owns scopes: (user, scope value) → whether the user has it.
    scope_check: Callable[[Any, str], bool] | None = None


def registry(app: Flask) -> Registry:
    """Return ``app``'s registry of features (made on first use)."""
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = Registry()
    return found


def register(app: Flask, feature: Feature) -> None:
    """Add ``feature``'s blueprints, commands, tasks, beat entries, nav items and slots."""
    from inkstone.core.openapi import API_PREFIX
    from inkstone.extensions import csrf

    known = registry(app)
    if feature.name in known.features:
        raise RuntimeError(f"feature {feature.name!r} is registered twice")
    known.features.append(feature.name)
    for blueprint in feature.site:
        app.register_blueprint(blueprint)
    for blueprint in feature.api:
        csrf.exempt(blueprint)  # token-authenticated: no cookie, no CSRF
        app.register_blueprint(blueprint, url_prefix=API_PREFIX)
    for command in feature.cli:
        app.cli.add_command(command)
    _add_tasks(app, feature)
    known.nav.extend(feature.nav)
    known.nav.sort(key=lambda item: item.order)
    for slot, templates in feature.slots.items():
        known.slots.setdefault(slot, []).extend(templates)


def _add_tasks(app: Flask, feature: Feature) -> None:
    celery_app = app.extensions.get("celery")
    if celery_app is None:
        if feature.tasks or feature.beat:
            raise RuntimeError("init_celery must run before the features register")
        return
    include = list(celery_app.conf.include or ())
    for module in feature.tasks:
        importlib.import_module(module)  # the web sends tasks by name: define them here too
        if module not in include:
            include.append(module)
    celery_app.conf.include = include
    celery_app.conf.beat_schedule = {**(celery_app.conf.beat_schedule or {}), **feature.beat}


def visible_nav(app: Flask, user: Any, menu: str = "main") -> list[NavItem]:
    """Return the items of ``menu`` that ``user`` (signed in or not) is shown, in order."""
    known = registry(app)
    signed_in = bool(getattr(user, "is_authenticated", False))
    shown = []
    for item in known.nav:
        if item.menu != menu:
            continue
        if item.audience is Audience.SIGNED_IN and not signed_in:
            continue
        if item.audience is Audience.VISITORS and signed_in:
            continue
        if item.scope is not None and not (
            signed_in and known.scope_check is not None and known.scope_check(user, item.scope)
        ):
            continue
        shown.append(item)
    return shown


def slot(app: Flask, name: str) -> list[str]:
    """Return the templates features put in the layout's slot ``name``."""
    return list(registry(app).slots.get(name, ()))
