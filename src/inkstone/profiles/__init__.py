"""The follow graph, blocked people and public profiles."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the profiles API and blocking pages; a deleted account's follows go with it."""
    from inkstone.core.features import Feature, register
    from inkstone.profiles import api, cleanup, views

    register(
        app,
        Feature(
            name="profiles",
            site=(views.bp,),
            api=(api.bp,),
            slots={"settings": ["profiles/_settings_blocked.html"]},
        ),
    )
    cleanup.connect_cleanup()
