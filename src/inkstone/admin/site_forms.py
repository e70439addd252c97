"""Forms of the site settings and invitations pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from inkstone.auth.invitations import DAYS_DEFAULT, DAYS_MAX, DAYS_MIN, NOTE_MAX
from inkstone.auth.models import EMAIL_MAX
from inkstone.core.site import (
    ANNOUNCEMENT_MAX,
    NAME_MAX,
    TAGLINE_MAX,
    Registration,
    SiteSettings,
)
from inkstone.i18n.locale import LANGUAGES


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters."))


class SiteSettingsForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no hints
    """What an administrator sets for the whole site."""

    site_name = StringField(
        _l("Site name"),
        validators=[DataRequired(message=_l("Give the site a name.")), _at_most(NAME_MAX)],
        filters=[_strip],
    )
    tagline = StringField(
        _l("Tagline"), validators=[Optional(), _at_most(TAGLINE_MAX)], filters=[_strip]
    )
    registration = RadioField(
        _l("Who may sign up"),
        validate_choice=True,
        invalid_choice_message=_l("Choose one of the options."),
    )
    require_email_confirmation = BooleanField(
        _l("New accounts must confirm their email address before they write")
    )
    announcement = TextAreaField(
        _l("Announcement"),
        validators=[Optional(), _at_most(ANNOUNCEMENT_MAX)],
        filters=[_strip],
        render_kw={"rows": 4},
    )
    default_language = SelectField(
        _l("Default language"), invalid_choice_message=_l("Choose a language from the list.")
    )
    comments_enabled = BooleanField(_l("Readers may comment on articles"))
    require_two_factor_for_staff = BooleanField(
        _l("Administrators and moderators must use two-factor authentication")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per form: the labels are translated in the request's language.
        self.registration.choices = [
            (Registration.OPEN.value, _l("Open: anyone may sign up")),
            (Registration.INVITE.value, _l("Invite-only: with an invitation link")),
            (Registration.CLOSED.value, _l("Closed: nobody may sign up")),
        ]
        self.default_language.choices = [
            SelectChoice("", _l("The reader's browser decides (else English)")),
            *(
                SelectChoice(code, name, {"lang": code.replace("_", "-")})
                for code, name in LANGUAGES.items()
            ),
        ]

    def fill(self, settings: SiteSettings) -> None:
        """Show the settings in force."""
        for name in CHANGES:
            getattr(self, name).data = getattr(settings, name)

    def changes(self) -> dict[str, Any]:
        """Return every setting as the form sets it (the service keeps those that changed)."""
        values = {name: getattr(self, name).data for name in CHANGES}
        for name in ("tagline", "announcement"):
            values[name] = values[name] or ""
        for name in ("require_email_confirmation", "comments_enabled", FLAG_2FA):
            values[name] = bool(values[name])
        return values


CHANGES = (
    "site_name",
    "tagline",
    "registration",
    "require_email_confirmation",
    "announcement",
    "default_language",
    "comments_enabled",
    "require_two_factor_for_staff",
)
FLAG_2FA = "require_two_factor_for_staff"


class InvitationForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no hints
    """Make an invitation: optionally mailed to someone, with a note, for some days."""

    email = EmailField(
        _l("Email address to send it to (optional)"),
        validators=[
            Optional(),
            _at_most(EMAIL_MAX),
            Email(message=_l("Enter a valid email address, like name@example.com.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "off"},
    )
    note = StringField(
        _l("Note for administrators (optional)"),
        validators=[Optional(), _at_most(NOTE_MAX)],
        filters=[_strip],
    )
    days = IntegerField(
        _l("Valid for (days)"),
        default=DAYS_DEFAULT,
        validators=[
            InputRequired(message=_l("Give a number of days.")),
            NumberRange(DAYS_MIN, DAYS_MAX, message=_l("Use a number from %(min)d to %(max)d.")),
        ],
        render_kw={"min": DAYS_MIN, "max": DAYS_MAX, "inputmode": "numeric"},
    )
