"""Account self-service: settings, recovery by mail, devices, security log, deletion."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the settings and recovery pages and APIs, the settings link and the banner."""
    from flask_babel import lazy_gettext as _l

    from inkstone.accounts import api, recovery_api, recovery_views, views
    from inkstone.core.features import Audience, Feature, NavItem, register

    register(
        app,
        Feature(
            name="accounts",
            site=(views.bp, recovery_views.bp),
            api=(api.bp, recovery_api.bp),
            nav=(NavItem("account.settings", _l("Settings"), 50, "bi-gear", Audience.SIGNED_IN),),
            slots={"banner": ["accounts/_confirmation_banner.html"]},
        ),
    )
