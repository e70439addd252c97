"""Passkey pages: the settings list, registration, and signing in with a passkey.

The ceremonies are JSON between ``passkeys.js`` and these views (options, then the
browser's answer); renaming and removing are plain forms.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from inkstone.auth import signin_flow
from inkstone.auth.factors import Passkey
from inkstone.auth.models import User
from inkstone.auth.passkeys import ceremony, services
from inkstone.auth.passkeys.ceremony import REGISTER, SECOND_FACTOR, SIGN_IN
from inkstone.auth.signin import signed_in_web_user
from inkstone.core import events
from inkstone.core.errors import DomainError
from inkstone.extensions import db, limiter
from inkstone.web.redirects import home_url, safe_next

bp = Blueprint("passkeys", __name__, template_folder="templates")


@bp.record_once
def _connect_cleanup(_state: BlueprintSetupState) -> None:
    """Have account deletion remove the person's passkeys."""
    events.user_deleting.connect(services.remove_account_passkeys, when=events.IN_TRANSACTION)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    # A function, so only the two-factor page that asks pays for the query.
    return {"passkey_second_factor_offered": _second_factor_offered}


def _second_factor_offered() -> bool:
    """Tell whether the sign-in waiting for its second factor may use a passkey."""
    pending = signin_flow.pending_sign_in()
    return pending is not None and bool(services.list_passkeys(user=pending[0]))


def _signin_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN"])


# A few browsers and systems, enough for a default name a person recognises.
_BROWSERS = (("Edg", "Edge"), ("Firefox", "Firefox"), ("Chrome", "Chrome"), ("Safari", "Safari"))
_SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def _default_name() -> str:
    """Return a name for a new passkey from this browser: "Passkey on Chrome (macOS)"."""
    agent = request.headers.get("User-Agent", "")
    browser = next((n for key, n in _BROWSERS if re.search(rf"\b{key}", agent)), "")
    system = next((n for key, n in _SYSTEMS if key in agent), "")
    if browser and system:
        return str(_("Passkey on %(browser)s (%(system)s)", browser=browser, system=system))
    if browser or system:
        return str(_("Passkey on %(device)s", device=browser or system))
    return str(_("Passkey"))


# --------------------------------------------------------------------------- settings


@bp.get("/settings/passkeys")
@login_required
def settings() -> ResponseReturnValue:
    """List, name and remove passkeys; register a new one."""
    user = signed_in_web_user()
    passkeys = services.list_passkeys(user=user)
    # Point to recovery codes after the first passkey (once two-factor builds that page).
    offer_codes = (
        bool(passkeys)
        and "twofactor.recovery_codes" in current_app.view_functions
        and not services.has_recovery_codes(user=user)
    )
    return render_template(
        "passkeys/settings.html",
        passkeys=passkeys,
        default_name=_default_name(),
        offer_codes=offer_codes,
    )


@bp.post("/settings/passkeys/options")
@login_required
def register_options() -> ResponseReturnValue:
    """Start registering a passkey: the options for ``navigator.credentials.create``."""
    user = signed_in_web_user()
    handle = services.user_handle(user=user)
    options, challenge = services.registration_options(
        user=user, rp=ceremony.relying_party(), handle=handle
    )
    ceremony.remember_challenge(REGISTER, challenge, handle=handle)
    return ceremony.options_response(options)


@bp.post("/settings/passkeys")
@login_required
def register() -> ResponseReturnValue:
    """Finish registering a passkey with the browser's answer; answer where to go next."""
    body = ceremony.posted_json()
    credential = ceremony.credential_of(body)
    if body is None or credential is None:
        return ceremony.malformed()
    kept = ceremony.take_challenge(REGISTER)
    if kept is None:
        return ceremony.expired()
    challenge, details = kept
    name = body.get("name")
    user = signed_in_web_user()
    try:
        passkey = services.add_passkey(
            user=user,
            credential=credential,
            challenge=challenge,
            handle=str(details.get("handle")),
            rp=ceremony.relying_party(),
            name=name if isinstance(name, str) and name.strip() else _default_name(),
        )
    except DomainError as refused:
        db.session.rollback()
        return ceremony.domain_error(refused)
    flash(_("Passkey “%(name)s” added.", name=passkey.name), "success")
    db.session.commit()
    return {"redirect": url_for("passkeys.settings")}, 201


