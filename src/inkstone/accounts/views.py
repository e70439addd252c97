"""Settings pages about the account itself: where you are signed in, the security log, deletion."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _, refresh
from flask_login import login_required

from inkstone.accounts import deletion
from inkstone.accounts.devices import parse_user_agent
from inkstone.accounts.forms import DeleteAccountForm
from inkstone.auth import services, sessions
from inkstone.auth.audit import Event, audit_log, record_event
from inkstone.auth.audit_text import sentence
from inkstone.auth.forms import SettingsForm, show_conflict, show_refusal
from inkstone.auth.models import User, UserSession
from inkstone.auth.signin import current_session, sign_in, sign_out, signed_in_web_user
from inkstone.core.errors import Conflict, Invalid, Unauthorized
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db, limiter
from inkstone.web.paging import requested_page
from inkstone.web.redirects import home_url

bp = Blueprint("account", __name__, template_folder="templates")

EVENTS_PER_PAGE = 50


def _password_limit() -> str:
    # Asking for the password invites guessing it, as on the sign-in form.
    return str(current_app.config["RATELIMIT_SIGNIN"])


def device_label(user_agent: str | None) -> str:
    """Return the device a User-Agent names, in the reader's language: "Firefox on Windows"."""
    device = parse_user_agent(user_agent)
    if device.browser and device.system:
        return str(_("%(browser)s on %(system)s", browser=device.browser, system=device.system))
    return device.browser or device.system or str(_("Unknown device"))


# --------------------------------------------------------------------------- sessions


class SessionRow(NamedTuple):
    """One place where the user is signed in, as the sessions page lists it."""

    id: int
    device: str
    ip: str
    created_at: datetime
    last_seen_at: datetime
    remember: bool
    current: bool


def _session_rows(records: Iterable[UserSession], current: UserSession | None) -> list[SessionRow]:
    rows = [
        SessionRow(
            id=r.id,
            device=device_label(r.user_agent),
            ip=r.ip,
            created_at=r.created_at,
            last_seen_at=r.last_seen_at,
            remember=r.remember,
            current=current is not None and r.id == current.id,
        )
        for r in records
    ]
    return sorted(rows, key=lambda row: not row.current)  # this device first, then by use


@bp.get("/settings/sessions")
@login_required
def sessions_page() -> ResponseReturnValue:
    """List where you are signed in, with a button to sign each one out."""
    rows = _session_rows(sessions.list_sessions(user=signed_in_web_user()), current_session())
    return render_template("accounts/sessions.html", sessions=rows)


@bp.post("/settings/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int) -> ResponseReturnValue:
    """Sign out one session (another browser, or this one)."""
    user = signed_in_web_user()
    sessions.end_session(user=user, session_id=session_id)  # NotFound: not one of yours
    record_event(Event.SESSION_ENDED, user=user, session=str(session_id))
    current = current_session()
    if current is not None and current.id == session_id:
        sign_out()
        db.session.commit()
        flash(_("You have signed out."), "info")
        return redirect(home_url())
    db.session.commit()
    flash(_("That session was signed out."), "success")
    return redirect(url_for("account.sessions_page"))


@bp.post("/settings/sessions/end-others")
@login_required
def end_other_sessions() -> ResponseReturnValue:
    """Sign out every other session and API token; stay signed in here."""
    user = signed_in_web_user()
    current = current_session()
    remember = current.remember if current is not None else False
    sessions.end_all_sessions(user=user)
    record_event(Event.SESSIONS_ENDED, user=user, kept_current=True)
    # The version moved on, so this browser needs a session of the new version too.
    sign_in(user, remember=remember)
    db.session.commit()
    flash(_("You were signed out everywhere else."), "success")
    return redirect(url_for("account.sessions_page"))


@bp.post("/settings/sessions/end-all")
@login_required
def end_all_sessions() -> ResponseReturnValue:
    """Sign out every session (this one too) and revoke every API token."""
    user = signed_in_web_user()
    sessions.end_all_sessions(user=user)
    record_event(Event.SESSIONS_ENDED, user=user, kept_current=False)
    sign_out()
    db.session.commit()
    flash(_("You were signed out everywhere, on this device too."), "info")
    return redirect(url_for("auth.login"))


# --------------------------------------------------------------------------- security log


class EventRow(NamedTuple):
    """One security event, told as a sentence."""

    sentence: str
    created_at: datetime
    ip: str
    device: str


@bp.get("/settings/security")
@login_required
def security() -> ResponseReturnValue:
    """Show your security log: sign-ins, password and email changes, and the like."""
    number, page = requested_page(EVENTS_PER_PAGE)
    # One more than shown tells whether there is a next page. Where someone else (an admin)
    # acted from is theirs, not the account holder's, to see: hidden by the query.
    window = PageRequest(limit=page.limit + 1, offset=page.offset)
    events = audit_log(page=window, user=signed_in_web_user(), hide_others_clients=True)
    if number > 1 and not events:
        abort(404)
    more = len(events) > page.limit
    rows = [
        EventRow(sentence(e), e.created_at, e.ip, "" if e.actor else device_label(e.user_agent))
        for e in events[: page.limit]
    ]
    return render_template("accounts/security.html", events=rows, page=number, more=more)


# --------------------------------------------------------------------------- deletion


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(_password_limit, methods=["POST"])
def delete_account() -> ResponseReturnValue:
    """Delete your account, keeping or removing your articles and comments."""
    user = signed_in_web_user()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.check_password(user=user, password=form.password.data or "")
        except Invalid:
            form.password.errors.append(_("That is not your password."))
        else:
            deletion.delete_account(user=user, remove_content=form.remove_content)
            sign_out()
            db.session.commit()
            flash(_("Your account was deleted. Goodbye!"), "info")
            return redirect(home_url())
    return render_template("accounts/delete_account.html", form=form)


def _settings_form(user: User) -> SettingsForm:
    # Current values fill the form; a field a POST leaves out keeps its value.
    return SettingsForm(
        data={
            "image": user.image or "",
            "username": user.username,
            "bio": user.bio,
            "email": user.email,
            "locale": user.locale or "",
            "timezone": user.timezone or "",
        }
    )


def _save_settings(form: SettingsForm, user: User) -> bool:
    """Apply the form through the service; put a refusal under its field. Return success."""
    record = current_session()
    remember = record.remember if record is not None else False
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
        return False
    except Conflict as taken:
        db.session.rollback()
        show_conflict(form, taken)
        return False
    except Invalid as refused:
        db.session.rollback()
        show_refusal(form, refused, "new_password")
        return False
    if form.new_password.data:
        # A new password ended every session, this one too: keep this browser signed in.
        sign_in(user, remember=remember)
    db.session.commit()
    return True


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    """Change your profile, account and display settings."""
    user = signed_in_web_user()
    form = _settings_form(user)
    if form.validate_on_submit() and _save_settings(form, user):
        refresh()  # the page language may just have changed: say "saved" in the new one
        flash(_("Your settings were saved."), "success")
        if services.normalize_email(form.email.data or "") not in ("", user.email):
            flash(
                _(
                    "To use %(email)s, follow the link we sent to it. Until then, your "
                    "account keeps its current address.",
                    email=user.pending_email,
                ),
                "info",
            )
        return redirect(url_for("account.settings"))
    return render_template("accounts/settings.html", form=form, user=user)
