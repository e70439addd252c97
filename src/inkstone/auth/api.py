"""RealWorld user endpoints: register, log in, read and update the current user."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from inkstone.auth import services, throttle
from inkstone.auth.factors import has_second_factor
from inkstone.auth.models import User
from inkstone.auth.schemas import LoginIn, RegisterIn, UserOut, UserUpdateIn
from inkstone.auth.tokens import issue_token, signed_in_user, token_required
from inkstone.auth.twofactor import services as twofactor
from inkstone.auth.twofactor.policy import staff_needs_setup
from inkstone.core.errors import PermissionDenied, Unauthorized
from inkstone.extensions import db, limiter

bp = APIBlueprint("auth_api", __name__, tag="User and Authentication")


def _user_out(user: User) -> dict[str, Any]:
    return {"user": {**_fields(user), "token": issue_token(user)}}


def _fields(user: User) -> dict[str, Any]:
    return {"email": user.email, "username": user.username, "bio": user.bio, "image": user.image}


def _login_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN"])


def _register_limit() -> str:
    return str(current_app.config["RATELIMIT_REGISTER"])


@bp.post("/users")
@limiter.limit(_register_limit)
@bp.input(RegisterIn, arg_name="body")
@bp.output(UserOut, status_code=201)
@bp.doc(responses=[403, 409, 413, 429], operation_id="CreateUser")
def register(body: dict[str, Any]) -> dict[str, Any]:
    """Register a new user

    Returns the new account with a token. A taken username or email gives 409. A link to
    confirm the email address is mailed to it (see `POST /user/confirmation`). While the
    site's registration is closed the answer is 403 (`errors.registration`); while it is
    invite-only, 403 (`errors.invitation`) unless `invitation` is a pending invitation's
    token, which this uses up.
    """
    user = services.sign_up(**body["user"])
    db.session.commit()
    return _user_out(user)


@bp.post("/users/login")
@limiter.limit(_login_limit)
@limiter.shared_limit(
    throttle.account_limit,
    scope=throttle.ACCOUNT_SCOPE,
    key_func=throttle.account_key,
    deduct_when=throttle.attempt_failed,
)
@bp.input(LoginIn, arg_name="body")
@bp.output(UserOut)
@bp.doc(
    responses={
        401: "Wrong email or password (`auth.invalid_credentials`); for an account with "
        "two-factor authentication, `otp` missing (`auth.otp_required`) or wrong or reused "
        "(`auth.otp_invalid`)",
        403: "An administrator or moderator without two-factor authentication on a site that "
        "requires it (`auth.two_factor_setup_required`): set it up on the web site first",
        413: "Request body too large",
        429: "Too many attempts",
    },
    operation_id="Login",
)
def login(body: dict[str, Any]) -> dict[str, Any]:
    """Log in an existing user

    Unknown email and wrong password give the same 401 answer. An account with two-factor
    authentication also needs `otp`: the code of its authenticator app or a recovery code.
    Without it the answer is 401 `{"errors": {"otp": ["required"]}, "code":
    "auth.otp_required"}` (ask the person for a code and send everything again); a wrong or
    already used code gives 401 `{"errors": {"otp": ["is invalid"]}, "code":
    "auth.otp_invalid"}`. Attempts (wrong codes too) are limited per client and, counting
    failures only, per email address from anywhere (429 with `Retry-After`).
    """
    fields = body["user"]
    email = fields["email"]
    try:
        user = services.verify_credentials(email=email, password=fields["password"], via="api")
    except Unauthorized:
        throttle.record_failure(email)
        db.session.commit()  # a failed attempt is kept in the audit log too
        raise
    throttle.record_success(email)
    if staff_needs_setup(user):
        db.session.commit()
        raise PermissionDenied(
            "this site requires two-factor authentication of administrators and moderators: "
            "set it up on the web site (Settings, Two-factor), then sign in again",
            field="otp",
            code="auth.two_factor_setup_required",
        )
    if has_second_factor(user):
        if not fields.get("otp"):
            db.session.commit()  # a rehashed password is kept; nothing else happened
            raise Unauthorized("required", field="otp", code="auth.otp_required")
        if not twofactor.check_code(user=user, code=fields["otp"], via="api"):
            throttle.record_failure(email)
            db.session.commit()  # the wrong code stays in the audit log
            raise Unauthorized("is invalid", field="otp", code="auth.otp_invalid")
    services.record_sign_in(user=user, via="api")
    db.session.commit()
    return _user_out(user)


@bp.get("/user")
@token_required
@bp.output(UserOut)
@bp.doc(operation_id="GetCurrentUser")
def get_current_user() -> dict[str, Any]:
    """Get the current user"""
    return _user_out(signed_in_user())


@bp.put("/user")
@token_required
@bp.input(UserUpdateIn, arg_name="body")
@bp.output(UserOut)
@bp.doc(responses=[409, 413], operation_id="UpdateCurrentUser")
def update_current_user(body: dict[str, Any]) -> dict[str, Any]:
    """Update the current user

    Send only the fields to change: email, username, password, bio, image. A new email
    takes effect once the link mailed to it is followed (until then `email` is the old
    one). A new password ends every token of the account: use the one in the answer.
    """
    user = services.update_user(user=signed_in_user(), changes=body["user"])
    db.session.commit()
    return _user_out(user)
