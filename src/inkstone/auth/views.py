"""Web pages of accounts: sign in, sign up, sign out, settings."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from inkstone.auth import error_codes, services, throttle
from inkstone.auth import throttle as captcha
from inkstone.auth.forms import LoginForm, RegisterForm, show_conflict, show_refusal
from inkstone.auth.invitations import InvitationRefused, Problem
from inkstone.auth.models import User
from inkstone.auth.signin import sign_in, sign_out
from inkstone.auth.signin_flow import first_factor_passed
from inkstone.core.errors import Conflict, Invalid, Unauthorized
from inkstone.core.site import site_settings
from inkstone.extensions import db, limiter
from inkstone.web.redirects import home_url, safe_next

bp = Blueprint("auth", __name__, template_folder="templates")
# Sign-ups are counted per IP (for the sign-up captcha) wherever they are made.
bp.record_once(throttle.subscribe)
# The API's error codes of accounts and sign-in, for OpenAPI (and 401/403's generic codes).
bp.record_once(error_codes.register)


def _login_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN"])


def _register_limit() -> str:
    return str(current_app.config["RATELIMIT_REGISTER"])


def _next_url() -> str:
    """Return where to go once signed in: ``?next=`` if it stays on this site, else home."""
    return safe_next(request.args.get("next"), default=home_url())


def _next_param() -> str | None:
    """Return ``?next=`` to carry on to the form's action and links, if it is safe."""
    target = request.args.get("next")
    return target if safe_next(target, default="") else None


CAPTCHA_EMAIL = "captcha_email"  # the address the sign-in form last asked a captcha for


def _captcha_shown(form: LoginForm) -> bool:
    """Tell whether the sign-in page shows the captcha; remember the address it is for.

    After a POST it is for the address just tried; a plain visit (the "new picture" link)
    shows it again for the address this browser last tried, filled in.
    """
    email = form.email.data if form.is_submitted() else session.get(CAPTCHA_EMAIL)
    if not isinstance(email, str) or not throttle.captcha_required(email):
        session.pop(CAPTCHA_EMAIL, None)
        return False
    session[CAPTCHA_EMAIL] = email
    form.email.data = email
    return True


def _captcha_missing(form: LoginForm) -> bool:
    """Tell whether this attempt needs a solved captcha and lacks one (then say so)."""
    if not throttle.captcha_required(form.email.data):
        return False
    return _captcha_unsolved(
        form,
        _(
            "Several attempts to sign in with this email address have failed. "
            "To continue, also type the characters in the picture."
        ),
    )


def _captcha_unsolved(form: LoginForm | RegisterForm, why: str) -> bool:
    """Tell whether the form's captcha answer is missing or wrong (then say so: ``why`` first)."""
    if not form.captcha.data:
        form.form_errors.append(why)
        form.captcha.errors.append(_("Type the characters in the picture."))
        captcha.discard()  # a new picture comes with the page
        return True
    if not captcha.solved(form.captcha.data):
        form.captcha.errors.append(
            _("Those characters do not match the picture. Please try this new one.")
        )
        return True
    return False


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.shared_limit(
    throttle.account_limit,
    scope=throttle.ACCOUNT_SCOPE,
    key_func=throttle.account_key,
    deduct_when=throttle.attempt_failed,
    methods=["POST"],
)
def login() -> ResponseReturnValue:
    """Sign in with an email address and a password (and a captcha after many failures)."""
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    # A missing or wrong captcha stops the attempt before the password is even checked.
    if form.validate_on_submit() and not _captcha_missing(form):
        try:
            user = services.verify_credentials(
                email=form.email.data, password=form.password.data, via="web"
            )
        except Unauthorized:
            throttle.record_failure(form.email.data)
            db.session.commit()  # the failed attempt stays in the audit log
            # One message for an unknown email and a wrong password: no account probing.
            form.form_errors.append(_("Wrong email or password."))
        else:
            throttle.record_success(form.email.data)
            session.pop(CAPTCHA_EMAIL, None)
            # Signed in now, or once the second factor passed (signin_flow).
            return first_factor_passed(
                user, remember=bool(form.remember.data), via="web", next_url=_next_url()
            )
    return render_template(
        "auth/login.html", form=form, next=_next_param(), show_captcha=_captcha_shown(form)
    )


