"""The moderation API: the moderation pages' actions for API clients, same scopes and audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.articles import comments
from inkstone.articles.models import Article, Comment
from inkstone.auth.models import AuditEvent, RoleName, User
from inkstone.extensions import db
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import count_rows


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def _events(app, kind):
    with app.app_context():
        return [
            (e.user_id, e.actor_id)
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind))
        ]


def test_a_moderator_hides_and_restores_an_article_through_the_api(
    app, client, alice, moderator, make_article, auth_headers
):
    article = make_article(alice, title="Spam pills")
    headers = auth_headers(moderator)

    hidden = client.post(
        f"/api/v1/admin/articles/{article.slug}/hide",
        json={"reason": "Advertising"},
        headers=headers,
    )
    assert hidden.status_code == 200, hidden.json
    assert hidden.json["article"] == {
        "slug": article.slug,
        "title": "Spam pills",
        "published": False,
        "hidden": True,
        "hiddenReason": "Advertising",
        "pinned": False,
    }
    assert client.get(f"/api/v1/articles/{article.slug}").status_code == 404
    again = client.post(
        f"/api/v1/admin/articles/{article.slug}/hide", json={"reason": "x"}, headers=headers
    )
    assert again.status_code == 409
    assert _events(app, "article.hidden") == [(alice.id, moderator.id)]

    restored = client.post(f"/api/v1/admin/articles/{article.slug}/restore", headers=headers)
    assert restored.status_code == 200
    assert restored.json["article"]["hidden"] is False
    assert client.get(f"/api/v1/articles/{article.slug}").status_code == 200

    pinned = client.post(f"/api/v1/admin/articles/{article.slug}/pin", headers=headers)
    assert pinned.json["article"]["pinned"] is True
    unpinned = client.post(f"/api/v1/admin/articles/{article.slug}/unpin", headers=headers)
    assert unpinned.json["article"]["pinned"] is False
    assert [len(_events(app, k)) for k in ("article.pinned", "article.unpinned")] == [1, 1]


def test_hiding_needs_a_reason_the_scope_and_a_public_article(
    client, alice, moderator, make_user, make_article, auth_headers
):
    article = make_article(alice)
    draft = make_article(alice, published=False)
    author = make_user("writer", role=RoleName.AUTHOR)
    url = f"/api/v1/admin/articles/{article.slug}/hide"
    assert client.post(url, json={"reason": "x"}).status_code == 401
    assert client.post(url, json={"reason": "x"}, headers=auth_headers(author)).status_code == 403
    mod = auth_headers(moderator)
    assert client.post(url, json={"reason": ""}, headers=mod).status_code == 422
    assert client.post(url, json={}, headers=mod).status_code == 422
    for slug in (draft.slug, "no-such-article"):
        missing = client.post(
            f"/api/v1/admin/articles/{slug}/hide", json={"reason": "x"}, headers=mod
        )
        assert missing.status_code == 404
    assert client.post(f"/api/v1/admin/articles/{draft.slug}/pin", headers=mod).status_code == 404


def test_comments_and_guestbook_messages_are_deleted_by_id(
    app, client, alice, moderator, make_article, auth_headers
):
    article = make_article(alice)
    with app.app_context():
        made = comments.add_comment(
            article=db.session.get(Article, article.id),
            author=db.session.get(User, alice.id),
            body="Buy pills",
        )
        db.session.add(GuestbookMessage(name="Spammer", body="Cheap pills"))
        db.session.commit()
        comment_id = made.id
        message_id = db.session.scalar(select(GuestbookMessage.id))
    headers = auth_headers(moderator)

    gone = client.post(
        "/api/v1/admin/comments/delete",
        json={"ids": [str(comment_id), "9223372036854775807", "99999999999999999999"]},
        headers=headers,
    )
    assert gone.status_code == 422  # past int64: refused as not an id
    gone = client.post(
        "/api/v1/admin/comments/delete",
        json={"ids": [str(comment_id), "9223372036854775807"]},
        headers=headers,
    )
    assert gone.json == {"deleted": 1}
    with app.app_context():
        assert count_rows(Comment, Comment.id == comment_id) == 0
    assert len(_events(app, "comment.removed")) == 1

    deleted = client.post(
        "/api/v1/admin/guestbook/delete", json={"ids": [str(message_id)]}, headers=headers
    )
    assert deleted.json == {"deleted": 1}
    assert len(_events(app, "guestbook.removed")) == 1
    assert (
        client.post("/api/v1/admin/guestbook/delete", json={"ids": []}, headers=headers).status_code
        == 422
    )
    too_many = {"ids": [str(n) for n in range(1, 102)]}
    assert (
        client.post("/api/v1/admin/comments/delete", json=too_many, headers=headers).status_code
        == 422
    )
