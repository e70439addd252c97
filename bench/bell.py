"""The navbar bell's cost on a signed-in page: its queries, counted, and its count's plan.

Issue 16 allows the bell one extra indexed query. Throughput alone cannot show that (a query
is ~1 % of a page), so ``make bench`` also renders the signed-in home page in process on the
benchmark's own database, with the bell and with its slot left empty, counts the statements
each runs, and asks the database how it reads the bell's count: off the partial index of
unread rows, never the reader's thousands of read notifications.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from bench.dataset import Dataset
from inkstone.app import create_app
from inkstone.core.features import registry
from inkstone.extensions import db

BELL = "notifications/_bell.html"
INDEX = "ix_notifications_unread"
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@contextmanager
def _counting(engine: Any) -> Iterator[list[str]]:
    log: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        log.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)


def measure(data: Dataset) -> dict[str, Any]:
    """Return the bell's extra statements on the signed-in home page and its count's plan."""
    app = create_app(
        {
            "INSTANCE_PATH": data.instance,
            "DATABASE_URL": data.database_url,
            "REDIS_URL": "",
            "CACHE_TYPE": "null",
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    found = _CSRF.search(page)
    if found is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    signed_in = client.post(
        "/login",
        data={
            "csrf_token": found.group(1) or found.group(2),
            "email": data.reader_email,
            "password": data.password,
        },
    )
    if signed_in.status_code not in (302, 303):
        raise RuntimeError(f"signing the reader in answered HTTP {signed_in.status_code}")
    slots = registry(app).slots.setdefault("navbar_items", [])
    with app.app_context():
        engine = db.engine
    client.get("/")  # warm: site settings and templates read once
    with _counting(engine) as with_bell:
        client.get("/")
    slots.remove(BELL)
    try:
        with _counting(engine) as without_bell:
            client.get("/")
    finally:
        slots.append(BELL)
    extra = [sql for sql in with_bell if sql not in without_bell]
    plan = _plan(app, extra[0], reader_email=data.reader_email) if len(extra) == 1 else ""
    return {
        "queries_with_bell": len(with_bell),
        "queries_without_bell": len(without_bell),
        "extra": extra,
        "plan": plan,
        "pass": len(with_bell) - len(without_bell) <= 1 and INDEX in plan,
    }


def _plan(app: Any, sql: str, *, reader_email: str) -> str:
    """Return how the database runs the bell's count for the benchmark's reader."""
    with app.app_context():
        explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        reader = db.session.execute(
            text("SELECT id FROM users WHERE email = :email"), {"email": reader_email}
        ).scalar_one()
        bound = re.sub(r"%\(\w+\)s|\?|:\w+", str(reader), sql)
        rows = db.session.execute(text(explain + bound)).all()
        db.session.rollback()
    # SQLite: (id, parent, notused, detail); PostgreSQL: one line of text per row.
    return " | ".join(str(row[-1]) for row in rows)


def report(result: dict[str, Any]) -> str:
    """Return the result as lines for the terminal."""
    verdict = "ok" if result["pass"] else "MISSED (issue 16: at most one extra indexed query)"
    lines = [
        f"bell: signed-in home page runs {result['queries_with_bell']} statements with the "
        f"bell, {result['queries_without_bell']} without: {verdict}",
    ]
    for sql in result["extra"]:
        lines.append(f"bell:   {sql}")
    if result["plan"]:
        lines.append(f"bell:   plan: {result['plan']}")
    return "\n".join(lines)
