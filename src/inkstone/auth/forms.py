"""Account forms of the web site: sign in, sign up, settings."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from inkstone.auth import services
from inkstone.auth.models import BIO_MAX, EMAIL_MAX, IMAGE_MAX, USERNAME_MAX
from inkstone.auth.passwords import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    TOO_COMMON,
    TOO_LONG,
    TOO_PERSONAL,
    TOO_SHORT,
    password_problem,
)
from inkstone.auth.schemas import USERNAME_PATTERN
from inkstone.auth.throttle import ANSWER_MAX
from inkstone.core.errors import Conflict, Invalid
from inkstone.i18n.locale import LANGUAGES, timezone_names, valid_timezone

EMAIL_MIN = 3


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _required(message: Any = None) -> DataRequired:
    return DataRequired(message=message or _l("This field is required."))


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters."))


def _username_validators() -> list[Any]:
    return [
        _required(_l("Choose a username.")),
        _at_most(USERNAME_MAX),
        Regexp(
            USERNAME_PATTERN,
            message=_l("Use only letters, digits, '.', '-' and '_' in a username."),
        ),
    ]


def _email_validators() -> list[Any]:
    return [
        _required(_l("Enter your email address.")),
        Length(EMAIL_MIN, EMAIL_MAX, message=_l("Use at most %(max)d characters.")),
        Email(message=_l("Enter a valid email address, like name@example.com.")),
    ]


def _new_password_validators(*, required: bool) -> list[Any]:
    first = _required(_l("Choose a password.")) if required else Optional()
    return [
        first,
        Length(
            PASSWORD_MIN,
            PASSWORD_MAX,
            message=_l("Use between %(min)d and %(max)d characters."),
        ),
    ]


# What the web site says for each reason the password policy gives (the API keeps its own words).
_PASSWORD_LENGTH = _l(
    "Use between %(min)d and %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX
)
PASSWORD_PROBLEMS = {
    TOO_SHORT: _PASSWORD_LENGTH,
    TOO_LONG: _PASSWORD_LENGTH,
    TOO_COMMON: _l("This password is too common. Choose one that is harder to guess."),
    TOO_PERSONAL: _l("Your password must not be your username or email address."),
}
BAD_PASSWORD = _l("Choose a different password.")


def password_message(problem: str) -> str:
    """Return the page's message for a reason the password policy refused a password."""
    return str(PASSWORD_PROBLEMS.get(problem, BAD_PASSWORD))


def _check_new_password(password: str | None, *, username: Any, email: Any) -> None:
    """Refuse a common or personal password under its field (length has its own validator)."""
    if not password or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return
    problem = password_problem(
        password,
        username=username if isinstance(username, str) else "",
        email=email if isinstance(email, str) else "",
    )
    if problem is not None:
        raise ValidationError(password_message(problem))


def http_url(_form: FlaskForm, field: Field) -> None:
    """Accept only an absolute ``http://`` or ``https://`` address (no ``javascript:``)."""
    value = field.data or ""
    parts = urlsplit(value)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(ch.isspace() or ord(ch) < 0x20 for ch in value)
    ):
        raise ValidationError(_l("Enter an address starting with http:// or https://."))


# What a form shows under a field when the service refused its value.
TAKEN = {
    "username": _l("This username is taken. Please choose another one."),
    "email": _l("An account with this email address already exists."),
}


LOOKS_TAKEN = _l("This username looks too much like one already taken. Please choose another.")
MIXED_SCRIPTS = _l(
    "Use the letters of one script in a username (Latin may go with Chinese, Japanese or Korean)."
)


def show_conflict(form: FlaskForm, error: Conflict) -> None:
    """Put "already taken" (or "looks like one taken") under the field it is about."""
    field = error.field if error.field in TAKEN else "username"
    message = LOOKS_TAKEN if error.message == services.LOOKS_TAKEN else TAKEN[field]
    form[field].errors.append(str(message))


def show_refusal(form: FlaskForm, error: Invalid, password_field: str) -> None:
    """Put why a username (mixed scripts) or a new password was refused under its field."""
    if error.field == "username":
        form.username.errors.append(str(MIXED_SCRIPTS))
        return
    if error.field != "password":
        raise error  # neither: the error page, as before
    form[password_field].errors.append(password_message(error.message))


def _captcha_field() -> StringField:
    """Return the answer to the captcha picture (the view decides when it is required)."""
    return StringField(
        _l("Characters in the picture"),
        validators=[Optional(), _at_most(ANSWER_MAX)],
        filters=[_strip],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "autocorrect": "off",
            "spellcheck": "false",
        },
    )


