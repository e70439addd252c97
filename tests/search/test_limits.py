"""Where search stops: over-long words, one Chinese character among people, ranked pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from inkstone.search import services, views
from inkstone.search.backends import base
from tests.conftest import page_text


def _count(client: Any, q: str, path: str = "/api/v1/search") -> Any:
    return client.get(path, query_string={"q": q}).get_json()


def test_a_word_too_long_to_be_indexed_matches_nothing_instead_of_being_ignored(
    client: Any, make_user: Any, make_article: Any
) -> None:
    make_article(make_user("hay"), title="A needle in a haystack")
    assert _count(client, "needle")["articlesCount"] == 1
    assert _count(client, "needle " + "x" * 80)["articlesCount"] == 0
    assert _count(client, "needle " + "𠀀" * 300)["articlesCount"] == 0  # one jieba "word"


def test_one_chinese_character_finds_people_by_a_word_of_their_bio(
    client: Any, make_user: Any
) -> None:
    make_user("bookish", bio="我喜欢读书，也喜欢散步。")
    make_user("walker", bio="每天散步一小时")
    found = _count(client, "书", "/api/v1/search/people")
    assert [p["username"] for p in found["profiles"]] == ["bookish"]
    assert found["profilesCount"] == 1
    both = _count(client, "步", "/api/v1/search/people")
    assert sorted(p["username"] for p in both["profiles"]) == ["bookish", "walker"]


def test_page_links_reach_the_ranked_matches_while_the_count_stays_exact(
    client: Any, make_user: Any, make_article: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "CANDIDATES", 12)  # as if 2,000 were a dozen
    monkeypatch.setattr(views, "CANDIDATES", 12)
    author = make_user("prolific")
    for n in range(25):
        make_article(author, title=f"Kestrel sighting number {n}")
    page = client.get("/search", query_string={"q": "kestrel"})
    assert "25 articles found" in page_text(page)
    numbers = {int(n) for n in re.findall(r"[?&]page=(\d+)", page.get_data(as_text=True))}
    assert max(numbers) == 2  # 12 ranked matches, 10 a page: two pages, not three
    assert client.get("/search", query_string={"q": "kestrel", "page": 2}).status_code == 200
    assert client.get("/search", query_string={"q": "kestrel", "page": 3}).status_code == 404
    api = client.get("/api/v1/search", query_string={"q": "kestrel", "offset": 12}).get_json()
    assert api == {"articles": [], "articlesCount": 25, "articlesCountExact": True}


def test_past_a_thousand_matches_the_count_says_more_than(
    client: Any, make_user: Any, make_article: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "CANDIDATES", 3)
    monkeypatch.setattr(base, "COUNTED", 5)  # as if 1,000 were five
    monkeypatch.setattr(services, "COUNTED", 5)
    author = make_user("osprey", bio="osprey watcher")
    for n in range(7):
        make_article(author, title=f"Osprey nest {n}")
    answer = client.get("/api/v1/search", query_string={"q": "osprey"}).get_json()
    assert (answer["articlesCount"], answer["articlesCountExact"]) == (5, False)
    assert len(answer["articles"]) == 3  # the ranked ones
    assert "More than 5 articles found" in page_text(client.get("/search?q=osprey"))
    exact = client.get("/api/v1/search", query_string={"q": "osprey nest 3"}).get_json()
    assert (exact["articlesCount"], exact["articlesCountExact"]) == (1, True)
    people = client.get("/api/v1/search/people", query_string={"q": "osprey"}).get_json()
    assert (people["profilesCount"], people["profilesCountExact"]) == (1, True)
