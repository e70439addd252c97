"""The guestbook page. (Skeleton: being built.)"""

from __future__ import annotations

from flask import Blueprint, abort

from inkstone.guestbook import models  # noqa: F401  (registers the table)

bp = Blueprint("guestbook", __name__, template_folder="templates")


@bp.route("/guestbook", methods=["GET", "POST"])
def index() -> str:
    """Show and sign the guestbook."""
    abort(404)
