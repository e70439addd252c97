"""Message catalogs (en, zh_CN) for Flask-Babel."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register ``flask translate``."""
    from inkstone.core.cache import VARIANT
    from inkstone.core.features import Feature, register
    from inkstone.i18n.cli import translate_cli
    from inkstone.i18n.locale import page_variant

    register(app, Feature(name="i18n", cli=(translate_cli,)))
    # Shared pages are kept once per language and time zone a visitor's request asks for.
    app.extensions[VARIANT] = page_variant
