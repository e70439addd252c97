"""Comments on or off (a site setting): the form goes, posting answers 403, comments stay."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.articles import comments
from inkstone.articles.models import Article, Comment
from inkstone.auth.models import User
from inkstone.core.errors import PermissionDenied
from inkstone.core.site import save_site_settings
from inkstone.extensions import db
from tests.conftest import count_rows, csrf_token, page_text


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def _set_comments(app, enabled):
    with app.app_context():
        save_site_settings(changes={"comments_enabled": enabled}, actor_id=None)
        db.session.commit()


def _comment(app, slug, author, body):
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        comments.add_comment(article=article, author=db.session.get(User, author.id), body=body)
        db.session.commit()


def test_closed_comments_hide_the_form_and_keep_the_comments(
    app, client, alice, bob, make_article, sign_in
):
    article = make_article(alice)
    _comment(app, article.slug, bob, "An early word")
    sign_in(client, bob)
    assert 'id="comment-body"' in page_text(client.get(f"/article/{article.slug}"))
    _set_comments(app, False)
    page = page_text(client.get(f"/article/{article.slug}"))
    assert 'id="comment-body"' not in page
    assert "Comments are closed." in page
    assert "An early word" in page


def test_posting_a_comment_while_closed_is_refused_on_the_site(
    app, client, alice, bob, make_article, sign_in
):
    article = make_article(alice)
    sign_in(client, bob)
    token = csrf_token(client, f"/article/{article.slug}")
    _set_comments(app, False)
    refused = client.post(
        f"/article/{article.slug}/comments", data={"csrf_token": token, "body": "Hi"}
    )
    assert refused.status_code == 403
    assert "Comments are closed on this site." in page_text(refused)
    with app.app_context():
        assert count_rows(Comment) == 0
    _set_comments(app, True)
    posted = client.post(
        f"/article/{article.slug}/comments", data={"csrf_token": token, "body": "Hi"}
    )
    assert posted.status_code == 302
    with app.app_context():
        assert count_rows(Comment) == 1


def test_posting_a_comment_while_closed_is_refused_by_the_api(
    app, client, alice, bob, make_article, auth_headers
):
    article = make_article(alice)
    _set_comments(app, False)
    url = f"/api/v1/articles/{article.slug}/comments"
    refused = client.post(url, json={"comment": {"body": "Hi"}}, headers=auth_headers(bob))
    assert refused.status_code == 403
    assert refused.json == {
        "errors": {"comment": ["comments are closed on this site"]},
        "code": "auth.forbidden",
    }
    assert client.get(url).status_code == 200  # reading them still works


def test_the_service_refuses_while_closed(app, alice, bob, make_article):
    article = make_article(alice)
    _set_comments(app, False)
    with app.app_context(), pytest.raises(PermissionDenied):
        comments.add_comment(
            article=db.session.get(Article, article.id),
            author=db.session.get(User, bob.id),
            body="Hi",
        )


def test_the_home_page_shows_the_tagline(app, client):
    assert "A place to share your knowledge." in page_text(client.get("/"))
    with app.app_context():
        save_site_settings(changes={"tagline": "Ink and stones"}, actor_id=None)
        db.session.commit()
    page = page_text(client.get("/"))
    assert "Ink and stones" in page
