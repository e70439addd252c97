"""Two-factor pages: the sign-in step, and settings (set up, recovery codes, turn off).

New recovery codes are shown once: they wait in the (server-side) session for a few
minutes so the page and the ``.txt`` download can show them, then they are gone; the
database keeps only their digests.
"""

from __future__ import annotations

import time
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_login import login_required
from markupsafe import Markup

from inkstone.auth import signin_flow, throttle
from inkstone.auth.models import User
from inkstone.auth.signin import signed_in_web_user
from inkstone.auth.twofactor import policy, services
from inkstone.auth.twofactor.forms import ChallengeForm, ConfirmForm, SetupForm
from inkstone.core import events
from inkstone.core.errors import DomainError, Unauthorized
from inkstone.core.site import site_settings
from inkstone.extensions import db, limiter

bp = Blueprint("twofactor", __name__, template_folder="templates")
bp.before_app_request(policy.walk_staff_to_setup)

NEW_CODES = "twofactor_new_codes"
NEW_CODES_SECONDS = 10 * 60


def _subscribe(_state: Any) -> None:
    events.user_deleting.connect(services.remove_account_second_factor, when=events.IN_TRANSACTION)


bp.record_once(_subscribe)


def _login_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN"])


def _pending_account_key() -> str:
    """Return the per-account limit's key for the sign-in waiting in this browser."""
    pending = session.get(signin_flow.PENDING)
    user_id = pending.get("user_id") if isinstance(pending, dict) else None
    return f"second-factor:{user_id if isinstance(user_id, int) else 'none'}"


def _trust_days() -> int:
    return int(current_app.config.get("TRUST_BROWSER_DAYS", 30))


# --------------------------------------------------------------------------- signing in


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.shared_limit(
    throttle.account_limit,
    scope=throttle.ACCOUNT_SCOPE,
    key_func=_pending_account_key,
    deduct_when=throttle.attempt_failed,
    methods=["POST"],
)
def challenge() -> ResponseReturnValue:
    """Ask for the second factor of a waiting sign-in (a code, a recovery code, a passkey)."""
    found = signin_flow.pending_sign_in()
    if found is None:
        flash(_("Please sign in again: the sign-in was not started or took too long."), "info")
        return redirect(url_for("auth.login"))
    user, pending = found
    form = ChallengeForm(days=_trust_days())
    if form.validate_on_submit():
        via = str(pending.get("via") or "web")
        if services.check_code(user=user, code=form.code.data, via=via):
            return signin_flow.second_factor_passed(trust=bool(form.trust.data))
        throttle.record_failure(user.email)  # counted like a wrong password
        db.session.commit()  # the failure stays in the audit log
        form.code.errors.append(
            _("That code is not right, or was used already. Wait for the next one and try again.")
        )
    return render_template(
        "twofactor/challenge.html",
        form=form,
        has_app=services.confirmed_device(user=user) is not None,
    )


@bp.get("/login/two-factor/cancel")
def cancel() -> ResponseReturnValue:
    """Give up the waiting sign-in (nobody is signed in) and go back to the sign-in page."""
    session.pop(signin_flow.PENDING, None)
    return redirect(url_for("auth.login"))


# --------------------------------------------------------------------------- settings


def _is_required(user: User) -> bool:
    return site_settings().require_two_factor_for_staff and services.is_staff(user)


@bp.get("/settings/two-factor")
@login_required
def settings() -> ResponseReturnValue:
    """Show whether two-factor is on; set it up, get new recovery codes or turn it off."""
    user = signed_in_web_user()
    return render_template(
        "twofactor/settings.html",
        enabled=services.confirmed_device(user=user) is not None,
        codes_left=services.recovery_codes_left(user=user),
        required=_is_required(user),
        has_password=bool(user.password_hash),
        form=ConfirmForm(),
    )


