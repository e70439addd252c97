"""Account schemas, one per audience and direction."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Email, Nested, String
from apiflask.validators import Length, Regexp

from inkstone.auth.factors import CODE_MAX
from inkstone.auth.models import BIO_MAX, EMAIL_MAX, IMAGE_MAX, USERNAME_MAX
from inkstone.auth.passwords import PASSWORD_MAX, PASSWORD_MIN
from inkstone.core.schemas import InputSchema, OutputSchema, TextOrEmpty

USERNAME_PATTERN = r"^[\w.\-]+$"
IMAGE_PATTERN = r"^(https?://\S+|/\S*)?$"
INVITATION_MAX = 1024  # longer is malformed (422); a token not made here is refused (403)

_username = Regexp(USERNAME_PATTERN, error="may contain only letters, digits, '.', '-' and '_'")


class LoginFields(InputSchema):
    email = String(required=True, validate=Length(1, EMAIL_MAX))
    password = String(required=True, validate=Length(1, PASSWORD_MAX))
    otp = String(
        allow_none=True,
        load_default=None,
        validate=Length(0, CODE_MAX),
        metadata={
            "description": "For an account with two-factor authentication: the 6-digit code "
            "of its authenticator app, or one of its recovery codes (used up). Without it such "
            "an account answers 401 `auth.otp_required`; a wrong or reused one, 401 "
            "`auth.otp_invalid`."
        },
    )


class LoginIn(InputSchema):
    user = Nested(LoginFields, required=True)


USERNAME_RULES = (
    "Letters, digits, `.`, `-` and `_`, in one script (Latin may go with Chinese, Japanese or "
    "Korean: else 422). Compared ignoring case and width (`Émile` is `émile`); one that is "
    "taken, or looks like one that is (`paypaI` beside `paypal`), answers 409."
)
PASSWORD_RULES = (
    f"{PASSWORD_MIN} to {PASSWORD_MAX} characters, not one of the 19,640 most common "
    "passwords, nor the username or the email address (422 otherwise)."
)


class RegisterFields(InputSchema):
    username = String(
        required=True,
        validate=[Length(1, USERNAME_MAX), _username],
        metadata={"description": USERNAME_RULES},
    )
    email = Email(required=True, validate=Length(3, EMAIL_MAX))
    password = String(
        required=True,
        validate=Length(PASSWORD_MIN, PASSWORD_MAX),
        metadata={"description": PASSWORD_RULES},
    )
    invitation = String(
        allow_none=True,
        load_default=None,
        validate=Length(0, INVITATION_MAX),
        metadata={
            "description": "The token of an invitation (the `invite` of its link): needed while "
            "the site is invite-only (403 without a pending one), ignored while it is open."
        },
    )


class RegisterIn(InputSchema):
    user = Nested(RegisterFields, required=True)


class UserUpdateFields(InputSchema):
    username = String(
        validate=[Length(1, USERNAME_MAX), _username], metadata={"description": USERNAME_RULES}
    )
    email = Email(validate=Length(3, EMAIL_MAX))
    password = String(
        validate=Length(PASSWORD_MIN, PASSWORD_MAX), metadata={"description": PASSWORD_RULES}
    )
    bio = String(allow_none=True, validate=Length(0, BIO_MAX))
    image = String(
        allow_none=True,
        validate=[Length(0, IMAGE_MAX), Regexp(IMAGE_PATTERN, error="must be an http(s) URL")],
    )


class UserUpdateIn(InputSchema):
    user = Nested(UserUpdateFields, required=True)


class UserFields(Schema):
    email = String(required=True)
    token = String(required=True)
    username = String(required=True)
    bio = TextOrEmpty(required=True)
    image = TextOrEmpty(required=True)


class UserOut(OutputSchema):
    user = Nested(UserFields, required=True)
