"""Uploads: validated images and attachments, stored by content, served with safe headers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the upload pages (and the back office's), serving, API, tasks; clean up."""
    from flask_babel import lazy_gettext as _l

    from inkstone.core.features import Feature, NavItem, register
    from inkstone.media import admin_api, admin_views, api, cleanup, serving, views

    register(
        app,
        Feature(
            name="media",
            site=(serving.bp, views.bp, views.files_bp, admin_views.bp),
            api=(api.bp, admin_api.bp),
            tasks=("inkstone.media.tasks",),
            nav=(
                NavItem(
                    "media_admin.index",
                    _l("Files"),
                    45,
                    icon="bi-images",
                    scope="users:manage",
                    menu="admin",
                ),
            ),
            slots={
                "settings_avatar": ["media/_avatar_upload.html"],
                "settings": ["media/_settings_files.html"],
            },
        ),
    )
    cleanup.connect_cleanup()
