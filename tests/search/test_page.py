"""The search page (``/search``, ``/search/people``) and the navbar's search box."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.extensions import db
from inkstone.profiles.services import follow
from inkstone.search.query import QUERY_MAX
from inkstone.search.snippets import SNIPPET_CHARS
from inkstone.search.views import PEOPLE_PER_PAGE, PEOPLE_SHOWN, PER_PAGE
from tests.conftest import page_text

_NAVBAR_BOX = re.compile(r'<input id="navbar-search-q"[^>]*\bvalue="([^"]*)"')
_RESULT = re.compile(
    r'<li class="search-result[^"]*">\s*<h2[^>]*><a href="/article/([^"]+)"[^>]*>(.*?)</a></h2>',
    re.S,
)
_SNIPPET = re.compile(r'<p class="search-snippet[^"]*"[^>]*>(.*?)</p>', re.S)
_PERSON = re.compile(r'<a class="fw-semibold" href="/profile/([^"]+)"')
_LINK = re.compile(r'<a class="page-link"(?: rel="\w+")? href="([^"]+)"')


def get(client, path="/search", status=200, **params):
    response = client.get(path, query_string=params)
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def results(page: str) -> list[tuple[str, str]]:
    """Return each result's slug and title as shown (markup kept, entities as sent)."""
    return _RESULT.findall(page)


def navbar_value(page: str) -> str:
    match = _NAVBAR_BOX.search(page)
    assert match, "no search box in the navbar"
    return html.unescape(match.group(1))


def page_links(page: str) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(html.unescape(link)).query) for link in _LINK.findall(page)]


@pytest.fixture
def alice(make_user):
    return make_user("alice", bio="Gardener who writes about compost.")


# --------------------------------------------------------------------------- the navbar


def test_every_page_has_the_search_box_pointing_at_the_search_page(
    client, alice, make_article, sign_in
):
    article = make_article(alice, title="A post")
    for path in ("/", f"/article/{article.slug}", "/profile/alice", "/login", "/guestbook"):
        page = get(client, path)
        assert navbar_value(page) == "", path
        assert 'role="search" method="get" action="/search"' in page, path
    sign_in(client, alice)
    assert navbar_value(get(client, "/settings")) == ""
    # another list's own ?q= is not the search box's
    assert navbar_value(get(client, "/", q="compost")) == ""


def test_the_search_box_keeps_what_was_searched_escaped(client):
    assert navbar_value(get(client, q="compost heaps")) == "compost heaps"
    assert navbar_value(get(client, "/search/people", q="gardener")) == "gardener"
    hostile = '"><script>alert(1)</script>'
    page = get(client, q=hostile)
    assert navbar_value(page) == hostile
    assert "<script>alert(1)</script>" not in page


# --------------------------------------------------------------------------- results


def test_results_show_the_title_and_snippet_with_matches_marked(client, alice, make_article):
    make_article(
        alice,
        title="Compost for beginners",
        description="",
        body="Start a compost heap in spring. Turn it often.",
        tag_list=["garden"],
    )
    page = get(client, q="compost")
    assert "1 article found" in page
    ((slug, title),) = results(page)
    assert slug == "compost-for-beginners"
    assert title == "<mark>Compost</mark> for beginners"
    (snippet,) = _SNIPPET.findall(page)
    assert snippet == "Start a <mark>compost</mark> heap in spring. Turn it often."
    assert 'href="/profile/alice"' in page
    # a result's tag searches the same words within that tag
    assert 'href="/search?q=compost&amp;tag=garden"' in page


def test_an_article_s_markup_is_shown_as_text(client, alice, make_article):
    make_article(
        alice,
        title="<script>alert(1)</script> in titles",
        description='<img src=x onerror="alert(2)"> and scripts',
        body="Body.",
    )
    page = get(client, q="scripts")
    ((_, title),) = results(page)
    # "scripts" finds "script" too: marked, and still text
    assert title == "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; in titles"
    (snippet,) = _SNIPPET.findall(page)
    assert snippet.startswith(
        "&lt;img src=x onerror=&#34;alert(2)&#34;&gt; and <mark>scripts</mark>"
    )
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page


def test_results_show_the_text_as_written_not_as_indexed(client, alice, make_article):
    # The index reads full-width forms as ordinary ones (a full-width FLASK is flask); a reader
    # still sees the author's own punctuation and letters.
    make_article(
        alice,
        title="你好，世界！Ｆｌａｓｋ（入门）",
        description="",
        body="全角：ＦＬＡＳＫ，很好。",
    )
    page = get(client, q="flask")
    ((_, title),) = results(page)
    assert title == "你好，世界！<mark>Ｆｌａｓｋ</mark>（入门）"
    assert _SNIPPET.findall(page) == ["全角：<mark>ＦＬＡＳＫ</mark>，很好。"]
    (article,) = client.get("/api/v1/search?q=flask").json["articles"]
    assert article["snippet"] == "全角：<mark>ＦＬＡＳＫ</mark>，很好。"


