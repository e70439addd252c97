"""Atom and RSS feeds, the sitemap and robots.txt. (Skeleton: being built.)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("feeds", __name__, template_folder="templates")


@bp.get("/feed.atom")
def site_atom() -> str:
    """Serve the site's Atom feed."""
    abort(404)


@bp.get("/feed.rss")
def site_rss() -> str:
    """Serve the site's RSS feed."""
    abort(404)
