"""Web pages of accounts: sign in, sign up, sign out, settings."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from inkstone.auth import services
from inkstone.auth.forms import LoginForm, RegisterForm, SettingsForm
from inkstone.auth.signin import sign_in, sign_out, web_user
from inkstone.core.errors import Conflict, Unauthorized
from inkstone.extensions import db, limiter
from inkstone.web.redirects import safe_next

bp = Blueprint("auth", __name__, template_folder="templates")

TAKEN = {
    "username": _l("This username is taken. Please choose another one."),
    "email": _l("An account with this email address already exists."),
}


def _login_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN"])


def _register_limit() -> str:
    return str(current_app.config["RATELIMIT_REGISTER"])


def _next_url() -> str:
    """Return where to go once signed in: ``?next=`` if it stays on this site, else home."""
    return safe_next(request.args.get("next"), default=url_for("articles.home"))


def _next_param() -> str | None:
    """Return ``?next=`` to carry on to the form's action and links, if it is safe."""
    target = request.args.get("next")
    return target if safe_next(target, default="") else None


def _show_conflict(form: FlaskForm, error: Conflict) -> None:
    """Put "already taken" under the field it is about (username or email)."""
    field = error.field if error.field in TAKEN else "username"
    form[field].errors.append(str(TAKEN[field]))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    """Sign in with an email address and a password."""
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                email=form.email.data, password=form.password.data, via="web"
            )
        except Unauthorized:
            db.session.commit()  # the failed attempt stays in the audit log
            # One message for an unknown email and a wrong password: no account probing.
            form.form_errors.append(_("Wrong email or password."))
        else:
            sign_in(user, remember=bool(form.remember.data))
            db.session.commit()
            flash(_("Welcome back, %(username)s!", username=user.username), "success")
            return redirect(_next_url())
    return render_template("auth/login.html", form=form, next=_next_param())


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """Create an account and sign in with it."""
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                username=form.username.data, email=form.email.data, password=form.password.data
            )
        except Conflict as taken:
            db.session.rollback()
            _show_conflict(form, taken)
        else:
            sign_in(user)
            db.session.commit()
            flash(
                _(
                    "Welcome to %(site)s, %(username)s!",
                    site=current_app.config["SITE_NAME"],
                    username=user.username,
                ),
                "success",
            )
            return redirect(_next_url())
    return render_template("auth/register.html", form=form, next=_next_param())


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out (POST only, with a CSRF token, so no other site can sign you out)."""
    sign_out()
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("articles.home"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    """Change your profile, account and display settings."""
    user = web_user()
    assert user is not None  # login_required
    # Current values fill the form; a field a POST leaves out keeps its value.
    form = SettingsForm(
        data={
            "image": user.image or "",
            "username": user.username,
            "bio": user.bio,
            "email": user.email,
            "locale": user.locale or "",
            "timezone": user.timezone or "",
        }
    )
    if form.validate_on_submit():
        try:
            services.update_own_account(
                user=user, changes=form.changes(), current_password=form.current_password.data
            )
        except Unauthorized:
            form.current_password.errors.append(
                _("That is not your current password.")
                if form.current_password.data
                else _("Enter your current password to change your email address or password.")
            )
        except Conflict as taken:
            db.session.rollback()
            _show_conflict(form, taken)
        else:
            db.session.commit()
            refresh()  # the page language may just have changed: say "saved" in the new one
            flash(_("Your settings were saved."), "success")
            return redirect(url_for("auth.settings"))
    return render_template("auth/settings.html", form=form, user=user)
