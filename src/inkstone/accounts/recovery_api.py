"""Account recovery over the API: resend the confirmation mail, ask for a password-reset link.

The links in those mails lead to the web site, where the address is confirmed or the new
password chosen: a RealWorld client has no page for either.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from inkstone.accounts import recovery
from inkstone.accounts.schemas import MessageOut, ResetRequestIn
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.extensions import db, limiter

bp = APIBlueprint("recovery_api", __name__, tag="Account recovery")

CONFIRMATION_SENT = "a new confirmation link is on its way to your email address"
RESET_SENT = (
    "if an account uses that email address, a link to choose a new password is on its way "
    "to it; the link works for one hour"
)


def _mail_limit() -> str:
    return str(current_app.config["RATELIMIT_MAIL"])


def _reset_limit() -> str:
    return str(current_app.config["RATELIMIT_RESET"])


@bp.post("/user/confirmation")
@token_required
@limiter.limit(_mail_limit)
@bp.output(MessageOut, status_code=202)
@bp.doc(responses=[401, 422, 429], operation_id="ResendConfirmation")
def resend_confirmation() -> dict[str, Any]:
    """Resend the confirmation mail

    Mails a new link that confirms the current user's email address. 422 when the address
    is confirmed already; rate limited per client (`RATELIMIT_MAIL`).
    """
    recovery.resend_confirmation(user=signed_in_user())
    db.session.commit()
    return {"message": CONFIRMATION_SENT}


@bp.post("/users/password-reset")
@limiter.limit(_reset_limit)
@bp.input(ResetRequestIn, arg_name="body")
@bp.output(MessageOut, status_code=202)
@bp.doc(responses=[413, 429], operation_id="RequestPasswordReset")
def request_password_reset(body: dict[str, Any]) -> dict[str, Any]:
    """Ask for a password-reset link

    Mails a link to choose a new password to the account using `email`. The answer is the
    same whether or not an account uses that address (so it tells nobody which addresses
    have accounts); suspended and deleted accounts get no mail. The link works once, for
    one hour, on the web site. Rate limited per client (`RATELIMIT_RESET`).
    """
    recovery.request_password_reset(email=body["user"]["email"])
    db.session.commit()
    return {"message": RESET_SENT}
