"""Audit events told as sentences, the same way in a person's security log and the back office.

Each kind reads the detail its service records (``before``/``after`` of a change, an
article's ``title``, a job's ``kind``…); a detail that is missing leaves a shorter sentence,
never an error: old events, and kinds recorded before a detail was, are told too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from inkstone.auth.audit import Event, LoggedEvent
from inkstone.auth.usernames import is_deleted_username


def _names(values: Any) -> str:
    if isinstance(values, list | tuple):
        return ", ".join(str(value) for value in values) or "–"
    return str(values) if values else "–"


def _changed(detail: dict[str, Any]) -> dict[str, str]:
    return {"before": _names(detail.get("before")), "after": _names(detail.get("after"))}


def _text(detail: dict[str, Any], *keys: str) -> str:
    """Return the first of ``keys`` the detail holds as a short text ("" if none)."""
    for key in keys:
        value = detail.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)[:200]
    return ""


# Events told without their detail (translated when shown).
PLAIN: dict[str, Any] = {
    Event.REGISTERED: _l("Account created"),
    Event.SIGNED_OUT: _l("Signed out"),
    Event.SESSION_ENDED: _l("A session was signed out"),
    Event.TOKENS_REVOKED: _l("API tokens revoked"),
    Event.PASSWORD_CHANGED: _l("Password changed"),
    Event.PASSWORD_RESET_REQUESTED: _l("Password reset requested"),
    Event.PASSWORD_RESET: _l("Password reset"),
    Event.EMAIL_CONFIRMED: _l("Email address confirmed"),
    Event.EMAIL_CHANGE_REQUESTED: _l("Change of email address requested"),
    Event.EMAIL_CHANGED: _l("Email address changed"),
    Event.ACCOUNT_DELETED: _l("Account deleted"),
    Event.CONFIRMATION_RESENT: _l("Confirmation mail sent again"),
    Event.COMMENT_REMOVED: _l("Comment removed"),
    Event.GUESTBOOK_REMOVED: _l("Guestbook message removed"),
    Event.REPORT_FILED: _l("Report filed"),
    Event.REPORT_RESOLVED: _l("Report resolved"),
    Event.SITE_SETTINGS_CHANGED: _l("Site settings changed"),
    Event.INVITATION_CREATED: _l("Invitation created"),
    Event.INVITATION_REVOKED: _l("Invitation revoked"),
    Event.INVITATION_USED: _l("Invitation used"),
    Event.AUDIT_EXPORTED: _l("Audit log exported"),
    Event.TWO_FACTOR_ENABLED: _l("Two-factor authentication turned on"),
    Event.TWO_FACTOR_DISABLED: _l("Two-factor authentication turned off"),
    Event.TWO_FACTOR_FAILED: _l("Wrong two-factor code"),
    Event.TWO_FACTOR_RESET: _l("Two-factor authentication reset by an administrator"),
    Event.RECOVERY_CODES_GENERATED: _l("New recovery codes made"),
    Event.RECOVERY_CODE_USED: _l("Recovery code used"),
}

# Events about one thing, told with its name when the detail has it: (plain, with a name).
_ARTICLE = ("title", "slug")
_NAMED: dict[str, tuple[Any, Any, tuple[str, ...]]] = {
    Event.ARTICLE_HIDDEN: (_l("Article hidden"), _l("Article hidden: %(name)s"), _ARTICLE),
    Event.ARTICLE_RESTORED: (_l("Article restored"), _l("Article restored: %(name)s"), _ARTICLE),
    Event.ARTICLE_REMOVED: (_l("Article removed"), _l("Article removed: %(name)s"), _ARTICLE),
    Event.ARTICLE_PINNED: (_l("Article pinned"), _l("Article pinned: %(name)s"), _ARTICLE),
    Event.ARTICLE_UNPINNED: (_l("Article unpinned"), _l("Article unpinned: %(name)s"), _ARTICLE),
    Event.JOB_CANCELLED: (_l("Job cancelled"), _l("Job cancelled: %(name)s"), ("kind",)),
    Event.JOB_RETRIED: (_l("Job retried"), _l("Job retried: %(name)s"), ("kind",)),
    Event.UPLOAD_REMOVED: (_l("Upload removed"), _l("Upload removed: %(name)s"), ("filename",)),
    Event.PASSKEY_ADDED: (_l("Passkey added"), _l("Passkey added: %(name)s"), ("name",)),
    Event.PASSKEY_RENAMED: (_l("Passkey renamed"), _l("Passkey renamed: %(name)s"), ("name",)),
    Event.PASSKEY_REMOVED: (_l("Passkey removed"), _l("Passkey removed: %(name)s"), ("name",)),
    Event.PROVIDER_LINKED: (
        _l("Third-party account linked"),
        _l("Third-party account linked: %(name)s"),
        ("provider_name", "provider"),
    ),
    Event.PROVIDER_UNLINKED: (
        _l("Third-party account unlinked"),
        _l("Third-party account unlinked: %(name)s"),
        ("provider_name", "provider"),
    ),
    Event.SUBSCRIBER_REMOVED: (
        _l("Newsletter subscriber removed"),
        _l("Newsletter subscriber removed: %(name)s"),
        ("email",),
    ),
}


def _signin(detail: dict[str, Any]) -> str:
    via = detail.get("via")
    if via == "api":
        return str(_("Signed in through the API"))
    if via == "passkey":
        return str(_("Signed in with a passkey"))
    provider = _text(detail, "provider_name")
    if provider:
        return str(_("Signed in with %(provider)s", provider=provider))
    return str(_("Signed in"))


def _failed_signin(detail: dict[str, Any]) -> str:
    if detail.get("via") == "api":
        return str(_("Failed sign-in attempt through the API"))
    return str(_("Failed sign-in attempt"))


def _sessions_ended(detail: dict[str, Any]) -> str:
    if detail.get("kept_current"):
        return str(_("Signed out everywhere else"))
    return str(_("Signed out everywhere"))


def _roles(detail: dict[str, Any]) -> str:
    return str(_("Roles changed: %(before)s → %(after)s", **_changed(detail)))


def _status(detail: dict[str, Any]) -> str:
    return str(_("Account status changed: %(before)s → %(after)s", **_changed(detail)))


def _settings(detail: dict[str, Any]) -> str:
    changed = detail.get("changed")
    if isinstance(changed, dict):
        changed = sorted(changed)
    if isinstance(changed, list | tuple) and changed:
        return str(_("Site settings changed: %(fields)s", fields=_names(list(changed))))
    return str(PLAIN[Event.SITE_SETTINGS_CHANGED])


def _resolved(detail: dict[str, Any]) -> str:
    action = _text(detail, "action", "resolution")
    if action:
        return str(_("Report resolved: %(action)s", action=action))
    return str(PLAIN[Event.REPORT_RESOLVED])


_TOLD: dict[str, Callable[[dict[str, Any]], str]] = {
    Event.SIGNIN_SUCCEEDED: _signin,
    Event.SIGNIN_FAILED: _failed_signin,
    Event.SESSIONS_ENDED: _sessions_ended,
    Event.ROLES_CHANGED: _roles,
    Event.STATUS_CHANGED: _status,
    Event.SITE_SETTINGS_CHANGED: _settings,
    Event.REPORT_RESOLVED: _resolved,
}


def told(kind: str, detail: dict[str, Any]) -> str:
    """Return what happened as a sentence, reading the detail its service records."""
    teller = _TOLD.get(kind)
    if teller is not None:
        return teller(detail)
    named = _NAMED.get(kind)
    if named is not None:
        plain, with_name, keys = named
        name = _text(detail, *keys)
        return str(with_name) % {"name": name} if name else str(plain)
    plain_text = PLAIN.get(kind)
    return str(plain_text) if plain_text is not None else kind


def sentence(event: LoggedEvent) -> str:
    """Return ``event`` as a sentence, saying who did it when someone else did."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    what = told(event.event, detail)
    if event.actor is not None:
        actor = _("deleted user") if is_deleted_username(event.actor) else event.actor
        return str(_("%(what)s (by %(actor)s)", what=what, actor=actor))
    return what


# The kinds told from their detail, as a filter's choices name them.
_LABELS: dict[str, Any] = {
    Event.ROLES_CHANGED: _l("Roles changed"),
    Event.STATUS_CHANGED: _l("Account status changed"),
}


def event_label(kind: str) -> str:
    """Return the name of a kind of event, for a filter's choices ("Article hidden")."""
    label = _LABELS.get(kind)
    return str(label) if label is not None else told(kind, {})
