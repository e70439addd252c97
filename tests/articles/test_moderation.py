"""Moderating articles: hide (author still sees it, with the reason), restore, pin, remove."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from inkstone.articles import moderation
from inkstone.articles.models import PUBLISHED_ARTICLES, Article, Tag
from inkstone.auth.models import AuditEvent, RoleName, User
from inkstone.core.db import counters
from inkstone.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from inkstone.extensions import db
from tests.conftest import csrf_token, forget_shared_pages, page_text


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def mod(make_user):
    return make_user("modmia", role=RoleName.MODERATOR)


def _titles(response):
    return re.findall(r'<h2 class="mb-1"><a [^>]*><bdi>(.*?)</bdi></a></h2>', page_text(response))


def _load(slug):
    return db.session.scalar(select(Article).where(Article.slug == slug))


def _events(kind):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind)))


def _hide(app, slug, mod_id, reason="Spam links"):
    with app.app_context():
        moderation.hide_article(
            article=_load(slug), actor=db.session.get(User, mod_id), reason=reason
        )
        db.session.commit()


def _counts(author_id):
    tag = db.session.scalar(select(Tag).where(Tag.key == "dragons"))
    return (
        tag.articles_count,
        db.session.get(User, author_id).articles_count,
        counters.read(PUBLISHED_ARTICLES),
    )


# --------------------------------------------------------------------------- services


def test_hiding_drops_every_count_and_restoring_brings_them_back_with_the_date(
    app, alice, mod, make_article
):
    article = make_article(alice, title="About dragons", tag_list=["dragons"])
    with app.app_context():
        before = _counts(alice.id)
        created = _load(article.slug).created_at
    _hide(app, article.slug, mod.id)
    with app.app_context():
        assert _counts(alice.id) == (before[0] - 1, before[1] - 1, before[2] - 1)
        hidden = _load(article.slug)
        assert (hidden.published, hidden.hidden_reason) == (False, "Spam links")
        assert hidden.hidden_at is not None
        entry = _events("article.hidden")[0]
        assert (entry.user_id, entry.actor_id) == (alice.id, mod.id)
        assert entry.detail["reason"] == "Spam links"
        assert entry.detail["slug"] == article.slug
        moderation.restore_article(article=hidden, actor=db.session.get(User, mod.id))
        db.session.commit()
        assert _counts(alice.id) == before
        restored = _load(article.slug)
        assert restored.published
        assert restored.hidden_at is None
        assert restored.hidden_reason == ""
        assert restored.created_at == created  # its original date, unlike a published draft
        assert _events("article.restored")[0].actor_id == mod.id


def test_moderation_needs_the_articles_moderate_scope(app, alice, make_user, make_article):
    article = make_article(alice)
    reader = make_user("rita", role=RoleName.READER)
    with app.app_context():
        target = _load(article.slug)
        for actor_id in (reader.id, alice.id):  # a reader, and the author themselves
            actor = db.session.get(User, actor_id)
            with pytest.raises(PermissionDenied):
                moderation.hide_article(article=target, actor=actor, reason="x")
            with pytest.raises(PermissionDenied):
                moderation.pin_article(article=target, actor=actor)
            with pytest.raises(PermissionDenied):
                moderation.remove_article(article=target, actor=actor)
        assert _load(article.slug).published


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_hiding_reason_is_1_to_500_characters(app, alice, mod, make_article, reason):
    article = make_article(alice)
    with app.app_context(), pytest.raises(Invalid):
        moderation.hide_article(
            article=_load(article.slug), actor=db.session.get(User, mod.id), reason=reason
        )


def test_hiding_twice_or_restoring_a_visible_article_conflicts(app, alice, mod, make_article):
    article = make_article(alice)
    _hide(app, article.slug, mod.id)
    with app.app_context():
        actor = db.session.get(User, mod.id)
        with pytest.raises(Conflict):
            moderation.hide_article(article=_load(article.slug), actor=actor, reason="again")
    other = make_article(alice)
    with app.app_context(), pytest.raises(Conflict):
        moderation.restore_article(article=_load(other.slug), actor=db.session.get(User, mod.id))


def test_drafts_are_out_of_moderations_reach(app, alice, mod, make_article):
    draft = make_article(alice, title="Secret plans", published=False)
    with app.app_context():
        with pytest.raises(NotFound):
            moderation.moderated_article(slug=draft.slug)
        found, total = moderation.list_moderated_articles(page=_page())
        assert total == 0
        assert found == []


def test_the_author_cannot_publish_a_hidden_article(app, alice, mod, make_article):
    from inkstone.articles import services

    article = make_article(alice)
    _hide(app, article.slug, mod.id)
    with app.app_context(), pytest.raises(PermissionDenied):
        services.update_article(
            article=_load(article.slug),
            actor=db.session.get(User, alice.id),
            changes={"published": True},
        )


def test_pin_and_unpin_are_audited_and_only_published_articles_pin(app, alice, mod, make_article):
    article = make_article(alice)
    draft = make_article(alice, published=False)
    with app.app_context():
        actor = db.session.get(User, mod.id)
        moderation.pin_article(article=_load(article.slug), actor=actor)
        assert _load(article.slug).pinned_at is not None
        with pytest.raises(Invalid):
            moderation.pin_article(article=_load(draft.slug), actor=actor)
        moderation.unpin_article(article=_load(article.slug), actor=actor)
        assert _load(article.slug).pinned_at is None
        assert [e.user_id for e in _events("article.pinned")] == [alice.id]
        assert [e.actor_id for e in _events("article.unpinned")] == [mod.id]


def test_removing_an_article_is_audited(app, alice, mod, make_article):
    article = make_article(alice, title="Gone soon")
    with app.app_context():
        moderation.remove_article(
            article=_load(article.slug), actor=db.session.get(User, mod.id), reason="spam"
        )
        db.session.commit()
        assert _load(article.slug) is None
        entry = _events("article.removed")[0]
        assert (entry.user_id, entry.actor_id, entry.detail["title"]) == (
            alice.id,
            mod.id,
            "Gone soon",
        )


def test_the_moderation_list_searches_titles_authors_and_status(
    app, alice, mod, make_user, make_article
):
    bob = make_user("bob")
    make_article(alice, title="Dragons 100%")
    make_article(alice, title="Unicorns")
    hidden = make_article(bob, title="Dragon spam")
    _hide(app, hidden.slug, mod.id)
    with app.app_context():

        def titles(**filters):
            found, _ = moderation.list_moderated_articles(page=_page(), **filters)
            return sorted(a.title for a in found)

        assert titles(q="dragon") == ["Dragon spam", "Dragons 100%"]
        assert titles(q="100%") == ["Dragons 100%"]
        assert titles(q="_") == []  # wildcards are literal
        assert titles(author="BOB") == ["Dragon spam"]
        assert titles(status="hidden") == ["Dragon spam"]
        assert titles(status="published") == ["Dragons 100%", "Unicorns"]
        assert titles(status="pinned") == []


def _page():
    from inkstone.core.pagination import PageRequest

    return PageRequest(limit=20, offset=0)


# --------------------------------------------------------------------------- the site


def test_a_hidden_article_is_gone_for_others_and_shows_its_author_the_reason(
    app, client, alice, mod, make_user, make_article, sign_in, auth_headers
):
    article = make_article(alice, title="Hidden one", tag_list=["dragons"])
    _hide(app, article.slug, mod.id, reason="Breaks rule 3")
    assert client.get(f"/article/{article.slug}").status_code == 404
    assert "Hidden one" not in page_text(client.get("/"))
    assert "Hidden one" not in page_text(client.get("/tag/dragons"))
    assert client.get(f"/api/v1/articles/{article.slug}").status_code == 404
    listed = client.get("/api/v1/articles").json
    assert listed["articlesCount"] == 0
    bob = make_user("bob")
    assert (
        client.get(f"/api/v1/articles/{article.slug}", headers=auth_headers(bob)).status_code == 404
    )
    own = client.get(f"/api/v1/articles/{article.slug}", headers=auth_headers(alice)).json
    assert own["article"]["published"] is False
    assert own["article"]["hiddenReason"] == "Breaks rule 3"
    sign_in(client, alice)
    page = page_text(client.get(f"/article/{article.slug}"))
    assert "Breaks rule 3" in page
    assert "A moderator hid this article" in page
    assert "/publish" not in page  # no publish button
    editor = page_text(client.get(f"/editor/{article.slug}"))
    assert "Breaks rule 3" in editor
    assert 'value="publish"' not in editor


def test_the_author_is_refused_publishing_a_hidden_article_on_the_site_and_api(
    app, client, alice, mod, make_article, sign_in, auth_headers
):
    article = make_article(alice, title="Hidden one")
    _hide(app, article.slug, mod.id)
    sign_in(client, alice)
    token = csrf_token(client, f"/editor/{article.slug}")
    refused = client.post(f"/article/{article.slug}/publish", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Only a moderator can publish it again." in page_text(refused)
    edited = client.post(
        f"/editor/{article.slug}",
        data={
            "csrf_token": token,
            "title": "Hidden one",
            "description": "d",
            "body": "b",
            "tags": "",
            "action": "publish",
        },
    )
    assert edited.status_code == 403
    assert "Only a moderator can publish it again." in page_text(edited)
    api = client.put(
        f"/api/v1/articles/{article.slug}",
        json={"article": {"published": True}},
        headers=auth_headers(alice),
    )
    assert api.status_code == 403
    assert "restores it" in api.json["errors"]["published"][0]
    # editing without publishing still works
    saved = client.put(
        f"/api/v1/articles/{article.slug}",
        json={"article": {"body": "Fixed the links."}},
        headers=auth_headers(alice),
    )
    assert saved.status_code == 200
    with app.app_context():
        assert not _load(article.slug).published


def test_pinned_articles_head_the_first_page_of_the_home_page(
    app, client, alice, mod, make_article
):
    old = make_article(alice, title="Old news")
    for i in range(3):
        make_article(alice, title=f"Fresh {i}")
    with app.app_context():
        moderation.pin_article(article=_load(old.slug), actor=db.session.get(User, mod.id))
        db.session.commit()
    page = client.get("/")
    assert _titles(page) == ["Old news", "Fresh 2", "Fresh 1", "Fresh 0"]
    assert "Pinned" in page_text(page)
    assert _titles(client.get("/tag/none")) == []
    # hidden: never shown as pinned
    _hide(app, old.slug, mod.id)
    page = client.get("/")
    assert _titles(page) == ["Fresh 2", "Fresh 1", "Fresh 0"]
    assert "bi-pin-angle-fill" not in page_text(page)


def test_pins_cost_the_home_page_no_extra_query(
    app, client, alice, mod, make_article, count_queries
):
    articles = [make_article(alice, title=f"Story {i}") for i in range(4)]
    client.get("/")
    forget_shared_pages(app)  # count what rendering it costs
    with count_queries() as plain:
        client.get("/")
    with app.app_context():
        moderation.pin_article(article=_load(articles[0].slug), actor=db.session.get(User, mod.id))
        db.session.commit()
    assert _titles(client.get("/"))[0] == "Story 0"  # the pin shows at once
    forget_shared_pages(app)
    with count_queries() as pinned:
        response = client.get("/")
    assert _titles(response)[0] == "Story 0"
    assert len(pinned) == len(plain) <= 3, str(pinned)
