"""Development helpers: demo data."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register ``flask dev``."""
    from inkstone.core.features import Feature, register
    from inkstone.dev.cli import dev_cli

    register(app, Feature(name="dev", cli=(dev_cli,)))
