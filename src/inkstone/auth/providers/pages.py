"""The pages a third-party sign-in ends on when it cannot go on: why, and what to do."""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import _

from inkstone.core.errors import RETRY_AFTER_SECONDS
from inkstone.core.providers import Provider


def problem(
    title: str, message: str, *, status: int = 400, actions: Sequence[str] = ("login",)
) -> tuple[str, int]:
    """Answer ``status`` with a page: ``title``, ``message`` and links (``actions``).

    ``actions``: any of ``login`` (sign-in page), ``register``, ``settings`` (connected
    accounts), ``reset`` (set a password through "Forgot your password?").
    """
    page = render_template(
        "providers/problem.html", title=title, message=message, actions=tuple(actions)
    )
    return page, status


def unreachable(provider: Provider) -> ResponseReturnValue:
    """Answer 503 (try again later): ``provider`` did not answer in time, or at all."""
    page, status = problem(
        _("%(provider)s is not answering", provider=provider.display_name),
        _(
            "We could not reach %(provider)s just now. Please try again in a few minutes, or "
            "sign in another way.",
            provider=provider.display_name,
        ),
        status=503,
    )
    return page, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
