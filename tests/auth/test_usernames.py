"""Look-alike usernames: one canonical form on both databases, one script, no skeleton twins.

Before: SQLite's ``lower()`` folded ASCII only, so ``Émile`` and ``émile`` both registered,
``/profiles/Émile`` answered with émile and following "Émile" followed émile (PostgreSQL
answered 409: the databases disagreed); a full-width ``DEMO`` registered and its profile
404'd; ``demo`` spelt with a Cyrillic ``e`` registered beside ``demo``.
"""

from __future__ import annotations

import logging

import flask_migrate
import pytest
import sqlalchemy as sa

from inkstone import create_app
from inkstone.auth import usernames
from inkstone.auth.models import User
from inkstone.core.db import utcnow
from inkstone.extensions import db
from tests.auth.test_views import _register
from tests.conftest import DEFAULT_PASSWORD, MIGRATIONS_DIR, app_config, is_postgres
from tests.test_migrations import fresh_database_url

FULLWIDTH_DEMO = "\uff24\uff25\uff2d\uff2f"  # DEMO in full-width letters
CYRILLIC_DEMO = "d\u0435mo"  # the e is Cyrillic
RLO = "\u202e"  # right-to-left override


def register(client, username, email=None):
    email = email or f"{abs(hash(username))}@example.org"
    return client.post(
        "/api/v1/users",
        json={"user": {"username": username, "email": email, "password": DEFAULT_PASSWORD}},
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [("Émile", "émile"), (FULLWIDTH_DEMO, "demo"), ("STRASSE", "straße"), ("ǅemo", "džemo")],
)
def test_names_that_read_the_same_have_one_canonical_form(a, b):
    assert usernames.canonical(a) == usernames.canonical(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("paypal", "paypaI"), ("user1", "userl"), ("demo", CYRILLIC_DEMO), ("barn", "bam")],
)
def test_names_that_look_alike_share_a_skeleton(a, b):
    assert usernames.skeleton(a) == usernames.skeleton(b)
    assert usernames.canonical(a) != usernames.canonical(b)


@pytest.mark.parametrize(("a", "b"), [("alice", "alicia"), ("chen", "chan"), ("张三", "张山")])
def test_names_that_differ_keep_their_own_skeleton(a, b):
    assert usernames.skeleton(a) != usernames.skeleton(b)


@pytest.mark.parametrize(
    "name", ["demo", "张三", "张三abc", "たなか田中abc", "Ελένη", "Андрей", "김abc"]
)
def test_one_script_or_an_allowed_mix_is_fine(name):
    assert usernames.script_problem(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (CYRILLIC_DEMO, "may not mix Cyrillic and Latin letters"),
        ("abcΑ", "may not mix Greek and Latin letters"),
        ("Андрейabc", "may not mix Cyrillic and Latin letters"),
    ],
)
def test_mixed_scripts_are_named(name, message):
    assert usernames.script_problem(name) == message


@pytest.mark.parametrize(("first", "second"), [("Émile", "émile"), ("demo", FULLWIDTH_DEMO)])
def test_a_name_differing_only_in_case_or_width_is_taken(client, first, second):
    assert register(client, first).status_code == 201
    answer = register(client, second)
    assert answer.status_code == 409
    assert answer.json == {"errors": {"username": ["has already been taken"]}, "code": "conflict"}


@pytest.mark.parametrize(("first", "second"), [("paypal", "paypaI"), ("user1", "userl")])
def test_a_look_alike_of_a_taken_name_is_refused(client, first, second):
    assert register(client, first).status_code == 201
    answer = register(client, second)
    assert answer.status_code == 409
    assert answer.json == {
        "errors": {"username": ["looks too much like a username already taken"]},
        "code": "conflict",
    }


def test_a_name_mixing_scripts_is_refused(client):
    answer = register(client, CYRILLIC_DEMO)
    assert answer.status_code == 422
    assert answer.json == {
        "errors": {"username": ["may not mix Cyrillic and Latin letters"]},
        "code": "request.invalid",
    }


def test_a_full_width_name_is_stored_plain_and_found_either_way(client, app):
    assert register(client, FULLWIDTH_DEMO).json["user"]["username"] == "DEMO"
    for asked in ("DEMO", "demo", FULLWIDTH_DEMO):
        response = client.get(f"/api/v1/profiles/{asked}")
        assert response.status_code == 200, asked
        assert response.json["profile"]["username"] == "DEMO"


def test_a_profile_is_found_whatever_the_case_of_its_accented_letters(
    client, make_user, auth_headers
):
    emile = make_user(username="Émile")
    reader = make_user(username="reader")
    assert client.get("/api/v1/profiles/ÉMILE").json["profile"]["username"] == "Émile"
    followed = client.post("/api/v1/profiles/éMILE/follow", headers=auth_headers(reader))
    assert followed.json["profile"] == {**followed.json["profile"], "username": "Émile"}
    assert followed.json["profile"]["following"] is True
    assert client.get("/profile/émile").status_code == 200
    del emile


