"""The words of the benchmark dataset: English and Chinese Markdown bodies, and a vocabulary
of made-up words whose use follows Zipf's law, so that searching it is like searching a site.

Bodies come from pools (each distinct body is rendered once). Words drawn uniformly from a
thousand real ones would put every word in about a quarter of the articles and none in a
handful; so each article also carries one made-up word, drawn from :func:`vocabulary` with
Zipf weights, in its title and in its opening sentence: a few words are in thousands of
articles and most in a handful, as names and jargon are.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

from faker.providers.lorem.en_US import Provider as _Lorem
from faker.providers.lorem.zh_CN import Provider as _LoremZh

from inkstone.search import segment

WORDS: tuple[str, ...] = tuple(w for w in _Lorem.word_list if w.isascii() and len(w) > 1)
ZH_WORDS: tuple[str, ...] = tuple(_LoremZh.word_list)  # 346 two-character words
VOCABULARY_SIZE = 20_000
ZIPF_EXPONENT = 1.0  # the first word is in ~9.5 % of articles, the 5,000th in ~0.002 %

# Code samples for fenced blocks: (info string, lines); "{w}" takes a random word.
CODE_SAMPLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("python", (
        "def {w}(items):",
        "    \"\"\"Return the {w} of every item.\"\"\"",
        "    total = 0",
        "    for item in items:",
        "        if item.{w} is not None:",
        "            total += len(item.{w})",
        "    return {{\"{w}\": total, \"count\": len(items)}}",
    )),
    ("sql", (
        "SELECT a.id, a.{w}, count(f.user_id) AS favorites",
        "FROM articles a LEFT JOIN favorites f ON f.article_id = a.id",
        "WHERE a.created_at > '2024-01-01' AND a.{w} IS NOT NULL",
        "GROUP BY a.id ORDER BY favorites DESC LIMIT 20;",
    )),
    ("javascript", (
        "const {w} = async (url) => {{",
        "  const response = await fetch(url, {{ headers: {{ Accept: 'application/json' }} }});",
        "  if (!response.ok) throw new Error(`{w}: ${{response.status}}`);",
        "  return (await response.json()).{w};",
        "}};",
    )),
    ("bash", (
        "set -euo pipefail",
        "for f in ./{w}/*.md; do",
        '  echo "converting $f"',
        '  pandoc "$f" -o "${{f%.md}}.html"',
        "done",
    )),
    ("", (
        "{w}: 42",
        "  {w}: true",
        "  retries: 3",
    )),
)  # fmt: skip

# ----------------------------------------------------------------------------- English


def sentence(rng: random.Random, low: int, high: int) -> str:
    """Return ``low``-``high`` English words, capitalised, without a full stop."""
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize()


def _paragraph(rng: random.Random) -> str:
    """Return a paragraph with some inline Markdown: emphasis, code, a link."""
    words = rng.choices(WORDS, k=rng.randint(20, 60))
    spots = rng.sample(range(1, len(words)), k=3)
    kind = rng.randrange(4)
    words[spots[0]] = f"**{words[spots[0]]}**" if kind % 2 else f"*{words[spots[0]]}*"
    words[spots[1]] = f"`{words[spots[1]]}()`"
    if kind == 0:
        words[spots[2]] = f"[{words[spots[2]]}](https://example.com/{words[spots[2]]})"
    elif kind == 1:
        words[spots[2]] = f"[{words[spots[2]]}](/tag/{words[spots[2]]})"
    elif kind == 2:
        words[spots[2]] = f"https://docs.example.org/{words[spots[2]]}"  # an autolink
    return " ".join(words).capitalize() + "."


def _code(rng: random.Random) -> str:
    lang, lines = rng.choice(CODE_SAMPLES)
    word = rng.choice(WORDS)
    return "\n".join([f"```{lang}", *(line.format(w=word) for line in lines), "```"])


def _list(rng: random.Random, item: Callable[[random.Random], str]) -> str:
    ordered = rng.random() < 0.3
    items = [item(rng) for _ in range(rng.randint(3, 6))]
    return "\n".join(f"{i + 1}. {t}" if ordered else f"- {t}" for i, t in enumerate(items))


def _table(rng: random.Random) -> str:
    rows = []
    for _ in range(rng.randint(2, 5)):
        rows.append(f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} | {sentence(rng, 2, 5)} |")
    return "\n".join(["| name | value | note |", "|---|---:|---|", *rows])


def _closing(
    rng: random.Random,
    item: Callable[[random.Random], str],
    quote: Callable[[random.Random], str],
) -> str:
    """Return the block closing a section: a list, code, a quote or a table."""
    extra = rng.random()
    if extra < 0.45:
        return _list(rng, item)
    if extra < 0.8:
        return _code(rng)
    if extra < 0.9:
        return "> " + quote(rng)
    return _table(rng)


def english_body(rng: random.Random) -> str:
    """Return one Markdown body as authors write them: a few sections of mixed blocks."""
    blocks = [_paragraph(rng)]
    for _ in range(rng.randint(1, 3)):
        blocks.append(f"## {sentence(rng, 2, 5)}")
        blocks.extend(_paragraph(rng) for _ in range(rng.randint(1, 3)))
        blocks.append(_closing(rng, _list_item, _quote))
    return "\n\n".join(blocks) + "\n"


def _list_item(rng: random.Random) -> str:
    return sentence(rng, 3, 12)


def _quote(rng: random.Random) -> str:
    return sentence(rng, 8, 25) + "."


def english_lead(rng: random.Random, word: str) -> str:
    """Return an opening sentence of plain words with ``word`` somewhere in it."""
    words = rng.choices(WORDS, k=rng.randint(6, 14))
    words.insert(rng.randrange(1, len(words) + 1), word)
    return " ".join(words).capitalize() + "."


# ----------------------------------------------------------------------------- Chinese


def zh_words(rng: random.Random, low: int, high: int) -> str:
    """Return ``low``-``high`` Chinese words written as Chinese is: without spaces."""
    return "".join(rng.choices(ZH_WORDS, k=rng.randint(low, high)))


def zh_sentence(rng: random.Random) -> str:
    """Return a sentence of one to four clauses, ending in 。."""
    return "，".join(zh_words(rng, 2, 5) for _ in range(rng.randint(1, 4))) + "。"


def _zh_paragraph(rng: random.Random) -> str:
    """Return a paragraph of sentences with some inline Markdown: emphasis, code, a link."""
    sentences = [zh_sentence(rng) for _ in range(rng.randint(2, 6))]
    first, second = rng.sample(range(len(sentences)), k=2)
    word = rng.choice(ZH_WORDS)
    sentences[first] = f"**{word}**" + sentences[first]
    if rng.random() < 0.5:
        sentences[second] = f"用 `{rng.choice(WORDS)}()` " + sentences[second]
    else:
        sentences[second] += f"[{rng.choice(ZH_WORDS)}](https://example.com/{rng.choice(WORDS)})"
    return "".join(sentences)


def chinese_body(rng: random.Random) -> str:
    """Return one Chinese Markdown body: sections of paragraphs, lists, code, quotes, tables."""
    blocks = [_zh_paragraph(rng)]
    for _ in range(rng.randint(1, 3)):
        blocks.append(f"## {zh_words(rng, 2, 4)}")
        blocks.extend(_zh_paragraph(rng) for _ in range(rng.randint(1, 3)))
        blocks.append(_closing(rng, zh_sentence, zh_sentence))
    return "\n\n".join(blocks) + "\n"


def chinese_lead(rng: random.Random, word: str) -> str:
    """Return an opening sentence in Chinese with the (Latin) ``word`` set off by spaces."""
    return f"{zh_words(rng, 2, 6)} {word} {zh_words(rng, 2, 6)}，{zh_words(rng, 2, 5)}。"


# ----------------------------------------------------------------------------- vocabulary

_ONSETS = (
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
    "br", "dr", "fl", "gr", "kl", "pl", "pr", "st", "tr", "sh", "ch", "th",
)  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "io")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "nd", "st")
_TABLE_WORDS = ("name", "value", "note")  # the tables' header row: indexed words besides WORDS


def vocabulary(size: int = VOCABULARY_SIZE, *, seed: int = 6) -> tuple[str, ...]:
    """Return ``size`` made-up, pronounceable words (vorbel, tistrain…) in Zipf rank order.

    Their terms (stemmed, folded) differ from one another and from every real word the
    dataset writes, so the articles a word is in are exactly those it was drawn for.
    """
    rng = random.Random(seed)
    taken = {segment.fold(w) for w in WORDS}
    taken |= {segment.fold(w) for w in _TABLE_WORDS}
    words: list[str] = []
    while len(words) < size:
        syllables = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 3))]
        word = "".join(syllables) + rng.choice(_CODAS)
        term = segment.fold(word)
        if term not in taken:
            taken.add(term)
            words.append(word)
    return tuple(words)


def zipf_cum_weights(size: int = VOCABULARY_SIZE) -> tuple[float, ...]:
    """Return cumulative Zipf weights for ``random.choices`` over ``size`` ranks."""
    return tuple(itertools.accumulate(1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(size)))


def pool(rng: random.Random, count: int, *, chinese: bool = False) -> list[str]:
    """Return a pool of Markdown bodies (reused: bodies are payload, not keys)."""
    make = chinese_body if chinese else english_body
    return [make(rng) for _ in range(count)]
