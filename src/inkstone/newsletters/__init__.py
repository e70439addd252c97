"""Author newsletters: readers subscribe to an author by email and get each new article."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the subscription pages, API, mailing tasks and the back office's section."""
    from celery.schedules import crontab
    from flask_babel import lazy_gettext as _l

    from inkstone.core.celery import PERIODIC_EXPIRES
    from inkstone.core.features import Feature, NavItem, register
    from inkstone.jobs.views import name_kind
    from inkstone.newsletters import admin_views, api, exports, sending, tasks, views

    register(
        app,
        Feature(
            name="newsletters",
            site=(views.bp, admin_views.bp),
            api=(api.bp,),
            tasks=(
                "inkstone.newsletters.sending",
                "inkstone.newsletters.exports",
                "inkstone.newsletters.tasks",
            ),
            beat={
                "purge-pending-subscriptions": {
                    "task": tasks.PURGE_TASK,
                    "schedule": crontab(hour=4, minute=23),  # daily
                    "options": {"expires": PERIODIC_EXPIRES},
                },
            },
            nav=(
                NavItem(
                    "newsletters_admin.index",
                    _l("Newsletters"),
                    47,
                    icon="bi-envelope-paper",
                    scope="users:manage",
                    menu="admin",
                ),
            ),
            slots={
                "profile_actions": ["newsletters/_profile_actions.html"],
                "article_actions": ["newsletters/_article_actions.html"],
                "settings": ["newsletters/_settings.html"],
            },
        ),
    )
    name_kind(f"{exports.KIND}.csv", exports.KIND_LABEL)
    name_kind(exports.KIND, exports.KIND_LABEL)
    sending.subscribe_events()
