"""Passkeys: register, verify, name and remove a person's WebAuthn credentials.

py_webauthn does the cryptography and the ceremony checks (challenge, origin, RP id hash,
user presence, signature, sign count); this module keeps the rows and the rules around them.
Keyword-only functions that flush and never commit; the view commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import webauthn
from flask_babel import _
from sqlalchemy import exists, func, select
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from inkstone.auth.audit import Event, record_event
from inkstone.auth.factors import NAME_MAX, ExternalIdentity, Passkey, RecoveryCode, TotpDevice
from inkstone.auth.models import SIGN_IN_STATUSES, RoleName, User
from inkstone.core.db import utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Conflict, Invalid, NotFound, Unauthorized
from inkstone.core.site import site_settings
from inkstone.extensions import db

# Staff whom the site's "two-factor for staff" policy covers.
STAFF_ROLES = frozenset({RoleName.ADMIN.value, RoleName.MODERATOR.value})
# Malformed input of every kind a hand-made or truncated credential can cause in the parser.
_PARSE_ERRORS = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)


@dataclass(frozen=True)
class RelyingParty:
    """Who asks for the credential: the RP id (a host name), its name, the page's origin."""

    id: str
    name: str
    origin: str


def list_passkeys(*, user: User) -> list[Passkey]:
    """Return ``user``'s passkeys, oldest first."""
    return list(
        db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id))
    )


def user_handle(*, user: User) -> str:
    """Return the WebAuthn user handle of ``user`` (base64url): theirs, or a new random one.

    One handle per person, so an authenticator keeps one entry per account on this site.
    """
    existing = db.session.scalar(
        select(Passkey.user_handle).where(Passkey.user_id == user.id).limit(1)
    )
    return existing or bytes_to_base64url(secrets.token_bytes(32))


def _descriptors(passkeys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=webauthn.base64url_to_bytes(p.credential_id),
            transports=[AuthenticatorTransport(t) for t in p.transports or [] if t in known],
        )
        for p in passkeys
    ]


def registration_options(*, user: User, rp: RelyingParty, handle: str) -> tuple[str, bytes]:
    """Return the options for ``navigator.credentials.create`` (JSON) and their challenge.

    A resident key (a passkey, found without typing a name), user verification preferred,
    and the person's passkeys excluded so one authenticator is not registered twice.
    """
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.email,
        user_display_name=user.username,
        user_id=webauthn.base64url_to_bytes(handle),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(list_passkeys(user=user)),
    )
    return webauthn.options_to_json(options), options.challenge


def add_passkey(
    *,
    user: User,
    credential: dict[str, Any],
    challenge: bytes,
    handle: str,
    rp: RelyingParty,
    name: str,
) -> Passkey:
    """Verify a new credential of ``user`` and keep it as a passkey named ``name``.

    Raises ``Invalid`` when the browser's answer does not verify, ``Conflict`` when the
    credential is registered already.
    """
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except _PARSE_ERRORS as error:
        raise Invalid(
            _("The passkey could not be verified. Please try again."),
            field="credential",
            code="passkey.invalid",
        ) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(exists().where(Passkey.credential_id == credential_id))):
        raise Conflict(
            _("This passkey is registered already."), field="credential", code="passkey.exists"
        )
    transports = credential.get("response", {}).get("transports")
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        user_handle=handle,
        transports=[str(t) for t in transports] if isinstance(transports, list) else [],
        name=_clean_name(name),
        backed_up=verified.credential_backed_up,
    )
    db.session.add(passkey)
    db.session.flush()
    record_event(Event.PASSKEY_ADDED, user=user, name=passkey.name)
    return passkey


def authentication_options(*, rp: RelyingParty, passkeys: list[Passkey]) -> tuple[str, bytes]:
    """Return the options for ``navigator.credentials.get`` (JSON) and their challenge.

    No ``passkeys``: any discoverable credential of this site (a passwordless sign-in).
    """
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        allow_credentials=_descriptors(passkeys),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return webauthn.options_to_json(options), options.challenge


def _refused() -> Unauthorized:
    return Unauthorized(
        _("That passkey could not be verified. Try again, or sign in another way."),
        field="passkey",
        code="passkey.invalid",
    )


