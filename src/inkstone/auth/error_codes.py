"""The API error codes of accounts and sign-in (core lists the generic ones).

Each code is raised with ``code="…"`` (or set by an exception class) somewhere in ``auth``;
this is where each is listed with its meaning, for the OpenAPI description and the README.
Codes are stable: never renamed or reused.
"""

from __future__ import annotations

from typing import Any

from inkstone.core.errors import register_error_codes

AUTH_CODES = {
    "auth.required": "No token, or a malformed, invalid, expired or revoked one",
    "auth.forbidden": "Signed in, but this account or token may not do this",
    "auth.invalid_credentials": "Wrong email address or password",
    "auth.otp_required": "The account has two-factor authentication: send `otp` as well",
    "auth.otp_invalid": "The one-time code or recovery code is wrong or was already used",
    "auth.two_factor_setup_required": "Staff accounts on this site must set up two-factor "
    "authentication (on the website) first",
    "auth.two_factor_required": "The site requires two-factor authentication of staff: "
    "it cannot be turned off",
    "auth.registration_closed": "The site takes no sign-ups now",
    "auth.invitation_required": "The site is invite-only: sign up with an invitation",
    "auth.invitation_invalid": "The invitation is not valid",
    "auth.invitation_expired": "The invitation has expired",
    "auth.invitation_used": "The invitation has already been used",
    "auth.invitation_revoked": "The invitation has been revoked",
    "auth.email_taken": "The provider's address belongs to an existing account: sign in to "
    "it and link the provider in settings",
    "auth.email_unverified": "The provider has not verified the account's email address",
    "auth.provider_linked_elsewhere": "This provider account is linked to another account",
    "auth.provider_already_linked": "An account of this provider is linked already",
    "auth.last_sign_in_method": "This is the account's only way to sign in: it cannot go",
    "passkey.malformed": "The browser sent something that is not a passkey answer",
    "passkey.expired": "The passkey request expired (or was used): start again",
    "passkey.invalid": "The passkey could not be verified",
    "passkey.exists": "This passkey is registered already",
    "passkey.name_missing": "A passkey needs a name",
    "passkey.not_found": "There is no such passkey",
    "passkey.last_sign_in_method": "This passkey is the account's only way to sign in",
}


def register(*_: Any) -> None:
    """List these codes; a missing or refused token or scope gets the generic 401 and 403."""
    register_error_codes(AUTH_CODES, statuses={401: "auth.required", 403: "auth.forbidden"})
