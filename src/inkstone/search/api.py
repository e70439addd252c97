"""``GET /search`` and ``GET /search/people``."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.auth.tokens import current_user, token_optional
from inkstone.core.pagination import PageRequest
from inkstone.search import services
from inkstone.search.schemas import PeopleOut, PeopleQuery, SearchOut, SearchQuery

bp = APIBlueprint("search_api", __name__, tag="Search")


@bp.get("/search")
@token_optional
@bp.input(SearchQuery, location="query", arg_name="query")
@bp.output(SearchOut)
@bp.doc(operation_id="SearchArticles", responses=[422])
def search_articles(query: dict[str, Any]) -> dict[str, Any]:
    """Search published articles

    Ranked by relevance (title and tags above the body, a small preference for newer
    articles) or by date. Filter by `tag`, `author` and days (`since`, `until`). Each item
    carries a `snippet` with the matches marked. An empty `q` finds nothing.
    `articlesCount` counts every match up to 1,000 (`articlesCountExact` is false when more
    matched: the count is then 1,000); pages reach the first 500 in the chosen order (when
    more match, those ranked are the 500 newest), so an `offset` past them is empty.
    """
    found = services.search_articles(
        viewer=current_user(),
        text=query["q"],
        page=PageRequest.from_query(query),
        tag=query.get("tag"),
        author=query.get("author"),
        since=services.day_start(query.get("since")),
        until=services.day_start(query.get("until"), after=True),
        sort=query["sort"],
    )
    articles = [{**hit.article._asdict(), "snippet": str(hit.snippet)} for hit in found.hits]
    return {
        "articles": articles,
        "articles_count": found.total,
        "articles_count_exact": found.exact,
    }


@bp.get("/search/people")
@token_optional
@bp.input(PeopleQuery, location="query", arg_name="query")
@bp.output(PeopleOut)
@bp.doc(operation_id="SearchPeople", responses=[422])
def search_people(query: dict[str, Any]) -> dict[str, Any]:
    """Search people

    By username and bio; suspended and deleted accounts are never found.
    """
    found = services.search_people(
        viewer=current_user(), text=query["q"], page=PageRequest.from_query(query)
    )
    return {
        "profiles": found.people,
        "profiles_count": found.total,
        "profiles_count_exact": found.exact,
    }
