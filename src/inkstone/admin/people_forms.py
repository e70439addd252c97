"""What the people pages read from their query strings and forms.

The list's filters come from links people share and edit by hand: a value that is not one of
the choices is ignored (the list shows everyone) rather than refused, except a search that no
address could match (too long, or holding a NUL), which is refused. Bulk action forms name
the people selected; more than ``BULK_MAX`` of them is refused before anything is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from inkstone.admin import services
from inkstone.admin.services import BULK_MAX, BulkAction, Sort, UserFilter
from inkstone.auth.models import EMAIL_MAX, USERNAME_MAX, RoleName, UserStatus
from inkstone.core.errors import DomainError

STATUS_LABELS: dict[str, Any] = {
    UserStatus.ACTIVE: _l("Active"),
    UserStatus.UNVERIFIED: _l("Unverified"),
    UserStatus.SUSPENDED: _l("Suspended"),
    UserStatus.DELETED: _l("Deleted"),
}
ROLE_LABELS: dict[str, Any] = {
    RoleName.READER: _l("Reader"),
    RoleName.AUTHOR: _l("Author"),
    RoleName.MODERATOR: _l("Moderator"),
    RoleName.ADMIN: _l("Admin"),
}
SORT_LABELS: dict[str, Any] = {
    Sort.NEWEST: _l("Newest first"),
    Sort.OLDEST: _l("Oldest first"),
    Sort.USERNAME: _l("Username"),
    Sort.LAST_SIGN_IN: _l("Last sign-in"),
    Sort.ARTICLES: _l("Most articles"),
}
CONFIRMED_LABELS: dict[str, Any] = {"yes": _l("Confirmed"), "no": _l("Not confirmed")}
ACTION_LABELS: dict[str, Any] = {
    BulkAction.SUSPEND: _l("Suspend"),
    BulkAction.REINSTATE: _l("Reinstate"),
    BulkAction.SET_ROLE: _l("Set role"),
}
# A username is sent as typed; its canonical form may be longer (NFKC), but not this much.
NAME_MAX = USERNAME_MAX * 4


def _choice(args: Mapping[str, str], key: str, choices: Mapping[str, Any]) -> str:
    value = args.get(key, "")
    return value if value in choices else ""


@dataclass(frozen=True, slots=True)
class ListFilters:
    """The people list's filters as given (``""``: not filtered), for the form and the links."""

    q: str = ""
    role: str = ""
    status: str = ""
    confirmed: str = ""
    sort: str = Sort.NEWEST.value

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ListFilters:
        """Read the filters from a query string (400 for a search no address could match)."""
        q = args.get("q", "").strip()
        if len(q) > EMAIL_MAX or "\x00" in q:  # no text column can hold a NUL
            abort(400)
        return cls(
            q=q,
            role=_choice(args, "role", ROLE_LABELS),
            status=_choice(args, "status", STATUS_LABELS),
            confirmed=_choice(args, "confirmed", CONFIRMED_LABELS),
            sort=_choice(args, "sort", SORT_LABELS) or Sort.NEWEST.value,
        )

    def params(self) -> dict[str, str]:
        """Return the filters that are set, for links to other pages of the same list."""
        given = {
            "q": self.q,
            "role": self.role,
            "status": self.status,
            "confirmed": self.confirmed,
        }
        if self.sort != Sort.NEWEST:
            given["sort"] = self.sort
        return {key: value for key, value in given.items() if value}

    def to_filter(self) -> UserFilter:
        """Return the directory filter these choices ask for."""
        return UserFilter(
            status=UserStatus(self.status) if self.status else None,
            role=RoleName(self.role) if self.role else None,
            contains=self.q or None,
            confirmed={"yes": True, "no": False}.get(self.confirmed),
            sort=Sort(self.sort),
        )


@dataclass(frozen=True, slots=True)
class BulkChoice:
    """A bulk action chosen on the list: what, to whom, and the role for ``set-role``."""

    action: BulkAction
    usernames: list[str]
    role: RoleName | None

    @classmethod
    def from_form(cls, form: MultiDict[str, str]) -> BulkChoice | None:
        """Read the choice from a form; ``None`` if it names no action or nobody.

        More than ``BULK_MAX`` people, an unknown action or role, or a name longer than any
        username answer 400.
        """
        names = [name.strip() for name in form.getlist("usernames") if name.strip()]
        if len(names) > BULK_MAX or any(len(name) > NAME_MAX for name in names):
            abort(400)
        raw_action, raw_role = form.get("action", ""), form.get("role", "")
        if raw_action and raw_action not in ACTION_LABELS:
            abort(400)
        if raw_role and raw_role not in ROLE_LABELS:
            abort(400)
        if not raw_action or not names:
            return None
        return cls(
            action=BulkAction(raw_action),
            usernames=list(dict.fromkeys(names)),
            role=RoleName(raw_role) if raw_role else None,
        )


# Refusals the services give, as the back office says them (any other: the service's words).
REFUSALS: dict[str, Any] = {
    services.LAST_ADMIN: _l("The site needs at least one admin who can sign in."),
    services.OWN_STATUS: _l("You cannot change your own status."),
    services.OWN_ACCOUNT: _l("You cannot do this to your own account here."),
    services.DELETED: _l("This account was deleted."),
    services.CANNOT_SIGN_IN: _l("This account cannot sign in, so it is sent no links."),
    services.ALREADY_CONFIRMED: _l("This address is already confirmed."),
    services.NOT_SUSPENDED: _l("This account is not suspended."),
    services.USER_NOT_FOUND: _l("There is nobody with that username."),
}


def refusal_text(error: DomainError) -> str:
    """Return why a service refused, in the reader's language where we know the reason."""
    known = REFUSALS.get(error.message)
    return str(known) if known is not None else error.message
