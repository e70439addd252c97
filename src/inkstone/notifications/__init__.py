"""Notifications: what happened to your articles, follows and jobs, on the site and by mail."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the notification pages, API, live stream, mail and subscribers."""
    from celery.schedules import crontab

    from inkstone.core.celery import PERIODIC_EXPIRES
    from inkstone.core.features import Feature, register
    from inkstone.notifications import api, cli, stream, subscribers, views
    from inkstone.notifications.tasks import DIGEST_TASK

    register(
        app,
        Feature(
            name="notifications",
            site=(views.bp, stream.bp),
            api=(api.bp, stream.api_bp),
            cli=(cli.notifications_cli,),
            tasks=("inkstone.notifications.tasks",),
            beat={
                "send-notification-digests": {
                    "task": DIGEST_TASK,
                    # Hourly: each reader's digest leaves at the first beat from 8 o'clock in
                    # their own time zone, whichever zone that is.
                    "schedule": crontab(minute=7),
                    "options": {"expires": PERIODIC_EXPIRES},
                },
            },
            slots={
                "navbar_items": ["notifications/_bell.html"],
                "settings": ["notifications/_settings_link.html"],
            },
        ),
    )
    subscribers.subscribe()
