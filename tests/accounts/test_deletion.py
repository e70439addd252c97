"""Deleting an account: personal data scrubbed, content kept or removed, every count right."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.accounts.deletion import check_password, delete_account
from inkstone.articles import comments, queries
from inkstone.articles import services as articles
from inkstone.articles.models import PUBLISHED_ARTICLES, Article, Comment, Favorite, Tag
from inkstone.auth import services as accounts
from inkstone.auth.audit import Event, list_events
from inkstone.auth.models import RoleName, User, UserSession, UserStatus
from inkstone.auth.passwords import verify_password
from inkstone.auth.sessions import start_session
from inkstone.auth.usernames import is_deleted_username
from inkstone.core.db import counters
from inkstone.core.errors import Conflict, Invalid, NotFound, Unauthorized
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.profiles import services as profiles
from inkstone.profiles.models import Follow
from tests.conftest import DEFAULT_PASSWORD, count_rows

pytestmark = pytest.mark.usefixtures("app_ctx")


def _tag_count(name):
    return db.session.scalar(select(Tag.articles_count).where(Tag.name == name))


def _delete(user, *, remove_content=False, actor=None):
    delete_account(user=user, remove_content=remove_content, actor=actor)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(User, user.id)


# --------------------------------------------------------------------------- personal data


def test_deletion_scrubs_every_personal_field(make_user):
    user = make_user(
        username="leaving",
        email="leaving@example.org",
        bio="I write about dragons",
        image="https://example.org/me.png",
        locale="zh_CN",
        timezone="Asia/Shanghai",
        pending_email="new@example.org",
        role=RoleName.MODERATOR,
    )
    gone = _delete(user)
    assert gone.status == UserStatus.DELETED
    assert gone.is_deleted
    assert gone.deleted_at is not None
    assert gone.username == f"deleted-{user.id}"
    assert gone.email == f"deleted-{user.id}@deleted.invalid"
    assert (gone.bio, gone.image, gone.pending_email) == ("", None, None)
    assert (gone.locale, gone.timezone) == (None, None)
    assert gone.roles == []
    assert not verify_password(gone.password_hash, DEFAULT_PASSWORD)


def test_a_deleted_account_cannot_sign_in(make_user):
    user = make_user(email="leaving@example.org")
    _delete(user)
    with pytest.raises(Unauthorized):
        accounts.authenticate(email="leaving@example.org", password=DEFAULT_PASSWORD)
    with pytest.raises(Unauthorized):
        accounts.authenticate(email=f"deleted-{user.id}@deleted.invalid", password=DEFAULT_PASSWORD)


def test_deletion_ends_every_session_and_token(make_user):
    user = make_user()
    start_session(user=user, remember=True)
    start_session(user=user, remember=False)
    version = user.token_version
    gone = _delete(user)
    assert count_rows(UserSession, UserSession.user_id == user.id) == 0
    assert gone.token_version == version + 1


def test_deletion_is_in_the_audit_log_with_who_did_it(make_user):
    user, admin = make_user(), make_user(role=RoleName.ADMIN)
    _delete(user, remove_content=True, actor=admin)
    [event] = list_events(user=user, event=Event.ACCOUNT_DELETED)
    assert event.actor_id == admin.id
    assert event.detail == {"removed_content": True}


def test_the_username_and_email_are_free_again(make_user):
    user = make_user(username="Phoenix", email="phoenix@example.org")
    _delete(user)
    again = accounts.register_user(
        username="phoenix", email="Phoenix@example.org", password=DEFAULT_PASSWORD
    )
    db.session.commit()
    assert again.id != user.id
    with pytest.raises(NotFound):
        accounts.get_user_by_username(username=f"deleted-{user.id}")
    assert accounts.get_user_by_username(username="phoenix").id == again.id


@pytest.mark.parametrize("name", ["deleted-1", "Deleted-123456789", "DELETED-42"])
def test_names_of_deleted_accounts_are_reserved(make_user, name):
    assert is_deleted_username(name)
    with pytest.raises(Conflict):
        accounts.register_user(username=name, email="x@example.org", password=DEFAULT_PASSWORD)
    user = make_user()
    with pytest.raises(Conflict):
        accounts.update_user(user=user, changes={"username": name})


@pytest.mark.parametrize("name", ["deleted", "deleted-", "deleted-x1", "undeleted-1", "deleted-1a"])
def test_names_merely_like_a_deleted_one_are_allowed(name):
    assert not is_deleted_username(name)


def test_deleting_twice_is_not_found(make_user):
    gone = _delete(make_user())
    with pytest.raises(NotFound):
        delete_account(user=gone, remove_content=False)


def test_the_password_check_refuses_a_wrong_password(make_user):
    user = make_user()
    check_password(user=user, password=DEFAULT_PASSWORD)
    with pytest.raises(Invalid) as caught:
        check_password(user=user, password="not the password")
    assert caught.value.field == "password"


# --------------------------------------------------------------------------- follows and favorites


def test_follows_both_ways_go(make_user):
    user, fan, idol = make_user(), make_user(), make_user()
    profiles.follow(follower=fan, followee=user)
    profiles.follow(follower=user, followee=idol)
    profiles.follow(follower=fan, followee=idol)
    db.session.commit()
    _delete(user)
    assert count_rows(Follow, Follow.follower_id == user.id) == 0
    assert count_rows(Follow, Follow.followee_id == user.id) == 0
    assert count_rows(Follow) == 1  # other people's follows stay


def test_favorites_go_and_the_articles_counts_follow(make_user, make_article):
    user, writer = make_user(), make_user()
    article = make_article(writer)
    other_fan = make_user()
    for fan in (user, other_fan):
        articles.favorite(article=article, user=fan)
    db.session.commit()
    _delete(user)
    kept = db.session.get(Article, article.id)
    assert kept.favorites_count == 1
    assert count_rows(Favorite, Favorite.user_id == user.id) == 0
    assert db.session.get(User, user.id).favorites_count == 0


# --------------------------------------------------------------------------- content


def test_kept_content_stays_readable_under_a_deleted_author(make_user, make_article):
    user, reader = make_user(), make_user()
    article = make_article(user, tag_list=["dragons"])
    comments.add_comment(article=article, author=user, body="First!")
    db.session.commit()
    published = counters.read(PUBLISHED_ARTICLES)
    _delete(user)
    view = queries.article_view(slug=article.slug, viewer=reader)
    assert view.author.is_deleted
    assert view.author.username == f"deleted-{user.id}"
    [comment] = comments.list_comments(slug=article.slug, viewer=reader)
    assert comment.author.is_deleted
    assert counters.read(PUBLISHED_ARTICLES) == published
    assert _tag_count("dragons") == 1


def test_removing_content_deletes_articles_and_comments_and_keeps_counts_right(
    make_user, make_article
):
    user, writer, fan = make_user(), make_user(), make_user()
    mine = make_article(user, tag_list=["dragons", "fire"])
    make_article(user, tag_list=["dragons"], published=False)  # a draft goes too
    theirs = make_article(writer, tag_list=["dragons"])
    articles.favorite(article=mine, user=fan)
    articles.favorite(article=theirs, user=fan)
    comments.add_comment(article=theirs, author=user, body="Nice dragon")
    comments.add_comment(article=theirs, author=writer, body="Thanks")
    comments.add_comment(article=mine, author=writer, body="Hot!")
    db.session.commit()
    published = counters.read(PUBLISHED_ARTICLES)

    _delete(user, remove_content=True)

    assert count_rows(Article, Article.author_id == user.id) == 0
    assert count_rows(Comment, Comment.author_id == user.id) == 0
    assert count_rows(Comment) == 1  # the writer's comment under their own article stays
    assert counters.read(PUBLISHED_ARTICLES) == published - 1
    assert (_tag_count("dragons"), _tag_count("fire")) == (1, 0)
    assert db.session.get(User, fan.id).favorites_count == 1
    assert db.session.get(User, user.id).articles_count == 0
    assert db.session.get(Article, theirs.id).favorites_count == 1
    listed = queries.list_articles(viewer=None, page=PageRequest(limit=20, offset=0))
    assert [a.slug for a in listed.articles] == [theirs.slug]
    assert listed.total == published - 1
