"""RealWorld article, favorite, comment and tag endpoints: create, read, edit, delete."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.articles.models import Article, Comment, Favorite, Tag
from inkstone.auth.models import User
from inkstone.extensions import db
from tests.conftest import count_rows

ARTICLE_KEYS = {
    "slug",
    "title",
    "description",
    "body",
    "tagList",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
}
COMMENT_KEYS = {"id", "createdAt", "updatedAt", "body", "author"}


def post_article(client, headers, title="How to train your dragon", tags=None, **fields):
    article = {"title": title, "description": "Ever wonder how?", "body": "You have to believe"}
    article.update(fields)
    if tags is not None:
        article["tagList"] = tags
    return client.post("/api/v1/articles", json={"article": article}, headers=headers)


# --------------------------------------------------------------------------- create and read


def test_create_article_returns_201_with_the_realworld_shape(client, make_user, auth_headers):
    make_user(username="jake", bio="bio", image="https://i.im/j.jpg")
    headers = auth_headers(make_user(username="jake2"))
    response = post_article(client, headers, tags=["training", "dragons"])
    assert response.status_code == 201
    article = response.json["article"]
    assert set(article) == ARTICLE_KEYS
    assert article["slug"] == "how-to-train-your-dragon"
    assert article["title"] == "How to train your dragon"
    assert article["body"] == "You have to believe"
    assert article["tagList"] == ["dragons", "training"]
    assert article["favorited"] is False
    assert article["favoritesCount"] == 0
    assert article["createdAt"] == article["updatedAt"]
    assert article["author"] == {"username": "jake2", "bio": "", "image": "", "following": False}


def test_tags_are_normalised_and_shown_as_first_written(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    first = post_article(client, headers, tags=[" Dragons ", "dragons", "  "]).json["article"]
    assert first["tagList"] == ["Dragons"]
    second = post_article(client, headers, title="Again", tags=["DRAGONS", "Zoo", "apple"])
    assert second.json["article"]["tagList"] == ["apple", "Dragons", "Zoo"]
    tags = client.get("/api/v1/tags").json["tags"]
    assert tags[0] == "Dragons"  # used twice; the order of the others is the database's
    assert sorted(tags[1:]) == ["Zoo", "apple"]
    by_tag = client.get("/api/v1/articles?tag=dRaGoNs").json
    assert by_tag["articlesCount"] == 2


def test_get_article_by_slug(client, make_user, make_article):
    article = make_article(make_user(username="jake"), title="Readable", tag_list=["b", "a"])
    response = client.get(f"/api/v1/articles/{article.slug}")
    assert response.status_code == 200
    body = response.json["article"]
    assert set(body) == ARTICLE_KEYS
    assert body["tagList"] == ["a", "b"]
    assert body["author"]["username"] == "jake"


def test_same_title_twice_gives_two_working_slugs(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    one = post_article(client, headers).json["article"]["slug"]
    two = post_article(client, headers).json["article"]["slug"]
    assert one != two
    for slug in (one, two):
        assert client.get(f"/api/v1/articles/{slug}").json["article"]["slug"] == slug


def test_cjk_title_gives_an_ascii_slug_that_resolves(client, make_user, auth_headers):
    created = post_article(client, auth_headers(make_user()), title="如何训练你的龙")
    slug = created.json["article"]["slug"]
    assert slug.isascii()
    assert slug == "ru-he-xun-lian-ni-de-long"
    response = client.get(f"/api/v1/articles/{slug}")
    assert response.status_code == 200
    assert response.json["article"]["title"] == "如何训练你的龙"


@pytest.mark.parametrize("slug", ["no-such-article", "feed-x", "%E4%BD%A0", "a" * 300])
def test_unknown_slug_is_404_json(client, slug):
    response = client.get(f"/api/v1/articles/{slug}")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert "errors" in response.json


def test_readers_may_not_write_articles(client, make_user, auth_headers):
    response = post_article(client, auth_headers(make_user(role="reader")))
    assert response.status_code == 403
    assert "errors" in response.json


def test_create_needs_a_token(client):
    assert post_article(client, {}).status_code == 401


# --------------------------------------------------------------------------- update


def test_update_article_changes_fields_and_keeps_unsent_ones(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    slug = post_article(client, headers, tags=["keep"]).json["article"]["slug"]
    response = client.put(
        f"/api/v1/articles/{slug}", json={"article": {"body": "With two hands"}}, headers=headers
    )
    assert response.status_code == 200
    article = response.json["article"]
    assert article["body"] == "With two hands"
    assert article["title"] == "How to train your dragon"
    assert article["tagList"] == ["keep"]
    assert article["slug"] == slug
    assert article["updatedAt"] >= article["createdAt"]


def test_title_change_gives_a_new_slug(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    old = post_article(client, headers).json["article"]["slug"]
    response = client.put(
        f"/api/v1/articles/{old}", json={"article": {"title": "Did you train it?"}}, headers=headers
    )
    new = response.json["article"]["slug"]
    assert new == "did-you-train-it"
    assert client.get(f"/api/v1/articles/{new}").status_code == 200
    assert client.get(f"/api/v1/articles/{old}").status_code == 404


def test_update_tags_moves_tag_counts(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    slug = post_article(client, headers, tags=["old"]).json["article"]["slug"]
    client.put(f"/api/v1/articles/{slug}", json={"article": {"tagList": ["New"]}}, headers=headers)
    assert client.get("/api/v1/tags").json["tags"] == ["New"]
    assert client.get("/api/v1/articles?tag=old").json == {"articles": [], "articlesCount": 0}


def test_update_by_another_user_is_403_and_changes_nothing(client, make_user, auth_headers):
    slug = post_article(client, auth_headers(make_user())).json["article"]["slug"]
    response = client.put(
        f"/api/v1/articles/{slug}",
        json={"article": {"title": "Hijacked"}},
        headers=auth_headers(make_user()),
    )
    assert response.status_code == 403
    assert "errors" in response.json
    assert client.get(f"/api/v1/articles/{slug}").json["article"]["title"] != "Hijacked"


def test_moderator_may_update_any_article(client, make_user, auth_headers):
    slug = post_article(client, auth_headers(make_user())).json["article"]["slug"]
    response = client.put(
        f"/api/v1/articles/{slug}",
        json={"article": {"body": "moderated"}},
        headers=auth_headers(make_user(role="moderator")),
    )
    assert response.status_code == 200


def test_update_unknown_article_is_404(client, make_user, auth_headers):
    response = client.put(
        "/api/v1/articles/nope", json={"article": {"body": "x"}}, headers=auth_headers(make_user())
    )
    assert response.status_code == 404


# --------------------------------------------------------------------------- delete


def test_delete_by_another_user_is_403(client, make_user, auth_headers):
    slug = post_article(client, auth_headers(make_user())).json["article"]["slug"]
    response = client.delete(f"/api/v1/articles/{slug}", headers=auth_headers(make_user()))
    assert response.status_code == 403
    assert client.get(f"/api/v1/articles/{slug}").status_code == 200


def test_delete_removes_everything_and_keeps_counts_consistent(
    app, client, make_user, auth_headers
):
    author, fan = make_user(username="author"), make_user(username="fan")
    author_h, fan_h = auth_headers(author), auth_headers(fan)
    doomed = post_article(client, author_h, tags=["shared", "only"]).json["article"]["slug"]
    kept = post_article(client, author_h, title="Kept", tags=["shared"]).json["article"]["slug"]
    for slug in (doomed, kept):
        assert client.post(f"/api/v1/articles/{slug}/favorite", headers=fan_h).status_code == 200
    comment = client.post(
        f"/api/v1/articles/{doomed}/comments", json={"comment": {"body": "hi"}}, headers=fan_h
    )
    assert comment.status_code == 200
    with app.app_context():
        doomed_id = db.session.scalar(select(Article.id).where(Article.slug == doomed))

    response = client.delete(f"/api/v1/articles/{doomed}", headers=author_h)
    assert response.status_code == 204
    assert response.data == b""

    assert client.get(f"/api/v1/articles/{doomed}").status_code == 404
    assert client.get(f"/api/v1/articles/{doomed}/comments").status_code == 404
    assert client.get("/api/v1/articles").json["articlesCount"] == 1
    assert client.get("/api/v1/articles?author=author").json["articlesCount"] == 1
    assert client.get("/api/v1/articles?favorited=fan").json["articlesCount"] == 1
    assert client.get("/api/v1/articles?tag=shared").json["articlesCount"] == 1
    assert client.get("/api/v1/articles?tag=only").json["articlesCount"] == 0
    assert client.get("/api/v1/tags").json["tags"] == ["shared"]
    with app.app_context():
        assert count_rows(Comment, Comment.article_id == doomed_id) == 0
        assert count_rows(Favorite, Favorite.article_id == doomed_id) == 0
        assert db.session.get(User, fan.id).favorites_count == 1
        assert db.session.get(User, author.id).articles_count == 1
        assert db.session.scalar(select(Tag.articles_count).where(Tag.key == "only")) == 0


def test_delete_twice_is_404(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    slug = post_article(client, headers).json["article"]["slug"]
    assert client.delete(f"/api/v1/articles/{slug}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/articles/{slug}", headers=headers).status_code == 404


def test_delete_with_a_json_content_type_and_no_body(client, make_user, auth_headers):
    headers = {**auth_headers(make_user()), "Content-Type": "application/json"}
    slug = post_article(client, headers).json["article"]["slug"]
    assert client.delete(f"/api/v1/articles/{slug}", headers=headers).status_code == 204


# --------------------------------------------------------------------------- favorites


def test_favorite_and_unfavorite_are_idempotent(client, make_user, auth_headers):
    slug = post_article(client, auth_headers(make_user())).json["article"]["slug"]
    fan, other = auth_headers(make_user()), auth_headers(make_user())
    for _ in range(2):
        article = client.post(f"/api/v1/articles/{slug}/favorite", headers=fan).json["article"]
        assert (article["favorited"], article["favoritesCount"]) == (True, 1)
    seen_by_other = client.get(f"/api/v1/articles/{slug}", headers=other).json["article"]
    assert (seen_by_other["favorited"], seen_by_other["favoritesCount"]) == (False, 1)
    client.post(f"/api/v1/articles/{slug}/favorite", headers=other)
    assert client.get(f"/api/v1/articles/{slug}").json["article"]["favoritesCount"] == 2
    for _ in range(2):
        article = client.delete(f"/api/v1/articles/{slug}/favorite", headers=fan).json["article"]
        assert (article["favorited"], article["favoritesCount"]) == (False, 1)


def test_favorite_does_not_change_updated_at(client, make_user, auth_headers):
    created = post_article(client, auth_headers(make_user())).json["article"]
    article = client.post(
        f"/api/v1/articles/{created['slug']}/favorite", headers=auth_headers(make_user())
    ).json["article"]
    assert article["updatedAt"] == created["updatedAt"]


@pytest.mark.parametrize("method", ["post", "delete"])
def test_favorite_unknown_article_is_404(client, make_user, auth_headers, method):
    headers = auth_headers(make_user())
    response = getattr(client, method)("/api/v1/articles/nope/favorite", headers=headers)
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["post", "delete"])
def test_favorite_needs_a_token(client, make_user, make_article, method):
    slug = make_article(make_user()).slug
    assert getattr(client, method)(f"/api/v1/articles/{slug}/favorite").status_code == 401


# --------------------------------------------------------------------------- comments


def test_comments_create_list_delete(client, make_user, auth_headers):
    slug = post_article(client, auth_headers(make_user())).json["article"]["slug"]
    fan = auth_headers(make_user(username="fan"))
    created = client.post(
        f"/api/v1/articles/{slug}/comments",
        json={"comment": {"body": "Thank you so much!"}},
        headers=fan,
    )
    assert created.status_code == 200
    comment = created.json["comment"]
    assert set(comment) == COMMENT_KEYS
    assert comment["body"] == "Thank you so much!"
    assert comment["author"]["username"] == "fan"
    assert isinstance(comment["id"], int)

    listed = client.get(f"/api/v1/articles/{slug}/comments").json["comments"]
    assert [c["id"] for c in listed] == [comment["id"]]
    assert set(listed[0]) == COMMENT_KEYS

    deleted = client.delete(f"/api/v1/articles/{slug}/comments/{comment['id']}", headers=fan)
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/articles/{slug}/comments").json == {"comments": []}


def test_comment_author_following_flag_is_per_viewer(client, make_user, auth_headers):
    slug = post_article(client, auth_headers(make_user())).json["article"]["slug"]
    make_user(username="commenter")
    viewer = auth_headers(make_user())
    client.post(
        f"/api/v1/articles/{slug}/comments",
        json={"comment": {"body": "hi"}},
        headers=auth_headers(make_user(username="commenter2")),
    )
    client.post("/api/v1/profiles/commenter2/follow", headers=viewer)
    seen = client.get(f"/api/v1/articles/{slug}/comments", headers=viewer).json["comments"]
    assert seen[0]["author"]["following"] is True
    anonymous = client.get(f"/api/v1/articles/{slug}/comments").json["comments"]
    assert anonymous[0]["author"]["following"] is False


def test_deleting_someone_elses_comment_is_403(client, make_user, auth_headers):
    author = auth_headers(make_user())
    slug = post_article(client, author).json["article"]["slug"]
    comment_id = client.post(
        f"/api/v1/articles/{slug}/comments", json={"comment": {"body": "mine"}}, headers=author
    ).json["comment"]["id"]
    response = client.delete(
        f"/api/v1/articles/{slug}/comments/{comment_id}", headers=auth_headers(make_user())
    )
    assert response.status_code == 403
    assert len(client.get(f"/api/v1/articles/{slug}/comments").json["comments"]) == 1


@pytest.mark.parametrize(
    "comment_id", ["999999", "0", "-1", "9223372036854775808", "99999999999999999999999999"]
)
def test_unknown_or_huge_comment_id_is_404(client, make_user, auth_headers, comment_id):
    headers = auth_headers(make_user())
    slug = post_article(client, headers).json["article"]["slug"]
    response = client.delete(f"/api/v1/articles/{slug}/comments/{comment_id}", headers=headers)
    assert response.status_code == 404
    assert response.mimetype == "application/json"


def test_comment_id_of_another_article_is_404(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    first = post_article(client, headers).json["article"]["slug"]
    second = post_article(client, headers, title="Second").json["article"]["slug"]
    comment_id = client.post(
        f"/api/v1/articles/{first}/comments", json={"comment": {"body": "x"}}, headers=headers
    ).json["comment"]["id"]
    response = client.delete(f"/api/v1/articles/{second}/comments/{comment_id}", headers=headers)
    assert response.status_code == 404
    assert len(client.get(f"/api/v1/articles/{first}/comments").json["comments"]) == 1


def test_comments_on_an_unknown_article_are_404(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    assert client.get("/api/v1/articles/nope/comments").status_code == 404
    response = client.post(
        "/api/v1/articles/nope/comments", json={"comment": {"body": "x"}}, headers=headers
    )
    assert response.status_code == 404


def test_comment_needs_a_token(client, make_user, make_article):
    slug = make_article(make_user()).slug
    response = client.post(f"/api/v1/articles/{slug}/comments", json={"comment": {"body": "x"}})
    assert response.status_code == 401


# --------------------------------------------------------------------------- tags


def test_tags_lists_used_tags_most_used_first(client, make_user, make_article):
    author = make_user()
    make_article(author, tag_list=["rare", "common"])
    make_article(author, tag_list=["common"])
    response = client.get("/api/v1/tags")
    assert response.status_code == 200
    assert response.json == {"tags": ["common", "rare"]}


def test_tags_when_there_are_none(client):
    assert client.get("/api/v1/tags").json == {"tags": []}


@pytest.mark.parametrize("title", ["   ", "\f", "\t\n"])
def test_a_title_of_white_space_only_is_422_on_create_and_update(
    client, make_user, make_article, auth_headers, title
):
    author = make_user()
    headers = auth_headers(author)
    article = make_article(author, title="Kept title")
    body = {"article": {"title": title, "description": "d", "body": "b"}}
    created = client.post("/api/v1/articles", json=body, headers=headers)
    assert created.status_code == 422
    assert created.json == {"errors": {"title": ["can't be blank"]}, "code": "request.invalid"}
    updated = client.put(
        f"/api/v1/articles/{article.slug}", json={"article": {"title": title}}, headers=headers
    )
    assert updated.status_code == 422
    assert client.get(f"/api/v1/articles/{article.slug}").json["article"]["title"] == "Kept title"
