"""Background jobs with visible progress: the Job model, services, API, pages and tasks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the job pages and APIs (exports, imports), tasks and beat; clean up accounts."""
    from celery.schedules import crontab
    from flask_babel import lazy_gettext as _l

    from inkstone.core.features import Audience, Feature, NavItem, register
    from inkstone.jobs import api, cleanup, export_api, export_views, import_api, retention, views

    register(
        app,
        Feature(
            name="jobs",
            site=(views.bp, export_views.bp),
            api=(api.bp, export_api.bp, import_api.bp),
            tasks=(
                "inkstone.jobs.heartbeat",
                "inkstone.jobs.exports",
                "inkstone.jobs.imports",
                "inkstone.jobs.retention",
            ),
            beat={
                "purge-job-results": {
                    "task": retention.PURGE_TASK,
                    "schedule": crontab(hour=3, minute=17),  # daily
                },
                "recover-jobs": {
                    "task": retention.RECOVER_TASK,
                    "schedule": retention.RECOVER_EVERY,
                },
            },
            nav=(NavItem("jobs.index", _l("Jobs"), 40, "bi-hourglass-split", Audience.SIGNED_IN),),
        ),
    )
    cleanup.connect_cleanup()
