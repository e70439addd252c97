"""Back office section: moderation (pages under /admin)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_moderation", __name__, url_prefix="/admin")
