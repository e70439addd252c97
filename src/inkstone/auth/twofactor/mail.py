"""The mail telling a person an administrator reset their second factor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from inkstone.auth.links import recipient_locale
from inkstone.auth.models import User
from inkstone.core.mail import compose, queue_mail, site_url
from inkstone.core.site import site_settings


def send_reset_notice(*, user: User) -> None:
    """Queue the notice of a reset to ``user`` (in their language; leaves on commit).

    The person hears of it even when they asked for it: if they did not, someone talked an
    administrator into it, and the mail says what to do.
    """
    message = compose(
        to=user.email,
        subject=_l(
            "Your two-factor authentication on %(site)s was reset", site=site_settings().name
        ),
        template="twofactor/mail/reset",
        locale=recipient_locale(user),
        context={
            "user": user,
            "settings_link": site_url("twofactor.settings"),
            "reset_link": site_url("recovery.reset_request"),
        },
    )
    queue_mail(message)