@bp.get("/captcha.png")
@limiter.limit(_login_limit)
def captcha_image() -> Response:
    """Draw a new captcha picture for this browser's sign-in form (replacing the last one)."""
    response = Response(captcha.new_challenge(), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """Create an account and sign in with it (with an invitation on an invite-only site)."""
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = RegisterForm()
    if request.method == "GET":
        form.invitation.data = request.args.get("invite", "")
    invitation = form.invitation.data or None
    show_captcha = throttle.signup_captcha_required()
    try:
        invited = services.check_registration(invitation=invitation) is not None
        # A missing or wrong captcha stops the sign-up before anything is made.
        if form.validate_on_submit() and not (show_captcha and _signup_captcha_missing(form)):
            try:
                user = services.sign_up(
                    username=form.username.data,
                    email=form.email.data,
                    password=form.password.data,
                    invitation=invitation,
                )
            except Conflict as taken:
                db.session.rollback()
                show_conflict(form, taken)
            except Invalid as refused:
                db.session.rollback()
                show_refusal(form, refused, "password")
            else:
                sign_in(user)
                db.session.commit()
                _welcome(user)
                return redirect(_next_url())
    except (services.RegistrationClosed, InvitationRefused) as refused:
        db.session.rollback()
        return refused_sign_up(refused, next_param=_next_param())
    return render_template(
        "auth/register.html",
        form=form,
        next=_next_param(),
        invited=invited,
        show_captcha=show_captcha,
    )


def _signup_captcha_missing(form: RegisterForm) -> bool:
    """Tell whether this sign-up lacks the solved captcha it needs (then say so)."""
    return _captcha_unsolved(
        form,
        _(
            "Several accounts were made from your network in the last hour. "
            "To continue, also type the characters in the picture."
        ),
    )


# What the sign-up page says when it cannot be used: a title and an explanation.
CLOSED = (_l("Sign-up is closed"), _l("%(site)s is not taking new accounts at the moment."))
INVITATION_PROBLEMS = {
    Problem.MISSING: (
        _l("Sign-up by invitation only"),
        _l("%(site)s is open to invited people only. To sign up, follow your invitation link."),
    ),
    Problem.INVALID: (
        _l("Invitation not valid"),
        _l("This invitation link is not valid. Check that you copied all of it."),
    ),
    Problem.EXPIRED: (
        _l("Invitation expired"),
        _l("This invitation has expired. Ask the person who invited you for a new one."),
    ),
    Problem.USED: (
        _l("Invitation already used"),
        _l("This invitation has already been used: each one works once."),
    ),
    Problem.REVOKED: (
        _l("Invitation withdrawn"),
        _l("This invitation has been withdrawn. Ask for a new one if you need it."),
    ),
}


def refused_sign_up(error: Exception, *, next_param: str | None) -> ResponseReturnValue:
    """Answer 403 with a page saying why this visitor cannot sign up (closed, invitation)."""
    title, message = (
        INVITATION_PROBLEMS[error.problem] if isinstance(error, InvitationRefused) else CLOSED
    )
    page = render_template(
        "auth/register_refused.html",
        title=title,
        message=str(message) % {"site": site_settings().name},
        next=next_param,
    )
    return page, 403


def _welcome(user: User) -> None:
    flash(
        _(
            "Welcome to %(site)s, %(username)s! To confirm your email address, "
            "follow the link we sent to %(email)s.",
            site=site_settings().name,
            username=user.username,
            email=user.email,
        ),
        "success",
    )


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out (POST only, with a CSRF token, so no other site can sign you out)."""
    sign_out()
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(home_url())
