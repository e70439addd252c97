"""Full-text search of articles and people, in Chinese and English."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the search page, API, commands, reindex job; follow the article events."""
    from flask_babel import lazy_gettext as _l

    from inkstone.core.db import HAND_MADE_TABLES
    from inkstone.core.features import Feature, NavItem, register
    from inkstone.jobs.views import name_kind
    from inkstone.search import admin_views, api, cli, indexing, views
    from inkstone.search.models import INDEX_TABLES

    HAND_MADE_TABLES.update(INDEX_TABLES)
    register(
        app,
        Feature(
            name="search",
            site=(views.bp, admin_views.bp),
            api=(api.bp,),
            cli=(cli.search_cli,),
            tasks=("inkstone.search.indexing", "inkstone.search.jobs"),
            slots={"navbar": ["search/_navbar_form.html"]},
            nav=(
                NavItem(
                    "search_admin.index",
                    _l("Search index"),
                    58,
                    icon="bi-search",
                    scope="site:configure",
                    menu="admin",
                ),
            ),
        ),
    )
    name_kind("search", _l("Search index rebuild"))
    indexing.subscribe()
