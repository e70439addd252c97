"""The moderation pages: articles (hide, restore, pin, delete), comments and guestbook (bulk)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.articles import comments
from inkstone.articles.models import Article, Comment
from inkstone.auth.models import AuditEvent, RoleName, User
from inkstone.extensions import db
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import count_rows, csrf_token, page_text, redirect_target


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def _load(slug):
    return db.session.scalar(select(Article).where(Article.slug == slug))


def _events(kind):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind)))


def _post(client, url, data=None):
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})})


def _comment(app, article, author, body):
    with app.app_context():
        view = comments.add_comment(
            article=db.session.get(Article, article.id),
            author=db.session.get(User, author.id),
            body=body,
        )
        db.session.commit()
        return view.id


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    "path",
    ["/admin/moderation/articles", "/admin/moderation/comments", "/admin/moderation/guestbook"],
)
def test_moderation_pages_are_for_moderators(client, make_user, sign_in, moderator_client, path):
    assert "/login" in redirect_target(client.get(path))
    sign_in(client, make_user("rita", role=RoleName.READER))
    assert client.get(path).status_code == 403
    assert moderator_client.get(path).status_code == 200


def test_the_back_office_menu_lists_moderation_and_reports(moderator_client):
    page = page_text(moderator_client.get("/admin/moderation/articles"))
    assert 'href="/admin/moderation/articles"' in page
    assert 'href="/admin/reports"' in page


# --------------------------------------------------------------------------- articles


def test_the_article_list_shows_published_and_hidden_but_never_drafts(
    moderator_client, alice, make_article
):
    make_article(alice, title="Public dragons")
    make_article(alice, title="Private dragons", published=False)
    page = page_text(moderator_client.get("/admin/moderation/articles?q=dragons"))
    assert "Public dragons" in page
    assert "Private dragons" not in page


@pytest.mark.parametrize(
    "query", ["status=nope", "q=" + "x" * 201, "page=0", "page=99999999999999999999", "q=%00"]
)
def test_bad_filters_are_a_clear_4xx(moderator_client, query):
    response = moderator_client.get(f"/admin/moderation/articles?{query}")
    assert 400 <= response.status_code < 500


def test_a_moderator_hides_with_a_reason_then_restores(
    app, moderator_client, moderator, alice, make_article
):
    article = make_article(alice, title="Spammy")
    form = moderator_client.get(f"/admin/moderation/articles/{article.slug}/hide")
    assert "Reason (shown to the author)" in page_text(form)
    blank = _post(
        moderator_client, f"/admin/moderation/articles/{article.slug}/hide", {"reason": " "}
    )
    assert blank.status_code == 422
    assert "Please give a reason" in page_text(blank)
    done = _post(
        moderator_client, f"/admin/moderation/articles/{article.slug}/hide", {"reason": "Spam"}
    )
    assert redirect_target(done) == "/admin/moderation/articles"
    with app.app_context():
        assert _load(article.slug).hidden_reason == "Spam"
        assert _events("article.hidden")[0].actor_id == moderator.id
    listed = page_text(moderator_client.get("/admin/moderation/articles?status=hidden"))
    assert "Spammy" in listed
    _post(moderator_client, f"/admin/moderation/articles/{article.slug}/restore")
    with app.app_context():
        assert _load(article.slug).published


def test_pin_and_unpin_from_the_list(app, moderator_client, alice, make_article):
    article = make_article(alice, title="Star")
    _post(moderator_client, f"/admin/moderation/articles/{article.slug}/pin")
    with app.app_context():
        assert _load(article.slug).pinned_at is not None
    assert "Star" in page_text(moderator_client.get("/admin/moderation/articles?status=pinned"))
    _post(moderator_client, f"/admin/moderation/articles/{article.slug}/unpin")
    with app.app_context():
        assert _load(article.slug).pinned_at is None
        assert len(_events("article.unpinned")) == 1


def test_deleting_an_article_asks_first(app, moderator_client, moderator, alice, make_article):
    article = make_article(alice, title="Doomed")
    ask = moderator_client.get(f"/admin/moderation/articles/{article.slug}/delete")
    assert "Delete “Doomed”?" in page_text(ask)
    with app.app_context():
        assert _load(article.slug) is not None
    _post(moderator_client, f"/admin/moderation/articles/{article.slug}/delete")
    with app.app_context():
        assert _load(article.slug) is None
        assert _events("article.removed")[0].actor_id == moderator.id


def test_unknown_articles_and_missing_csrf(moderator_client, alice, make_article):
    assert moderator_client.get("/admin/moderation/articles/nope/hide").status_code == 404
    assert _post(moderator_client, "/admin/moderation/articles/nope/pin").status_code == 404
    article = make_article(alice)
    refused = moderator_client.post(f"/admin/moderation/articles/{article.slug}/pin")
    assert refused.status_code == 400


def test_the_article_scope_is_needed_for_actions(client, make_user, sign_in, alice, make_article):
    article = make_article(alice)
    sign_in(client, make_user("rita", role=RoleName.READER))
    assert _post(client, f"/admin/moderation/articles/{article.slug}/pin").status_code == 403


# --------------------------------------------------------------------------- comments, guestbook


def test_bulk_deleting_comments_goes_through_a_confirmation_page(
    app, moderator_client, moderator, alice, make_user, make_article
):
    bob = make_user("bob")
    article = make_article(alice, title="Talked about")
    keep = _comment(app, article, bob, "A kind word")
    spam = [_comment(app, article, bob, f"Buy pills {i}") for i in range(2)]
    listed = page_text(moderator_client.get("/admin/moderation/comments?q=pills"))
    assert "Buy pills 0" in listed
    assert "A kind word" not in listed
    assert 'data-select-all="ids"' in listed
    by_author = page_text(moderator_client.get("/admin/moderation/comments?author=bo"))
    assert "A kind word" in by_author
    ask = _post(
        moderator_client, "/admin/moderation/comments/delete", {"ids": [str(i) for i in spam]}
    )
    assert ask.status_code == 200
    assert "Delete 2 items?" in page_text(ask)
    with app.app_context():
        assert count_rows(Comment) == 3
    done = _post(
        moderator_client,
        "/admin/moderation/comments/delete",
        {"ids": [str(i) for i in spam], "confirm": "yes"},
    )
    assert redirect_target(done) == "/admin/moderation/comments"
    with app.app_context():
        assert [c.id for c in db.session.scalars(select(Comment))] == [keep]
        removed = _events("comment.removed")
        assert sorted(int(e.detail["comment_id"]) for e in removed) == sorted(spam)
        assert {(e.user_id, e.actor_id) for e in removed} == {(bob.id, moderator.id)}


def test_comments_under_drafts_are_not_listed(app, moderator_client, alice, make_article):
    article = make_article(alice)
    _comment(app, article, alice, "Note to self")
    with app.app_context():
        db.session.get(Article, article.id).published = False
        db.session.commit()
    assert "Note to self" not in page_text(moderator_client.get("/admin/moderation/comments"))


@pytest.mark.parametrize("ids", [["abc"], ["99999999999999999999"], ["-1"], ["0"]])
def test_bad_ids_in_a_bulk_delete_are_refused(moderator_client, ids):
    response = _post(moderator_client, "/admin/moderation/comments/delete", {"ids": ids})
    assert response.status_code == 400


def test_unknown_ids_and_no_selection_delete_nothing(moderator_client):
    nothing = _post(moderator_client, "/admin/moderation/guestbook/delete")
    assert redirect_target(nothing) == "/admin/moderation/guestbook"
    gone = _post(moderator_client, "/admin/moderation/guestbook/delete", {"ids": ["12345"]})
    assert redirect_target(gone) == "/admin/moderation/guestbook"


def test_bulk_deleting_guestbook_messages(app, moderator_client, moderator, client):
    from inkstone.guestbook import services

    with app.app_context():
        ids = [
            services.post_message(name=f"Spammer{i}", body="cheap", author=None).id
            for i in range(3)
        ]
        services.post_message(name="Friend", body="hello there", author=None)
        db.session.commit()
    listed = page_text(moderator_client.get("/admin/moderation/guestbook?q=cheap"))
    assert "Spammer0" in listed
    assert "Friend" not in listed
    assert "Friend" in page_text(moderator_client.get("/admin/moderation/guestbook?author=frie"))
    ask = _post(
        moderator_client, "/admin/moderation/guestbook/delete", {"ids": [str(i) for i in ids]}
    )
    assert "Delete 3 items?" in page_text(ask)
    _post(
        moderator_client,
        "/admin/moderation/guestbook/delete",
        {"ids": [str(i) for i in ids], "confirm": "yes"},
    )
    with app.app_context():
        assert [m.name for m in db.session.scalars(select(GuestbookMessage))] == ["Friend"]
        assert len(_events("guestbook.removed")) == 3
        assert _events("guestbook.removed")[0].actor_id == moderator.id


def test_the_guestbook_scope_is_needed(client, make_user, sign_in):
    sign_in(client, make_user("rita", role=RoleName.READER))
    response = _post(client, "/admin/moderation/guestbook/delete", {"ids": ["1"]})
    assert response.status_code == 403


def test_inline_deletes_by_moderators_are_audited_too(
    app, moderator_client, moderator, alice, make_user, make_article, sign_in, client
):
    bob = make_user("bob")
    article = make_article(alice)
    theirs = _comment(app, article, bob, "Rude words")
    own = _comment(app, article, alice, "My own note")
    _post(moderator_client, f"/article/{article.slug}/comments/{theirs}/delete")
    sign_in(client, alice)
    _post(client, f"/article/{article.slug}/comments/{own}/delete")
    with app.app_context():
        assert count_rows(Comment) == 0
        removed = _events("comment.removed")
        assert [(e.user_id, e.actor_id) for e in removed] == [(bob.id, moderator.id)]
        message = GuestbookMessage(name="Spam", body="cheap")
        db.session.add(message)
        db.session.commit()
        message_id = message.id
    _post(moderator_client, f"/guestbook/{message_id}/delete")
    with app.app_context():
        assert [e.actor_id for e in _events("guestbook.removed")] == [moderator.id]
