"""Web pages of articles: home, tag, article, editor, profiles. (Skeleton: being built.)"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

bp = Blueprint("articles", __name__, template_folder="templates")


@bp.get("/")
def home() -> str:
    """Show the home page."""
    return render_template("web/base.html")


@bp.route("/editor", methods=["GET", "POST"])
def editor() -> str:
    """Write an article."""
    abort(404)


@bp.get("/profile/<username>")
def profile(username: str) -> str:  # noqa: ARG001  (skeleton)
    """Show a profile."""
    abort(404)
