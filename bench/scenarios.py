"""What is measured: one scenario per endpoint, with the issue's target for it."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.dataset import Dataset

LUA_FAVORITE = Path(__file__).resolve().parent / "favorite.lua"
API = "/api/v1"


@dataclass(frozen=True)
class Target:
    """The issue's bar for one endpoint (10,000 articles, 32 connections)."""

    min_ratio: float | None = None  # share of hello-world req/s
    max_p99_ms: float | None = None

    def describe(self) -> str:
        """Return the target as table text."""
        parts = ["0 non-2xx"]
        if self.min_ratio is not None:
            parts.insert(0, f"≥{self.min_ratio:.0%}")
        if self.max_p99_ms is not None:
            parts.insert(1, f"p99≤{self.max_p99_ms:g}ms")
        return ", ".join(parts)


@dataclass(frozen=True)
class Scenario:
    """One wrk run: which server, which request, which target."""

    name: str
    label: str
    server: str  # "hello" or "inkstone"
    path: str
    target: Target
    headers: dict[str, str] = field(default_factory=dict)
    script: Path | None = None
    script_args: tuple[str, ...] = ()


NAMES = ("hello", "home", "page", "list", "article", "tags", "feed", "tag", "favorite")
BASELINES = ("hello", "hello-end")  # measured first and last; ratios use their mean
# The endpoints whose latency must hold as the dataset grows (the site's home and article
# pages, the API's first page, one article, a tag filter, the feed): within 2x of their
# 10,000-article latency at 1,000,000 articles.
SCALE_CHECKED = ("home", "page", "list", "article", "tag", "feed")


def build(
    dataset: Dataset, *, reader_token: str, writer_token: str, threads: int
) -> list[Scenario]:
    """Return every scenario in run order: the baseline first and again last, writes last."""
    slug = urllib.parse.quote(dataset.article_slug)
    tag = urllib.parse.quote(dataset.popular_tag)
    return [
        Scenario("hello", "hello-world GET /", "hello", "/", Target()),
        # The server-rendered site, anonymous (issue 3): no full-page cache in front.
        Scenario(
            "home",
            "site GET /",
            "inkstone",
            "/",
            Target(min_ratio=0.10, max_p99_ms=60),
        ),
        Scenario(
            "page",
            "site GET /article/<slug>",
            "inkstone",
            f"/article/{slug}",
            Target(min_ratio=0.10, max_p99_ms=60),
        ),
        Scenario(
            "list",
            "GET /articles?limit=20",
            "inkstone",
            f"{API}/articles?limit=20",
            Target(min_ratio=0.12, max_p99_ms=50),
        ),
        Scenario(
            "article",
            "GET /articles/<slug>",
            "inkstone",
            f"{API}/articles/{slug}",
            Target(min_ratio=0.20),
        ),
        Scenario("tags", "GET /tags", "inkstone", f"{API}/tags", Target(min_ratio=0.35)),
        Scenario(
            "feed",
            "GET /articles/feed (auth)",
            "inkstone",
            f"{API}/articles/feed",
            Target(min_ratio=0.10),
            headers={"Authorization": f"Token {reader_token}"},
        ),
        Scenario(
            "tag",
            f"GET /articles?tag={dataset.popular_tag}",
            "inkstone",
            f"{API}/articles?tag={tag}",
            Target(),
        ),
        Scenario(
            "favorite",
            "POST /articles/<slug>/favorite (auth)",
            "inkstone",
            f"{API}/articles",
            Target(),
            script=LUA_FAVORITE,
            script_args=(writer_token, str(dataset.favorite_slugs), str(threads)),
        ),
        Scenario("hello-end", "hello-world GET / (again)", "hello", "/", Target()),
    ]


def login(base_url: str, *, email: str, password: str) -> str:
    """Sign in through the API and return the JWT."""
    body = json.dumps({"user": {"email": email, "password": password}}).encode()
    request = urllib.request.Request(
        f"{base_url}{API}/users/login",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["user"]["token"])


def probe(base_url: str, scenario: Scenario) -> int:
    """Send the scenario's request once (GET only) and return the HTTP status."""
    request = urllib.request.Request(base_url + scenario.path, headers=scenario.headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