def test_renaming_to_a_look_alike_is_refused_but_a_new_case_is_not(client, make_user, auth_headers):
    make_user(username="paypal")
    me = make_user(username="alice")
    headers = auth_headers(me)
    refused = client.put("/api/v1/user", json={"user": {"username": "paypaI"}}, headers=headers)
    assert refused.status_code == 409
    recased = client.put("/api/v1/user", json={"user": {"username": "Alice"}}, headers=headers)
    assert recased.status_code == 200
    assert recased.json["user"]["username"] == "Alice"


def test_the_canonical_forms_are_unique_in_the_database_too(app, make_user):
    # A race that passes the service's check still meets the unique indexes.
    make_user(username="Émile")
    with app.app_context():
        db.session.add(User(username="ÉMILE", email="x@example.org", password_hash="x"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.add(User(username="paypal", email="y@example.org", password_hash="x"))
        db.session.add(User(username="paypaI", email="z@example.org", password_hash="x"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


# ------------------------------------------------------------------ direction in pages


def test_a_right_to_left_override_in_a_title_is_isolated(client, make_user, make_article):
    writer = make_user(username="writer")
    article = make_article(writer, title=f"Hello {RLO}dlrow")
    home = client.get("/").get_data(as_text=True)
    assert f"<bdi>Hello {RLO}dlrow</bdi>" in home
    page = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert f'<h1 class="display-6 fw-bold mb-3"><bdi>Hello {RLO}dlrow</bdi></h1>' in page
    assert '<div class="article-body mb-4" dir="auto">' in page


def test_a_right_to_left_name_is_isolated_wherever_it_is_shown(client, make_user, make_article):
    author = make_user(username="مريم", bio="كاتبة")
    make_article(author, title="Notes", tag_list=["سفر"])
    home = client.get("/").get_data(as_text=True)
    assert "<bdi>مريم</bdi>" in home
    assert "<bdi>سفر</bdi>" in home
    profile = client.get("/profile/مريم").get_data(as_text=True)
    assert '<h1 class="h3 mt-2 mb-1"><bdi>مريم</bdi></h1>' in profile
    assert '<p class="text-body-secondary mb-3" dir="auto">كاتبة</p>' in profile


# ------------------------------------------------------------------ the migration


class Recorder(logging.Handler):
    """Keep the messages logged (the app's logging set-up replaces pytest's handlers)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_migration_canonicalises_names_and_reports_clashes(tmp_path, database_url):
    names = ["demo", FULLWIDTH_DEMO, CYRILLIC_DEMO]
    if not is_postgres():  # PostgreSQL's lower() already kept these two apart
        names += ["Émile", "émile"]
    app = create_app(app_config(tmp_path, fresh_database_url(tmp_path, database_url)))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="32f8b253ba79")
        with db.engine.begin() as conn:
            for i, name in enumerate(names):
                conn.execute(
                    sa.text(
                        "INSERT INTO users (username, email, password_hash, bio, status, "
                        "articles_count, favorites_count, token_version, created_at, updated_at) "
                        "VALUES (:name, :email, 'x', '', 'active', 0, 0, 0, :when, :when)"
                    ),
                    {"name": name, "email": f"u{i}@example.org", "when": utcnow()},
                )
        migration_log = logging.getLogger("alembic.runtime.migration")
        handler = Recorder()
        migration_log.addHandler(handler)
        try:
            flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        finally:
            migration_log.removeHandler(handler)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
        db.engine.dispose()
    stored = [name for _, name in rows]
    report = "\n".join(handler.lines)
    assert stored[:3] == ["demo", "DEMO-2", f"{CYRILLIC_DEMO}-3"]
    assert f"'{FULLWIDTH_DEMO}' (user 2) clashes with 'demo': renamed 'DEMO-2'" in report
    assert f"'{CYRILLIC_DEMO}' (user 3) clashes with 'demo'" in report
    assert "may not mix Cyrillic and Latin letters: kept" in report
    if not is_postgres():
        assert stored[3:] == ["Émile", "émile-5"]
        assert "'émile' (user 5) clashes with 'Émile': renamed 'émile-5'" in report


# ------------------------------------------------------------------ the sign-up page


@pytest.mark.parametrize(
    ("taken", "tried", "shown"),
    [
        ("paypal", "paypaI", "looks too much like one already taken"),
        (None, CYRILLIC_DEMO, "Use the letters of one script in a username"),
        ("Émile", "émile", "This username is taken"),
    ],
)
def test_the_sign_up_page_says_why_a_name_was_refused(client, make_user, taken, tried, shown):
    if taken:
        make_user(username=taken)
    response = _register(client, username=tried, email="new@example.org")
    assert response.status_code == 200  # the form again, not an error page
    assert shown in response.get_data(as_text=True)
