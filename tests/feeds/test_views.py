"""Atom and RSS feeds, the sitemap and robots.txt, as feed readers and crawlers see them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import update

from inkstone.articles.models import Article
from inkstone.extensions import db
from inkstone.feeds import views as feeds

ATOM = "{http://www.w3.org/2005/Atom}"
RSS_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "http://localhost"


def _atom(response):
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return root


def _rss(response):
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    return root


def _titles(feed):
    return [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]


def _links(element):
    return {link.get("rel"): link.get("href") for link in element.findall(f"{ATOM}link")}


def _parse_rfc3339(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _set_dates(app, article, *, created, updated=None):
    with app.app_context():
        db.session.execute(
            update(Article)
            .where(Article.id == article.id)
            .values(created_at=created, updated_at=updated or created)
        )
        db.session.commit()


@pytest.fixture
def writers(app, make_user, make_article):
    """Two authors with dated articles (newest: "Third"), tags, and a draft."""
    ada = make_user(username="ada")
    bo = make_user(username="bo")
    now = datetime.now(UTC).replace(microsecond=0)
    first = make_article(ada, title="First", tag_list=["python"], body="Hello *world*")
    second = make_article(bo, title="Second", tag_list=["rust", "Python"])
    third = make_article(
        ada,
        title="Third",
        tag_list=["go"],
        description="Third <summary> & more",
        body="**Bold** and [a link](https://other.example/x)\n\n<script>alert(1)</script>",
    )
    make_article(ada, title="Secret draft", tag_list=["python", "hidden"], published=False)
    _set_dates(app, first, created=now - timedelta(days=3))
    _set_dates(app, second, created=now - timedelta(days=2))
    _set_dates(app, third, created=now - timedelta(days=1), updated=now - timedelta(hours=1))
    return {"ada": ada, "bo": bo, "now": now, "third": third}


# --------------------------------------------------------------------------- Atom


def test_site_atom_feed_is_valid_atom_with_the_newest_published_articles(client, writers):
    feed = _atom(client.get("/feed.atom"))

    assert feed.findtext(f"{ATOM}title") == "Inkstone"
    assert feed.findtext(f"{ATOM}id").startswith("tag:localhost,")
    assert _links(feed) == {"self": f"{BASE}/feed.atom", "alternate": f"{BASE}/"}
    assert _parse_rfc3339(feed.findtext(f"{ATOM}updated")) == writers["now"] - timedelta(hours=1)
    assert _titles(feed) == ["Third", "Second", "First"]  # newest first, no draft
    assert b"Secret draft" not in client.get("/feed.atom").data

    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}id").startswith("tag:localhost,")
    article_url = f"{BASE}/article/{writers['third'].slug}"
    assert _links(entry) == {"alternate": article_url}
    assert _parse_rfc3339(entry.findtext(f"{ATOM}published")) == writers["now"] - timedelta(days=1)
    assert _parse_rfc3339(entry.findtext(f"{ATOM}updated")) == writers["now"] - timedelta(hours=1)
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "ada"
    assert entry.findtext(f"{ATOM}author/{ATOM}uri") == f"{BASE}/profile/ada"
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["go"]
    assert entry.findtext(f"{ATOM}summary") == "Third <summary> & more"

    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    html = content.text
    assert "<strong>Bold</strong>" in html
    assert '<a href="https://other.example/x" rel="nofollow noopener">a link</a>' in html
    assert "<script" not in html
    assert "alert(1)" not in html


def test_entry_ids_stay_the_same_when_the_title_and_slug_change(app, client, writers, auth_headers):
    def third_entry():
        feed = _atom(client.get("/feed.atom"))
        entry = feed.find(f"{ATOM}entry")
        return entry.findtext(f"{ATOM}id"), _links(entry)["alternate"]

    old_id, old_url = third_entry()
    slug = writers["third"].slug
    renamed = client.put(
        f"/api/v1/articles/{slug}",
        json={"article": {"title": "Third, renamed"}},
        headers=auth_headers(writers["ada"]),
    )
    assert renamed.status_code == 200
    new_id, new_url = third_entry()
    assert new_id == old_id
    assert new_url != old_url
    assert new_url == f"{BASE}/article/{renamed.json['article']['slug']}"


def test_site_feed_holds_the_newest_twenty(app, client, make_user, make_article):
    author = make_user()
    start = datetime.now(UTC) - timedelta(days=30)
    for n in range(25):
        article = make_article(author, title=f"Number {n:02d}")
        _set_dates(app, article, created=start + timedelta(hours=n))
    titles = _titles(_atom(client.get("/feed.atom")))
    assert titles == [f"Number {n:02d}" for n in range(24, 4, -1)]


def test_tag_feed_holds_only_articles_with_that_tag(client, writers):
    feed = _atom(client.get("/tag/python/feed.atom"))
    assert _titles(feed) == ["Second", "First"]  # the draft tagged python stays out
    assert feed.findtext(f"{ATOM}title") == "Inkstone: articles tagged python"
    links = _links(feed)
    assert links["self"] == f"{BASE}/tag/python/feed.atom"
    assert links["alternate"] == f"{BASE}/tag/python"
    # tags are matched case-insensitively, like the tag pages
    assert _titles(_atom(client.get("/tag/PYTHON/feed.atom"))) == ["Second", "First"]


def test_tag_feed_of_a_tag_with_a_slash(client, make_user, make_article):
    make_article(make_user(), title="Slashed", tag_list=["c/c++"])
    assert _titles(_atom(client.get("/tag/c/c++/feed.atom"))) == ["Slashed"]


def test_profile_feed_holds_only_that_authors_articles(client, writers):
    feed = _atom(client.get("/profile/ada/feed.atom"))
    assert _titles(feed) == ["Third", "First"]
    assert feed.findtext(f"{ATOM}title") == "Inkstone: articles by ada"
    assert _links(feed) == {
        "self": f"{BASE}/profile/ada/feed.atom",
        "alternate": f"{BASE}/profile/ada",
    }
    assert _titles(_atom(client.get("/profile/ADA/feed.atom"))) == ["Third", "First"]


def test_profile_feed_of_an_author_without_articles_is_empty_but_valid(client, make_user):
    make_user(username="quiet")
    feed = _atom(client.get("/profile/quiet/feed.atom"))
    assert _titles(feed) == []
    assert _parse_rfc3339(feed.findtext(f"{ATOM}updated")).year >= 2020


@pytest.mark.parametrize(
    "path",
    [
        "/tag/no-such-tag/feed.atom",
        "/tag/hidden/feed.atom",  # used by a draft only
        "/profile/nobody/feed.atom",
    ],
)
def test_unknown_tags_and_users_have_no_feed(client, writers, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"Secret draft" not in response.data


def test_stale_stored_html_is_rendered_again_for_the_feed(app, client, writers):
    with app.app_context():
        db.session.execute(
            update(Article)
            .where(Article.id == writers["third"].id)
            .values(body_html=None, body_html_version=0, updated_at=Article.updated_at)
        )
        db.session.commit()
    entry = _atom(client.get("/feed.atom")).find(f"{ATOM}entry")
    assert "<strong>Bold</strong>" in entry.findtext(f"{ATOM}content")
    assert "alert(1)" not in entry.findtext(f"{ATOM}content")


def test_characters_xml_forbids_do_not_break_the_feed(client, make_user, make_article):
    make_article(make_user(), title="Bell\x07 and tab\tand form\x0cfeed", body="x\x0by")
    for path in ("/feed.atom", "/feed.rss"):
        root = ET.fromstring(client.get(path).data)  # parses
        assert root is not None
    assert _titles(_atom(client.get("/feed.atom"))) == ["Bell and tab\tand formfeed"]


def test_site_feed_runs_a_bounded_number_of_queries(
    app, client, make_user, make_article, count_queries
):
    authors = [make_user() for _ in range(3)]
    make_article(authors[0], tag_list=["t"])
    with count_queries() as few:
        _atom(client.get("/feed.atom"))
    for n in range(24):
        make_article(authors[n % 3], tag_list=["t", f"t{n}"])
    with count_queries() as many:
        assert len(_titles(_atom(client.get("/feed.atom")))) == 20
    assert len(many) == len(few), many
    assert len(many) <= 2, many
    with count_queries() as tagged:
        assert len(_titles(_atom(client.get("/tag/t/feed.atom")))) == 20
    assert len(tagged) <= 3, tagged


# --------------------------------------------------------------------------- RSS


def test_site_rss_feed_is_valid_rss(client, writers):
    rss = _rss(client.get("/feed.rss"))
    channel = rss.find("channel")
    assert channel.findtext("title") == "Inkstone"
    assert channel.findtext("link") == f"{BASE}/"
    assert channel.findtext("description")
    assert channel.findtext("language") == "en"
    built = parsedate_to_datetime(channel.findtext("lastBuildDate"))
    assert built == writers["now"] - timedelta(hours=1)
    self_link = channel.find(f"{ATOM}link")
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == f"{BASE}/feed.rss"
    assert self_link.get("type") == "application/rss+xml"

    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Third", "Second", "First"]
    item = items[0]
    assert item.findtext("link") == f"{BASE}/article/{writers['third'].slug}"
    guid = item.find("guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text.startswith("tag:localhost,")
    assert parsedate_to_datetime(item.findtext("pubDate")) == writers["now"] - timedelta(days=1)
    assert item.findtext("pubDate").endswith(" GMT")
    assert item.findtext("description") == "Third <summary> & more"
    assert item.findtext(f"{DC}creator") == "ada"
    assert "<strong>Bold</strong>" in item.findtext(f"{RSS_CONTENT}encoded")
    assert [c.text for c in item.findall("category")] == ["go"]
    # a tag is shown as first written ("python"), whatever case a later article used
    assert [c.text for c in items[1].findall("category")] == ["python", "rust"]
    # the same stable ids as the Atom feed
    atom_ids = [
        e.findtext(f"{ATOM}id") for e in _atom(client.get("/feed.atom")).findall(f"{ATOM}entry")
    ]
    assert [i.findtext("guid") for i in items] == atom_ids


# --------------------------------------------------------------------------- conditional GET


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.rss", "/sitemap.xml", "/robots.txt"])
def test_unchanged_answers_get_304(client, writers, path):
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


def test_feed_sends_last_modified_and_honours_if_modified_since(client, writers):
    first = client.get("/feed.atom")
    last_modified = first.headers["Last-Modified"]
    assert parsedate_to_datetime(last_modified) == writers["now"] - timedelta(hours=1)
    again = client.get("/feed.atom", headers={"If-Modified-Since": last_modified})
    assert again.status_code == 304


def test_a_new_article_changes_the_etag(client, writers, make_article):
    etag = client.get("/feed.atom").headers["ETag"]
    make_article(writers["bo"], title="Fourth")
    fresh = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert _titles(_atom(fresh))[0] == "Fourth"
    assert fresh.headers["ETag"] != etag


# --------------------------------------------------------------------------- sitemap


def _sitemap(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP}urlset"
    return {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.findall(f"{SITEMAP}url")
    }


def test_sitemap_lists_home_articles_tags_and_authors_but_no_drafts(
    app, client, writers, make_user, make_article
):
    make_article(make_user(username="drafter"), title="Only a draft", published=False)
    urls = _sitemap(client)
    article = f"{BASE}/article/{writers['third'].slug}"
    assert urls[article] == (writers["now"] - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    articles = [u for u in urls if u.startswith(f"{BASE}/article/")]
    assert len(articles) == 3
    assert articles[0] == article  # newest first
    assert f"{BASE}/" in urls
    assert {f"{BASE}/tag/python", f"{BASE}/tag/go", f"{BASE}/tag/rust"} <= set(urls)
    assert f"{BASE}/tag/hidden" not in urls  # a draft's tag
    assert {f"{BASE}/profile/ada", f"{BASE}/profile/bo"} <= set(urls)
    assert f"{BASE}/profile/drafter" not in urls
    assert not any("draft" in url for url in urls)


def test_sitemap_keeps_to_the_url_limit_newest_articles_first(
    app, client, make_user, make_article, monkeypatch
):
    author = make_user(username="prolific")
    start = datetime.now(UTC) - timedelta(days=30)
    for n in range(6):
        article = make_article(author, title=f"Piece {n}", tag_list=["one"])
        _set_dates(app, article, created=start + timedelta(hours=n))
    monkeypatch.setattr(feeds, "SITEMAP_MAX_URLS", 5)
    urls = list(_sitemap(client))
    assert len(urls) == 5
    assert urls[:2] == [f"{BASE}/", f"{BASE}/tag/one"]
    assert urls[2:] == [f"{BASE}/article/piece-{n}" for n in (5, 4, 3)]


def test_sitemap_quotes_and_escapes_urls(client, make_user, make_article):
    make_article(make_user(), title="Ampersand", tag_list=["R&D", "中文"])
    urls = _sitemap(client)
    assert f"{BASE}/tag/R&D" in urls
    assert f"{BASE}/tag/%E4%B8%AD%E6%96%87" in urls


# --------------------------------------------------------------------------- robots.txt


def test_robots_txt_keeps_crawlers_off_private_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/editor", "/settings", "/login", "/register", "/api/"):
        assert f"Disallow: {path}" in lines
    assert "Allow: /api/v1/docs" in lines
    assert "Disallow: /" not in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
