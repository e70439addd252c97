"""What a reader types → a query every backend can run, never a syntax error.

The language a reader expects: words in either language or mixed (``Flask 博客``), all of
which must match; ``"an exact phrase"``; ``-excluded`` words or phrases; ``prefix*``.
Nothing else is syntax: ``AND``, ``NEAR(``, ``(``, ``:``, a lone ``*`` or an unbalanced quote
are searched as the text they are (an unclosed quote runs to the end). Every word goes through
the segmenter, so what is matched is what the index holds; each backend renders the parsed
query in its own syntax with every term quoted, so nothing typed reaches it as an operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inkstone.search import segment

QUERY_MAX = 500  # characters; longer queries are refused with a message
UNITS_MAX = 32  # words and phrases a query may hold; more are ignored
_PIECES = re.compile(r'(-?)"([^"]*)(?:"|$)|(\S+)')


@dataclass(frozen=True)
class Unit:
    """One thing that must (or must not) match.

    ``terms``: the segmenter's terms, in order; more than one is a phrase. ``prefix``: the
    last term may be any word starting with it. ``character``: a single Han character,
    matched among each document's characters (it is rarely a word of its own).
    """

    terms: tuple[str, ...]
    prefix: bool = False
    character: bool = False

    @property
    def phrase(self) -> bool:
        """Tell whether the terms must follow one another."""
        return len(self.terms) > 1


@dataclass(frozen=True)
class Query:
    """A parsed query: units that must match and units that must not."""

    text: str
    required: tuple[Unit, ...] = ()
    excluded: tuple[Unit, ...] = ()
    words: tuple[str, ...] = field(default=())  # every required term: what snippets mark

    @property
    def empty(self) -> bool:
        """Tell whether nothing is asked for (only exclusions, or nothing at all)."""
        return not self.required


def _word_units(text: str) -> list[Unit]:
    """Return the units one typed word gives: a word of Han text may give several terms."""
    prefix = text.endswith("*")
    body = text.rstrip("*")
    found = segment.terms(body, longest=QUERY_MAX)
    if not found:
        return []
    if len(found) == 1 and segment.is_han_character(found[0]):
        return [Unit((found[0],), character=True)]
    # "Flask博客" is two words that must both match, not a phrase; only the last can be a prefix
    # (and only of a non-Han word: a prefix of a Chinese word is that word's characters).
    units = [
        Unit((term,), character=segment.is_han_character(term))
        for term in _search_words(body, found)
    ]
    if prefix and not segment.has_han(units[-1].terms[-1]):
        units[-1] = Unit((_prefix_of(body),), prefix=True)
    return units


def _prefix_of(body: str) -> str:
    # The last word as typed, not its stem: "deployi" stems to itself, which no indexed
    # stem ("deploy") starts with.
    prepared = segment.prepare(body)
    last = list(segment.spans(prepared))[-1]
    return segment.prefix_term(prepared[last.start : last.end])


def _search_words(body: str, found: list[str]) -> list[str]:
    # jieba's search mode gives a long word and its parts (清华, 华大, 大学, 清华大学); as
    # separate required words, the whole one alone says the same and ranks the same.
    if not segment.has_han(body):
        return found
    longest: list[str] = []
    for term in found:
        if not any(term in other and term != other for other in found):
            longest.append(term)
    return longest


def _phrase_unit(text: str) -> list[Unit]:
    found = segment.terms(text, longest=QUERY_MAX)
    if not found:
        return []
    if len(found) == 1:
        return [Unit((found[0],), character=segment.is_han_character(found[0]))]
    return [Unit(tuple(found))]


def parse(text: str) -> Query:
    """Parse what a reader typed (already checked for length and NULs)."""
    required: list[Unit] = []
    excluded: list[Unit] = []
    for match in _PIECES.finditer(text):
        negated, quoted, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            negated = "-" if word.startswith("-") and len(word) > 1 else ""
            units = _word_units(word[1:] if negated else word)
        else:
            units = _phrase_unit(quoted)
        (excluded if negated else required).extend(units)
    required = _unique(required)[:UNITS_MAX]
    excluded = _unique(excluded)[:UNITS_MAX]
    words = tuple(dict.fromkeys(term for unit in required for term in unit.terms))
    return Query(text=text, required=tuple(required), excluded=tuple(excluded), words=words)


def _unique(units: list[Unit]) -> list[Unit]:
    return list(dict.fromkeys(units))


# ----------------------------------------------------------------------------- rendering


def _fts5_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts5_unit(unit: Unit, words: str, characters: str) -> str:
    if unit.character:
        return f"{characters}{_fts5_string(unit.terms[0])}"
    phrase = _fts5_string(" ".join(unit.terms))
    return f"{words}{phrase}{' *' if unit.prefix else ''}"


def to_fts5(query: Query, *, words: str = "", characters: str = "") -> str:
    """Render ``query`` as an SQLite FTS5 MATCH expression (every term a quoted string).

    ``words`` and ``characters``: the column filters (``"{title body} : "``) put before a
    word or phrase and before a single Han character; none by default.
    """
    expression = " AND ".join(f"({_fts5_unit(unit, words, characters)})" for unit in query.required)
    for unit in query.excluded:
        expression = f"({expression}) NOT ({_fts5_unit(unit, words, characters)})"
    return expression


def _tsquery_lexeme(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'"


def _tsquery_unit(unit: Unit) -> str:
    lexemes = [_tsquery_lexeme(term) for term in unit.terms]
    if unit.prefix:
        lexemes[-1] += ":*"
    return "(" + " <-> ".join(lexemes) + ")"


def to_rank_tsquery(query: Query) -> str:
    """Render what ``ts_rank`` should score: any required unit, no exclusion.

    ``ts_rank`` of an ``&`` query measures how close its words sit, and scores 0 for every
    match of a query with an exclusion (``!x`` is never found in a match), so results are
    matched with :func:`to_tsquery` and scored with this.
    """
    return " | ".join(_tsquery_unit(unit) for unit in query.required)


def to_tsquery(query: Query) -> str:
    """Render ``query`` as a PostgreSQL ``tsquery`` literal (every lexeme quoted)."""
    parts = [_tsquery_unit(unit) for unit in query.required]
    parts += [f"!{_tsquery_unit(unit)}" for unit in query.excluded]
    return " & ".join(parts)
