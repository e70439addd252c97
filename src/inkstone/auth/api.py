"""RealWorld user endpoints: register, log in, read and update the current user."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from inkstone.auth import services, throttle
from inkstone.auth.models import User
from inkstone.auth.schemas import LoginIn, RegisterIn, UserOut, UserUpdateIn
from inkstone.auth.tokens import issue_token, signed_in_user, token_required
from inkstone.core.errors import Unauthorized
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
@bp.doc(responses=[401, 413, 429], operation_id="Login")
def login(body: dict[str, Any]) -> dict[str, Any]:
    """Log in an existing user

    Unknown email and wrong password give the same 401 answer. Attempts are limited per
    client and, counting failures only, per email address from anywhere (429 with
    `Retry-After`).
    """
    email = body["user"]["email"]
    try:
        user = services.authenticate(**body["user"])
    except Unauthorized:
        throttle.record_failure(email)
        db.session.commit()  # a failed attempt is kept in the audit log too
        raise
    throttle.record_success(email)
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
