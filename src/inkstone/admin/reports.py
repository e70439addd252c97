"""Back office section: reports (pages under /admin)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_reports", __name__, url_prefix="/admin")
