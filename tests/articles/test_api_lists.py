"""Article lists and the feed: order, paging, filters, true totals, per-viewer flags, no N+1."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from inkstone.articles import services
from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.extensions import db
from inkstone.profiles.services import follow
from tests.articles.test_api import ARTICLE_KEYS

SUMMARY_KEYS = ARTICLE_KEYS - {"body"}  # list items leave out the body
# A page costs at most: the viewer (signed in), the filter's tag or user, the published
# counter (total, or the plan choice), the page itself (authors and tag names joined in),
# favorites and follows (signed in). Anything that grows with the page fails.
MAX_QUERIES_PER_PAGE = 6


def bulk_articles(app, authors, count, tags=lambda i: [f"tag{i % 3}"]):
    """Create ``count`` articles round-robin over ``authors``; return their slugs, oldest first."""
    slugs = []
    with app.app_context():
        writers = [db.session.get(User, a.id) for a in authors]
        for i in range(count):
            article = services.create_article(
                author=writers[i % len(writers)],
                title=f"Article number {i}",
                description=f"About {i}",
                body=f"Body {i}",
                tag_list=tags(i),
            )
            slugs.append(article.slug)
        db.session.commit()
    return slugs


def favorite_all(app, user, slugs):
    with app.app_context():
        fan = db.session.get(User, user.id)
        for slug in slugs:
            services.favorite(article=services.get_article(slug=slug, viewer=None), user=fan)
        db.session.commit()


def follow_all(app, user, others):
    with app.app_context():
        for other in others:
            follow(follower=db.session.get(User, user.id), followee=db.session.get(User, other.id))
        db.session.commit()


def slugs_of(response):
    assert response.status_code == 200, response.json
    return [a["slug"] for a in response.json["articles"]]


# --------------------------------------------------------------------------- order and paging


def test_list_is_newest_first_without_body(app, client, make_user):
    slugs = bulk_articles(app, [make_user()], 3)
    response = client.get("/api/v1/articles")
    assert slugs_of(response) == slugs[::-1]
    assert response.json["articlesCount"] == 3
    for item in response.json["articles"]:
        assert set(item) == SUMMARY_KEYS  # no body in lists


def test_equal_timestamps_have_a_stable_order_across_pages(app, client, make_user):
    slugs = bulk_articles(app, [make_user()], 7)
    same = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    with app.app_context():
        db.session.execute(update(Article).values(created_at=same, updated_at=same))
        db.session.commit()
    pages = [slugs_of(client.get(f"/api/v1/articles?limit=3&offset={o}")) for o in (0, 3, 6)]
    seen = [slug for page in pages for slug in page]
    assert seen == slugs[::-1]  # ties broken by id, newest id first; no repeats, none skipped
    assert seen == slugs_of(client.get("/api/v1/articles?limit=7"))


def test_limit_defaults_to_20_and_offset_pages(app, client, make_user):
    slugs = bulk_articles(app, [make_user()], 25)[::-1]
    first = client.get("/api/v1/articles")
    assert slugs_of(first) == slugs[:20]
    assert first.json["articlesCount"] == 25
    assert slugs_of(client.get("/api/v1/articles?offset=20")) == slugs[20:]
    assert slugs_of(client.get("/api/v1/articles?limit=5&offset=10")) == slugs[10:15]
    beyond = client.get("/api/v1/articles?offset=1000")
    assert slugs_of(beyond) == []
    assert beyond.json["articlesCount"] == 25


def test_limit_is_capped_at_100(app, client, make_user):
    bulk_articles(app, [make_user()], 103, tags=lambda _: [])
    for limit in (100, 101, 1000, 10**9):
        response = client.get(f"/api/v1/articles?limit={limit}")
        assert len(response.json["articles"]) == 100
        assert response.json["articlesCount"] == 103


# --------------------------------------------------------------------------- filters and totals


@pytest.fixture
def library(app, make_user):
    """Two authors, three tags, a fan: enough to make every filter's total differ."""
    alice, bob, fan = (
        make_user(username="alice"),
        make_user(username="bob"),
        make_user(username="fan"),
    )
    slugs = bulk_articles(app, [alice, bob], 12, tags=lambda i: [f"tag{i % 3}", "all"])
    favorite_all(app, fan, slugs[:5])  # alice: 0, 2, 4; bob: 1, 3
    return {"alice": alice, "bob": bob, "fan": fan, "slugs": slugs}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 12),
        ("tag=all", 12),
        ("tag=tag0", 4),
        ("tag=TAG1", 4),
        ("author=alice", 6),
        ("author=BOB", 6),
        ("favorited=fan", 5),
        ("favorited=alice", 0),
        ("tag=tag0&author=alice", 2),  # articles 0 and 6
        ("tag=tag0&favorited=fan", 2),  # articles 0 and 3
        ("author=alice&favorited=fan", 3),
        ("tag=tag2&author=bob&favorited=fan", 0),
        ("tag=tag1&author=bob&favorited=fan", 1),  # article 1
        ("tag=nope", 0),
        ("author=nobody", 0),
        ("favorited=nobody", 0),
    ],
)
def test_articles_count_is_the_true_total(client, library, query, expected):
    page = client.get(f"/api/v1/articles?limit=2&{query}")
    assert page.status_code == 200
    assert page.json["articlesCount"] == expected
    everything = slugs_of(client.get(f"/api/v1/articles?limit=100&{query}"))
    assert len(everything) == expected
    # Small pages may take another query plan than large ones: same articles, same order.
    paged = []
    for offset in range(0, expected + 1, 2):
        paged += slugs_of(client.get(f"/api/v1/articles?limit=2&offset={offset}&{query}"))
    assert paged == everything


