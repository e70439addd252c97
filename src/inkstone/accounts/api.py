"""The signed-in user's account through the API: web sessions, token revocation, deletion."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from inkstone.accounts import deletion
from inkstone.accounts.devices import describe
from inkstone.accounts.schemas import DeleteAccountIn, SessionListOut
from inkstone.auth import sessions
from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import User
from inkstone.auth.schemas import UserOut
from inkstone.auth.tokens import issue_token, signed_in_user, token_required
from inkstone.extensions import db, limiter

bp = APIBlueprint("account_api", __name__, tag="Account")


def _password_limit() -> str:
    # Asking for the password invites guessing it, as on the sign-in route.
    return str(current_app.config["RATELIMIT_SIGNIN"])


def _user_out(user: User) -> dict[str, Any]:
    fields = {"email": user.email, "username": user.username, "bio": user.bio, "image": user.image}
    return {"user": {**fields, "token": issue_token(user)}}


@bp.get("/user/sessions")
@token_required
@bp.output(SessionListOut)
@bp.doc(operation_id="GetUserSessions")
def list_sessions() -> dict[str, Any]:
    """List where the current user is signed in on the web site

    Most recently used first. `current` is always `false`: an API token is not a web session.
    """
    records = sessions.list_sessions(user=signed_in_user())
    return {
        "sessions": [
            {
                "id": str(r.id),
                "device": describe(r.user_agent),
                "ip": r.ip,
                "created_at": r.created_at,
                "last_seen_at": r.last_seen_at,
                "current": False,
            }
            for r in records
        ]
    }


@bp.delete("/user/sessions/<int:session_id>")
@token_required
@bp.output({}, status_code=204)
@bp.doc(responses=[404], operation_id="DeleteUserSession")
def end_session(session_id: int) -> tuple[str, int]:
    """Sign out one of the current user's web sessions

    Another user's session, or one already ended, gives 404.
    """
    user = signed_in_user()
    sessions.end_session(user=user, session_id=session_id)
    record_event(Event.SESSION_ENDED, user=user, session=str(session_id), via="api")
    db.session.commit()
    return "", 204


@bp.post("/user/tokens/revoke")
@token_required
@bp.output(UserOut)
@bp.doc(operation_id="RevokeUserTokens")
def revoke_tokens() -> dict[str, Any]:
    """Revoke every token of the current user

    Every API token issued so far stops working (401), this one included, and every web
    session is signed out. The answer carries a new token to go on with.
    """
    user = signed_in_user()
    sessions.end_all_sessions(user=user)
    record_event(Event.TOKENS_REVOKED, user=user, via="api")
    db.session.commit()
    return _user_out(user)


@bp.delete("/user")
@token_required
@limiter.limit(_password_limit)
@bp.input(DeleteAccountIn, arg_name="body")
@bp.output({}, status_code=204)
@bp.doc(responses=[413, 429], operation_id="DeleteCurrentUser")
def delete_current_user(body: dict[str, Any]) -> tuple[str, int]:
    """Delete the current user's account

    Needs the current password: a wrong one gives 422 on `password` (not 401, which clients
    take to mean the token is bad). With `removeContent: true` the user's articles and
    comments are deleted too; otherwise they stay, shown as by "deleted user". The username
    and email address become free, and every token and web session ends.
    """
    user = signed_in_user()
    fields = body["user"]
    deletion.check_password(user=user, password=fields["password"])
    deletion.delete_account(user=user, remove_content=fields["remove_content"])
    db.session.commit()
    return "", 204
