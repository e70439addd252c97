"""Forms of the account pages: deleting the account, asking for and using a reset link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from inkstone.auth.forms import _email_validators, _new_password_validators, _strip
from inkstone.auth.passwords import PASSWORD_MAX

KEEP = "keep"
REMOVE = "remove"


class DeleteAccountForm(FlaskForm):
    """Delete your account: what becomes of your writing, and your password to confirm."""

    content = RadioField(
        _l("Your articles and comments"),
        choices=[
            SelectChoice(KEEP, _l("Keep my articles and comments, shown as by a deleted user")),
            SelectChoice(REMOVE, _l("Delete my articles and comments too")),
        ],
        default=KEEP,
        validators=[InputRequired(message=_l("Choose what becomes of your writing."))],
    )
    password = PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(message=_l("Enter your password to delete your account.")),
            Length(max=PASSWORD_MAX, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )

    @property
    def remove_content(self) -> bool:
        """Tell whether the articles and comments go too."""
        return bool(self.content.data == REMOVE)


class ResetRequestForm(FlaskForm):
    """Ask for a password-reset link by mail."""

    email = EmailField(
        _l("Email"),
        validators=_email_validators(),
        filters=[_strip],
        render_kw={"autocomplete": "email", "autofocus": True},
    )


class ResetPasswordForm(FlaskForm):
    """Choose a new password (twice) after following a reset link."""

    password = PasswordField(
        _l("New password"),
        validators=_new_password_validators(required=True),
        render_kw={"autocomplete": "new-password", "autofocus": True},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
