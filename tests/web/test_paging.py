"""``?page=N``: whole numbers from 1 to the API's largest offset; 404 for anything else."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from inkstone.core.pagination import MAX_OFFSET, PageRequest
from inkstone.web.paging import requested_page


@pytest.mark.parametrize(
    ("query", "number", "offset"),
    [("", 1, 0), ("?page=1", 1, 0), ("?page=3", 3, 40), ("?page=007", 7, 120)],
)
def test_a_page_number_gives_its_window(app, query, number, offset):
    with app.test_request_context(f"/{query}"):
        assert requested_page(20) == (number, PageRequest(limit=20, offset=offset))


def test_the_last_page_is_the_one_at_the_apis_largest_offset(app):
    last = MAX_OFFSET // 20 + 1
    with app.test_request_context(f"/?page={last}"):
        assert requested_page(20)[1].offset <= MAX_OFFSET
    with app.test_request_context(f"/?page={last + 1}"), pytest.raises(NotFound):
        requested_page(20)


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "x", "", "١", "9" * 13, "1e3", " 1"])
def test_anything_else_is_not_found(app, raw):
    with app.test_request_context("/", query_string={"page": raw}), pytest.raises(NotFound):
        requested_page(20)
