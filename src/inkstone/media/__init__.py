"""Uploads: validated images and attachments, stored by content, served with safe headers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the upload pages, file serving, API and tasks; clean up deleted accounts."""
    from inkstone.core.features import Feature, register
    from inkstone.media import api, cleanup, serving, views

    register(
        app,
        Feature(
            name="media",
            site=(serving.bp, views.bp),
            api=(api.bp,),
            tasks=("inkstone.media.tasks",),
            slots={"settings_avatar": ["media/_avatar_upload.html"]},
        ),
    )
    cleanup.connect_cleanup()
