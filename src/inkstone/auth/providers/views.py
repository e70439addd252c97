"""Third-party sign-in pages (stub until built)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from flask_login import login_required

bp = Blueprint("providers", __name__, template_folder="templates")


@bp.get("/settings/connected-accounts")
@login_required
def settings() -> ResponseReturnValue:
    """List linked third-party accounts; link or unlink one."""
    return "connected accounts", 501
