"""The one segmenter: text in either language → the terms the index holds.

Documents and queries go through :func:`terms`, so they always agree. Chinese (Han) runs are
cut into words by jieba's search mode (``rjieba``, the Rust build of jieba: the same
dictionary and output, twenty times faster), which also gives the shorter words inside a long
one (清华大学 → 清华, 华大, 大学, 清华大学), so a query for a part finds the whole. Other
text is split into words, NFKC-normalised, case-folded, stripped of accents and stemmed with
the Snowball English stemmer (deploying → deploy). Every Han character is also given on its
own (:func:`characters`): a one-character query (书) finds 读书 and 图书馆.

The dictionary loads on the first call, never at import: a web process that serves no search
pays nothing, a worker that reindexes pays once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NamedTuple

# Han ideographs (with extensions and compatibility forms) and the kana jieba also cuts.
_HAN = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ebef\U00030000-\U0003134f"
)
_RUNS = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+)")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
TERM_MAX = 60  # longer "words" (a hash, a run of letters) are not worth an entry


class Span(NamedTuple):
    """A term and where its word sits in the text (``text[start:end]``)."""

    term: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]  # snowballstemmer is untyped
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def _unaccented(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Return the term of one non-Han word: normalised, case-folded, unaccented, stemmed."""
    folded = _unaccented(word)
    if folded.isascii() and folded.isalpha():
        folded = _stemmer().stemWord(folded)
    return folded


# Endings the stemmer takes off or changes. A word typed in part may run past the stem of
# the word it starts (configurat… → configuration → configur), so a prefix is cut back to
# what the stems of its likely completions share.
_ENDINGS = (
    "e", "s", "es", "ed", "ing", "y", "ies", "ied", "ly", "er", "ers", "ion", "ions", "ation",
    "al", "ally", "ment", "ness", "ity", "ive", "able", "ably", "ize", "ization", "ism", "ist",
    "ful", "ous", "ance", "ence", "ant", "ent", "ate", "ator", "ational", "fulness", "ousness",
    "ible", "ibly", "ability", "ibility",
)  # fmt: skip


def prefix_term(word: str) -> str:
    """Return the start of a term that every word beginning with ``word`` is indexed under."""
    folded = _unaccented(word)
    if not (folded.isascii() and folded.isalpha()):
        return folded
    completions = {
        folded + ending[cut:]
        for ending in _ENDINGS
        for cut in range(len(ending) + 1)
        if folded.endswith(ending[:cut])
    }
    shared = folded
    for stemmed in map(_stemmer().stemWord, completions):
        while not stemmed.startswith(shared):
            shared = shared[:-1]
    return shared or folded


def _jieba() -> Any:  # rjieba is untyped
    import rjieba

    return rjieba


def _prepare(text: str) -> str:
    # NFKC makes full-width letters and digits ordinary ones (U+FF21 is A); the
    # length of the text may change, so spans refer to the prepared text.
    return unicodedata.normalize("NFKC", text)


def spans(text: str) -> Iterator[Span]:
    """Yield every term of ``text`` in order, with its place in ``prepare(text)``."""
    for match in _RUNS.finditer(text):
        if match.group("word") is not None:
            term = fold(match.group())
            if term and len(term) <= TERM_MAX:
                yield Span(term, match.start(), match.end())
            continue
        offset = match.start()
        for word, start, end in _jieba().tokenize(match.group(), mode="search"):
            if len(word) <= TERM_MAX:
                yield Span(word, offset + start, offset + end)


def prepare(text: str) -> str:
    """Return ``text`` as the segmenter reads it (NFKC); spans index into this."""
    return _prepare(text)


def terms(text: str, *, longest: int = TERM_MAX) -> list[str]:
    """Return the terms of ``text`` in order (the same for a document and a query).

    What :func:`spans` yields without the places: the indexing path, kept lean. Terms
    longer than ``longest`` are left out: the index never holds one (a query keeps them,
    so a word typed that long matches nothing instead of being ignored).
    """
    found: list[str] = []
    for han, word in _RUNS.findall(_prepare(text)):
        if word:
            term = fold(word)
            if term and len(term) <= longest:
                found.append(term)
        else:
            # jieba gives a run of characters outside its dictionary's range (CJK
            # extensions) as one word: a long one would not fit a PostgreSQL lexeme.
            found.extend(word for word in _jieba().cut_for_search(han) if len(word) <= longest)
    return found


def characters(text: str) -> list[str]:
    """Return every Han character of ``text`` in order: what a one-character query finds."""
    return _HAN_CHAR.findall(_prepare(text))


def is_han_character(term: str) -> bool:
    """Tell whether ``term`` is a single Han character (searched among the characters)."""
    return len(term) == 1 and _HAN_CHAR.match(term) is not None


def has_han(text: str) -> bool:
    """Tell whether ``text`` holds any Han character."""
    return _HAN_CHAR.search(text) is not None
