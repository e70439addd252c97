"""The search page: ``/search`` (articles, and the people who match) and ``/search/people``."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from inkstone.auth.signin import web_user
from inkstone.core.errors import Invalid
from inkstone.core.pagination import PageRequest
from inkstone.search import services
from inkstone.search.backends import CANDIDATES
from inkstone.web.paging import query_filter, requested_page

bp = Blueprint("search", __name__, template_folder="templates")

PER_PAGE = 10
PEOPLE_SHOWN = 4  # beside the articles; the people tab lists them all
PEOPLE_PER_PAGE = 20


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(query_filter(name))
    except ValueError:
        return None  # left empty, or not a day: no bound


def _form() -> dict[str, Any]:
    sort = query_filter("sort")
    return {
        "q": query_filter("q"),
        "sort": sort if sort in services.SORTS else "relevance",
        "tag": query_filter("tag"),
        "author": query_filter("author"),
        "from": _day("from"),
        "to": _day("to"),
    }


def _params(form: dict[str, Any]) -> dict[str, str]:
    """Return the non-default filters as link parameters (for paging and the tabs)."""
    values = {key: value for key, value in form.items() if value}
    if values.get("sort") == "relevance":
        del values["sort"]
    return {key: str(value) for key, value in values.items()}


def _render(kind: str, form: dict[str, Any], **context: Any) -> tuple[str, int]:
    status = 400 if context.get("error") else 200
    page = render_template(
        "search/results.html", kind=kind, form=form, params=_params(form), **context
    )
    return page, status


@bp.get("/search")
def index() -> ResponseReturnValue:
    """Find articles (ranked, filtered, paged, with snippets) and the people who match."""
    form = _form()
    number, window = requested_page(PER_PAGE)
    viewer = web_user()
    try:
        found = services.search_articles(
            viewer=viewer,
            text=form["q"],
            page=window,
            tag=form["tag"] or None,
            author=form["author"] or None,
            since=services.day_start(form["from"]),
            until=services.day_start(form["to"], after=True),
            sort=form["sort"],
        )
        people = (
            services.search_people(
                viewer=viewer, text=form["q"], page=PageRequest(limit=PEOPLE_SHOWN)
            )
            if number == 1
            else None
        )
    except Invalid as error:
        return _render("articles", form, error=error.message, page=1)
    if number > 1 and not found.hits:
        abort(404)  # past the last page, as every other list
    return _render(
        "articles",
        form,
        found=found,
        people=people,
        page=number,
        per_page=PER_PAGE,
        ranked_max=CANDIDATES,  # pages reach the matches that are ranked (the count is exact)
    )


@bp.get("/search/people")
def people() -> ResponseReturnValue:
    """Find people by username and bio."""
    form = _form()
    number, window = requested_page(PEOPLE_PER_PAGE)
    try:
        found = services.search_people(viewer=web_user(), text=form["q"], page=window)
    except Invalid as error:
        return _render("people", form, error=error.message, page=1)
    if number > 1 and not found.people:
        abort(404)  # past the last page, as every other list
    return _render("people", form, people=found, page=number, per_page=PEOPLE_PER_PAGE)


def searched_text() -> str:
    """Return what the reader searched for (the navbar's box keeps showing it)."""
    return query_filter("q") if request.blueprint == "search" else ""


@bp.app_context_processor
def _navbar() -> dict[str, Any]:
    return {"searched_text": searched_text}
