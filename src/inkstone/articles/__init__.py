"""Articles, tags, favorites and comments."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the article pages, API, CLI and schedule; clean up after deleted accounts."""
    from flask_babel import lazy_gettext as _l

    from inkstone.articles import api, cleanup, editor_views, scheduling, views
    from inkstone.articles.cli import articles_cli
    from inkstone.core.celery import PERIODIC_EXPIRES
    from inkstone.core.features import Audience, Feature, NavItem, register

    assert editor_views.bp is views.bp  # the editor's routes are on the same blueprint

    signed_in = Audience.SIGNED_IN
    register(
        app,
        Feature(
            name="articles",
            site=(views.bp,),
            api=(api.bp,),
            cli=(articles_cli,),
            tasks=("inkstone.articles.tasks",),
            beat={
                "publish-due-articles": {
                    "task": scheduling.PUBLISH_DUE_TASK,
                    "schedule": scheduling.PUBLISH_DUE_EVERY.total_seconds(),
                    "options": {"expires": PERIODIC_EXPIRES},
                },
            },
            nav=(
                NavItem("articles.home", _l("Home"), 10),
                NavItem("articles.editor", _l("New article"), 30, "bi-pencil-square", signed_in),
                NavItem("articles.profile", "", 60, audience=signed_in, kind="me"),
            ),
        ),
    )
    cleanup.connect_cleanup()
