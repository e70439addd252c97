"""``?page=N`` on the site's lists: page numbers, not offsets, and 404 for anything else."""

from __future__ import annotations

import re

from flask import abort, request

from inkstone.core.pagination import MAX_OFFSET, PageRequest

_PAGE_NUMBER = re.compile(r"[0-9]{1,12}")  # longer digit strings are refused before int()


def requested_page(per_page: int) -> tuple[int, PageRequest]:
    """Return the page number ``?page=`` asks for (1 without it) and its window of rows.

    Anything but a whole number from 1 up to the API's largest offset answers 404.
    """
    raw = request.args.get("page", "1")
    if not _PAGE_NUMBER.fullmatch(raw):
        abort(404)
    number = int(raw)
    if number < 1 or (number - 1) * per_page > MAX_OFFSET:
        abort(404)
    return number, PageRequest(limit=per_page, offset=(number - 1) * per_page)


def query_filter(name: str) -> str:
    """Return the list filter ``?name=`` (trimmed); one holding a NUL is left out.

    No stored value holds a NUL, and PostgreSQL refuses one in a query.
    """
    value = request.args.get(name, "").strip()
    return "" if "\x00" in value else value
