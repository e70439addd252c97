"""Article services: slugs, tags, edits, deletes and favorites keep every count right."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, IntegrityError

from inkstone.articles import comments, queries, services, tags
from inkstone.articles.models import (
    PUBLISHED_ARTICLES,
    Article,
    Comment,
    Favorite,
    Tag,
    article_tags,
)
from inkstone.articles.slugs import base_slug, unique_slug
from inkstone.articles.tags import normalize_tags, tag_key
from inkstone.auth.models import RoleName, User
from inkstone.core.db import counters
from inkstone.core.errors import Invalid, NotFound, PermissionDenied
from inkstone.core.pagination import MAX_LIMIT, PageRequest
from inkstone.extensions import db
from tests.conftest import count_rows

pytestmark = pytest.mark.usefixtures("app_ctx")


def _create(author, title="How to train your dragon", tags=None, body="It takes a Jacobian"):
    article = services.create_article(
        author=author, title=title, description="Ever wonder how?", body=body, tag_list=tags
    )
    db.session.commit()
    return article


# --------------------------------------------------------------------------- slugs and tags


def test_same_title_twice_gives_two_slugs(make_user):
    author = make_user()
    one, two = _create(author), _create(author)
    assert one.slug == "how-to-train-your-dragon"
    assert two.slug != one.slug
    assert two.slug.startswith("how-to-train-your-dragon-")
    assert services.get_article(slug=two.slug, viewer=None).id == two.id


def test_title_change_gives_a_new_slug(make_user):
    author = make_user()
    article = _create(author)
    services.update_article(article=article, actor=author, changes={"title": "Did you train it?"})
    db.session.commit()
    assert article.slug == "did-you-train-it"
    with pytest.raises(NotFound):
        services.get_article(slug="how-to-train-your-dragon", viewer=None)


def test_unchanged_title_keeps_a_suffixed_slug(make_user):
    author = make_user()
    _create(author)
    second = _create(author)
    slug = second.slug
    services.update_article(article=second, actor=author, changes={"title": second.title})
    assert second.slug == slug
    assert unique_slug(second.title, current=slug) == slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("你好世界", "ni-hao-shi-jie"),
        ("Привет мир", "privet-mir"),
        ("naïve café", "naive-cafe"),
        ("🐉🐉", "article"),
        ("!!!", "article"),
    ],
)
def test_any_title_gives_a_readable_ascii_slug(make_user, title, slug):
    article = _create(make_user(), title=title)
    assert article.slug == slug
    assert services.get_article(slug=article.slug, viewer=None).id == article.id


def test_feed_is_never_a_slug(make_user):
    article = _create(make_user(), title="Feed")
    assert article.slug != "feed"
    assert article.slug.startswith("feed-")


def test_long_titles_give_bounded_slugs():
    assert len(base_slug("word " * 100)) <= 80


def test_normalize_tags_trims_dedupes_case_insensitively_and_keeps_order():
    assert normalize_tags([" Dragons ", "dragons", "training", "", "  ", "DRAGONS", "a  b"]) == [
        "Dragons",
        "training",
        "a b",
    ]
    assert tag_key("  Ä  Straße ") == "ä strasse"


def test_tags_are_shared_and_shown_as_first_written(make_user):
    author = make_user()
    first = _create(author, tags=[" Dragons ", "dragons"])
    second = _create(author, tags=["DRAGONS", "Training"])
    assert [t.name for t in first.tags] == ["Dragons"]
    assert [t.name for t in second.tags] == ["Dragons", "Training"]
    assert count_rows(Tag) == 2
    dragons = db.session.scalar(select(Tag).where(Tag.key == "dragons"))
    assert dragons.articles_count == 2


def test_tag_list_is_sorted_case_insensitively(make_user):
    article = _create(make_user(), tags=["zeta", "Alpha", "beta"])
    assert queries.present_one(article, viewer=None).tag_list == ["Alpha", "beta", "zeta"]


def test_replacing_tags_moves_the_counts(make_user):
    author = make_user()
    article = _create(author, tags=["one", "two"])
    services.update_article(article=article, actor=author, changes={"tag_list": ["Two", "three"]})
    db.session.commit()
    counts = dict(db.session.execute(select(Tag.name, Tag.articles_count)).all())
    assert counts == {"one": 0, "two": 1, "three": 1}
    # unused tags are not listed; equal counts put the newer tag first
    assert tags.popular_tags() == ["three", "two"]


# --------------------------------------------------------------------------- permissions


def test_readers_cannot_write_articles(make_user):
    reader = make_user(role=RoleName.READER)
    with pytest.raises(PermissionDenied):
        _create(reader)
    assert count_rows(Article) == 0


def test_only_the_author_or_a_moderator_may_edit(make_user):
    author, other = make_user(), make_user()
    moderator = make_user(role=RoleName.MODERATOR)
    article = _create(author)
    with pytest.raises(PermissionDenied):
        services.update_article(article=article, actor=other, changes={"body": "mine now"})
    with pytest.raises(PermissionDenied):
        services.delete_article(article=article, actor=other)
    services.update_article(article=article, actor=moderator, changes={"body": "moderated"})
    assert article.body == "moderated"


def test_update_refuses_fields_that_are_not_editable(make_user):
    author = make_user()
    article = _create(author)
    with pytest.raises(ValueError, match="not editable"):
        services.update_article(article=article, actor=author, changes={"author_id": 1})


# --------------------------------------------------------------------------- counts


def _counts(article_author: User, fan: User) -> tuple[int, int, int]:
    db.session.expire_all()
    return (
        counters.read(PUBLISHED_ARTICLES),
        db.session.get(User, article_author.id).articles_count,
        db.session.get(User, fan.id).favorites_count,
    )


def test_counts_follow_create_favorite_and_delete(make_user):
    author, fan = make_user(), make_user()
    article = _create(author, tags=["dragons"])
    _create(author, tags=["dragons"])
    assert services.favorite(article=article, user=fan) is True
    assert services.favorite(article=article, user=fan) is False  # idempotent
    comments.add_comment(article=article, author=fan, body="Nice")
    db.session.commit()
    assert _counts(author, fan) == (2, 2, 1)
    assert db.session.get(Article, article.id).favorites_count == 1

    services.delete_article(article=article, actor=author)
    db.session.commit()
    assert _counts(author, fan) == (1, 1, 0)
    assert db.session.scalar(select(Tag.articles_count).where(Tag.key == "dragons")) == 1
    assert count_rows(Comment) == 0
    assert count_rows(Favorite) == 0
    assert count_rows(article_tags) == 1


def test_unfavorite_is_idempotent(make_user):
    author, fan = make_user(), make_user()
    article = _create(author)
    services.favorite(article=article, user=fan)
    assert services.unfavorite(article=article, user=fan) is True
    assert services.unfavorite(article=article, user=fan) is False
    db.session.commit()
    assert db.session.get(Article, article.id).favorites_count == 0
    assert _counts(author, fan)[2] == 0


def test_favorites_do_not_touch_updated_at(make_user):
    author, fan = make_user(), make_user()
    article = _create(author)
    before = article.updated_at
    services.favorite(article=article, user=fan)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Article, article.id).updated_at == before


def test_database_rejects_a_duplicate_favorite(make_user):
    author, fan = make_user(), make_user()
    article = _create(author)
    services.favorite(article=article, user=fan)
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(insert(Favorite).values(user_id=fan.id, article_id=article.id))


def test_database_rejects_an_over_long_title(make_user):
    author = make_user()
    db.session.add(Article(slug="s", title="t" * 201, body="b", author_id=author.id))
    # SQLite's CHECK gives IntegrityError; PostgreSQL's varchar(200) refuses first (DataError).
    with pytest.raises((IntegrityError, DataError)), db.session.begin_nested():
        db.session.flush()


# --------------------------------------------------------------------------- comments


def test_comments_are_listed_oldest_first(make_user):
    author, fan = make_user(), make_user()
    article = _create(author)
    for body in ("first", "second", "third"):
        comments.add_comment(article=article, author=fan, body=body)
    db.session.commit()
    assert [c.body for c in comments.list_comments(slug=article.slug, viewer=None)] == [
        "first",
        "second",
        "third",
    ]


def test_blank_comment_is_invalid(make_user):
    article = _create(make_user())
    with pytest.raises(Invalid):
        comments.add_comment(article=article, author=make_user(), body="   ")


def test_comment_delete_rules(make_user):
    author, fan, other = make_user(), make_user(), make_user()
    article, elsewhere = _create(author), _create(author, title="Elsewhere")
    comment = comments.add_comment(article=article, author=fan, body="mine")
    with pytest.raises(PermissionDenied):
        comments.delete_comment(article=article, comment_id=comment.id, actor=other)
    with pytest.raises(NotFound):  # the id exists, but under another article
        comments.delete_comment(article=elsewhere, comment_id=comment.id, actor=fan)
    for missing in (0, -1, 2**63, 10**30):
        with pytest.raises(NotFound):
            comments.delete_comment(article=article, comment_id=missing, actor=fan)
    comments.delete_comment(article=article, comment_id=comment.id, actor=fan)
    assert count_rows(Comment) == 0


# --------------------------------------------------------------------------- paging


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [(None, None, (20, 0)), (5, 7, (5, 7)), (1000, 0, (MAX_LIMIT, 0)), (100, 3, (100, 3))],
)
def test_page_request_clamps(limit, offset, expected):
    page = PageRequest.clamp(limit=limit, offset=offset)
    assert (page.limit, page.offset) == expected
