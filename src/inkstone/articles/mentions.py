"""@mentions in comments: found in the plain text, shown as links to the people named.

A mention is ``@`` followed by a username (letters, digits, ``.``, ``-``, ``_``: the
characters ``auth.schemas.USERNAME_PATTERN`` allows), where the ``@`` does not follow a
name character — so ``ana@example.com`` is an address, not a mention of ``example.com`` —
and the name is not followed by another ``@`` (``@ana@example.com`` is an address too).
A trailing ``.`` ends a sentence, not the name. Text in code (```` ``` ```` or ``~~~``
fenced blocks, `` `inline` `` spans) is quoted, not addressed to anyone, so it is skipped.

Comments are stored as written; links are made when a page is shown, with one query for
every name on the page (``known_accounts``), so a name taken after the comment still links
and a deleted or suspended account does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select

from inkstone.auth.models import User, UserStatus
from inkstone.auth.usernames import canonical, is_deleted_username
from inkstone.core.db import reads

MENTIONS_MAX = 10
_NAME_CHARS = r"[\w.\-]"
_MENTION = re.compile(rf"(?<![\w.\-@])@({_NAME_CHARS}{{1,40}})(?!{_NAME_CHARS}|@)")
# Fenced blocks first (to their closing fence or the end), then inline spans whose closing
# run of backticks is as long as the opening one, as Markdown reads them.
_CODE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,}).*?(?:^[ \t]*(?P=fence)[^\n]*$|\Z)"
    r"|(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)",
    re.MULTILINE | re.DOTALL,
)


def _text_parts(text: str) -> Iterator[tuple[str, bool]]:
    """Yield ``(part, is_code)`` pieces of ``text``, in order."""
    position = 0
    for code in _CODE.finditer(text):
        if code.start() > position:
            yield text[position : code.start()], False
        yield code.group(), True
        position = code.end()
    if position < len(text):
        yield text[position:], False


def _mentions_in(part: str) -> Iterator[re.Match[str]]:
    """Yield the mentions in a piece of text outside code, trailing dots trimmed."""
    yield from (m for m in _MENTION.finditer(part) if m.group(1).rstrip("."))


def _name(match: re.Match[str]) -> str:
    return match.group(1).rstrip(".")


def find_mentions(text: str) -> list[str]:
    """Return the ``@username``s in ``text``: in order, each once, at most ``MENTIONS_MAX``.

    Names are compared as accounts are (``usernames.canonical``: ``@Ana`` and ``@ana`` are
    one person) and returned as first written, without the ``@``.
    """
    found: dict[str, str] = {}
    for part, is_code in _text_parts(text):
        if is_code:
            continue
        for match in _mentions_in(part):
            found.setdefault(canonical(_name(match)), _name(match))
            if len(found) == MENTIONS_MAX:
                return list(found.values())
    return list(found.values())


_ACCOUNTS_NAMED = select(User.username_key, User.username).where(
    User.username_key.in_(bindparam("keys", expanding=True)),
    User.status.in_([UserStatus.ACTIVE, UserStatus.UNVERIFIED]),
)


def known_accounts(texts: Iterable[str]) -> dict[str, str]:
    """Map the canonical form of every name mentioned in ``texts`` that is a visible account
    to its username, in one query (none when nobody is mentioned)."""
    keys = {canonical(name) for text in texts for name in find_mentions(text)}
    keys = {key for key in keys if not is_deleted_username(key)}
    if not keys:
        return {}
    return dict(reads.execute(_ACCOUNTS_NAMED, {"keys": sorted(keys)}).all())


def render_comment(text: str, known: Mapping[str, str]) -> Markup:
    """Return ``text`` as HTML: escaped, lines broken, known ``@username``s linked.

    Only the first ``MENTIONS_MAX`` distinct names are linked, as only they notify.
    """
    linkable = {canonical(name) for name in find_mentions(text)} & known.keys() if known else set()
    out: list[str] = []
    for part, is_code in _text_parts(text):
        position = 0
        for match in () if is_code else _mentions_in(part):
            username = known.get(canonical(_name(match))) if linkable else None
            if username is None or canonical(username) not in linkable:
                continue
            end = match.start() + 1 + len(_name(match))
            out.append(escape(part[position : match.start()]))
            href = url_for("articles.profile", username=username)
            out.append(Markup('<a class="mention" href="{}">@{}</a>').format(href, _name(match)))
            position = end
        out.append(escape(part[position:]))
    return Markup("<br>").join(Markup("".join(out)).splitlines())


def linked_names(text: str, known: Mapping[str, str]) -> tuple[str, ...]:
    """Return the usernames ``render_comment`` links in ``text`` (a cached fragment's key)."""
    if not known:
        return ()
    return tuple(known[key] for key in map(canonical, find_mentions(text)) if key in known)