def _qr_svg(uri: str) -> Markup:
    """Return the QR code of ``uri`` as inline SVG (drawn here: no script, no other host)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )
    return Markup(svg)  # segno draws it and escapes the title


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@bp.route("/settings/two-factor/setup", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def setup() -> ResponseReturnValue:
    """Set up an authenticator app: scan the QR code (or type the key), confirm a first code."""
    user = signed_in_web_user()
    if services.confirmed_device(user=user) is not None:
        flash(_("Two-factor authentication is already on."), "info")
        return redirect(url_for(".settings"))
    device = services.begin_setup(user=user)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            codes = services.confirm_setup(user=user, code=form.code.data)
        except Unauthorized:
            form.code.errors.append(
                _("That code is not right. Check the time on your phone and type the newest code.")
            )
        else:
            _keep_codes(user, codes)
            db.session.commit()
            flash(_("Two-factor authentication is on."), "success")
            return redirect(url_for(".recovery_codes"))
    uri = services.provisioning_uri(device=device, user=user)
    db.session.commit()  # the key being set up: the same one after a reload
    return render_template(
        "twofactor/setup.html",
        form=form,
        qr=_qr_svg(uri),
        key=_grouped(device.secret),
        required=_is_required(user),
    )


@bp.post("/settings/two-factor/disable")
@login_required
@limiter.limit(_login_limit)
def disable() -> ResponseReturnValue:
    """Turn off the authenticator app (with the password, or a code without one)."""
    user = signed_in_web_user()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.disable(user=user, password=form.password.data, code=form.code.data)
    except DomainError as refused:
        db.session.rollback()
        flash(_refusal(refused), "danger")
        return redirect(url_for(".settings"))
    db.session.commit()
    flash(_("Two-factor authentication is off. Signing in asks for your password only."), "info")
    return redirect(url_for(".settings"))


def _refusal(refused: DomainError) -> str:
    if refused.field == "password":
        return str(_("That password is not right: nothing was changed."))
    if refused.code == "auth.two_factor_required":
        return str(
            _("This site requires two-factor authentication of administrators and moderators.")
        )
    return str(_("That code is not right: nothing was changed."))


# --------------------------------------------------------------------------- recovery codes


def _keep_codes(user: User, codes: list[str]) -> None:
    session[NEW_CODES] = {"user_id": user.id, "codes": codes, "at": time.time()}


def _fresh_codes(user: User) -> list[str] | None:
    """Return the codes just made for ``user`` in this browser, while they may be shown."""
    kept = session.get(NEW_CODES)
    if not isinstance(kept, dict) or kept.get("user_id") != user.id:
        return None
    if time.time() - float(kept.get("at", 0)) > NEW_CODES_SECONDS:
        session.pop(NEW_CODES, None)
        return None
    codes = kept.get("codes")
    return [str(code) for code in codes] if isinstance(codes, list) else None


@bp.route("/settings/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def recovery_codes() -> ResponseReturnValue:
    """Show how many recovery codes are left (or the new ones, once); make new ones."""
    user = signed_in_web_user()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            codes = services.confirmed_regenerate(
                user=user, password=form.password.data, code=form.code.data
            )
        except Unauthorized as refused:
            db.session.commit()  # a wrong code stays in the audit log
            flash(_refusal(refused), "danger")
        else:
            _keep_codes(user, codes)
            db.session.commit()
            flash(_("New recovery codes made. The old ones no longer work."), "success")
            return redirect(url_for(".recovery_codes"))
    return render_template(
        "twofactor/recovery_codes.html",
        codes=_fresh_codes(user),
        left=services.recovery_codes_left(user=user),
        needs_confirmation=services.needs_confirmation(user=user),
        has_password=bool(user.password_hash),
        form=form,
    )


@bp.post("/settings/two-factor/recovery-codes/saved")
@login_required
def codes_saved() -> ResponseReturnValue:
    """Forget the new codes in this browser: they were written down or downloaded."""
    session.pop(NEW_CODES, None)
    return redirect(url_for(".settings"))


@bp.get("/settings/two-factor/recovery-codes.txt")
@login_required
def recovery_codes_file() -> ResponseReturnValue:
    """Download the codes just made, as text (only for a few minutes after they were made)."""
    user = signed_in_web_user()
    codes = _fresh_codes(user)
    if codes is None:
        abort(404)
    lines = [
        _("Recovery codes for %(site)s (%(email)s)", site=site_settings().name, email=user.email),
        _("Each code works once, in place of a code from your authenticator app."),
        "",
        *codes,
        "",
    ]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.headers["Content-Disposition"] = "attachment; filename=recovery-codes.txt"
    response.headers["Cache-Control"] = "no-store"
    return response
