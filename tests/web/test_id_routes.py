"""Every route with an integer id answers 404 to an id no row can have, site and API alike."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token

_INT_ARG = re.compile(r"<int:(\w+)>")
_SLUG_ARG = re.compile(r"<(?:slug:)?slug>")
# Ids are signed 64-bit integers: past 2**63 - 1 SQLite's driver and PostgreSQL's bigint refuse
# the number, so the routes must answer before asking the database.
HUGE_IDS = ["9223372036854775808", "99999999999999999999999", "0"]


def _id_routes(app):
    """Return (method, rule, endpoint) of every route taking an integer id."""
    found = []
    for rule in app.url_map.iter_rules():
        if _INT_ARG.search(rule.rule):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule, rule.endpoint))
    return found


def test_the_id_routes_are_the_known_ones(app):
    # A new route with an id lands in the test below by itself; this keeps it from being empty.
    endpoints = {endpoint for _, _, endpoint in _id_routes(app)}
    assert {
        "media_api.get_upload",
        "media_api.delete_upload",
        "jobs_api.get_job",
        "jobs.job_page",
        "guestbook.delete",
        "articles.delete_comment",
        "account.end_session",
    } <= endpoints


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_an_impossible_id_is_not_found_on_every_route(
    app, client, make_user, auth_headers, make_article, sign_in, huge
):
    admin = make_user("idprober", role="admin")  # every route is open to it: only the id is wrong
    slug = make_article(admin).slug
    headers = auth_headers(admin)
    sign_in(client, admin)
    token = csrf_token(client)

    answers = {}
    for method, rule, _ in _id_routes(app):
        url = _SLUG_ARG.sub(slug, _INT_ARG.sub(huge, rule))
        assert "<" not in url, f"no sample value for {rule}"
        if rule.startswith("/api/"):
            response = client.open(url, method=method, headers=headers)
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        answers[f"{method} {rule}"] = response.status_code
    assert answers == dict.fromkeys(answers, 404)
