"""Article and comment schemas, one per audience and direction."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length

from inkstone.articles.models import (
    BODY_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    TAG_MAX,
    TAGS_PER_ARTICLE,
    TITLE_MAX,
)
from inkstone.auth.models import USERNAME_MAX
from inkstone.core.schemas import InputSchema, OutputSchema, PageQuery, StrictBoolean, Timestamp
from inkstone.profiles.schemas import ProfileFields

_tag_list = List(
    String(validate=Length(1, TAG_MAX)),
    validate=Length(max=TAGS_PER_ARTICLE),
    data_key="tagList",
    metadata={"description": "Tags; trimmed, unique case-insensitively, shown as first written."},
)


_published = StrictBoolean(
    metadata={
        "description": "Inkstone extension: `false` keeps the article a draft, seen by its "
        "author only; `true` publishes it. Clients that leave it out publish."
    }
)


_publish_at = DateTime(
    allow_none=True,
    data_key="publishAt",
    format="iso",
    metadata={
        "description": "Inkstone extension: schedule a draft to be published at this time "
        "(ISO 8601; with an offset or `Z`, or without one to mean the author's time zone). "
        "The article stays a draft until then. `null` cancels the schedule. Refused (422) in "
        "the past (beyond a minute), more than a year ahead, or on a published article "
        '(send `"published": false` with it to take the article back to a draft first); '
        "refused (403) on an article a moderator hid."
    },
)


class ArticleFields(InputSchema):
    title = String(required=True, validate=Length(1, TITLE_MAX))
    description = String(required=True, validate=Length(0, DESCRIPTION_MAX))
    body = String(required=True, validate=Length(1, BODY_MAX))
    tag_list = _tag_list
    published = _published
    publish_at = _publish_at


class ArticleIn(InputSchema):
    article = Nested(ArticleFields, required=True)


class ArticleUpdateFields(InputSchema):
    title = String(validate=Length(1, TITLE_MAX))
    description = String(validate=Length(0, DESCRIPTION_MAX))
    body = String(validate=Length(1, BODY_MAX))
    tag_list = _tag_list
    published = _published
    publish_at = _publish_at


class ArticleUpdate(InputSchema):
    article = Nested(ArticleUpdateFields, required=True)


class ArticleQuery(PageQuery):
    tag = String(validate=Length(1, TAG_MAX * 4), metadata={"description": "Filter by tag"})
    author = String(validate=Length(1, USERNAME_MAX * 4), metadata={"description": "By author"})
    favorited = String(
        validate=Length(1, USERNAME_MAX * 4),
        metadata={"description": "Articles favorited by this username"},
    )


class ArticleSummaryFields(Schema):
    slug = String(required=True)
    title = String(required=True)
    description = String(required=True)
    tag_list = List(String(), required=True, data_key="tagList")
    created_at = Timestamp(required=True, data_key="createdAt")
    updated_at = Timestamp(required=True, data_key="updatedAt")
    favorited = Boolean(required=True)
    favorites_count = Integer(required=True, data_key="favoritesCount")
    author = Nested(ProfileFields, required=True)


class ArticleFieldsOut(ArticleSummaryFields):
    body = String(required=True)
    # Left out for published articles, so RealWorld clients see exactly RealWorld's shape.
    published = Boolean(
        attribute="draft_published",
        metadata={"description": "Inkstone extension: present, and `false`, on drafts only."},
    )
    hidden_reason = String(
        attribute="draft_hidden_reason",
        data_key="hiddenReason",
        metadata={
            "description": "Inkstone extension: present on an article a moderator hid (shown "
            "to its author only): the moderator's reason."
        },
    )
    publish_at = Timestamp(
        attribute="draft_publish_at",
        data_key="publishAt",
        metadata={
            "description": "Inkstone extension: present on a scheduled draft (seen by its "
            "author only): when it will be published."
        },
    )


class ArticleOut(OutputSchema):
    article = Nested(ArticleFieldsOut, required=True)


class ArticleListOut(OutputSchema):
    articles = List(Nested(ArticleSummaryFields), required=True)
    articles_count = Integer(required=True, data_key="articlesCount")


class TagsOut(OutputSchema):
    tags = List(String(), required=True)


class CommentFields(InputSchema):
    body = String(required=True, validate=Length(1, COMMENT_MAX))


class CommentIn(InputSchema):
    comment = Nested(CommentFields, required=True)


class CommentFieldsOut(Schema):
    id = Integer(required=True)
    created_at = Timestamp(required=True, data_key="createdAt")
    updated_at = Timestamp(required=True, data_key="updatedAt")
    body = String(required=True)
    author = Nested(ProfileFields, required=True)


class CommentOut(OutputSchema):
    comment = Nested(CommentFieldsOut, required=True)


class CommentListOut(OutputSchema):
    comments = List(Nested(CommentFieldsOut), required=True)
