"""Forms of the password-reset pages: ask for a link, choose a new password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo

from inkstone.auth.forms import _email_validators, _new_password_validators, _strip


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
