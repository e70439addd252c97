"""Compiled dumpers produce exactly what marshmallow produces for every output schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from apiflask import Schema

from inkstone.articles.comments import CommentView
from inkstone.articles.queries import ArticlePage, ArticleView
from inkstone.articles.schemas import (
    ArticleListOut,
    ArticleOut,
    CommentListOut,
    CommentOut,
    TagsOut,
)
from inkstone.auth.schemas import UserOut
from inkstone.core.fastdump import compile_dumper
from inkstone.profiles.schemas import ProfileOut
from inkstone.profiles.services import ProfileView

WHEN = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
AUTHOR = ProfileView(username="jake", bio="", image=None, following=True)
ARTICLE = ArticleView(
    slug="how-to-train-your-dragon",
    title="How to train your dragon",
    description="Ever wonder how?",
    body="You have to believe",
    tag_list=["dragons", "training"],
    created_at=WHEN,
    updated_at=WHEN,
    favorited=False,
    favorites_count=3,
    author=AUTHOR,
)
COMMENT = CommentView(id=7, body="Nice", created_at=WHEN, updated_at=WHEN, author=AUTHOR)
PAGE = ArticlePage(articles=[ARTICLE, ARTICLE], total=42)

CASES = [
    (ArticleOut, {"article": ARTICLE}),
    (ArticleListOut, {"articles": PAGE.articles, "articles_count": PAGE.total}),
    (ArticleListOut, {"articles": [], "articles_count": 0}),
    (TagsOut, {"tags": ["a", "b"]}),
    (CommentOut, {"comment": COMMENT}),
    (CommentListOut, {"comments": [COMMENT, COMMENT]}),
    (ProfileOut, {"profile": AUTHOR}),
    (
        UserOut,
        {
            "user": {
                "email": "j@x.io",
                "token": "t",
                "username": "jake",
                "bio": None,
                "image": "https://x.io/a.png",
            }
        },
    ),
]


def _marshmallow_dump(schema_class: type[Schema], data: object) -> object:
    """Dump with marshmallow's own machinery, bypassing the compiled path."""
    return Schema.dump(schema_class(), data)


@pytest.mark.parametrize(("schema_class", "data"), CASES)
def test_compiled_dump_equals_marshmallow(schema_class, data):
    assert schema_class().dump(data) == _marshmallow_dump(schema_class, data)


def test_timestamps_have_milliseconds_and_z():
    out = ArticleOut().dump({"article": ARTICLE})["article"]
    assert out["createdAt"] == "2026-01-02T03:04:05.678Z"


def test_missing_values_are_left_out_like_marshmallow():
    dump = compile_dumper(TagsOut())
    assert dump({}) == {}
    assert dump({}) == _marshmallow_dump(TagsOut, {})
