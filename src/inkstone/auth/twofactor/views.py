"""Two-factor pages (stub until built): the sign-in step and the settings page."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from flask_login import login_required

bp = Blueprint("twofactor", __name__, template_folder="templates")


@bp.route("/login/two-factor", methods=["GET", "POST"])
def challenge() -> ResponseReturnValue:
    """Ask for the second factor of a waiting sign-in."""
    return "two-factor", 501


@bp.route("/settings/two-factor", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    """Set up, inspect or turn off two-factor authentication."""
    return "two-factor settings", 501