def verify_passkey(
    *,
    credential: dict[str, Any],
    challenge: bytes,
    rp: RelyingParty,
    user: User | None = None,
) -> Passkey:
    """Check a browser's ``navigator.credentials.get`` answer; return the passkey it used.

    With ``user``, the passkey must be theirs (a second factor). Updates the sign count,
    the backed-up flag and the last use. Raises ``Unauthorized`` for an unknown credential,
    a wrong user handle, a signature, challenge or origin that does not verify, a sign count
    that went backwards (a cloned authenticator or a replay), or an account that may not
    sign in; a failure with a known owner is audited.
    """
    try:
        parsed = parse_authentication_credential_json(credential)
    except _PARSE_ERRORS as error:
        raise _refused() from error
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == parsed.id))
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise _refused()
    owner = db.session.get(User, passkey.user_id)
    handle = parsed.response.user_handle
    try:
        if owner is None or owner.status not in SIGN_IN_STATUSES:
            raise _refused()
        # A discoverable credential names its account: it must be the one it was made for.
        if handle is not None and bytes_to_base64url(handle) != passkey.user_handle:
            raise _refused()
        verified = webauthn.verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (*_PARSE_ERRORS, Unauthorized) as error:
        record_event(Event.SIGNIN_FAILED, user=owner, via="passkey", passkey=passkey.name)
        raise _refused() from error
    passkey.sign_count = verified.new_sign_count
    passkey.backed_up = verified.credential_backed_up
    passkey.last_used_at = utcnow()
    db.session.flush()
    return passkey


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise Invalid(_("Give the passkey a name."), field="name", code="passkey.name_missing")
    return cleaned[:NAME_MAX]


def _own_passkey(*, user: User, passkey_id: int) -> Passkey:
    # A number no row can have (past 64 bits) is no passkey, not a database error.
    passkey = db.session.get(Passkey, passkey_id) if is_possible_id(passkey_id) else None
    if passkey is None or passkey.user_id != user.id:
        raise NotFound(_("There is no such passkey."), code="passkey.not_found")
    return passkey


def rename_passkey(*, user: User, passkey_id: int, name: str) -> Passkey:
    """Rename one of ``user``'s passkeys (audited)."""
    passkey = _own_passkey(user=user, passkey_id=passkey_id)
    passkey.name = _clean_name(name)
    db.session.flush()
    record_event(Event.PASSKEY_RENAMED, user=user, name=passkey.name)
    return passkey


def removal_refusal(*, user: User, passkey: Passkey) -> str | None:
    """Return why ``passkey`` may not be removed now, or ``None`` when it may.

    It must not be the last way to sign in (no password, no linked account, no other
    passkey), nor the last second factor of staff whom the site requires to have one.
    """
    others = db.session.scalar(
        select(func.count())
        .select_from(Passkey)
        .where(Passkey.user_id == user.id, Passkey.id != passkey.id)
    )
    if others:
        return None
    linked = db.session.scalar(select(exists().where(ExternalIdentity.user_id == user.id)))
    if user.password_hash == "" and not linked:
        return str(
            _(
                "This passkey is the only way to sign in to your account. Set a password or "
                "add another passkey first."
            )
        )
    if site_settings().require_two_factor_for_staff and user.role_names & STAFF_ROLES:
        totp = db.session.scalar(
            select(
                exists().where(TotpDevice.user_id == user.id, TotpDevice.confirmed_at.is_not(None))
            )
        )
        if not totp:
            return str(
                _(
                    "This site requires staff to use two-factor authentication, and this "
                    "passkey is your only second factor. Set up an authenticator app or add "
                    "another passkey first."
                )
            )
    return None


def remove_passkey(*, user: User, passkey_id: int) -> str:
    """Remove one of ``user``'s passkeys (audited); return its name.

    Raises ``Conflict`` when it may not be removed (see ``removal_refusal``).
    """
    passkey = _own_passkey(user=user, passkey_id=passkey_id)
    refusal = removal_refusal(user=user, passkey=passkey)
    if refusal is not None:
        raise Conflict(refusal, code="passkey.last_sign_in_method")
    name = passkey.name
    db.session.delete(passkey)
    db.session.flush()
    record_event(Event.PASSKEY_REMOVED, user=user, name=name)
    return name


def has_recovery_codes(*, user: User) -> bool:
    """Tell whether ``user`` has an unused recovery code."""
    return bool(
        db.session.scalar(
            select(exists().where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
        )
    )


def remove_account_passkeys(*, user: User, **_: Any) -> None:
    """Delete the passkeys of an account being deleted (an ``events.user_deleting`` subscriber)."""
    for passkey in list_passkeys(user=user):
        db.session.delete(passkey)
    db.session.flush()
