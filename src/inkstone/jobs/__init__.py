"""The job engine: the Job model, services, runner, liveness, retention, progress, API, pages.

It names no kind of job: features register theirs (``runner.job_task(name, kind=...)``).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the job pages (and the back office's), API, tasks and beat; clean up accounts."""
    from celery.schedules import crontab
    from flask_babel import lazy_gettext as _l

    from inkstone.core.celery import PERIODIC_EXPIRES
    from inkstone.core.features import Audience, Feature, NavItem, register
    from inkstone.jobs import admin_api, admin_views, api, cleanup, retention, views

    register(
        app,
        Feature(
            name="jobs",
            site=(views.bp, admin_views.bp),
            api=(api.bp, admin_api.bp),
            tasks=("inkstone.jobs.heartbeat", "inkstone.jobs.retention"),
            beat={
                "purge-job-results": {
                    "task": retention.PURGE_TASK,
                    "schedule": crontab(hour=3, minute=17),  # daily
                },
                "recover-jobs": {
                    "task": retention.RECOVER_TASK,
                    "schedule": float(app.config["JOB_RECOVER_SECONDS"]),
                    "options": {"expires": PERIODIC_EXPIRES},
                },
            },
            nav=(
                NavItem("jobs.index", _l("Jobs"), 40, "bi-hourglass-split", Audience.SIGNED_IN),
                # The back office's section (everyone's jobs, workers): its side menu.
                NavItem(
                    "jobs_admin.index",
                    _l("Jobs"),
                    40,
                    icon="bi-cpu",
                    scope="jobs:manage",
                    menu="admin",
                ),
            ),
        ),
    )
    cleanup.connect_cleanup()
