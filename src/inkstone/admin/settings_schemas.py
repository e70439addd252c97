"""Schemas of the site settings and invitations API (``site:configure`` holders)."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Email, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError

from inkstone.admin.site_services import DEFAULT_LANGUAGES, REGISTRATIONS
from inkstone.auth.invitations import DAYS_DEFAULT, DAYS_MAX, DAYS_MIN, NOTE_MAX, ListedInvitation
from inkstone.auth.models import EMAIL_MAX
from inkstone.core.schemas import InputSchema, OutputSchema, PageQuery, StrictBoolean, Timestamp
from inkstone.core.site import ANNOUNCEMENT_MAX, NAME_MAX, TAGLINE_MAX, SiteSettings

STATES = ["pending", "used", "expired", "revoked"]


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


_REGISTRATION_HELP = (
    "`open`: anyone may sign up; `invite`: only with an invitation's token; "
    "`closed`: nobody (`POST /users` answers 403)."
)
_LANGUAGE_HELP = (
    "The language of readers who chose none and whose browser asks for none offered: "
    '`en`, `zh_CN`, or `""` (English).'
)


_STAFF_2FA_HELP = (
    "Moderators and administrators must have a second factor (an authenticator app or a "
    "passkey): without one, the site walks them through setting it up before anything else "
    "and their API sign-in answers 403 `auth.two_factor_setup_required`."
)


class SettingsFields(Schema):
    site_name = String(required=True, data_key="siteName")
    tagline = String(required=True)
    registration = String(
        required=True, metadata={"enum": list(REGISTRATIONS), "description": _REGISTRATION_HELP}
    )
    require_email_confirmation = Boolean(
        required=True,
        data_key="requireEmailConfirmation",
        metadata={"description": "Whether unconfirmed accounts are kept from writing."},
    )
    announcement = String(
        required=True, metadata={"description": 'Markdown shown on every page; `""`: none.'}
    )
    announcement_html = String(
        required=True,
        data_key="announcementHtml",
        metadata={"description": "The announcement as the pages show it (sanitised HTML)."},
    )
    default_language = String(
        required=True,
        data_key="defaultLanguage",
        metadata={"enum": list(DEFAULT_LANGUAGES), "description": _LANGUAGE_HELP},
    )
    comments_enabled = Boolean(required=True, data_key="commentsEnabled")
    require_two_factor_for_staff = Boolean(
        required=True,
        data_key="requireTwoFactorForStaff",
        metadata={"description": _STAFF_2FA_HELP},
    )


class SettingsOut(OutputSchema):
    settings = Nested(SettingsFields, required=True)


def settings_out(settings: SiteSettings) -> dict[str, Any]:
    """Return the settings as the API shows them."""
    return {"settings": {name: getattr(settings, name) for name in SettingsFields().fields}}


class SettingsUpdateFields(InputSchema):
    site_name = String(data_key="siteName", validate=[Length(1, NAME_MAX), _not_blank])
    tagline = String(validate=Length(0, TAGLINE_MAX))
    registration = String(
        validate=OneOf(REGISTRATIONS), metadata={"description": _REGISTRATION_HELP}
    )
    require_email_confirmation = StrictBoolean(data_key="requireEmailConfirmation")
    announcement = String(
        validate=Length(0, ANNOUNCEMENT_MAX),
        metadata={"description": 'Markdown (at most 2,000 characters); `""` removes it.'},
    )
    default_language = String(
        data_key="defaultLanguage",
        validate=OneOf(DEFAULT_LANGUAGES),
        metadata={"description": _LANGUAGE_HELP},
    )
    comments_enabled = StrictBoolean(data_key="commentsEnabled")
    require_two_factor_for_staff = StrictBoolean(
        data_key="requireTwoFactorForStaff", metadata={"description": _STAFF_2FA_HELP}
    )


class SettingsIn(InputSchema):
    settings = Nested(SettingsUpdateFields, required=True)


class InvitationFields(InputSchema):
    email = Email(
        validate=Length(3, EMAIL_MAX),
        metadata={"description": "Where to mail the link (else copy it from the answer)."},
    )
    note = String(validate=Length(0, NOTE_MAX), metadata={"description": "For administrators."})
    expires_in_days = Integer(
        strict=True,
        data_key="expiresInDays",
        load_default=DAYS_DEFAULT,
        validate=Range(DAYS_MIN, DAYS_MAX),
        metadata={"description": f"{DAYS_MIN} to {DAYS_MAX} (default {DAYS_DEFAULT})."},
    )


class InvitationIn(InputSchema):
    invitation = Nested(InvitationFields, load_default=dict)


class InvitationOutFields(Schema):
    id = String(required=True, metadata={"description": "The invitation's id (64-bit)."})
    email = String(required=True, metadata={"description": 'Where it was mailed; `""`: nowhere.'})
    note = String(required=True)
    state = String(required=True, metadata={"enum": STATES})
    created_by = String(required=True, allow_none=True, data_key="createdBy")
    used_by = String(required=True, allow_none=True, data_key="usedBy")
    created_at = Timestamp(required=True, data_key="createdAt")
    expires_at = Timestamp(required=True, data_key="expiresAt")
    used_at = Timestamp(required=True, allow_none=True, data_key="usedAt")
    revoked_at = Timestamp(required=True, allow_none=True, data_key="revokedAt")


class NewInvitationFields(InvitationOutFields):
    token = String(required=True, metadata={"description": "Shown only in this answer."})
    url = String(required=True, metadata={"description": "The sign-up link carrying the token."})


class NewInvitationOut(OutputSchema):
    invitation = Nested(NewInvitationFields, required=True)


class InvitationOut(OutputSchema):
    invitation = Nested(InvitationOutFields, required=True)


class InvitationListOut(OutputSchema):
    invitations = List(Nested(InvitationOutFields), required=True)
    invitations_count = Integer(required=True, data_key="invitationsCount")


class InvitationQuery(PageQuery):
    pass


def invitation_out(listed: ListedInvitation) -> dict[str, Any]:
    """Return an invitation's fields as the API shows them."""
    invitation = listed.invitation
    return {
        "id": str(invitation.id),
        "email": invitation.email,
        "note": invitation.note,
        "state": listed.state.value,
        "created_by": listed.created_by,
        "used_by": listed.used_by,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "used_at": invitation.used_at,
        "revoked_at": invitation.revoked_at,
    }
