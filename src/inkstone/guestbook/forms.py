"""The guestbook's form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from inkstone.guestbook.models import BODY_MAX, NAME_MAX


def tidy(value: str | None) -> str | None:
    """Trim ``value`` and use Unix line breaks, so a line break counts as one character.

    Browsers send a textarea's line breaks as CRLF; NUL never comes from a keyboard.
    """
    if value is None:
        return None
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


class MessageForm(FlaskForm):
    """Sign the guestbook: a name and a message."""

    name = StringField(
        _l("Name"),
        filters=[tidy],
        validators=[
            DataRequired(_l("Please tell us your name.")),
            Length(
                max=NAME_MAX,
                message=_l("Please keep your name to %(max)d characters or fewer."),
            ),
        ],
        render_kw={"autocomplete": "name"},
    )
    body = TextAreaField(
        _l("Message"),
        filters=[tidy],
        validators=[
            DataRequired(_l("Please write a message.")),
            Length(
                max=BODY_MAX,
                message=_l(
                    "Please keep your message to %(max)d characters or fewer (it has %(length)d)."
                ),
            ),
        ],
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Sign the guestbook"))
