"""Bind the web site's extensions: sign-in, CSRF, languages, Bootstrap, filters, assets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, g
from flask_babel import get_locale, get_translations
from flask_login import current_user

from inkstone.core.errors import set_html_error_renderer
from inkstone.core.features import NavItem, slot, visible_nav
from inkstone.core.site import site_settings
from inkstone.extensions import babel, bootstrap, csrf
from inkstone.i18n.locale import LANGUAGES, select_locale, select_timezone
from inkstone.web.assets import init_assets
from inkstone.web.formatting import init_formatting


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


def _translations() -> Any:
    """Return this request's translations, looked up once per request and locale.

    Flask-Babel's own template callables find them anew for every string (about 9 µs each,
    a dozen or more per page). The cache is keyed by the locale object Flask-Babel keeps for
    the request (``g._flask_babel.babel_locale``), which ``flask_babel.refresh()`` drops, so
    a language changed mid-request (the settings page) is honoured.
    """
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    cached = g.get("_inkstone_translations")
    if locale is None or cached is None or cached[0] is not locale:
        translations = get_translations()  # selects the locale first if needed
        cached = (get_locale(), translations)
        g._inkstone_translations = cached
    return cached[1]


def _install_fast_gettext(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def page_window(page: int, pages: int, width: int = 2) -> Iterator[int | None]:
    """Yield the page numbers to link: first, last and ``width`` around ``page``; None for gaps."""
    shown = sorted({1, pages, *range(max(1, page - width), min(pages, page + width) + 1)})
    previous = 0
    for number in shown:
        if number - previous > 1:
            yield None
        yield number
        previous = number


def nav_items(menu: str = "main") -> list[NavItem]:
    """Return the navigation items of ``menu`` the current reader is shown (for the layout)."""
    return visible_nav(current_app, current_user, menu)


def layout_slot(name: str) -> list[str]:
    """Return the templates the features put in the layout's slot ``name``."""
    return slot(current_app, name)


def init_web(app: Flask) -> None:
    """Bind CSRF, Flask-Babel and Bootstrap-Flask; register the site shell and its helpers."""
    from inkstone.web import views
    from inkstone.web.errors import error_page

    csrf.init_app(app)
    app.register_blueprint(views.bp)
    set_html_error_renderer(app, error_page)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    bootstrap.init_app(app)
    _install_fast_gettext(app)
    init_formatting(app)
    init_assets(app)
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        current_locale=current_locale,
        current_locale_tag=current_locale_tag,
        page_window=page_window,
        nav_items=nav_items,
        layout_slot=layout_slot,
        site=site_settings,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
