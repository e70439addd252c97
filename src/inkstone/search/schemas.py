"""Search API schemas: the query string, found articles (with a snippet), found people."""

from __future__ import annotations

from apiflask.fields import Boolean, Date, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from inkstone.articles.models import TAG_MAX
from inkstone.articles.schemas import ArticleSummaryFields
from inkstone.auth.models import USERNAME_MAX
from inkstone.core.schemas import OutputSchema, PageQuery
from inkstone.profiles.schemas import ProfileFields
from inkstone.search.query import QUERY_MAX
from inkstone.search.services import SORTS

_q = String(
    load_default="",
    validate=Length(max=QUERY_MAX),
    metadata={
        "description": "What to look for, in any language: words (all must match), "
        '`"an exact phrase"`, `-excluded`, `prefix*`. Anything else is searched as text.'
    },
)


class PeopleQuery(PageQuery):
    q = _q


class SearchQuery(PageQuery):
    q = _q
    tag = String(validate=Length(1, TAG_MAX * 4), metadata={"description": "Only this tag"})
    author = String(
        validate=Length(1, USERNAME_MAX * 4), metadata={"description": "Only by this username"}
    )
    sort = String(
        load_default="relevance",
        validate=OneOf(SORTS),
        metadata={"description": "`relevance` (best first, the default) or `date` (newest)"},
    )
    since = Date(metadata={"description": "Written on or after this day (YYYY-MM-DD, UTC)"})
    until = Date(metadata={"description": "Written on or before this day (YYYY-MM-DD, UTC)"})


class FoundArticleFields(ArticleSummaryFields):
    snippet = String(
        required=True,
        metadata={
            "description": "A few lines of the article around what matched, HTML-escaped, "
            "with each match in `<mark>…</mark>`."
        },
    )


_EXACT = {
    "description": "False when more than 1,000 matched: the count then says 1,000 (a lower "
    "bound), as counting every match of a very common word costs more than the search."
}


class SearchOut(OutputSchema):
    articles = List(Nested(FoundArticleFields), required=True)
    articles_count = Integer(required=True, data_key="articlesCount")
    articles_count_exact = Boolean(required=True, data_key="articlesCountExact", metadata=_EXACT)


class PeopleOut(OutputSchema):
    profiles = List(Nested(ProfileFields), required=True)
    profiles_count = Integer(required=True, data_key="profilesCount")
    profiles_count_exact = Boolean(required=True, data_key="profilesCountExact", metadata=_EXACT)
