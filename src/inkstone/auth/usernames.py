"""Usernames as people read them: one canonical form, one script, no look-alikes.

- **Canonical form** (``canonical``): Unicode NFKC with full case folding, as Unicode's
  NFKC_Casefold does it. ``Émile`` and ``émile`` are one name, and so are full-width
  ``\uff24\uff25\uff2d\uff2f`` and ``demo``. It is stored (``users.username_key``,
  unique) and every look-up compares it, so SQLite (whose ``lower()`` folds ASCII only)
  and PostgreSQL agree.
- **One script** (``script_problem``): a name may mix scripts only as Unicode TR39's
  "highly restrictive" level allows: Latin with Han and Japanese kana, with Han and
  Bopomofo, or with Han and Hangul. ``d\u0435mo`` (a Cyrillic ``\u0435``) is refused.
- **No look-alikes** (``skeleton``): Unicode TR39's skeleton — every character replaced by
  the prototype of its class in Unicode's confusables data — then case-folded. Names whose
  skeletons are equal look alike (``paypal``/``paypaI``, ``user1``/``userl``); the skeleton is
  stored (``users.username_skeleton``, unique) so a second one is refused.

Unicode's data comes from confusable-homoglyphs (the confusables and scripts tables, as
django-registration uses them); it is read on first use, not at import.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# TR39 "highly restrictive": one script, or Latin with one of these sets (Common and
# Inherited characters, digits and punctuation, belong to every script).
ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})
_DIRECTION_MARKS = str.maketrans("", "", "\u200e\u200f")


def tidy(name: str) -> str:
    """Return ``name`` as stored and shown: NFKC (full-width letters become plain), trimmed."""
    return unicodedata.normalize("NFKC", name).strip()


def canonical(name: str) -> str:
    """Return the form names are compared in: NFKC, case-folded, NFKC again."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return unicodedata.normalize("NFKC", folded)


def scripts(name: str) -> frozenset[str]:
    """Return the scripts of ``name``'s letters (Common and Inherited left out)."""
    from confusable_homoglyphs.categories import unique_aliases

    return frozenset(unique_aliases(name)) - NEUTRAL_SCRIPTS


def script_problem(name: str) -> str | None:
    """Say why ``name`` mixes scripts in a way people could be fooled by, or ``None``."""
    found = scripts(name)
    if len(found) <= 1 or any(found <= allowed for allowed in ALLOWED_MIXES):
        return None
    listed = " and ".join(sorted(s.title() for s in found))
    return f"may not mix {listed} letters"


def skeleton(name: str) -> str:
    """Return the TR39 skeleton of ``name``, case-folded: equal for names that look alike."""
    prototype = _prototypes()
    mapped = "".join(prototype.get(c, c) for c in unicodedata.normalize("NFD", tidy(name)))
    return unicodedata.normalize("NFD", mapped).casefold()


@cache
def _prototypes() -> dict[str, str]:
    """Map each confusable character to its class's prototype, from Unicode's data.

    confusable-homoglyphs lists, for each character, the characters and sequences it is
    confusable with. Characters confusable with each other form one class, whose prototype
    is its ASCII member if it has one (else its lowest code point); a character that TR39
    maps to a sequence (``m`` → ``rn``) maps to that sequence's prototypes.
    """
    from confusable_homoglyphs.confusables import confusables_data

    parent: dict[str, str] = {}

    def root(char: str) -> str:
        while parent.get(char, char) != char:
            parent[char] = parent.get(parent[char], parent[char])
            char = parent[char]
        return char

    def rank(char: str) -> tuple[bool, int]:
        return (not char.isascii(), ord(char))

    sequences: dict[str, str] = {}
    for char, entries in confusables_data.items():
        if len(char) != 1:
            continue
        for entry in entries:
            other = entry["c"].translate(_DIRECTION_MARKS)  # right-to-left glyphs come marked
            if len(other) == 1:
                a, b = root(char), root(other)
                if a != b:
                    low, high = sorted((a, b), key=rank)
                    parent[high] = low
            elif other.strip() and char not in sequences:
                sequences[char] = other
    mapping = {char: root(char) for char in parent}
    for char, sequence in sequences.items():
        mapping[char] = "".join(mapping.get(c, c) for c in sequence)
    return {char: proto for char, proto in mapping.items() if proto != char}


# A deleted account's row stays, renamed so its name and address are free again
# (accounts.deletion); pages show such an author as "deleted user".
DELETED_PREFIX = "deleted-"
DELETED_EMAIL_DOMAIN = "deleted.invalid"  # RFC 2606: can never receive mail
_DELETED_USERNAME = re.compile(rf"{DELETED_PREFIX}[0-9]+", re.IGNORECASE)


def deleted_username(user_id: int) -> str:
    """Return the username a deleted account is given."""
    return f"{DELETED_PREFIX}{user_id}"


def is_deleted_username(username: str) -> bool:
    """Tell whether ``username`` has the form given to deleted accounts (reserved for them)."""
    return _DELETED_USERNAME.fullmatch(username) is not None
