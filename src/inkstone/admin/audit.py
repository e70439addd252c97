"""Back office section: audit (pages under /admin)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_audit", __name__, url_prefix="/admin")
