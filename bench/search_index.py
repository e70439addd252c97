"""The benchmark dataset's search index, and the words the search benchmarks ask for.

The index is built as an operator builds it (``flask search reindex --fresh``): by the app's
own ``rebuild``, in as many processes as there are CPUs, then checked against the rows. The
words are picked from what the generator wrote, deterministically, and each is counted by
the app's own search, so a result file says how many articles every measured query found
(or that it found more than the app counts):

- rare: a made-up word in a handful of articles (about 20 at 1,000,000);
- common: the real word in the most English bodies (``manage``: with manager and management,
  one term, in about half the articles);
- zh: the two-character Chinese word in the most Chinese bodies (a few % of the articles);
- phrase: the two adjacent words found together in the most English bodies;
- filtered: the common word among the articles of the most used tag.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.texts import WORDS
from inkstone.app import create_app
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.search import indexing, segment, services
from inkstone.search.backends import backend
from inkstone.search.documents import plain_text

if TYPE_CHECKING:
    from bench.generate import ArticleGenerator

RARE_PER_ARTICLES = 50_000  # the rare word is in about one article in this many (at least 2)
COMMON_SHARE = 0.20  # the common word is in at least this share of the articles
ZH_SHARE = 0.01  # the Chinese word in at least this share
_SENTENCE_END = re.compile(r"[.!?\n]")


class IndexProblem(RuntimeError):
    """The index does not hold what the rows say it should."""


@dataclass(frozen=True)
class Knowledge:
    """What the generator wrote, as far as the search benchmarks need it."""

    vocabulary: tuple[str, ...]
    word_articles: list[int]  # articles each made-up word is in, by rank
    bodies: dict[bool, list[str]]  # the pooled bodies, English (False) and Chinese (True)
    body_uses: dict[bool, list[int]]  # articles each pooled body is used by
    chinese: int  # articles written in Chinese

    @classmethod
    def of(cls, generator: ArticleGenerator) -> Knowledge:
        """Return what ``generator`` wrote (call it once every batch is out)."""
        totals = generator.totals
        return cls(
            vocabulary=generator.vocabulary,
            word_articles=totals.word_articles,
            bodies=generator.bodies,
            body_uses=totals.body_uses,
            chinese=totals.chinese,
        )


def build(
    instance: Path, knowledge: Knowledge, *, published: int, users: int, popular_tag: str
) -> dict[str, Any]:
    """Index the dataset in ``instance``, check it, pick and count the benchmark queries."""
    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        print(f"bench: indexing {published:,} articles for search …", flush=True)
        started = time.perf_counter()
        articles, people = indexing.rebuild(
            fresh=True, workers=os.cpu_count() or 1, progress=_progress(published)
        )
        seconds = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        connection = db.session.connection()
        status = backend(connection).status(connection)
        status_seconds = round(time.perf_counter() - started, 2)
        db.session.rollback()
        wrong = {
            name: pair
            for name, pair in {
                "indexed articles": (status.articles, published),
                "indexed people": (status.people, users),
                "articles rebuilt": (articles, published),
                "people rebuilt": (people, users),
            }.items()
            if pair[0] != pair[1]
        }
        if wrong:
            raise IndexProblem(f"the search index disagrees with the rows (index, rows): {wrong}")
        queries = _counted(knowledge, published=published, popular_tag=popular_tag)
        db.session.remove()
        db.engine.dispose()
    print(
        f"bench: search index built in {seconds:.1f} s: {status.articles:,} articles, "
        f"{status.people:,} people, {status.size_bytes / 2**20:,.0f} MiB",
        flush=True,
    )
    return {
        "index_seconds": seconds,
        "index_bytes": status.size_bytes,
        "backend": status.backend,
        "articles": status.articles,
        "people": status.people,
        "status_seconds": status_seconds,
        "chinese_articles": knowledge.chinese,
        "queries": queries,
    }


def _progress(total: int) -> Callable[[int, int], bool]:
    step = 100_000

    def report(done: int, _total: int) -> bool:
        if total >= 2 * step and done % step < indexing.BATCH:
            print(f"bench:   indexed {done:,} articles", flush=True)
        return True

    return report


def picks(knowledge: Knowledge, *, published: int) -> dict[str, dict[str, Any]]:
    """Return each benchmark query (filters aside), picked from the generated text.

    ``written``: the articles the generator put the query's words in (exact for the rare
    word; for the others, those whose pooled body has them, a floor: titles add more).
    """
    target = max(2, round(published / RARE_PER_ARTICLES))
    counts = knowledge.word_articles
    rare = min(range(len(counts)), key=lambda rank: (abs(counts[rank] - target), rank))
    english = _weighted(knowledge, chinese=False, items=_english_words)
    chinese = _weighted(knowledge, chinese=True, items=_chinese_words)
    pairs = _weighted(knowledge, chinese=False, items=_english_pairs)
    common, zh, phrase = _most_used(english), _most_used(chinese), _most_used(pairs)
    return {
        "rare": {"q": knowledge.vocabulary[rare], "written": counts[rare]},
        "common": {"q": common, "written": english[common]},
        "zh": {"q": zh, "written": chinese[zh]},
        "phrase": {"q": f'"{phrase}"', "written": pairs[phrase]},
    }


def _counted(knowledge: Knowledge, *, published: int, popular_tag: str) -> dict[str, Any]:
    """Return each query with what the app finds for it; check it against what was written.

    ``articles`` is the app's total and ``exact`` whether it counted them all (it may stop
    counting at some point and say "more than").
    """
    queries = picks(knowledge, published=published)
    queries["filtered"] = {"q": queries["common"]["q"], "tag": popular_tag}
    for query in queries.values():
        found = services.search_articles(
            viewer=None, text=query["q"], page=PageRequest(limit=1), tag=query.get("tag")
        )
        query["articles"] = found.total
        query["exact"] = getattr(found, "exact", True)
    problems = [
        f"{name} {query} finds nothing" for name, query in queries.items() if not query["articles"]
    ]
    rare = queries["rare"]
    if rare["articles"] != rare["written"] or not rare["exact"]:
        problems.append(f"rare {rare} does not find exactly the articles it was written in")
    for name, share in (("common", COMMON_SHARE), ("zh", ZH_SHARE)):
        if queries[name]["written"] < share * published:
            problems.append(f"{name} {queries[name]} is written in fewer than {share:.0%}")
        if queries[name]["exact"] and queries[name]["articles"] < queries[name]["written"]:
            problems.append(f"{name} {queries[name]} finds fewer than it was written in")
    if problems:
        raise IndexProblem("; ".join(problems))
    return queries


def _weighted(
    knowledge: Knowledge, *, chinese: bool, items: Callable[[str], Iterable[str]]
) -> Counter[str]:
    """Count, for each item of the pooled bodies, the articles whose body has it."""
    uses: Counter[str] = Counter()
    for body, used in zip(knowledge.bodies[chinese], knowledge.body_uses[chinese], strict=True):
        for item in set(items(body)):
            uses[item] += used
    return uses


def _most_used(uses: Counter[str]) -> str:
    return min(uses, key=lambda item: (-uses[item], item))


_SURFACE = {segment.fold(word): word for word in reversed(WORDS)}  # a term → a word giving it


def _english_words(body: str) -> Iterable[str]:
    return (_SURFACE[t] for t in segment.terms(plain_text(body)) if t in _SURFACE)


def _chinese_words(body: str) -> Iterable[str]:
    return (
        t
        for t in segment.terms(plain_text(body))
        if len(t) == 2 and all(segment.is_han_character(c) for c in t)
    )


def _prose(body: str) -> str:
    """Return the paragraphs, headings, lists and quotes of a Markdown body.

    Code and tables are left out: the samples are few (``FROM articles`` is in a fifth of
    the bodies) and every table has the same header row ("name value note").
    """
    kept, code = [], False
    for line in body.splitlines():
        if line.startswith("```"):
            code = not code
        elif not code and not line.startswith("|"):
            kept.append(line)
    return "\n".join(kept)


def _english_pairs(body: str) -> Iterable[str]:
    """Yield every two adjacent words of a sentence, as a reader would type them.

    Short words are left out ("create at" is not a phrase anyone looks for).
    """
    for sentence in _SENTENCE_END.split(plain_text(_prose(body))):
        words = [_SURFACE.get(t) for t in segment.terms(sentence)]
        for first, second in itertools.pairwise(words):
            if first and second and first != second and min(len(first), len(second)) >= 4:
                yield f"{first} {second}"
