"""Highlighted snippets: the words a query matched, marked in the text a reader reads.

The text is cut by the same segmenter as the index, so a match is marked exactly where the
index found it (``deploying`` for a query ``deploy``, 北京 inside 北京大学). Everything is
HTML-escaped; only the ``<mark>`` elements are markup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup, escape

from inkstone.search import segment
from inkstone.search.query import Query

SNIPPET_CHARS = 220  # about two lines of a result
SCANNED_CHARS = 20_000  # matches further into a long body are not looked for
_LEAD = 60  # characters shown before the first match


class Matcher:
    """Which terms of a text a query matched."""

    def __init__(self, query: Query) -> None:
        self.exact: set[str] = set()
        self.prefixes: list[str] = []
        characters: set[str] = set()
        for unit in query.required:
            if unit.character:
                characters.add(unit.terms[0])
            elif unit.prefix:
                self.exact.update(unit.terms[:-1])
                self.prefixes.append(unit.terms[-1])
            else:
                self.exact.update(unit.terms)
        self.characters = (
            re.compile("|".join(map(re.escape, sorted(characters)))) if characters else None
        )
        self.probe = _probe([*self.exact, *self.prefixes])

    def ranges(self, text: str, *, reach: int | None = None) -> list[tuple[int, int]]:
        """Return the merged ``(start, end)`` ranges of ``text`` (prepared) that match.

        ``reach``: stop looking once this many characters past the first match (a snippet
        shows no more), so a long body is not cut to its end for one line of it.
        """
        found: list[tuple[int, int]] = []
        stop = len(text)
        first = self._first_character(text)
        if first is not None and reach is not None:
            stop = min(stop, first + reach)
        for span in self._spans_from(text):
            if span.start >= stop:
                break
            if span.term in self.exact or any(span.term.startswith(p) for p in self.prefixes):
                found.append((span.start, span.end))
                if reach is not None and len(found) == 1:
                    stop = min(stop, span.start + reach)
        if self.characters is not None:
            found += [(m.start(), m.end()) for m in self.characters.finditer(text, 0, stop)]
        return _merged(found)

    def _spans_from(self, text: str) -> Iterable[segment.Span]:
        """Yield the spans of ``text`` from the first word that could match (no earlier)."""
        if self.probe is None:
            yield from segment.spans(text)
            return
        found = self.probe.search(text)
        if found is None:
            return
        begin = found.start()
        while begin > 0 and text[begin - 1].isalnum():
            begin -= 1  # the start of the word (or of the run of Chinese) holding it
        for span in segment.spans(text[begin:]):
            yield segment.Span(span.term, span.start + begin, span.end + begin)

    def _first_character(self, text: str) -> int | None:
        if self.characters is None:
            return None
        match = self.characters.search(text)
        return match.start() if match else None


def _probe(terms: list[str]) -> re.Pattern[str] | None:
    """Return a pattern that finds, cheaply, where the first match could be (or ``None``).

    An English stem is how its words begin (deploy: deploys, deploying) give or take its
    last letters (happi: happy), so its first four letters, any case, find every word
    that could be it; a Chinese word is found as it is. A term in another script (its
    accents taken off) is not probed: the whole text is cut for it.
    """
    if not terms:
        return None
    parts = []
    for term in terms:
        if segment.has_han(term):
            parts.append(re.escape(term))
        elif term.isascii():
            parts.append(re.escape(term[:4]))
        else:
            return None
    return re.compile("|".join(parts), re.IGNORECASE)


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _marked(text: str, ranges: list[tuple[int, int]], start: int, end: int) -> Markup:
    parts: list[str] = []
    at = start
    for first, last in ranges:
        if last <= start or first >= end:
            continue
        first, last = max(first, start), min(last, end)
        parts.append(str(escape(text[at:first])))
        parts.append(f"<mark>{escape(text[first:last])}</mark>")
        at = last
    parts.append(str(escape(text[at:end])))
    return Markup("".join(parts))


def _class(codes: list[int]) -> str:
    """Return a regular-expression class of these code points, as ranges."""
    ranges: list[list[int]] = []
    for code in sorted(set(codes)):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]"


@lru_cache(maxsize=1)
def _rewritten() -> re.Pattern[str]:
    """Return a pattern of what NFKC may rewrite: a character it changes, or one with marks.

    Marks are the combining ones and the characters that compose with the one before them
    (Hangul vowels and final consonants, the second half of some Indic vowels). Everything
    else NFKC leaves as it is. Built once, in a few hundredths of a second.
    """
    changed: list[int] = []
    marks = [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]
    for code in range(0x30000):  # no character past the third plane changes
        character = chr(code)
        if unicodedata.combining(character):
            marks.append(code)
        elif unicodedata.normalize("NFKC", character) != character:
            changed.append(code)
        parts = unicodedata.decomposition(character).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            marks.append(int(parts[1], 16))
    return re.compile(f"(?s:.){_class(marks)}+|{_class(changed)}")


def _origins(text: str, count: int) -> list[int]:
    """Return where in ``text`` each of the first ``count`` characters of its NFKC came from.

    (At least ``count`` places, then where the rest begins.) NFKC makes full-width letters
    and punctuation ordinary ones, and ﬁ two letters: the matches are found in what it
    gives, and shown in the text as the author wrote it.
    """
    starts: list[int] = []
    at = 0
    end = len(text)
    for match in _rewritten().finditer(text):
        if len(starts) + match.start() - at > count:
            end = match.start()
            break
        starts += range(at, match.start())
        starts += [match.start()] * len(unicodedata.normalize("NFKC", match.group()))
        at = match.end()
    starts += range(at, end)
    return [*starts, end]


def _matches(text: str, matcher: Matcher, *, reach: int | None = None) -> list[tuple[int, int]]:
    """Return the ranges of ``text`` (as written) that ``matcher`` matches."""
    prepared = segment.prepare(text)
    ranges = matcher.ranges(prepared, reach=reach)
    if prepared == text or not ranges:
        return ranges
    starts = _origins(text, ranges[-1][1])
    last = len(starts) - 1
    written = []
    for first, after in ranges:
        first, after = min(first, last), min(after, last)
        end = after  # a match ending inside what one character became takes all of it
        while end < last and starts[end] == starts[after - 1]:
            end += 1
        written.append((starts[first], starts[end]))
    return _merged(written)


def highlight(text: str, matcher: Matcher) -> Markup:
    """Return all of ``text`` (a title) escaped, with its matches marked."""
    return _marked(text, _matches(text, matcher), 0, len(text))


def snippet(text: str, matcher: Matcher, *, width: int = SNIPPET_CHARS) -> Markup:
    """Return about ``width`` characters of ``text`` around its first match, marked.

    The window opens a little before the first match (at a space when there is one) and is
    cut with an ellipsis at either end it does not reach. No match: the text's beginning.
    """
    scanned = text[:SCANNED_CHARS]
    ranges = _matches(scanned, matcher, reach=width)
    start = 0
    if ranges and ranges[0][0] > _LEAD:
        start = ranges[0][0] - _LEAD
        space = scanned.find(" ", start, ranges[0][0])
        if 0 <= space < ranges[0][0] - 1:
            start = space + 1
    end = min(len(scanned), start + width)
    if end < len(scanned):
        space = scanned.rfind(" ", start + width // 2, end)
        if space > 0:
            end = space
    body = _marked(scanned, ranges, start, end)
    before = "…" if start > 0 else ""
    after = "…" if end < len(text) else ""
    return Markup(before) + body + Markup(after)