class LoginForm(FlaskForm):
    """Sign in with an email address and a password."""

    email = EmailField(
        _l("Email"),
        validators=[_required(_l("Enter your email address.")), _at_most(EMAIL_MAX)],
        filters=[_strip],
        render_kw={"autocomplete": "email", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[_required(_l("Enter your password.")), _at_most(PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Remember me"))
    # Shown (and required) only after several failed sign-ins for the email address tried.
    captcha = _captcha_field()


class RegisterForm(FlaskForm):
    """Create an account."""

    username = StringField(
        _l("Username"),
        validators=_username_validators(),
        filters=[_strip],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    email = EmailField(
        _l("Email"),
        validators=_email_validators(),
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=_new_password_validators(required=True),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            _required(_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    # The invitation token of an invite-only site (from the link's ``?invite=``), carried on.
    invitation = HiddenField(filters=[_strip])
    # Shown (and required) only after several sign-ups from this IP in the last hour.
    captcha = _captcha_field()

    def validate_password(self, field: Field) -> None:
        """Refuse a password on the common list or equal to the username or email address."""
        _check_new_password(field.data, username=self.username.data, email=self.email.data)


class SettingsForm(FlaskForm):
    """What a user may change on their own account (never their role or status)."""

    image = URLField(
        _l("Avatar picture (address)"),
        validators=[Optional(), _at_most(IMAGE_MAX), http_url],
        filters=[_strip],
        render_kw={"placeholder": "https://", "autocomplete": "photo", "inputmode": "url"},
    )
    username = StringField(
        _l("Username"),
        validators=_username_validators(),
        filters=[_strip],
        render_kw={"autocomplete": "username"},
    )
    bio = TextAreaField(
        _l("Short bio about you"),
        validators=[Optional(), _at_most(BIO_MAX)],
        render_kw={"rows": 5},
    )
    email = EmailField(
        _l("Email"),
        validators=_email_validators(),
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )
    # Choices are set per form: their labels are translated in the request's language.
    locale = SelectField(
        _l("Language"),
        default="",
        invalid_choice_message=_l("Choose a language from the list."),
    )
    timezone = SelectField(
        _l("Time zone"),
        default="",
        invalid_choice_message=_l("Choose a time zone from the list."),
    )
    new_password = PasswordField(
        _l("New password"),
        validators=_new_password_validators(required=False),
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    current_password = PasswordField(
        _l("Current password"),
        validators=[Optional(), _at_most(PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = [
            SelectChoice("", _l("Follow my browser")),
            *(
                SelectChoice(code, name, {"lang": code.replace("_", "-")})
                for code, name in LANGUAGES.items()
            ),
        ]
        zones = [SelectChoice("", _l("Use my browser's time zone")), *_timezone_choices()]
        chosen = self.timezone.data
        if chosen and valid_timezone(chosen) and chosen not in _offered_timezones():
            zones.insert(1, SelectChoice(chosen))  # an alias ("PRC") is valid, just not listed
        self.timezone.choices = zones

    def validate_new_password(self, field: Field) -> None:
        """Refuse a new password on the common list or equal to the username or email address."""
        _check_new_password(field.data, username=self.username.data, email=self.email.data)

    def validate_timezone(self, field: Field) -> None:
        """Refuse a time zone this server cannot load (the choice list may be stale)."""
        if field.data and not valid_timezone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))

    def changes(self) -> dict[str, Any]:
        """Return the account changes this form asks for (only the fields a user may set)."""
        changes: dict[str, Any] = {
            "image": self.image.data or None,
            "username": self.username.data,
            "bio": self.bio.data or "",
            "email": self.email.data,
            "locale": self.locale.data or None,
            "timezone": self.timezone.data or None,
        }
        if self.new_password.data:
            changes["password"] = self.new_password.data
        return changes


# The geographic IANA names a person looks for; other valid names ("PRC", "US/Pacific") are
# accepted too but not listed.
REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


@cache
def _offered_timezones() -> frozenset[str]:
    return frozenset(choice.value for choice in _timezone_choices())


@cache
def _timezone_choices() -> tuple[SelectChoice, ...]:
    names = [name for name in timezone_names() if name.split("/", 1)[0] in REGIONS]
    return tuple(SelectChoice(name, name.replace("_", " ")) for name in ["UTC", *names])
