"""Bind the web site's extensions: sign-in, CSRF, languages, Bootstrap, filters, assets."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from flask_babel import get_locale

from inkstone.extensions import babel, bootstrap, csrf
from inkstone.web.assets import init_assets
from inkstone.web.formatting import init_formatting
from inkstone.web.locale import LANGUAGES, select_locale, select_timezone


def current_locale() -> str:
    """Return the page's locale code as ``LANGUAGES`` spells it (``en``, ``zh_CN``)."""
    locale = get_locale()
    if locale is None:
        return "en"
    # Babel fills in the script (zh_Hans_CN); the site names locales by language_TERRITORY.
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


def current_locale_tag() -> str:
    """Return the page's language as an HTML ``lang`` value (``en``, ``zh-CN``)."""
    return current_locale().replace("_", "-")


def page_window(page: int, pages: int, width: int = 2) -> Iterator[int | None]:
    """Yield the page numbers to link: first, last and ``width`` around ``page``; None for gaps."""
    shown = sorted({1, pages, *range(max(1, page - width), min(pages, page + width) + 1)})
    previous = 0
    for number in shown:
        if number - previous > 1:
            yield None
        yield number
        previous = number


def init_web(app: Flask) -> None:
    """Bind CSRF, Flask-Babel and Bootstrap-Flask; register template helpers."""
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    bootstrap.init_app(app)
    init_formatting(app)
    init_assets(app)
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        current_locale=current_locale,
        current_locale_tag=current_locale_tag,
        page_window=page_window,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
