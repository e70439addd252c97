"""Forms of the article pages: the editor and the comment box."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from inkstone.articles.models import (
    BODY_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    TAG_MAX,
    TAGS_PER_ARTICLE,
    TITLE_MAX,
)
from inkstone.articles.tags import normalize_tags


def split_tags(value: str | None) -> list[str]:
    """Return the tags of a comma-separated field: trimmed, de-duplicated, in order."""
    return normalize_tags((value or "").split(","))


def _check_tags(_form: Any, field: Any) -> None:
    tags = split_tags(field.data)
    if len(tags) > TAGS_PER_ARTICLE:
        raise ValidationError(_l("Use at most %(count)d tags.", count=TAGS_PER_ARTICLE))
    too_long = [t for t in tags if len(t) > TAG_MAX]
    if too_long:
        raise ValidationError(
            _l(
                "A tag can be at most %(max)d characters long: %(tag)s",
                max=TAG_MAX,
                tag=too_long[0][:TAG_MAX] + "…",
            )
        )


def _length(maximum: int) -> Length:
    return Length(
        max=maximum,
        message=_l("Use at most %(max)d characters.", max=maximum),
    )


class ArticleForm(FlaskForm):
    """Write or edit an article."""

    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Give the article a title.")), _length(TITLE_MAX)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    description = StringField(
        _l("What's this article about?"),
        validators=[_length(DESCRIPTION_MAX)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    body = TextAreaField(
        _l("Article (Markdown)"),
        validators=[DataRequired(message=_l("Write something first.")), _length(BODY_MAX)],
    )
    tags = StringField(_l("Tags"), validators=[_check_tags])
    # Read in the author's time zone (the one the site shows them times in): the view converts.
    publish_at = DateTimeLocalField(
        _l("Publish at"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        render_kw={"step": 60},
    )

    def tag_list(self) -> list[str]:
        """Return the tags the author entered."""
        return split_tags(self.tags.data)


class CommentForm(FlaskForm):
    """Add a comment under an article."""

    body = TextAreaField(
        _l("Comment"),
        validators=[
            DataRequired(message=_l("Write a comment first.")),
            _length(COMMENT_MAX),
        ],
    )
