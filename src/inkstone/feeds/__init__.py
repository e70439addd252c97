"""Atom and RSS feeds (the site's, a tag's, an author's) and the sitemap."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feeds and the sitemap, their footer links and the page head's Atom link."""
    from inkstone.core.features import Feature, NavItem, register
    from inkstone.feeds import views

    register(
        app,
        Feature(
            name="feeds",
            site=(views.bp,),
            nav=(
                NavItem("feeds.site_atom", "Atom", 10, menu="footer"),
                NavItem("feeds.site_rss", "RSS", 20, menu="footer"),
            ),
            slots={"head": ["feeds/_link.html"]},
        ),
    )
