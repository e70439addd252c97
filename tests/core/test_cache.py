"""The shared cache: anonymous pages and API reads rendered once, stale the moment a write commits.

What a reader notices: the same page, fast; never a page from before a write that has
finished; never someone else's signed-in page; a 304 when their copy is current.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tests.conftest import page_text

NONCE = re.compile(r'<script nonce="([^"]+)"')


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def _nonce_in_header(response) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert match
    return match.group(1)


# --------------------------------------------------------------------------- pages


def test_an_anonymous_page_is_rendered_once_then_served_from_the_cache(client, alice, make_article):
    make_article(alice, title="Cached words")
    first = client.get("/")
    second = client.get("/")
    assert first.headers["X-Cache"] == "MISS"
    assert second.headers["X-Cache"] == "HIT"
    assert "Cached words" in page_text(second)
    # Every copy carries a nonce of its own, the same in the policy and in the page.
    assert _nonce_in_header(first) != _nonce_in_header(second)
    assert set(NONCE.findall(page_text(second))) == {_nonce_in_header(second)}
    assert first.headers["ETag"] == second.headers["ETag"]
    assert second.headers["Cache-Control"] == "public, no-cache"
    assert "Accept-Language" in second.headers["Vary"]
    assert "Cookie" in second.headers["Vary"]
    assert second.headers["Last-Modified"]


def test_a_write_shows_on_the_next_read(client, alice, make_article, auth_headers):
    article = make_article(alice, title="Before the edit")
    client.get(f"/article/{article.slug}")
    cached = client.get(f"/article/{article.slug}")
    assert cached.headers["X-Cache"] == "HIT"
    body = {"article": {"body": "Rewritten after the page was cached."}}
    headers = auth_headers(alice)
    edited = client.put(f"/api/v1/articles/{article.slug}", json=body, headers=headers)
    assert edited.status_code == 200
    fresh = client.get(f"/article/{article.slug}")
    assert fresh.headers["X-Cache"] == "MISS"
    assert "Rewritten after the page was cached." in page_text(fresh)
    assert fresh.headers["ETag"] != cached.headers["ETag"]


@pytest.mark.parametrize(
    "write",
    ["comment", "favorite", "follow", "profile", "unpublish", "delete"],
)
def test_every_kind_of_write_empties_what_readers_see(
    client, alice, bob, make_article, auth_headers, write
):
    article = make_article(alice, title="Watched")
    home, page = "/", f"/article/{article.slug}"
    api_list, api_one = "/api/v1/articles", f"/api/v1/articles/{article.slug}"
    profile = f"/api/v1/profiles/{alice.username}"
    for url in (home, page, api_list, api_one, profile):
        client.get(url)
        assert client.get(url).headers["X-Cache"] == "HIT", url
    as_bob, as_alice = auth_headers(bob), auth_headers(alice)
    if write == "comment":
        body = {"comment": {"body": "A fresh remark"}}
        client.post(f"{api_one}/comments", json=body, headers=as_bob)
        assert "A fresh remark" in page_text(client.get(page))
    elif write == "favorite":
        client.post(f"{api_one}/favorite", headers=as_bob)
        assert client.get(api_one).json["article"]["favoritesCount"] == 1
        assert client.get(api_list).json["articles"][0]["favoritesCount"] == 1
    elif write == "follow":
        client.post(f"{profile}/follow", headers=as_bob)
        assert client.get(profile).headers["X-Cache"] == "MISS"
    elif write == "profile":
        client.put(
            "/api/v1/user", json={"user": {"bio": "Writes in the morning"}}, headers=as_alice
        )
        assert client.get(profile).json["profile"]["bio"] == "Writes in the morning"
    elif write == "unpublish":
        client.put(api_one, json={"article": {"published": False}}, headers=as_alice)
        assert "Watched" not in page_text(client.get(home))
        assert client.get(api_one).status_code == 404
    else:
        client.delete(api_one, headers=as_alice)
        assert client.get(page).status_code == 404
        assert client.get(api_list).json["articlesCount"] == 0


def test_a_conditional_request_is_answered_304_without_a_body(client, alice, make_article):
    make_article(alice)
    first = client.get("/")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    since = client.get("/", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    old = format_datetime(datetime.now(UTC) - timedelta(days=400), usegmt=True)
    assert client.get("/", headers={"If-Modified-Since": old}).status_code == 200
    assert client.get("/", headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_a_write_changes_the_etag_so_an_old_copy_is_sent_again(
    client, alice, make_article, auth_headers
):
    article = make_article(alice)
    etag = client.get("/api/v1/articles").headers["ETag"]
    client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(alice))
    response = client.get("/api/v1/articles", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json["articles"][0]["favoritesCount"] == 1


def test_head_is_answered_from_the_cache_without_a_body(client, alice, make_article):
    make_article(alice)
    client.get("/")
    response = client.head("/")
    assert response.status_code == 200
    assert response.headers["X-Cache"] == "HIT"
    assert response.data == b""


def test_each_language_and_time_zone_is_kept_apart(client, alice, make_article):
    make_article(alice)
    english = client.get("/", headers={"Accept-Language": "en"})
    chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="en"' in page_text(english)
    assert '<html lang="zh-CN"' in page_text(chinese)
    assert '<html lang="zh-CN"' in page_text(client.get("/", headers={"Accept-Language": "zh"}))
    assert english.headers["ETag"] != chinese.headers["ETag"]
    client.set_cookie("locale", "zh_CN")
    assert '<html lang="zh-CN"' in page_text(client.get("/", headers={"Accept-Language": "en"}))


def test_a_site_setting_shows_at_once(app, client, alice, make_article):
    from inkstone.core.site import save_site_settings
    from inkstone.extensions import db

    make_article(alice)
    client.get("/")
    assert client.get("/").headers["X-Cache"] == "HIT"
    with app.app_context():
        save_site_settings(changes={"site_name": "Brushwood"}, actor_id=None)
        db.session.commit()
    assert "Brushwood</title>" in page_text(client.get("/"))


# --------------------------------------------------------------------------- signed in


def test_a_signed_in_page_is_never_shared(client, app, alice, bob, make_article, sign_in):
    make_article(alice, title="Shared article")
    sign_in(client, bob)
    mine = client.get("/")
    assert "X-Cache" not in mine.headers
    assert mine.headers["Cache-Control"] == "private, no-cache"
    assert bob.username in page_text(mine)
    visitor = app.test_client()
    seen = visitor.get("/")
    assert bob.username not in page_text(seen)
    assert visitor.get("/").headers["X-Cache"] == "HIT"
    # Bob is still served his own page, not the visitors' copy.
    assert bob.username in page_text(client.get("/"))


def test_a_signed_in_read_still_gets_a_304(client, bob, auth_headers):
    headers = auth_headers(bob)
    first = client.get("/api/v1/articles", headers=headers)
    assert first.status_code == 200
    assert first.headers["ETag"].startswith('W/"')
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(
        "/api/v1/articles", headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.data == b""


def test_an_api_read_with_a_token_is_never_shared(client, alice, bob, make_article, auth_headers):
    article = make_article(alice)
    client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(bob))
    anonymous = client.get(f"/api/v1/articles/{article.slug}")
    assert client.get(f"/api/v1/articles/{article.slug}").headers["X-Cache"] == "HIT"
    assert anonymous.json["article"]["favorited"] is False
    own = client.get(f"/api/v1/articles/{article.slug}", headers=auth_headers(bob))
    assert "X-Cache" not in own.headers
    assert own.json["article"]["favorited"] is True
    assert own.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in own.headers["Vary"]


def test_a_cross_origin_reader_gets_the_cors_header_from_the_cache(client, alice, make_article):
    make_article(alice)
    for origin in ("https://reader.example", "https://other.example"):
        client.get("/api/v1/tags", headers={"Origin": origin})
        hit = client.get("/api/v1/tags", headers={"Origin": origin})
        assert hit.headers["X-Cache"] == "HIT"
        assert hit.headers["Access-Control-Allow-Origin"] == origin
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/tags").headers


def test_errors_are_not_kept(client):
    assert client.get("/article/nothing-here").status_code == 404
    again = client.get("/article/nothing-here")
    assert again.status_code == 404
    assert "X-Cache" not in again.headers


def test_a_visitor_whose_page_began_a_session_is_told_to_keep_it_private(client):
    response = client.get("/login")  # the form's CSRF token begins a session
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert response.headers["Cache-Control"] == "private, no-cache"
