"""Forms of the account pages in settings: deleting the account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from inkstone.auth.password_policy import PASSWORD_MAX

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
