"""Back office section: site_settings (pages under /admin)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_site_settings", __name__, url_prefix="/admin")
