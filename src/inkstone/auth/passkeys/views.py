"""Passkey pages (stub until built)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from flask_login import login_required

bp = Blueprint("passkeys", __name__, template_folder="templates")


@bp.get("/settings/passkeys")
@login_required
def settings() -> ResponseReturnValue:
    """List, name and remove passkeys; register a new one."""
    return "passkeys", 501