def test_filters_return_the_right_articles(client, library):
    slugs = library["slugs"]
    assert slugs_of(client.get("/api/v1/articles?author=alice&limit=100")) == slugs[0::2][::-1]
    assert slugs_of(client.get("/api/v1/articles?favorited=fan&limit=100")) == slugs[:5][::-1]
    assert slugs_of(client.get("/api/v1/articles?tag=tag0&author=alice")) == [slugs[6], slugs[0]]


def test_list_flags_are_per_viewer(client, library, auth_headers):
    slugs = library["slugs"]
    fan = auth_headers(library["fan"])
    client.post("/api/v1/profiles/alice/follow", headers=fan)
    items = client.get("/api/v1/articles?limit=100", headers=fan).json["articles"]
    by_slug = {a["slug"]: a for a in items}
    for i, slug in enumerate(slugs):
        assert by_slug[slug]["favorited"] is (i < 5)
        assert by_slug[slug]["favoritesCount"] == (1 if i < 5 else 0)
        assert by_slug[slug]["author"]["following"] is (i % 2 == 0)
    anonymous = client.get("/api/v1/articles?limit=100").json["articles"]
    assert not any(a["favorited"] or a["author"]["following"] for a in anonymous)


# --------------------------------------------------------------------------- feed


def test_feed_shows_only_followed_authors(app, client, library, make_user, auth_headers):
    reader = make_user(username="reader")
    headers = auth_headers(reader)
    empty = client.get("/api/v1/articles/feed", headers=headers)
    assert empty.json == {"articles": [], "articlesCount": 0}

    follow_all(app, reader, [library["alice"]])
    feed = client.get("/api/v1/articles/feed?limit=4", headers=headers)
    assert feed.json["articlesCount"] == 6
    assert slugs_of(feed) == library["slugs"][0::2][::-1][:4]
    for item in feed.json["articles"]:
        assert set(item) == SUMMARY_KEYS
        assert item["author"] == {
            "username": "alice",
            "bio": "",
            "image": "",
            "following": True,
        }

    follow_all(app, reader, [library["bob"]])
    assert client.get("/api/v1/articles/feed", headers=headers).json["articlesCount"] == 12


