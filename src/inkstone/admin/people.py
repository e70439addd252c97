"""Back office section: people (pages under /admin)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_people", __name__, url_prefix="/admin")
