"""The rules in ``notify``, the unread count's cost, and the grouping's uniqueness."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.extensions import db
from inkstone.notifications import services
from inkstone.notifications.models import Kind, Notification


def test_the_unread_count_is_one_query(app, ana, ben, app_ctx, count_queries):
    services.notify(recipient_id=ana.id, kind=Kind.FOLLOW, actor=db.session.get(User, ben.id))
    db.session.flush()
    with count_queries() as queries:
        assert services.unread_count(user_id=ana.id) == 1
    assert len(queries) == 1, str(queries)
    assert "read_at IS NULL" in queries[0]


def test_your_own_action_makes_nothing(ana, app_ctx):
    me = db.session.get(User, ana.id)
    assert services.notify(recipient_id=ana.id, kind=Kind.FOLLOW, actor=me) is None


def test_one_unread_favorite_row_per_article(ana, ben, make_article, app_ctx):
    article = db.session.get(Article, make_article(ana).id)
    made = services.notify(
        recipient_id=ana.id,
        kind=Kind.FAVORITE,
        actor=db.session.get(User, ben.id),
        article=article,
    )
    assert made is not None
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            Notification(user_id=ana.id, kind="favorite", article_id=article.id, data={})
        )


def test_mark_read_touches_only_your_own(ana, ben, cai, app_ctx):
    actor = db.session.get(User, cai.id)
    mine = services.notify(recipient_id=ana.id, kind=Kind.FOLLOW, actor=actor)
    theirs = services.notify(recipient_id=ben.id, kind=Kind.FOLLOW, actor=actor)
    assert mine is not None
    assert theirs is not None
    me = db.session.get(User, ana.id)
    ids = [mine.notification.id, theirs.notification.id, -5, 10**30]
    assert services.mark_read(user=me, ids=ids) == 1
    assert services.unread_count(user_id=ben.id) == 1
    assert services.mark_read(user=me) == 0


def test_unknown_kinds_and_channels_are_invalid(ana, app_ctx):
    from inkstone.core.errors import Invalid

    me = db.session.get(User, ana.id)
    with pytest.raises(Invalid):
        services.set_preferences(user=me, choices={"pigeon": "site"})
    with pytest.raises(Invalid):
        services.set_preferences(user=me, choices={"follow": "carrier"})
