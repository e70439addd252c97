"""``GET /api/v1/search`` and ``GET /api/v1/search/people``: what a RealWorld client gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from inkstone.accounts.deletion import delete_account
from inkstone.admin.services import change_status
from inkstone.articles.models import Article
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.search.backends import base
from inkstone.search.query import QUERY_MAX

SUMMARY_KEYS = {"slug", "title", "description", "tagList", "createdAt", "updatedAt", "author"}
SUMMARY_KEYS |= {"favorited", "favoritesCount"}
PROFILE_KEYS = {"username", "bio", "image", "following"}


def search(client, headers=None, **params):
    response = client.get("/api/v1/search", query_string=params, headers=headers or {})
    assert response.status_code == 200, response.json
    return response.json


def titles(client, headers=None, **params) -> list[str]:
    return [article["title"] for article in search(client, headers, **params)["articles"]]


def people(client, headers=None, **params) -> list[str]:
    response = client.get("/api/v1/search/people", query_string=params, headers=headers or {})
    assert response.status_code == 200, response.json
    return [profile["username"] for profile in response.json["profiles"]]


def written_on(app, article: Article, when: datetime) -> None:
    with app.app_context():
        db.session.execute(
            update(Article).where(Article.id == article.id).values(created_at=when, updated_at=when)
        )
        db.session.commit()


@pytest.fixture
def alice(make_user):
    return make_user("alice", bio="I write about databases.")


# --------------------------------------------------------------------------- shape


def test_found_articles_are_realworld_summaries_with_a_snippet(client, alice, make_article):
    make_article(
        alice,
        title="Indexing PostgreSQL",
        description="GIN and friends",
        body="A tsvector per row, under a GIN index.",
        tag_list=["postgres", "search"],
    )
    answer = search(client, q="tsvector")
    assert set(answer) == {"articles", "articlesCount", "articlesCountExact"}
    assert answer["articlesCountExact"] is True
    assert answer["articlesCount"] == 1
    (article,) = answer["articles"]
    assert set(article) == SUMMARY_KEYS | {"snippet"}
    assert article["slug"] == "indexing-postgresql"
    assert article["title"] == "Indexing PostgreSQL"
    assert article["description"] == "GIN and friends"
    assert article["tagList"] == ["postgres", "search"]
    assert article["favorited"] is False
    assert article["favoritesCount"] == 0
    assert article["createdAt"].endswith("Z")
    assert article["author"] == {
        "username": "alice",
        "bio": "I write about databases.",
        "image": "",
        "following": False,
    }
    assert "<mark>tsvector</mark>" in article["snippet"]


def test_the_snippet_is_escaped_with_only_the_matches_marked(client, alice, make_article):
    make_article(
        alice,
        title="Why <script> tags bite",
        description='Dangerous: <script>alert("x")</script> & an <img src=x onerror=alert(1)>',
        body="Body text.",
    )
    (article,) = search(client, q="dangerous")["articles"]
    snippet = article["snippet"]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in snippet
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet
    assert "&amp;" in snippet
    assert snippet.startswith("<mark>Dangerous</mark>: &lt;script&gt;")
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    # the title is plain text in JSON, as RealWorld clients expect
    assert article["title"] == "Why <script> tags bite"


def test_the_snippet_marks_every_form_of_the_word_around_the_first_match(
    client, alice, make_article
):
    body = (
        "Filler words. " * 40
        + "Then we started deploying it, and deployed twice. "
        + ("More filler. " * 40)
    )
    make_article(alice, title="A long story", description="", body=body)
    (article,) = search(client, q="deploy")["articles"]
    snippet = article["snippet"]
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>deploying</mark>" in snippet
    assert "<mark>deployed</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 230


def test_the_snippet_reads_markdown_as_words(client, alice, make_article):
    make_article(
        alice,
        title="Markdown",
        description="",
        body="## Heading\n\n**Bold claim** about [the link text](https://example.com/hidden-path)."
        "\n\n```\ncode block\n```\n",
    )
    (article,) = search(client, q="bold")["articles"]
    assert "Heading" in article["snippet"]
    assert "<mark>Bold</mark> claim about the link text." in article["snippet"]
    assert "**" not in article["snippet"]
    assert "https" not in article["snippet"]
    assert search(client, q="hidden")["articlesCount"] == 0  # a URL is not the article's words


def test_a_chinese_match_is_marked_inside_the_longer_word(client, alice, make_article):
    make_article(alice, title="游记", description="", body="我来到北京清华大学。")
    (article,) = search(client, q="清华")["articles"]
    assert article["snippet"] == "我来到北京<mark>清华</mark>大学。"


# --------------------------------------------------------------------------- paging and order


def test_limit_and_offset_page_through_every_match_once(app, client, alice, make_article):
    made = [make_article(alice, title=f"Paging post {n}", body="pagination") for n in range(5)]
    for n, article in enumerate(made):
        written_on(app, article, utcnow() - timedelta(days=n))
    pages = [search(client, q="pagination", sort="date", limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert [page["articlesCount"] for page in pages] == [5, 5, 5, 5]
    assert [len(page["articles"]) for page in pages] == [2, 2, 1, 0]
    seen = [article["title"] for page in pages for article in page["articles"]]
    assert seen == [f"Paging post {n}" for n in range(5)]  # newest first, none twice
    assert len(titles(client, q="pagination")) == 5  # the default page holds them all


def test_past_the_ranked_candidates_the_count_stays_exact(
    app, client, alice, make_article, monkeypatch
):
    # Relevance is worked out over the newest CANDIDATES matches; the count is all of them.
    monkeypatch.setattr(base, "CANDIDATES", 3)
    for n in range(5):
        make_article(alice, title=f"Capped {n}", body="ubiquitous")
    answer = search(client, q="ubiquitous")
    assert answer["articlesCount"] == 5
    assert {a["title"] for a in answer["articles"]} == {"Capped 2", "Capped 3", "Capped 4"}
    assert search(client, q="ubiquitous", author="alice")["articlesCount"] == 5
    assert search(client, q="ubiquitous", since="2000-01-01")["articlesCount"] == 5


def test_a_title_match_ranks_above_a_body_mention_and_date_sorts_newest(
    app, client, alice, make_article
):
    titled = make_article(alice, title="Kubernetes operators", body="Reconcile loops.")
    mentioned = make_article(
        alice, title="A week of notes", body="Meetings, lunch, and once kubernetes came up."
    )
    written_on(app, titled, utcnow() - timedelta(days=30))
    written_on(app, mentioned, utcnow() - timedelta(hours=1))
    assert titles(client, q="kubernetes") == ["Kubernetes operators", "A week of notes"]
    assert titles(client, q="kubernetes", sort="relevance") == [
        "Kubernetes operators",
        "A week of notes",
    ]
    assert titles(client, q="kubernetes", sort="date") == [
        "A week of notes",
        "Kubernetes operators",
    ]


def test_a_tag_or_description_match_ranks_above_a_body_mention(app, client, alice, make_article):
    make_article(alice, title="One", body="Once, briefly: caching.")
    make_article(alice, title="Two", body="Nothing here.", tag_list=["caching"])
    make_article(alice, title="Three", description="All about caching", body="Details.")
    assert titles(client, q="caching")[-1] == "One"


# --------------------------------------------------------------------------- filters


def test_filters_by_tag_author_and_days(app, client, alice, make_user, make_article):
    bob = make_user("bob")
    march = make_article(alice, title="Spring rust", body="rust", tag_list=["Rust"])
    april = make_article(alice, title="April rust", body="rust", tag_list=["systems"])
    bobs = make_article(bob, title="Bob on rust", body="rust", tag_list=["Rust"])
    written_on(app, march, datetime(2024, 3, 10, 12, tzinfo=UTC))
    written_on(app, april, datetime(2024, 4, 2, 0, 0, tzinfo=UTC))
    written_on(app, bobs, datetime(2024, 4, 30, 23, 59, tzinfo=UTC))

    def found(**filters):
        return set(titles(client, q="rust", **filters))

    assert found() == {"Spring rust", "April rust", "Bob on rust"}
    assert found(tag="rust") == {"Spring rust", "Bob on rust"}
    assert found(tag="RUST") == {"Spring rust", "Bob on rust"}  # as tags compare
    assert found(author="alice") == {"Spring rust", "April rust"}
    assert found(author="ALICE") == {"Spring rust", "April rust"}
    assert found(author="alice", tag="rust") == {"Spring rust"}
    # days are whole UTC days, both ends included
    assert found(since="2024-03-10", until="2024-03-10") == {"Spring rust"}
    assert found(since="2024-03-11") == {"April rust", "Bob on rust"}
    assert found(until="2024-04-01") == {"Spring rust"}
    assert found(since="2024-04-02", until="2024-04-30") == {"April rust", "Bob on rust"}
    assert found(since="2024-05-01") == set()
    assert found(since="2024-04-30", until="2024-04-01") == set()  # an empty range
    assert found(since="0001-01-01", until="9999-12-31") == found()  # the calendar's ends


@pytest.mark.parametrize("filters", [{"tag": "no-such-tag"}, {"author": "nobody-here"}])
def test_an_unknown_tag_or_author_finds_nothing_rather_than_failing(
    client, alice, make_article, filters
):
    make_article(alice, title="Anything", body="golang", tag_list=["go"])
    assert search(client, q="golang", **filters) == {
        "articles": [],
        "articlesCount": 0,
        "articlesCountExact": True,
    }


def test_favorited_and_following_are_the_viewers_own(
    client, alice, make_user, make_article, auth_headers
):
    reader = make_user("reader")
    liked = make_article(alice, title="Liked one", body="tea")
    make_article(make_user("carol"), title="Other one", body="tea")
    headers = auth_headers(reader)
    assert (
        client.post(f"/api/v1/articles/{liked.slug}/favorite", headers=headers).status_code == 200
    )
    assert client.post("/api/v1/profiles/alice/follow", headers=headers).status_code == 200

    signed_in = {a["title"]: a for a in search(client, headers, q="tea")["articles"]}
    assert signed_in["Liked one"]["favorited"] is True
    assert signed_in["Liked one"]["favoritesCount"] == 1
    assert signed_in["Liked one"]["author"]["following"] is True
    assert signed_in["Other one"]["favorited"] is False
    assert signed_in["Other one"]["author"]["following"] is False

    anonymous = {a["title"]: a for a in search(client, q="tea")["articles"]}
    assert anonymous["Liked one"]["favorited"] is False
    assert anonymous["Liked one"]["favoritesCount"] == 1
    assert anonymous["Liked one"]["author"]["following"] is False
    # the Bearer scheme is taken as well
    bearer = search(client, auth_headers(reader, scheme="Bearer"), q="tea", author="alice")
    assert bearer["articles"][0]["favorited"] is True


# --------------------------------------------------------------------------- people


def test_people_are_found_by_name_and_bio(client, alice, make_user):
    make_user("bob", bio="Gardener and photographer.", status=UserStatus.UNVERIFIED.value)
    make_user("photo_fan", bio="")
    assert people(client, q="alice") == ["alice"]
    assert people(client, q="databases") == ["alice"]  # a bio word
    assert people(client, q="photograph") == ["bob"]  # stemmed; unverified people are found
    assert set(people(client, q="photo*")) == {"bob", "photo_fan"}
    assert people(client, q="nobody") == []
    answer = client.get("/api/v1/search/people?q=alice").json
    assert answer == {
        "profiles": [
            {
                "username": "alice",
                "bio": "I write about databases.",
                "image": "",
                "following": False,
            }
        ],
        "profilesCount": 1,
        "profilesCountExact": True,
    }


def test_a_name_match_ranks_above_a_bio_mention_and_people_page(client, make_user):
    make_user("mentions", bio="My friend is called gardener.")
    make_user("gardener", bio="Roses.")
    for n in range(3):
        make_user(f"grower{n}", bio="A gardener too, with a long bio about many other things.")
    assert people(client, q="gardener")[0] == "gardener"
    first = client.get("/api/v1/search/people?q=gardener&limit=2").json
    rest = client.get("/api/v1/search/people?q=gardener&limit=2&offset=2").json
    assert first["profilesCount"] == rest["profilesCount"] == 5
    assert len(first["profiles"]) == len(rest["profiles"]) == 2
    seen = {p["username"] for p in first["profiles"] + rest["profiles"]}
    assert len(seen) == 4


def test_people_search_says_whom_the_viewer_follows(client, alice, make_user, auth_headers):
    reader = make_user("reader")
    headers = auth_headers(reader)
    client.post("/api/v1/profiles/alice/follow", headers=headers)
    response = client.get("/api/v1/search/people?q=alice", headers=headers)
    assert response.json["profiles"][0]["following"] is True


def test_suspended_and_deleted_people_are_never_found(app, client, make_user):
    admin = make_user("boss", role=RoleName.ADMIN)
    suspended = make_user("suspendme", bio="Collector of zeppelins.")
    deleted = make_user("deleteme", bio="Collector of zeppelins too.")
    make_user("staying", bio="Collector of zeppelins, still here.")
    assert set(people(client, q="zeppelins")) == {"suspendme", "deleteme", "staying"}
    with app.app_context():
        change_status(
            user=db.session.get(User, suspended.id),
            status=UserStatus.SUSPENDED,
            actor=db.session.get(User, admin.id),
        )
        delete_account(user=db.session.get(User, deleted.id), remove_content=False)
        db.session.commit()
    assert people(client, q="zeppelins") == ["staying"]
    assert people(client, q="suspendme") == []
    assert people(client, q="deleteme") == []
    assert client.get("/api/v1/search/people?q=collector").json["profilesCount"] == 1


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/search", {"q": "x" * (QUERY_MAX + 1)}, "q"),
        ("/api/v1/search", {"q": "界" * (QUERY_MAX + 1)}, "q"),
        ("/api/v1/search/people", {"q": "x" * (QUERY_MAX + 1)}, "q"),
        ("/api/v1/search", {"q": "a", "sort": "best"}, "sort"),
        ("/api/v1/search", {"q": "a", "sort": ""}, "sort"),
        ("/api/v1/search", {"q": "a", "since": "2024-13-01"}, "since"),
        ("/api/v1/search", {"q": "a", "since": "yesterday"}, "since"),
        ("/api/v1/search", {"q": "a", "until": "2024-02-30"}, "until"),
        ("/api/v1/search", {"q": "a", "until": "10000-01-01"}, "until"),
        ("/api/v1/search", {"q": "a", "limit": "0"}, "limit"),
        ("/api/v1/search", {"q": "a", "offset": "-1"}, "offset"),
        ("/api/v1/search/people", {"q": "a", "limit": "x"}, "limit"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, path, query, field):
    response = client.get(path, query_string=query)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
    assert all(isinstance(message, str) and message for message in response.json["errors"][field])


# --------------------------------------------------------------------------- the spec


def _resolve(spec, node):
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_both_searches_are_documented_with_their_parameters_and_errors(client):
    spec = client.get("/api/v1/openapi.json").json
    articles = spec["paths"]["/search"]["get"]
    found_people = spec["paths"]["/search/people"]["get"]
    names = {"q", "tag", "author", "sort", "since", "until", "limit", "offset"}
    assert {p["name"] for p in articles["parameters"]} == names
    assert {p["name"] for p in found_people["parameters"]} == {"q", "limit", "offset"}
    for operation in (articles, found_people):
        assert {"200", "422"} <= set(operation["responses"])
        assert operation["summary"]
        q = next(p for p in operation["parameters"] if p["name"] == "q")
        assert q["in"] == "query"
        assert q["schema"]["maxLength"] == QUERY_MAX
    sort = next(p for p in articles["parameters"] if p["name"] == "sort")
    assert sort["schema"]["enum"] == ["relevance", "date"]
    since = next(p for p in articles["parameters"] if p["name"] == "since")
    assert since["schema"]["format"] == "date"

    body = _resolve(spec, articles["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(body["required"]) == {"articles", "articlesCount", "articlesCountExact"}
    item = _resolve(spec, body["properties"]["articles"]["items"])
    assert set(item["properties"]) == SUMMARY_KEYS | {"snippet"}
    people_body = _resolve(
        spec, found_people["responses"]["200"]["content"]["application/json"]["schema"]
    )
    assert set(people_body["required"]) == {"profiles", "profilesCount", "profilesCountExact"}
    profile = _resolve(spec, people_body["properties"]["profiles"]["items"])
    assert set(profile["properties"]) == PROFILE_KEYS