def test_a_snippet_is_as_long_as_the_text_as_written(client, alice, make_article):
    # NFKC makes each ﬃ three letters: the snippet's length is still counted in what is shown.
    make_article(alice, title="Short", description="", body="needle " + "ﬃ " * 70)
    make_article(alice, title="Long", description="", body="needle " + "ﬃ " * 150)
    snippets = _SNIPPET.findall(get(client, q="needle", sort="date"))
    assert snippets[1] == "<mark>needle</mark> " + "ﬃ " * 69 + "ﬃ"  # all of it
    assert snippets[0].startswith("<mark>needle</mark> ﬃ ﬃ")
    assert snippets[0].endswith("ﬃ…")  # cut, and says so
    assert len(snippets[0]) < len("<mark>needle</mark>") + SNIPPET_CHARS


def test_the_count_says_how_many_were_found_in_all(client, alice, make_article):
    for n in range(PER_PAGE + 2):
        make_article(alice, title=f"Mulch note {n}", body="mulch")
    page = get(client, q="mulch")
    assert f"{PER_PAGE + 2} articles found" in page
    assert len(results(page)) == PER_PAGE
    second = get(client, q="mulch", page="2")
    assert f"{PER_PAGE + 2} articles found" in second
    assert len(results(second)) == 2
    assert not {slug for slug, _ in results(page)} & {slug for slug, _ in results(second)}


def test_people_who_match_are_shown_beside_the_articles(client, alice, make_user, make_article):
    make_article(alice, title="Compost tea", body="Brew it.")
    page = get(client, q="compost")
    assert '<section class="search-people' in page
    assert _PERSON.findall(page) == ["alice"]
    assert "Gardener who writes about compost." in page
    # more people than fit beside the articles: a link to all of them
    for n in range(PEOPLE_SHOWN + 1):
        make_user(f"composter{n}", bio="compost")
    page = get(client, q="compost")
    assert len(_PERSON.findall(page)) == PEOPLE_SHOWN
    assert f"See all {PEOPLE_SHOWN + 2} people" in page
    assert 'href="/search/people?q=compost"' in page


def test_only_people_match_and_the_page_says_no_articles(client, alice):
    page = get(client, q="gardener")
    assert "0 articles found" in page
    assert _PERSON.findall(page) == ["alice"]
    assert "No articles match “gardener”." in html.unescape(page)


# --------------------------------------------------------------------------- filters and paging


def test_filters_are_kept_in_the_form_and_every_paging_link(app, client, alice, make_article):
    made = [
        make_article(alice, title=f"Leaf mould {n}", body="leaves", tag_list=["Autumn"])
        for n in range(PER_PAGE + 1)
    ]
    with app.app_context():
        db.session.execute(
            update(Article)
            .where(Article.id.in_([a.id for a in made]))
            .values(created_at=datetime(2024, 10, 5, tzinfo=UTC))
        )
        db.session.commit()
    filters = {"q": "leaves", "sort": "date", "tag": "autumn", "author": "alice"}
    filters |= {"from": "2024-10-01", "to": "2024-10-31"}
    page = get(client, **filters)
    assert f"{PER_PAGE + 1} articles found" in page
    links = page_links(page)
    assert links, "no link to the next page"
    for link in links:
        assert {key: values[0] for key, values in link.items() if key != "page"} == filters
    assert 'value="date" selected' in page
    assert 'name="tag" value="autumn"' in page
    assert 'name="author" value="alice"' in page
    assert 'name="from" value="2024-10-01"' in page
    assert 'name="to" value="2024-10-31"' in page
    assert '<details class="mt-2" open>' in page  # the filters in use are shown open
    second = get(client, **filters, page="2")
    assert len(results(second)) == 1
    assert all(link.get("tag") == ["autumn"] for link in page_links(second))
    # the date range applies: a month later finds nothing, and offers to drop the filters
    later = get(client, **{**filters, "from": "2024-11-01", "to": ""})
    assert "No articles match" in later
    assert 'href="/search?q=leaves"' in later


