"""Site-wide pages: the landing page and the API documentation."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    """Show the landing page."""
    return render_template("web/index.html")


@bp.get("/api/v1/docs")
def api_docs() -> str:
    """Show Swagger UI for the API, with every asset served from this site."""
    return render_template("web/api_docs.html", spec_url=url_for("openapi.spec"))


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Answer a liveness probe."""
    return {"status": "ok"}
