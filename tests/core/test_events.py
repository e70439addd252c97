"""Domain events: each one's payload, after-commit delivery, rollback and order.

A recorder subscribes to every event after the commit (and, where said, in the transaction)
and the test drives the services or the API as a user would; what the recorder heard is what
search indexing, cache invalidation and notifications will hear.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from inkstone.accounts.deletion import delete_account
from inkstone.articles import comments as comment_services
from inkstone.articles import services as article_services
from inkstone.articles.models import Article
from inkstone.auth import services as auth_services
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.core import events
from inkstone.core.errors import Invalid
from inkstone.extensions import db
from inkstone.jobs import services as job_services
from inkstone.jobs.models import Job, JobStatus
from inkstone.profiles import services as profile_services

Heard = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def heard() -> Iterator[Heard]:
    """Everything delivered after a commit, as (event name, payload), in delivery order."""
    log: Heard = []
    receivers = []
    for name, event in events.REGISTRY.items():

        def receiver(_name: str = name, **payload: Any) -> None:
            log.append((_name, payload))

        event.connect(receiver, when=events.AFTER_COMMIT)
        receivers.append((event, receiver))
    yield log
    for event, receiver in receivers:
        event.disconnect(receiver)


def names(log: Heard) -> list[str]:
    return [name for name, _ in log]


def get(model: Any, ident: int) -> Any:
    row = db.session.get(model, ident)
    assert row is not None
    return row


def test_the_events_the_architecture_promises_exist() -> None:
    assert set(events.REGISTRY) >= {
        "article_published",
        "article_updated",
        "article_unpublished",
        "article_deleted",
        "comment_added",
        "comment_deleted",
        "article_favorited",
        "article_unfavorited",
        "user_followed",
        "user_unfollowed",
        "user_registered",
        "user_changed",
        "user_deleting",
        "job_finished",
    }
    assert all(event.doc for event in events.REGISTRY.values())


def test_an_article_s_life_is_told_in_order(app_ctx: None, make_user: Any, heard: Heard) -> None:
    author = get(User, make_user().id)
    heard.clear()  # the registration's own event
    draft = article_services.create_article(
        author=author, title="Draft", description="d", body="b", published=False
    )
    db.session.commit()
    assert heard == []  # a draft is nobody's news

    article_services.update_article(article=draft, actor=author, changes={"published": True})
    db.session.commit()
    article_services.update_article(
        article=draft, actor=author, changes={"title": "Renamed", "body": "New body"}
    )
    db.session.commit()
    article_services.update_article(article=draft, actor=author, changes={"published": False})
    db.session.commit()
    article_id, slug = draft.id, draft.slug
    article_services.delete_article(article=draft, actor=author)
    db.session.commit()

    assert names(heard) == [
        "article_published",
        "article_updated",
        "article_unpublished",
        "article_deleted",
    ]
    published, updated, unpublished, deleted = (payload for _, payload in heard)
    assert published["article"].id == article_id
    assert published["actor"].id == author.id
    assert updated["changed"] == {"title", "body"}
    assert unpublished["article"].id == article_id
    assert deleted == {
        "article_id": article_id,
        "slug": slug,
        "author_id": author.id,
        "was_published": False,
        "actor": author,
    }


def test_an_edit_that_changes_nothing_is_not_an_event(
    app_ctx: None, make_user: Any, make_article: Any, heard: Heard
) -> None:
    author = get(User, make_user().id)
    article = get(Article, make_article(author, title="Same", tag_list=["a"]).id)
    heard.clear()
    article_services.update_article(
        article=article,
        actor=author,
        changes={"title": "Same", "description": article.description, "tag_list": ["a"]},
    )
    db.session.commit()
    assert heard == []


def test_favorites_follows_and_comments_are_told_once(
    app_ctx: None, make_user: Any, make_article: Any, heard: Heard
) -> None:
    author, reader = get(User, make_user().id), get(User, make_user().id)
    article = get(Article, make_article(author).id)
    heard.clear()
    for _ in range(2):  # the second of each is a no-op, and no event
        article_services.favorite(article=article, user=reader)
        profile_services.follow(follower=reader, followee=author)
    db.session.commit()
    comment = comment_services.add_comment(article=article, author=reader, body="Nice")
    db.session.commit()
    comment_services.delete_comment(article=article, comment_id=comment.id, actor=reader)
    for _ in range(2):
        article_services.unfavorite(article=article, user=reader)
        profile_services.unfollow(follower=reader, followee=author)
    db.session.commit()

    assert names(heard) == [
        "article_favorited",
        "user_followed",
        "comment_added",
        "comment_deleted",
        "article_unfavorited",
        "user_unfollowed",
    ]
    payloads = dict(heard)
    assert payloads["article_favorited"]["user"].id == reader.id
    assert payloads["article_favorited"]["article"].id == article.id
    assert payloads["user_followed"]["followee"].id == author.id
    assert payloads["comment_added"]["comment"].body == "Nice"
    assert payloads["comment_added"]["actor"].id == reader.id
    assert payloads["comment_deleted"]["comment_id"] == comment.id
    assert payloads["comment_deleted"]["author_id"] == reader.id
    assert payloads["comment_deleted"]["actor"].id == reader.id


def test_accounts_tell_registration_and_every_kind_of_change(
    app_ctx: None, make_user: Any, heard: Heard
) -> None:
    user = auth_services.register_user(
        username="newcomer", email="newcomer@example.org", password="a long enough passphrase"
    )
    db.session.commit()
    auth_services.update_user(user=user, changes={"bio": "Hello", "username": "newcomer"})
    db.session.commit()
    admin = get(User, make_user(role=RoleName.ADMIN).id)
    heard.clear()
    auth_services.set_roles(user=user, roles=[RoleName.MODERATOR], actor=admin)
    auth_services.set_status(user=user, status=UserStatus.SUSPENDED, actor=admin)
    auth_services.set_status(user=user, status=UserStatus.SUSPENDED, actor=admin)  # no change
    db.session.commit()

    assert [(name, payload["changed"]) for name, payload in heard] == [
        ("user_changed", {"roles"}),
        ("user_changed", {"status"}),
    ]
    assert heard[0][1]["actor"].id == admin.id


def test_registration_and_a_profile_edit_are_told(app_ctx: None, heard: Heard) -> None:
    user = auth_services.register_user(
        username="writer", email="writer@example.org", password="a long enough passphrase"
    )
    db.session.commit()
    auth_services.update_user(user=user, changes={"bio": "Hello", "username": " writer "})
    db.session.commit()
    assert names(heard) == ["user_registered", "user_changed"]
    assert heard[0][1]["user"].id == user.id
    assert heard[1][1]["changed"] == {"bio"}  # the same name, tidied, is no change


def test_a_deletion_is_heard_in_the_transaction_then_after_it(
    app_ctx: None, make_user: Any, heard: Heard
) -> None:
    user = get(User, make_user().id)
    during: list[tuple[int, bool, bool]] = []

    def in_transaction(*, user: User, remove_content: bool, **_: Any) -> None:
        # still the live account, inside the transaction that deletes it
        during.append((user.id, remove_content, db.session().in_transaction()))

    events.user_deleting.connect(in_transaction, when=events.IN_TRANSACTION)
    try:
        heard.clear()
        delete_account(user=user, remove_content=True)
        assert during == [(user.id, True, True)]
        assert heard == []
        db.session.commit()
    finally:
        events.user_deleting.disconnect(in_transaction)
    assert names(heard) == ["user_deleting"]


def test_a_rolled_back_request_delivers_nothing_after_commit(
    client: Any,
    app: Flask,
    make_user: Any,
    make_article: Any,
    auth_headers: Any,
    heard: Heard,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    author, reader = make_user(), make_user()
    article = make_article(author)
    heard.clear()

    def refuse(*_: Any, **__: Any) -> None:
        # after the service wrote and emitted, before the view commits
        raise Invalid("refused for the test", field="article")

    with monkeypatch.context() as patch:
        patch.setattr("inkstone.articles.api.queries.present_one", refuse)
        response = client.post(
            f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(reader)
        )
    assert response.status_code == 422
    assert heard == []
    with app.app_context():
        assert get(Article, article.id).favorites_count == 0
    # The next request's commit delivers its own event only.
    response = client.post(
        f"/api/v1/profiles/{author.username}/follow", headers=auth_headers(reader)
    )
    assert response.status_code == 200
    assert names(heard) == ["user_followed"]


def test_one_commit_delivers_each_event_once_in_order(
    app_ctx: None, make_user: Any, make_article: Any, heard: Heard
) -> None:
    author, reader = get(User, make_user().id), get(User, make_user().id)
    articles = [get(Article, make_article(author).id) for _ in range(3)]
    heard.clear()
    for article in reversed(articles):
        article_services.favorite(article=article, user=reader)
    db.session.commit()
    db.session.commit()  # nothing left to deliver
    assert [payload["article"].id for _, payload in heard] == [a.id for a in reversed(articles)]


def test_events_of_a_rolled_back_savepoint_are_dropped(
    app_ctx: None, make_user: Any, make_article: Any, heard: Heard
) -> None:
    author, reader = get(User, make_user().id), get(User, make_user().id)
    kept, dropped = get(Article, make_article(author).id), get(Article, make_article(author).id)
    heard.clear()
    article_services.favorite(article=kept, user=reader)
    savepoint = db.session.begin_nested()
    article_services.favorite(article=dropped, user=reader)
    savepoint.rollback()
    inner = db.session.begin_nested()
    profile_services.follow(follower=reader, followee=author)
    inner.commit()  # a savepoint released: heard at the real commit, not before
    assert heard == []
    db.session.commit()
    assert names(heard) == ["article_favorited", "user_followed"]
    assert heard[0][1]["article"].id == kept.id


def test_a_full_rollback_drops_everything_pending(
    app_ctx: None, make_user: Any, make_article: Any, heard: Heard
) -> None:
    author, reader = get(User, make_user().id), get(User, make_user().id)
    article = get(Article, make_article(author).id)
    heard.clear()
    article_services.favorite(article=article, user=reader)
    db.session.rollback()
    db.session.commit()
    assert heard == []


def test_an_after_commit_subscriber_may_read_and_write(
    app_ctx: None, make_user: Any, make_article: Any
) -> None:
    author, reader = get(User, make_user().id), get(User, make_user().id)
    article = get(Article, make_article(author).id)
    seen: list[int] = []

    def count_favorites(*, article: Article, **_: Any) -> None:
        seen.append(
            db.session.scalar(select(Article.favorites_count).where(Article.id == article.id))
        )

    events.article_favorited.connect(count_favorites)
    try:
        article_services.favorite(article=article, user=reader)
        db.session.commit()
    finally:
        events.article_favorited.disconnect(count_favorites)
    assert seen == [1]


def test_a_failing_subscriber_does_not_undo_the_write(
    app_ctx: None, make_user: Any, make_article: Any, heard: Heard
) -> None:
    author, reader = get(User, make_user().id), get(User, make_user().id)
    article = get(Article, make_article(author).id)

    def broken(**_: Any) -> None:
        raise RuntimeError("a subscriber's bug")

    events.article_favorited.connect(broken)
    try:
        heard.clear()
        article_services.favorite(article=article, user=reader)
        db.session.commit()
    finally:
        events.article_favorited.disconnect(broken)
    assert names(heard) == ["article_favorited"]  # the others still heard it
    db.session.expire_all()
    assert get(Article, article.id).favorites_count == 1


def test_connecting_twice_delivers_once(app_ctx: None, make_user: Any, make_article: Any) -> None:
    author, reader = get(User, make_user().id), get(User, make_user().id)
    article = get(Article, make_article(author).id)
    calls: list[int] = []

    def receiver(*, article: Article, **_: Any) -> None:
        calls.append(article.id)

    for _ in range(2):  # as every create_app connects the features' subscribers
        events.article_favorited.connect(receiver)
    try:
        article_services.favorite(article=article, user=reader)
        db.session.commit()
    finally:
        events.article_favorited.disconnect(receiver)
    assert calls == [article.id]


def _job(owner: User) -> Job:
    job = Job(kind="export.csv", owner_id=owner.id, status=JobStatus.RUNNING.value, params={})
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_that_ends_in_any_way_is_told(app_ctx: None, make_user: Any, heard: Heard) -> None:
    owner = get(User, make_user().id)
    done, cancelled, failed = _job(owner), _job(owner), _job(owner)
    heard.clear()
    job_services.finish_job(job=done, summary={"articles": 3})
    db.session.commit()
    job_services.cancel_job(job=cancelled)
    db.session.commit()
    job_services.fail_job(job_id=failed.id, error="boom")  # commits on a session of its own

    assert [(p["job_id"], p["status"]) for _, p in heard] == [
        (done.id, JobStatus.SUCCEEDED.value),
        (cancelled.id, JobStatus.CANCELLED.value),
        (failed.id, JobStatus.FAILED.value),
    ]
    assert {p["kind"] for _, p in heard} == {"export.csv"}
    assert {p["owner_id"] for _, p in heard} == {owner.id}
