"""The subscription form for signed-out readers (an address and the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length

from inkstone.auth.models import EMAIL_MAX


class SubscribeForm(FlaskForm):
    """Subscribe an address to an author's newsletter."""

    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=EMAIL_MAX, message=_l("Use at most %(max)d characters.")),
            Email(message=_l("Enter a valid email address, like name@example.com.")),
        ],
    )
