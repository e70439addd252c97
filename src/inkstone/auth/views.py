"""Web pages of accounts: sign in, sign up, sign out, settings. (Skeleton: being built.)"""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("auth", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str:
    """Sign in."""
    abort(404)


@bp.route("/register", methods=["GET", "POST"])
def register() -> str:
    """Sign up."""
    abort(404)


@bp.post("/logout")
def logout() -> str:
    """Sign out."""
    abort(404)


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> str:
    """Change your settings."""
    abort(404)