@bp.post("/settings/passkeys/<int:passkey_id>/rename")
@login_required
def rename(passkey_id: int) -> ResponseReturnValue:
    """Rename a passkey."""
    try:
        passkey = services.rename_passkey(
            user=signed_in_web_user(), passkey_id=passkey_id, name=request.form.get("name", "")
        )
    except DomainError as refused:
        db.session.rollback()
        if refused.status_code == 404:
            raise
        flash(str(refused), "error")
    else:
        flash(_("Passkey renamed to “%(name)s”.", name=passkey.name), "success")
        db.session.commit()
    return redirect(url_for("passkeys.settings"))


@bp.post("/settings/passkeys/<int:passkey_id>/remove")
@login_required
def remove(passkey_id: int) -> ResponseReturnValue:
    """Remove a passkey, unless it is the last way to sign in (or a required second factor)."""
    try:
        name = services.remove_passkey(user=signed_in_web_user(), passkey_id=passkey_id)
    except DomainError as refused:
        db.session.rollback()
        if refused.status_code == 404:
            raise
        flash(str(refused), "error")
    else:
        flash(_("Passkey “%(name)s” removed.", name=name), "success")
        db.session.commit()
    return redirect(url_for("passkeys.settings"))


# --------------------------------------------------------------------------- sign-in


@bp.post("/login/passkey/options")
@limiter.limit(_signin_limit)
def login_options() -> ResponseReturnValue:
    """Start a sign-in with a passkey: options for any passkey of this site."""
    options, challenge = services.authentication_options(rp=ceremony.relying_party(), passkeys=[])
    ceremony.remember_challenge(SIGN_IN, challenge)
    return ceremony.options_response(options)


@bp.post("/login/passkey")
@limiter.limit(_signin_limit)
def login() -> ResponseReturnValue:
    """Sign in with a passkey (both factors at once); answer where to go next."""
    passkey = _verified(SIGN_IN)
    if isinstance(passkey, BaseResponse):
        return passkey
    user = db.session.get(User, passkey.user_id)  # loaded already: no query
    assert user is not None  # verify_passkey checked the owner
    next_url = safe_next(request.args.get("next"), default=home_url())
    if current_user.is_authenticated:  # another tab signed in meanwhile
        db.session.commit()
        return {"redirect": next_url}
    return _json_redirect(
        signin_flow.complete_sign_in(user, remember=False, via="passkey", next_url=next_url)
    )


@bp.post("/login/two-factor/passkey/options")
@limiter.limit(_signin_limit)
def second_factor_options() -> ResponseReturnValue:
    """Offer the waiting sign-in's passkeys as its second factor."""
    pending = signin_flow.pending_sign_in()
    if pending is None:
        return ceremony.expired()
    options, challenge = services.authentication_options(
        rp=ceremony.relying_party(), passkeys=services.list_passkeys(user=pending[0])
    )
    ceremony.remember_challenge(SECOND_FACTOR, challenge)
    return ceremony.options_response(options)


@bp.post("/login/two-factor/passkey")
@limiter.limit(_signin_limit)
def second_factor() -> ResponseReturnValue:
    """Pass the second factor of a waiting sign-in with one of that person's passkeys."""
    pending = signin_flow.pending_sign_in()
    if pending is None:
        ceremony.take_challenge(SECOND_FACTOR)  # used up either way
        return ceremony.expired()
    verified = _verified(SECOND_FACTOR, user=pending[0])
    if isinstance(verified, BaseResponse):
        return verified
    body = ceremony.posted_json() or {}
    return _json_redirect(signin_flow.second_factor_passed(trust=body.get("trust") is True))


def _verified(purpose: str, *, user: User | None = None) -> Passkey | BaseResponse:
    """Return the passkey the posted answer proves (``user``'s, if given), or the refusal.

    The challenge kept for ``purpose`` is used up either way; a refusal is audited.
    """
    credential = ceremony.credential_of(ceremony.posted_json())
    if credential is None:
        return ceremony.malformed()
    kept = ceremony.take_challenge(purpose)
    if kept is None:
        return ceremony.expired()
    try:
        return services.verify_passkey(
            credential=credential, challenge=kept[0], rp=ceremony.relying_party(), user=user
        )
    except DomainError as refused:
        db.session.commit()  # the audited failure stays
        return ceremony.domain_error(refused)


def _json_redirect(result: ResponseReturnValue) -> Response:
    """Turn a sign-in step's redirect into ``{"redirect": url}`` for the script, cookies kept."""
    response = current_app.make_response(result)
    answer = jsonify(redirect=response.location or home_url())
    for cookie in response.headers.getlist("Set-Cookie"):  # "trust this browser"
        answer.headers.add("Set-Cookie", cookie)
    return answer
