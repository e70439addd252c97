"""Exports (CSV, XLSX, PDF) and imports (CSV, zip of Markdown) of articles, run as jobs."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the export download page, the exports and imports API and their tasks."""
    from inkstone.core.features import Feature, register
    from inkstone.transfers import api, views

    register(
        app,
        Feature(
            name="transfers",
            site=(views.bp,),
            api=(api.exports_bp, api.imports_bp),
            tasks=("inkstone.transfers.exports", "inkstone.transfers.imports"),
            slots={"settings": ["transfers/_settings_export.html"]},
        ),
    )
