"""Pages reached from account mail: confirm an address, reset a password, change an address.

Every link page answers a bad link with a page that says what went wrong and what to do
next (400 for a link that was not made here, 410 for one that expired or was used), never
with an error from deep inside.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from inkstone.accounts import recovery
from inkstone.accounts.forms import ResetPasswordForm, ResetRequestForm
from inkstone.auth.forms import password_message
from inkstone.auth.links import BadLink, Problem, Purpose
from inkstone.auth.models import User
from inkstone.auth.signin import web_user
from inkstone.core.errors import Conflict, Invalid
from inkstone.extensions import db, limiter
from inkstone.web.redirects import home_url

bp = Blueprint("recovery", __name__, template_folder="templates")

LINK_TITLES = {
    Problem.INVALID: _l("This link does not work"),
    Problem.EXPIRED: _l("This link has expired"),
    Problem.USED: _l("This link was already used"),
}
LINK_MESSAGES = {
    Problem.INVALID: _l(
        "The link is incomplete or was not made by this site. Copy the whole link from the "
        "mail, or ask for a new one."
    ),
    Problem.EXPIRED: _l(
        "For your security, the links in our mails work only for a limited time. Ask for a new one."
    ),
    Problem.USED: _l(
        "Each link works once, and a newer link replaces an older one. If you followed this "
        "one already, there is nothing more to do."
    ),
}
SENT_NOTICE = _l(
    "If an account uses that address, we sent a link to it to choose a new password. "
    "The link works for one hour."
)


def _mail_limit() -> str:
    return str(current_app.config["RATELIMIT_MAIL"])


def _reset_limit() -> str:
    return str(current_app.config["RATELIMIT_RESET"])


def _signed_in_as(user: User) -> bool:
    viewer = web_user()
    return viewer is not None and viewer.id == user.id


def _next_step(purpose: Purpose) -> tuple[str, str]:
    """Return where a visitor with an unusable ``purpose`` link can get a new one."""
    if purpose == Purpose.RESET_PASSWORD:
        return url_for("recovery.reset_request"), _("Ask for a new link")
    if web_user() is not None:
        return url_for("account.settings"), _("Go to your settings")
    return url_for("auth.login", next=url_for("account.settings")), _("Sign in")


def _link_page(
    title: str, message: str, action: tuple[str, str], *, done: bool = False, status: int = 200
) -> ResponseReturnValue:
    """Answer a followed link: what happened (``done``) or went wrong, and one next step."""
    action_url, action_label = action
    page = render_template(
        "accounts/link_page.html",
        done=done,
        title=title,
        message=message,
        action_url=action_url,
        action_label=action_label,
    )
    return page, status


def _done(title: str, message: str) -> ResponseReturnValue:
    """Answer a link that did its work in a browser not signed in to its account."""
    if web_user() is not None:
        action = home_url(), _("Back to the home page")
    else:
        action = url_for("auth.login"), _("Sign in")
    return _link_page(title, message, action, done=True)


def _bad_link(error: BadLink) -> ResponseReturnValue:
    """Answer a link that cannot be used: what went wrong, and what to do next."""
    status = 400 if error.problem == Problem.INVALID else 410
    return _link_page(
        LINK_TITLES[error.problem],
        LINK_MESSAGES[error.problem],
        _next_step(error.purpose),
        status=status,
    )


@bp.get("/confirm/<token>")
def confirm(token: str) -> ResponseReturnValue:
    """Confirm an email address from the link mailed at sign-up (signs nobody in)."""
    try:
        user = recovery.confirm_email(token=token)
    except BadLink as bad:
        db.session.rollback()
        return _bad_link(bad)
    db.session.commit()
    if _signed_in_as(user):
        flash(_("Thank you, your email address is confirmed."), "success")
        return redirect(home_url())
    return _done(
        _("Your email address is confirmed"),
        _("Thank you, %(username)s. Your account is ready.", username=user.username),
    )


@bp.post("/settings/confirmation")
@login_required
@limiter.limit(_mail_limit, methods=["POST"])
def resend() -> ResponseReturnValue:
    """Mail a new confirmation link to the signed-in user's address."""
    user = web_user()
    assert user is not None  # login_required; CSRFProtect has checked the form's token
    try:
        recovery.resend_confirmation(user=user)
    except Invalid:
        flash(_("Your email address is already confirmed."), "info")
    else:
        db.session.commit()
        flash(_("We sent a new confirmation link to %(email)s.", email=user.email), "success")
    return redirect(url_for("account.settings"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_request() -> ResponseReturnValue:
    """Ask for a link to choose a new password (the answer never tells who has an account)."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        recovery.request_password_reset(email=form.email.data or "")
        db.session.commit()
        flash(str(SENT_NOTICE), "info")
        return redirect(url_for("auth.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password with the link from a reset mail; every session ends."""
    try:
        link = recovery.check_reset_link(token=token)
    except BadLink as bad:
        return _bad_link(bad)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.reset_password(token=token, password=form.password.data or "")
        except Invalid as problem:
            db.session.rollback()
            form.password.errors = [*form.password.errors, password_message(problem.message)]
        else:
            db.session.commit()
            flash(_("Your password is changed. Sign in with your new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("accounts/reset_password.html", form=form, user=link.user, token=token)


@bp.get("/settings/email/<token>")
def change_email(token: str) -> ResponseReturnValue:
    """Switch to the new email address the link from a change mail confirms."""
    try:
        user = recovery.confirm_email_change(token=token)
    except BadLink as bad:
        db.session.rollback()
        return _bad_link(bad)
    except Conflict:
        db.session.rollback()
        return _link_page(
            _("That address is taken now"),
            _(
                "Another account started using that email address in the meantime, so your "
                "address stays as it was. Choose another one in your settings."
            ),
            _next_step(Purpose.CHANGE_EMAIL),
            status=409,
        )
    db.session.commit()
    if _signed_in_as(user):
        flash(_("Your email address is now %(email)s.", email=user.email), "success")
        return redirect(url_for("account.settings"))
    return _done(
        _("Your email address is changed"),
        _("Your account now uses %(email)s.", email=user.email),
    )
