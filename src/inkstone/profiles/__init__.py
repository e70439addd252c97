"""The follow graph and public profiles."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the profiles API; a deleted account's follows go with it."""
    from inkstone.core.features import Feature, register
    from inkstone.profiles import api, cleanup

    register(app, Feature(name="profiles", api=(api.bp,)))
    cleanup.connect_cleanup()
