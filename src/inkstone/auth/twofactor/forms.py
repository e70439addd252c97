"""Forms of the two-factor pages: the sign-in step, set-up, new codes, turning it off."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from inkstone.auth.factors import CODE_MAX
from inkstone.auth.passwords import PASSWORD_MAX

_CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _code(label: Any, *, required: bool = True) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(message=_l("Type the code.")) if required else Optional(),
            Length(
                max=CODE_MAX, message=_l("That is not a code from your app or a recovery code.")
            ),
        ],
        filters=[_strip],
        render_kw=_CODE_ATTRS,
    )


def _password(*, required: bool = True) -> PasswordField:
    return PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(message=_l("Type your password.")) if required else Optional(),
            Length(max=PASSWORD_MAX),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class ChallengeForm(FlaskForm):
    """The second step of a sign-in: a code from the app, or a recovery code."""

    code = _code(_l("Code from your authenticator app, or a recovery code"))
    trust = BooleanField()

    def __init__(self, *args: Any, days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per form: the number of days is a setting.
        self.trust.label.text = _l("Trust this browser for %(days)d days", days=days)


class SetupForm(FlaskForm):
    """The first code of a new key, proving the app has it."""

    code = _code(_l("The 6-digit code your app shows now"))


class ConfirmForm(FlaskForm):
    """The password (or, for an account without one, a current code) before a change."""

    password = _password(required=False)
    code = _code(_l("A code from your app, or a recovery code"), required=False)
