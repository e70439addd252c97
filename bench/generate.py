"""Row generators for the benchmark dataset: plain dicts, deterministic for a given seed.

Nothing here touches the database; ``dataset.py`` inserts what these functions yield and keeps
the running totals they report.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bench import texts
from bench.texts import WORDS
from inkstone.articles.slugs import base_slug
from inkstone.auth.usernames import canonical, skeleton

SLUG_MAX = 80  # the app's readable slug part is at most 80 characters
SPAN = timedelta(days=3 * 365)  # articles spread over three years
TIE_CHANCE = 0.05  # this share of articles has the same created_at as the one before

# ~50 tags, some mixed-case and some Chinese, as users would write them; most used first in
# each language.
TAGS: tuple[str, ...] = (
    "python", "flask", "JavaScript", "databases", "PostgreSQL", "design", "writing", "travel",
    "open source", "DevOps", "security", "books", "cooking", "music", "rust", "go", "SQLite",
    "testing", "career", "productivity", "linux", "web", "APIs", "performance", "CSS", "react",
    "machine learning", "data", "cloud", "docker", "kubernetes", "networking", "history",
    "science", "photography", "gaming", "health", "finance", "startups", "education",
    "编程", "生活", "旅行", "读书", "美食", "摄影", "随笔", "技术", "电影", "音乐",
)  # fmt: skip
ZH_SHARE = 0.10  # of articles written in Chinese, tagged with Chinese tags only
EN_POOL, ZH_POOL = 512, 256  # distinct bodies of each language


def _tag_ids(chinese: bool) -> tuple[int, ...]:
    return tuple(i for i, name in enumerate(TAGS) if name.isascii() != chinese)


def _tag_cum_weights(count: int) -> tuple[float, ...]:
    # Zipf-like popularity: the first English tag is on roughly a third of the articles.
    return tuple(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(count)))


TAG_IDS = {chinese: _tag_ids(chinese) for chinese in (False, True)}
TAG_CUM_WEIGHTS = {chinese: _tag_cum_weights(len(TAG_IDS[chinese])) for chinese in (False, True)}

# Comments per article: most have none or a few, some a discussion (1.56 on average).
COMMENT_COUNTS = range(7)
COMMENT_WEIGHTS = (35, 25, 15, 10, 7, 5, 3)
FEATURED_COMMENTS = 4  # the article the page benchmarks read always has a discussion

READER_INDEX = 0  # follows exactly FOLLOWS_OF_READER authors: the feed benchmark's viewer
WRITER_INDEX = 1  # favorites nothing at build time: the favorite benchmark's actor
ADMIN_INDEX = 2  # also holds the admin role: the dashboard benchmarks' viewer
FOLLOWS_OF_READER = 20


@dataclass
class Totals:
    """Denormalised counters accumulated while rows are generated (indexes are 0-based)."""

    user_articles: list[int]
    user_favorites: list[int]
    tag_articles: list[int] = field(default_factory=lambda: [0] * len(TAGS))
    articles: int = 0
    article_tags: int = 0
    favorites: int = 0
    comments: int = 0
    chinese: int = 0  # articles written in Chinese
    # What the search benchmarks pick their words from: the articles each made-up word of
    # the vocabulary is in, and the articles each pooled body is used by.
    word_articles: list[int] = field(default_factory=lambda: [0] * texts.VOCABULARY_SIZE)
    body_uses: dict[bool, list[int]] = field(
        default_factory=lambda: {False: [0] * EN_POOL, True: [0] * ZH_POOL}
    )


def username(i: int) -> str:
    """Return the username of user ``i``."""
    return {
        READER_INDEX: "bench-reader",
        WRITER_INDEX: "bench-writer",
        ADMIN_INDEX: "bench-admin",
    }.get(i, f"author{i:06d}")


def email(i: int) -> str:
    """Return the email of user ``i``."""
    return f"{username(i)}@bench.inkstone.test"


def users(n: int, *, password_hash: str, start: datetime) -> Iterator[dict[str, object]]:
    """Yield ``n`` active user rows (ids 1..n), all with the same password hash."""
    rng = random.Random(1)
    for i in range(n):
        joined = start - timedelta(days=rng.randint(1, 365), seconds=rng.randint(0, 86_399))
        yield {
            "id": i + 1,
            "username": username(i),
            # what the model derives from the name (inkstone.auth.usernames)
            "username_key": canonical(username(i)),
            "username_skeleton": skeleton(username(i)),
            "email": email(i),
            "password_hash": password_hash,
            "bio": " ".join(rng.choices(WORDS, k=rng.randint(0, 12))).capitalize(),
            "image": None,
            "status": "active",
            "articles_count": 0,
            "favorites_count": 0,
            "created_at": joined,
            "updated_at": joined,
        }


def follows(n_users: int, *, when: datetime) -> Iterator[dict[str, object]]:
    """Yield follow rows: the reader follows 20 authors, everyone else 15-25 others.

    Each user's picks cost O(follows), not O(users) (100,000 users build in seconds): indexes
    into the other users are sampled from a ``range`` and shifted past the user's own, which
    draws exactly what sampling the list of the others would.
    """
    rng = random.Random(2)
    for i in range(n_users):
        wanted = FOLLOWS_OF_READER if i == READER_INDEX else rng.randint(15, 25)
        for j in rng.sample(range(n_users - 1), k=min(wanted, n_users - 1)):
            followee = j if j < i else j + 1
            yield {"follower_id": i + 1, "followee_id": followee + 1, "created_at": when}


# Notifications: the reader has a long history (most read, some unread), everyone else a few.
NOTIFICATIONS_OF_READER = 5_000
UNREAD_OF_READER = 40
NOTIFICATIONS_EACH = 20


def notifications(n_users: int, *, when: datetime) -> Iterator[dict[str, object]]:
    """Yield notification rows (follows, read unless among a user's newest few).

    The bell counts a reader's unread rows on every signed-in page: the reader's thousands of
    read ones must cost it nothing (they are not in its partial index).
    """
    rng = random.Random(6)
    for i in range(n_users):
        total = NOTIFICATIONS_OF_READER if i == READER_INDEX else NOTIFICATIONS_EACH
        unread = UNREAD_OF_READER if i == READER_INDEX else 2
        for n in range(total):
            actor = rng.randrange(n_users - 1)
            at = when + timedelta(seconds=n)
            yield {
                "user_id": i + 1,
                "kind": "follow",
                "actor_id": (actor if actor < i else actor + 1) + 1,
                "data": {},
                "actor_count": 1,
                "created_at": at,
                "updated_at": at,
                "read_at": None if n >= total - unread else at,
            }


def tags(*, when: datetime) -> list[dict[str, object]]:
    """Return the tag rows (ids 1..len(TAGS)); counts are set once articles exist."""
    return [
        {"id": i + 1, "name": name, "key": name.casefold(), "articles_count": 0, "created_at": when}
        for i, name in enumerate(TAGS)
    ]


def _slug(words: list[str]) -> str:
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > SLUG_MAX:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug


class ArticleGenerator:
    """Generate articles in id order (oldest first) with their tag links and favorites."""

    def __init__(
        self,
        *,
        n_articles: int,
        n_users: int,
        newest: datetime,
        encode_tag_names: Callable[[list[str]], str] | None = None,
        render_body: Callable[[str, str], dict[str, object]] | None = None,
        featured_id: int | None = None,
        seed: int = 3,
    ) -> None:
        self.rng = random.Random(seed)
        self.comment_rng = random.Random(seed + 100)  # its own stream: articles stay as they were
        self.newest = newest
        self.featured_id = featured_id
        self.comment_bodies = [
            " ".join(texts.sentence(self.comment_rng, 4, 20) + "." for _ in range(k))
            for k in self.comment_rng.choices((1, 1, 2, 2, 3, 5), k=256)
        ]
        self.encode_tag_names = encode_tag_names
        self.render_body = render_body
        self.n_articles = n_articles
        self.n_users = n_users
        self.bodies = {
            False: texts.pool(self.rng, EN_POOL),
            True: texts.pool(self.rng, ZH_POOL, chinese=True),
        }
        self.vocabulary = texts.vocabulary()
        self.word_cum_weights = texts.zipf_cum_weights(len(self.vocabulary))
        self.word_ranks = range(len(self.vocabulary))
        self.totals = Totals(user_articles=[0] * n_users, user_favorites=[0] * n_users)
        self.slugs: set[str] = set()
        self.gap_ms = max(1, int(SPAN.total_seconds() * 1000 / max(n_articles, 1)))
        self.clock = newest - timedelta(milliseconds=self.gap_ms * n_articles)
        self.clock = self.clock.replace(microsecond=self.clock.microsecond // 1000 * 1000)
        self.fans = [u for u in range(n_users) if u != WRITER_INDEX]

    def _unique_slug(self, base: str) -> str:
        candidate = base
        while candidate in self.slugs or candidate == "feed":
            suffix = "".join(self.rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=6))
            candidate = f"{base}-{suffix}"
        self.slugs.add(candidate)
        return candidate

    def _text(self) -> tuple[bool, dict[str, object], str, str]:
        """Return an article's language, its text columns, its opening sentence, its pooled body.

        One made-up word, drawn with Zipf weights, goes in the title and the opening sentence;
        the rest of the body is one of the language's pooled bodies.
        """
        rng, t = self.rng, self.totals
        chinese = rng.random() < ZH_SHARE
        rank = rng.choices(self.word_ranks, cum_weights=self.word_cum_weights)[0]
        word = self.vocabulary[rank]
        t.word_articles[rank] += 1
        which = rng.randrange(len(self.bodies[chinese]))
        t.body_uses[chinese][which] += 1
        if chinese:
            t.chinese += 1
            head = texts.zh_words(rng, 2, 5)
            title = f"{head} {word}" if rng.random() < 0.7 else f"{word} {head}"
            slug = base_slug(title)  # transliterated, as the app does
            description = texts.zh_sentence(rng)
            lead = texts.chinese_lead(rng, word)
        else:
            words = rng.choices(WORDS, k=rng.randint(3, 9))
            words.insert(rng.randrange(len(words) + 1), word)
            title = " ".join(words).capitalize()
            slug = _slug(words)
            description = " ".join(rng.choices(WORDS, k=rng.randint(6, 16)))
            lead = texts.english_lead(rng, word)
        body = self.bodies[chinese][which]
        columns: dict[str, object] = {
            "slug": self._unique_slug(slug),
            "title": title,
            "description": description,
            "body": f"{lead}\n\n{body}",
        }
        return chinese, columns, lead, body

    def _comments(self, article_id: int, published: datetime) -> Iterator[dict[str, object]]:
        """Yield the comments of one article: by anyone, in the weeks after it appeared."""
        rng = self.comment_rng
        if article_id == self.featured_id:
            count = FEATURED_COMMENTS
        else:
            count = rng.choices(COMMENT_COUNTS, weights=COMMENT_WEIGHTS)[0]
        when = published
        for _ in range(count):
            when = min(when + timedelta(minutes=rng.randint(1, 10_000)), self.newest)
            self.totals.comments += 1
            yield {
                "id": self.totals.comments,
                "body": rng.choice(self.comment_bodies),
                "article_id": article_id,
                "author_id": rng.randrange(self.n_users) + 1,
                "created_at": when,
                "updated_at": when,
            }

    def batches(self, size: int) -> Iterator[tuple[list[dict[str, object]], ...]]:
        """Yield (articles, article_tags, favorites, comments) row lists of ~``size`` articles."""
        rng, t = self.rng, self.totals
        for first in range(1, self.n_articles + 1, size):
            arts: list[dict[str, object]] = []
            links: list[dict[str, object]] = []
            favs: list[dict[str, object]] = []
            comments: list[dict[str, object]] = []
            for article_id in range(first, min(first + size, self.n_articles + 1)):
                if rng.random() >= TIE_CHANCE:
                    self.clock += timedelta(milliseconds=rng.randint(1, 2 * self.gap_ms))
                author = rng.randrange(self.n_users)
                fans = rng.sample(self.fans, k=min(rng.randint(0, 6), len(self.fans)))
                edited = self.clock + timedelta(hours=rng.randint(1, 48))
                chinese, text, lead, body = self._text()
                arts.append(
                    {
                        "id": article_id,
                        **text,
                        "author_id": author + 1,
                        "favorites_count": len(fans),
                        "created_at": self.clock,
                        "updated_at": edited if rng.random() < 0.1 else self.clock,
                    }
                )
                t.user_articles[author] += 1
                picked = set(
                    rng.choices(
                        TAG_IDS[chinese],
                        cum_weights=TAG_CUM_WEIGHTS[chinese],
                        k=rng.randint(1, 4),
                    )
                )
                for tag in picked:
                    links.append({"article_id": article_id, "tag_id": tag + 1})
                    t.tag_articles[tag] += 1
                if self.encode_tag_names is not None:
                    arts[-1]["tag_names"] = self.encode_tag_names([TAGS[i] for i in picked])
                if self.render_body is not None:
                    arts[-1].update(self.render_body(lead, body))
                comments.extend(self._comments(article_id, self.clock))
                for fan in fans:
                    favs.append(
                        {"user_id": fan + 1, "article_id": article_id, "created_at": edited}
                    )
                    t.user_favorites[fan] += 1
            t.articles += len(arts)
            t.article_tags += len(links)
            t.favorites += len(favs)
            yield arts, links, favs, comments


DRAFT_BODY = "A draft: *not yet* published.\n\nStill writing this one."


def drafts(
    count: int, *, first_id: int, author_id: int, tag_id: int, after: datetime, batch: int
) -> Iterator[tuple[list[dict[str, object]], list[dict[str, object]]]]:
    """Yield (articles, article_tags) rows of ``count`` drafts, one millisecond apart."""
    for start in range(first_id, first_id + count, batch):
        arts: list[dict[str, object]] = []
        links: list[dict[str, object]] = []
        for article_id in range(start, min(start + batch, first_id + count)):
            when = after + timedelta(milliseconds=article_id - first_id + 1)
            arts.append(
                {
                    "id": article_id,
                    "slug": f"draft-{article_id}",
                    "title": f"Draft {article_id}",
                    "description": "",
                    "body": DRAFT_BODY,
                    "author_id": author_id,
                    "favorites_count": 0,
                    "published": False,
                    "created_at": when,
                    "updated_at": when,
                }
            )
            links.append({"article_id": article_id, "tag_id": tag_id, "published": False})
        yield arts, links


def newest_time() -> datetime:
    """Return the creation time of the newest article: a minute ago, to the millisecond."""
    now = datetime.now(UTC) - timedelta(minutes=1)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
