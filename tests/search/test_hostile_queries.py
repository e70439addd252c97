"""Whatever is typed into a search box, the answer is results or a clear refusal, never a 500.

Every query is tried on the API and the page, for articles and for people, on this run's
database: FTS5 and tsquery each have a syntax of their own that nothing typed may reach.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest

from inkstone.search.query import QUERY_MAX

HOSTILE = {
    "unbalanced quote": '"fox dog',
    "unbalanced quotes": 'fox "dog" "',
    "quote alone": '"',
    "two quotes": '""',
    "NEAR": "NEAR(fox dog)",
    "NEAR with a distance": "NEAR(fox dog, 2)",
    "AND": "fox AND dog",
    "OR": "fox OR dog",
    "NOT": "fox NOT dog",
    "operators alone": "AND OR NOT",
    "star alone": "*",
    "stars": "** * ***",
    "minus alone": "-",
    "minus minus": "--fox",
    "minus star": "-*",
    "caret": "^fox",
    "colon": ":",
    "column filter": "{title}:fox",
    "column filters": "{title body}: fox",
    "column name": "title:fox",
    "col:val": "col:val",
    "parentheses": "((fox) dog",
    "backslash": "fox\\",
    "backslashes": "\\\\ \\' \\\"",
    "single quote": "'",
    "sql injection": "fox' OR '1'='1",
    "its": "it's",
    "bang": "!fox",
    "ampersand": "fox & dog",
    "pipe": "fox | dog",
    "followed by": "fox <-> dog",
    "tsquery prefix": "fox:*",
    "tsquery weight": "fox:AB",
    "prefix alone": ":*",
    "plus": "+fox +dog",
    "percent and underscore": "% _ %fox_",
    "html": "<script>alert(1)</script>",
    "emoji": "🦊 🐶 fox",
    "emoji alone": "🦊",
    "right to left": "مرحبا بالعالم",
    "bidi override": "\u202efox\u202c",
    "combining marks": "fo\u0301x\u0308\u0308",
    "zero width": "fo\u200bx \ufeffdog",
    "ideographic space": "fox\u3000dog",
    "han extension": "\U00020000\U0002a700",
    "very long word": "x" * 400,
    "long han run": "\u3400" * 400,
    "500 copies of a": " ".join(["a"] * 250),
    "a 500 times": "a" * QUERY_MAX,
    "many words": " ".join(f"w{n}" for n in range(100)),
    "tab and newline": "fox\tdog\nfox",
    "control characters": "fox\x01\x07\x1b\x7f",
}
# What the query language reads in these: searched as the words they hold.
FINDS_THE_FOX = {
    "NEAR",
    "AND",
    "OR",
    "NOT",
    "caret",
    "column filter",
    "backslash",
    "bang",
    "ampersand",
    "pipe",
    "followed by",
    "tsquery prefix",
    "plus",
    "emoji",
    "bidi override",
    "ideographic space",
    "tab and newline",
    "control characters",
}
ENDPOINTS = ["/api/v1/search", "/api/v1/search/people", "/search", "/search/people"]


def ask(client, path: str, raw_query: str):
    """GET ``path?raw_query`` (already percent-encoded) and check the answer is a clear one."""
    response = client.get(f"{path}?{raw_query}")
    if path.startswith("/api/"):
        assert response.mimetype == "application/json"
        if response.status_code == 200:
            assert isinstance(
                response.json["articles" if path.endswith("search") else "profiles"], list
            )
        else:
            assert response.status_code == 422, response.status_code
            assert response.json["errors"], response.json
    else:
        assert response.mimetype == "text/html"
        assert response.status_code in (200, 400), response.status_code
        assert 'id="navbar-search-q"' in response.get_data(as_text=True)
    return response


@pytest.fixture
def fox(make_user, make_article):
    author = make_user("foxwriter", bio="The fox and the dog.")
    make_article(
        author,
        title="The fox and the dog",
        description="it's NEAR, AND or NOT: col:val {title}:fox",
        body="A quick brown fox was near the lazy dog. مرحبا بالعالم",
    )
    return author


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("q", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_query_is_searched_as_text(client, fox, path, q):
    response = ask(client, path, "q=" + quote(q, safe=""))
    assert response.status_code == 200
    if path == "/api/v1/search":
        titles = {a["title"] for a in response.json["articles"]}
        assert titles <= {"The fox and the dog"}
        name = next(name for name, value in HOSTILE.items() if value == q)
        if name in FINDS_THE_FOX:
            assert titles == {"The fox and the dog"}, name
        for article in response.json["articles"]:
            assert "<script>" not in article["snippet"]
    elif path == "/search":
        page = response.get_data(as_text=True)
        assert "<script>alert(1)" not in page
        shown = html.unescape(re.search(r'id="search-q"[^>]*value="([^"]*)"', page).group(1))
        assert shown == q.strip()  # the box shows what was typed, to edit


@pytest.mark.parametrize(
    ("name", "q"),
    [("the words", "fox dog"), ("col:val", "col:val"), ("it's", "it's"), ("NEAR", "NEAR(")],
)
def test_operator_like_text_in_an_article_is_found_as_written(client, fox, name, q):
    response = ask(client, "/api/v1/search", "q=" + quote(q, safe=""))
    assert [a["title"] for a in response.json["articles"]] == ["The fox and the dog"], name


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("NUL", "q=%00"),
        ("NUL inside", "q=fox%00dog"),
        ("10,000 characters", "q=" + "x" * 10_000),
        ("10,000 Chinese characters", "q=" + quote("书" * 10_000)),
        ("1,000 copies of a", "q=" + "a+" * 1_000),
        ("one over the limit", "q=" + "x" * (QUERY_MAX + 1)),
        ("lone surrogate (CESU-8)", "q=%ED%A0%80fox"),
        ("invalid UTF-8", "q=fox%FF%FE"),
        ("overlong UTF-8", "q=%C0%AFfox"),
        ("q twice", "q=fox&q=dog"),
        ("no value", "q"),
        ("a bare percent", "q=fox%"),
        ("a bad escape", "q=%zzfox"),
    ],
)
@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_malformed_or_oversized_query_is_answered_clearly(client, fox, path, name, raw):
    response = ask(client, path, raw)
    too_long = name.startswith(("10,000", "1,000", "one over"))
    if too_long:
        assert response.status_code == (422 if path.startswith("/api/") else 400), name
        if path.startswith("/api/"):
            assert list(response.json["errors"]) == ["q"]
        else:
            assert "Your search is too long" in response.get_data(as_text=True)
    elif name.startswith("NUL") and path.startswith("/api/"):
        assert response.status_code == 422
        assert response.json["errors"] == {"q": ["must not contain NUL characters"]}
    else:
        assert response.status_code == 200, name


def test_a_query_of_exactly_the_longest_length_is_searched(client, fox):
    q = "fox" + " " * (QUERY_MAX - 6) + "dog"
    assert len(q) == QUERY_MAX
    assert ask(client, "/api/v1/search", "q=" + quote(q)).json["articlesCount"] == 1
    assert ask(client, "/search", "q=" + quote(q)).status_code == 200


def test_a_lone_surrogate_in_the_client_s_text_is_a_clear_answer(client, fox):
    # A client that sends an unpaired surrogate can only send it mangled (it is not UTF-8).
    with pytest.raises(UnicodeEncodeError):
        "\ud800".encode()
    response = ask(
        client, "/api/v1/search", "q=" + quote("\ud800fox", safe="", errors="surrogatepass")
    )
    assert response.status_code == 200


HOSTILE_FILTERS = ["%00", "a%00b", "x" * 5000, "'", "\\", "%E2%80%AE", "'\"<>", "-1", "🦊"]


@pytest.mark.parametrize("value", HOSTILE_FILTERS)
@pytest.mark.parametrize("name", ["tag", "author", "sort", "since", "until", "limit", "offset"])
def test_a_hostile_api_filter_is_a_422_or_nothing_found(client, fox, name, value):
    response = ask(client, "/api/v1/search", f"q=fox&{name}={value}")
    if response.status_code == 200:
        assert name in ("tag", "author")
        assert response.json == {"articles": [], "articlesCount": 0, "articlesCountExact": True}


@pytest.mark.parametrize("value", [*HOSTILE_FILTERS, "99999999999999999999"])
@pytest.mark.parametrize("name", ["tag", "author", "sort", "from", "to", "page"])
def test_a_hostile_page_filter_is_never_an_error_page(client, fox, name, value):
    response = client.get(f"/search?q=fox&{name}={value}")
    if name == "page":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        ask(client, "/search", f"q=fox&{name}={value}")


@pytest.mark.parametrize(
    "text",
    ["\u3400" * 800, "\U00020000" * 600, "あ" * 3000, "x" * 5000, "🦊" * 2000, "e\u0301" * 3000],
    ids=["ext-a run", "ext-b run", "kana run", "letters", "emoji", "combining"],
)
def test_an_article_of_strange_text_is_indexed_and_searchable(
    app, client, cli_runner, make_user, make_article, text
):
    author = make_user("oddity")
    make_article(author, title="Strange text", body=f"marker {text} marker")
    response = ask(client, "/api/v1/search", "q=marker")
    assert [a["title"] for a in response.json["articles"]] == ["Strange text"]
    assert ask(client, "/search", "q=marker").status_code == 200
    result = cli_runner.invoke(args=["search", "reindex", "--workers", "1"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert ask(client, "/api/v1/search", "q=marker").json["articlesCount"] == 1
