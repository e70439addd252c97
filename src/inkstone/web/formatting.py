"""Jinja filters: times in the viewer's language and time zone; user-written text isolated."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_timedelta
from markupsafe import Markup, escape

from inkstone.core.db import utcnow


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def local_datetime(value: datetime, fmt: str = "medium") -> str:
    """Return ``value`` as a date and time in the viewer's zone and language."""
    return str(format_datetime(_aware(value), fmt))


def local_date(value: datetime, fmt: str = "long") -> str:
    """Return the date of ``value`` in the viewer's zone and language."""
    return str(format_date(_aware(value), fmt))


def time_ago(value: datetime) -> str:
    """Return how long ago ``value`` was: "3 hours ago", "3小时前"."""
    return str(format_timedelta(_aware(value) - utcnow(), add_direction=True, threshold=0.9))


def time_tag(value: datetime) -> Markup:
    """Return a ``<time>`` element: the local date, the exact time on hover, ISO inside."""
    value = _aware(value)
    iso = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso, escape(local_datetime(value)), escape(local_date(value))
    )


def isolate(value: object) -> Markup:
    """Return user-written text (a name, a title) in ``<bdi>``, escaped.

    Its direction then stays its own: a right-to-left name, or a right-to-left override
    (U+202E) in a title, cannot reorder the text around it.
    """
    return Markup("<bdi>{}</bdi>").format(value)


def init_formatting(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(isolate, "bdi")
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(time_ago, "ago")
    app.add_template_filter(time_tag, "time_tag")
