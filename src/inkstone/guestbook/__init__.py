"""The guestbook: anyone may leave a name and a short message."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the guestbook's page and API."""
    from flask_babel import lazy_gettext as _l

    from inkstone.core.features import Feature, NavItem, register
    from inkstone.guestbook import api, views

    register(
        app,
        Feature(
            name="guestbook",
            site=(views.bp,),
            api=(api.bp,),
            nav=(NavItem("guestbook.index", _l("Guestbook"), 20),),
        ),
    )