def test_feed_does_not_include_your_own_articles(app, client, library, auth_headers):
    headers = auth_headers(library["alice"])
    follow_all(app, library["alice"], [library["bob"]])
    feed = client.get("/api/v1/articles/feed?limit=100", headers=headers).json
    assert {a["author"]["username"] for a in feed["articles"]} == {"bob"}
    assert feed["articlesCount"] == 6


def test_feed_needs_a_token(client):
    assert client.get("/api/v1/articles/feed").status_code == 401


def test_feed_is_not_mistaken_for_a_slug(client, make_user, make_article, auth_headers):
    make_article(make_user(), title="feed")
    response = client.get("/api/v1/articles/feed", headers=auth_headers(make_user()))
    assert response.json == {"articles": [], "articlesCount": 0}


# --------------------------------------------------------------------------- RealWorld clients


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles",
        "/api/v1/articles/feed",
        "/api/v1/user",
        "/api/v1/tags",
        "/api/v1/profiles/alice",
    ],
)
def test_get_with_a_json_content_type_and_no_body(client, library, auth_headers, path):
    headers = {**auth_headers(library["fan"]), "Content-Type": "application/json"}
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.json


# --------------------------------------------------------------------------- N+1 guard


@pytest.fixture
def big_library(app, make_user):
    """110 articles by six authors (all followed by the viewer), three tags each."""
    authors = [make_user(username=f"author{i}") for i in range(6)]
    viewer = make_user(username="viewer")
    slugs = bulk_articles(app, authors, 110, tags=lambda i: [f"t{i % 7}", f"u{i % 5}", "x"])
    favorite_all(app, viewer, slugs[::3])
    follow_all(app, viewer, authors)
    return viewer


PAGED_PATHS = [
    "/api/v1/articles?",
    "/api/v1/articles?tag=x&",  # every article: walks the date index
    "/api/v1/articles?tag=t0&",  # a few: sorts the matches
    "/api/v1/articles?author=author0&",
    "/api/v1/articles?favorited=viewer&",
    "/api/v1/articles?tag=x&author=author1&favorited=viewer&",
]


PAGE_CASES = [
    *((path, signed_in) for path in PAGED_PATHS for signed_in in (False, True)),
    ("/api/v1/articles/feed?", True),  # the feed needs a signed-in viewer
]


@pytest.mark.parametrize(
    ("path", "signed_in"),
    PAGE_CASES,
    ids=[f"{p.rstrip('?&')}-{'signed-in' if s else 'anonymous'}" for p, s in PAGE_CASES],
)
def test_a_page_costs_the_same_queries_whatever_its_size(
    client, big_library, auth_headers, count_queries, path, signed_in
):
    headers = auth_headers(big_library) if signed_in else {}
    costs = {}
    for limit in (20, 100):
        with count_queries() as queries:
            response = client.get(f"{path}limit={limit}", headers=headers)
        assert response.status_code == 200
        total = response.json["articlesCount"]
        assert len(response.json["articles"]) == min(limit, total)
        assert all(len(a["tagList"]) == 3 for a in response.json["articles"])
        costs[limit] = queries
    assert len(costs[20]) == len(costs[100]), f"limit=20:\n{costs[20]}\nlimit=100:\n{costs[100]}"
    assert len(costs[100]) <= MAX_QUERIES_PER_PAGE, str(costs[100])


def test_a_single_article_costs_a_bounded_number_of_queries(
    client, big_library, auth_headers, count_queries
):
    slug = client.get("/api/v1/articles?limit=1").json["articles"][0]["slug"]
    with count_queries() as queries:
        response = client.get(f"/api/v1/articles/{slug}", headers=auth_headers(big_library))
    assert response.status_code == 200
    assert len(queries) <= MAX_QUERIES_PER_PAGE, str(queries)