def test_date_sort_lists_the_newest_first_and_relevance_the_best(app, client, alice, make_article):
    old = make_article(alice, title="Hedges", body="Old text on pruning.")
    new = make_article(alice, title="Notes", body="Briefly: pruning.")
    with app.app_context():
        db.session.execute(
            update(Article)
            .where(Article.id == old.id)
            .values(created_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
        db.session.execute(
            update(Article).where(Article.id == new.id).values(title="Notes on pruning")
        )
        db.session.commit()
    by_date = [slug for slug, _ in results(get(client, q="pruning", sort="date"))]
    assert by_date == [new.slug, old.slug]


def test_unknown_filters_give_no_results_and_odd_ones_are_ignored(client, alice, make_article):
    make_article(alice, title="Worm bins", body="worms")
    assert "No articles match" in get(client, q="worms", tag="no-such-tag")
    assert "No articles match" in get(client, q="worms", author="nobody")
    for odd in ({"sort": "best"}, {"from": "junk"}, {"to": "2024-13-45"}, {"from": "%00"}):
        page = get(client, q="worms", **odd)
        assert "1 article found" in page, odd


@pytest.mark.parametrize("number", ["0", "-1", "abc", "1.5", "99999999999999999999", "%00", ""])
@pytest.mark.parametrize("path", ["/search", "/search/people"])
def test_a_bad_page_number_is_not_found(client, alice, make_article, path, number):
    make_article(alice, title="Compost", body="compost")
    assert client.get(f"{path}?q=compost&page={number}").status_code == 404


@pytest.mark.parametrize("path", ["/search", "/search/people"])
def test_a_page_past_the_last_is_not_found(client, alice, make_article, path):
    make_article(alice, title="Compost", body="compost")
    assert client.get(f"{path}?q=compost&page=1").status_code == 200
    assert client.get(f"{path}?q=compost&page=2").status_code == 404


# --------------------------------------------------------------------------- states


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20", "?q=%00"])
def test_no_query_shows_how_to_search(client, query):
    page = page_text(client.get(f"/search{query}"))
    assert "Find articles and people by what they say." in page
    assert "Flask 博客" in page
    assert "articles found" not in page
    assert "No articles match" not in page


def test_no_results_says_so_and_suggests_what_to_try(client, alice, make_article):
    make_article(alice, title="Compost", body="compost")
    page = page_text(client.get("/search?q=xylophone"))
    assert "0 articles found" in page
    assert "No articles match “xylophone”." in page
    assert "Check the spelling" in page
    assert "Search without the filters" not in page  # there are none


@pytest.mark.parametrize("q", ["-compost", "*", '"', "-"])
def test_a_query_that_asks_for_nothing_finds_nothing(client, alice, make_article, q):
    make_article(alice, title="Compost", body="compost")
    page = page_text(client.get("/search", query_string={"q": q}))
    assert "0 articles found" in page
    assert results(page) == []


@pytest.mark.parametrize("path", ["/search", "/search/people"])
def test_an_over_long_query_is_a_400_with_a_message(client, path):
    response = client.get(path, query_string={"q": "x" * (QUERY_MAX + 1)})
    assert response.status_code == 400
    page = page_text(response)
    assert "Your search is too long: use at most 500 characters." in page
    assert navbar_value(response.get_data(as_text=True)).startswith("xxx")  # still editable
    assert client.get(path, query_string={"q": "x" * QUERY_MAX}).status_code == 200


# --------------------------------------------------------------------------- people


def test_the_people_tab_lists_and_pages_everyone_who_matches(client, alice, make_user):
    for n in range(PEOPLE_PER_PAGE):
        make_user(f"grower{n:02d}", bio="I love compost.")
    page = get(client, "/search/people", q="compost")
    assert f"{PEOPLE_PER_PAGE + 1} people found" in page
    assert len(_PERSON.findall(page)) == PEOPLE_PER_PAGE
    assert 'aria-current="page" href="/search/people?q=compost"' in page  # the tab
    assert page_links(page) == [{"q": ["compost"], "page": ["2"]}] * 2  # "2" and "Next"
    second = get(client, "/search/people", q="compost", page="2")
    assert len(_PERSON.findall(second)) == 1
    assert "I love compost." in page


def test_the_people_tab_says_when_no_one_matches(client, alice):
    page = page_text(client.get("/search/people?q=astronaut"))
    assert "0 people found" in page
    assert "No one matches “astronaut”." in page


def test_the_people_tab_shows_whom_the_viewer_follows(client, alice, make_user, sign_in):
    reader = make_user("reader")
    sign_in(client, reader)
    assert "Following" not in get(client, "/search/people", q="alice").split("</nav>", 1)[1]
    with client.application.app_context():
        follow(follower=db.session.get(User, reader.id), followee=db.session.get(User, alice.id))
        db.session.commit()
    page = get(client, "/search/people", q="alice").split("</nav>", 1)[1]
    assert '<span class="badge text-bg-secondary ms-1">Following</span>' in page


# --------------------------------------------------------------------------- Chinese


@pytest.mark.parametrize(
    "path",
    [
        "/search",
        "/search?q=北京",
        "/search?q=nothing-at-all",
        "/search?q=%E5%8C%97%E4%BA%AC&sort=date&tag=旅行&from=2024-01-01",
        "/search/people?q=alice",
        "/search?q=" + "x" * (QUERY_MAX + 1),
    ],
)
def test_the_chinese_interface_renders(client, alice, make_article, path):
    make_article(alice, title="北京游记", body="去了北京。", tag_list=["旅行"])
    response = client.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert '<html lang="zh-CN"' in page
    assert 'id="navbar-search-q"' in page


def test_the_language_cookie_gives_the_chinese_interface_with_results(client, alice, make_article):
    make_article(alice, title="北京游记", body="去了北京。")
    client.set_cookie("locale", "zh_CN")
    page = get(client, q="北京")
    assert '<html lang="zh-CN"' in page
    ((_, title),) = results(page)
    assert title == "<mark>北京</mark>游记"
