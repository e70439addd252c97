"""Drafts through the API and the services: seen by their author only, counted nowhere."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.articles.models import PUBLISHED_ARTICLES, Article, Tag, article_tags
from inkstone.auth.models import User
from inkstone.core.db import counters
from inkstone.extensions import db
from tests.articles.test_api import ARTICLE_KEYS, post_article


@pytest.fixture
def writer(make_user):
    return make_user(username="writer")


@pytest.fixture
def reader(make_user):
    return make_user(username="reader")


def _draft(client, headers, title="Work in progress", tags=("wip",)):
    response = post_article(client, headers, title=title, tags=list(tags), published=False)
    assert response.status_code == 201, response.json
    return response.json["article"]


def _tag_count(name: str) -> int:
    return db.session.scalar(select(Tag.articles_count).where(Tag.key == name.casefold())) or 0


def test_a_draft_says_so_and_a_published_article_keeps_the_realworld_shape(
    client, writer, auth_headers
):
    headers = auth_headers(writer)
    draft = _draft(client, headers)
    assert draft["published"] is False
    assert set(draft) == ARTICLE_KEYS | {"published"}
    published = post_article(client, headers, title="Out now").json["article"]
    assert set(published) == ARTICLE_KEYS  # no extension field for RealWorld clients


def test_a_draft_is_found_by_its_author_only(client, writer, reader, auth_headers):
    draft = _draft(client, auth_headers(writer))
    url = f"/api/v1/articles/{draft['slug']}"
    assert client.get(url, headers=auth_headers(writer)).json["article"]["published"] is False
    assert client.get(url).status_code == 404
    assert client.get(url, headers=auth_headers(reader)).status_code == 404
    for path in (f"{url}/comments", f"{url}/favorite"):
        method = client.get if path.endswith("comments") else client.post
        assert method(path, headers=auth_headers(reader)).status_code == 404
    assert client.put(url, json={"article": {"title": "Mine now"}},
                      headers=auth_headers(reader)).status_code == 404  # fmt: skip
    assert client.delete(url, headers=auth_headers(reader)).status_code == 404


def test_drafts_appear_in_no_list_feed_or_tag_count(client, writer, reader, auth_headers, app):
    client.post("/api/v1/profiles/writer/follow", headers=auth_headers(reader))
    _draft(client, auth_headers(writer), tags=("secret-tag",))
    lists = [
        client.get("/api/v1/articles").json,
        client.get("/api/v1/articles?author=writer").json,
        client.get("/api/v1/articles?tag=secret-tag").json,
        client.get("/api/v1/articles/feed", headers=auth_headers(reader)).json,
        client.get("/api/v1/articles", headers=auth_headers(writer)).json,
    ]
    for listing in lists:
        assert listing == {"articles": [], "articlesCount": 0}
    assert "secret-tag" not in client.get("/api/v1/tags").json["tags"]
    with app.app_context():
        assert counters.read(PUBLISHED_ARTICLES) == 0
        assert db.session.get(User, writer.id).articles_count == 0


def test_publishing_a_draft_counts_it_and_dates_it_now(client, writer, auth_headers, app):
    headers = auth_headers(writer)
    draft = _draft(client, headers, tags=("launch",))
    url = f"/api/v1/articles/{draft['slug']}"
    published = client.put(url, json={"article": {"published": True}}, headers=headers)
    assert published.status_code == 200
    article = published.json["article"]
    assert "published" not in article
    assert article["createdAt"] >= draft["createdAt"]
    listing = client.get("/api/v1/articles").json
    assert [a["slug"] for a in listing["articles"]] == [draft["slug"]]
    assert listing["articlesCount"] == 1
    assert client.get("/api/v1/tags").json["tags"] == ["launch"]
    with app.app_context():
        assert _tag_count("launch") == 1
        assert counters.read(PUBLISHED_ARTICLES) == 1
        assert db.session.get(User, writer.id).articles_count == 1


def test_unpublishing_takes_it_out_of_every_count(client, writer, auth_headers, app):
    headers = auth_headers(writer)
    slug = post_article(client, headers, title="Oops", tags=["early"]).json["article"]["slug"]
    response = client.put(
        f"/api/v1/articles/{slug}", json={"article": {"published": False}}, headers=headers
    )
    assert response.json["article"]["published"] is False
    assert client.get("/api/v1/articles").json["articlesCount"] == 0
    assert client.get("/api/v1/tags").json["tags"] == []
    with app.app_context():
        assert _tag_count("early") == 0
        assert counters.read(PUBLISHED_ARTICLES) == 0


def test_retagging_and_deleting_a_draft_leave_the_counts_alone(client, writer, auth_headers, app):
    headers = auth_headers(writer)
    post_article(client, headers, title="Public", tags=["shared"])
    draft = _draft(client, headers, tags=("shared",))
    url = f"/api/v1/articles/{draft['slug']}"
    client.put(url, json={"article": {"tagList": ["shared", "other"]}}, headers=headers)
    with app.app_context():
        assert _tag_count("shared") == 1
        assert _tag_count("other") == 0
    assert client.delete(url, headers=headers).status_code == 204
    with app.app_context():
        assert _tag_count("shared") == 1
        assert counters.read(PUBLISHED_ARTICLES) == 1
        assert db.session.get(User, writer.id).articles_count == 1


def test_a_draft_cannot_be_favorited_or_commented_even_by_its_author(
    client, writer, reader, auth_headers
):
    headers = auth_headers(writer)
    draft = _draft(client, headers)
    url = f"/api/v1/articles/{draft['slug']}"
    refused = {
        "errors": {"article": ["a draft can't be favorited or unfavorited"]},
        "code": "request.invalid",
    }
    # One answer for favoriting and unfavoriting: 422 to its author, 404 to anyone else.
    for favorite in (client.post, client.delete):
        answer = favorite(f"{url}/favorite", headers=headers)
        assert (answer.status_code, answer.json) == (422, refused)
        assert favorite(f"{url}/favorite", headers=auth_headers(reader)).status_code == 404
    comment = client.post(f"{url}/comments", json={"comment": {"body": "hi"}}, headers=headers)
    assert comment.status_code == 422


@pytest.mark.parametrize("value", ["maybe", 0, 1, "false", "true"])
def test_published_must_be_a_boolean(client, writer, auth_headers, value):
    # 0 was taken as false, "yes" as true: only JSON's true and false are booleans.
    response = post_article(client, auth_headers(writer), published=value)
    assert response.status_code == 422
    assert response.json["errors"] == {"published": ["Not a valid boolean: send true or false."]}


def test_the_article_body_is_stored_rendered_and_sanitised(client, writer, auth_headers, app):
    body = "# Hello\n\n<script>alert(1)</script>\n\n**bold**"
    slug = post_article(client, auth_headers(writer), body=body).json["article"]["slug"]
    with app.app_context():
        from inkstone.articles.models import Article

        article = db.session.scalar(select(Article).where(Article.slug == slug))
        assert "<h1>Hello</h1>" in article.body_html
        assert "<strong>bold</strong>" in article.body_html
        assert "script" not in article.body_html


def _link_states(slug: str) -> list[bool]:
    article_id = db.session.scalar(select(Article.id).where(Article.slug == slug))
    query = select(article_tags.c.published).where(article_tags.c.article_id == article_id)
    return list(db.session.scalars(query))


def test_tag_links_follow_the_article_in_and_out_of_drafts(client, writer, auth_headers, app):
    # A tag's page reads only published links: they must say what their article is.
    headers = auth_headers(writer)
    slug = _draft(client, headers, tags=("wip", "notes"))["slug"]
    with app.app_context():
        assert _link_states(slug) == [False, False]
    client.put(
        f"/api/v1/articles/{slug}", json={"article": {"tagList": ["a", "b", "c"]}}, headers=headers
    )
    with app.app_context():
        assert _link_states(slug) == [False, False, False]
    client.put(f"/api/v1/articles/{slug}", json={"article": {"published": True}}, headers=headers)
    with app.app_context():
        assert _link_states(slug) == [True, True, True]
    client.put(f"/api/v1/articles/{slug}", json={"article": {"tagList": ["d"]}}, headers=headers)
    with app.app_context():
        assert _link_states(slug) == [True]
    client.put(f"/api/v1/articles/{slug}", json={"article": {"published": False}}, headers=headers)
    with app.app_context():
        assert _link_states(slug) == [False]
