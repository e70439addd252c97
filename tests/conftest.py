"""Shared fixtures: the app, a rolled-back database per test, clients, factories and guards.

Rules the fixtures rely on:
- Each test runs inside one outer transaction on one connection, rolled back at the end. The
  app's ``db.session.commit()`` only releases a SAVEPOINT, so views behave as in production.
- API tests make requests *outside* any app context (every request gets a fresh one, as under
  gunicorn; ``g`` and the session do not leak between requests). Check the database afterwards
  with ``with app.app_context(): ...``. Service tests use the ``app_ctx`` fixture instead.
"""

from __future__ import annotations

import html
import ipaddress
import itertools
import os
import re
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flask_login.utils as login_utils
import flask_migrate
import pytest
from argon2 import PasswordHasher
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session, sessionmaker

from inkstone import create_app
from inkstone.articles import services as article_services
from inkstone.articles.models import Article
from inkstone.auth import passwords, throttle
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.auth.services import register_user
from inkstone.auth.sessions import identity_of, start_session
from inkstone.auth.tokens import issue_token
from inkstone.core.db import utcnow
from inkstone.core.site import forget_site_settings, site_settings
from inkstone.extensions import cache, limiter
from inkstone.extensions import db as _db

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS_DIR = str(ROOT / "migrations")
TEST_DATABASE_URL = os.environ.get("INKSTONE_TEST_DATABASE_URL", "")
DEFAULT_PASSWORD = "correct horse battery staple"
# Cheap argon2 parameters: tests that are not about password cost should not pay for it.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
APP_HASHER = passwords._hasher  # the production hasher, kept for the tests about it
# Transaction control the test harness adds around each request (not the app's own queries).
_HARNESS_SQL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


# --------------------------------------------------------------------------- services


def services_required() -> bool:
    """Tell whether a missing service must fail the test (CI) rather than skip it."""
    return os.environ.get("INKSTONE_REQUIRE_SERVICES", "") == "1"


def require_service(name: str, available: bool, reason: str = "") -> None:
    """Skip the test when ``name`` is unavailable, or fail it under INKSTONE_REQUIRE_SERVICES=1."""
    if available:
        return
    message = f"{name} is not available" + (f": {reason}" if reason else "")
    if services_required():
        pytest.fail(f"{message} (INKSTONE_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def is_postgres() -> bool:
    """Tell whether this run uses PostgreSQL."""
    return TEST_DATABASE_URL.startswith(("postgres://", "postgresql"))


def postgres_url() -> str:
    """A PostgreSQL database for tests that need one whatever the suite runs on, or "".

    The suite's own when it runs on PostgreSQL, else ``INKSTONE_TEST_POSTGRES_URL`` (CI sets
    it for the SQLite run too, so those tests run in both).
    """
    if is_postgres():
        return TEST_DATABASE_URL
    return os.environ.get("INKSTONE_TEST_POSTGRES_URL", "")


# --------------------------------------------------------------------------- guards


class NetworkAccessBlocked(OSError):
    """Raised when a test tries to reach a host other than this machine."""


def _allowed_hosts() -> set[str]:
    hosts = {"localhost", "localhost.localdomain"}
    if TEST_DATABASE_URL:
        host = urlsplit(TEST_DATABASE_URL).hostname
        if host:
            hosts.add(host.lower())
    return hosts


def _is_local(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).strip("[]").lower()
    if host in _allowed_hosts():
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any test that tries to open a connection to a non-loopback address."""
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def check(host: Any, what: str) -> None:
        if not _is_local(host):
            attempts.append(f"{what} {host!r}")
            raise NetworkAccessBlocked(f"tests may not reach the network ({what} {host!r})")

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address[0], "connect")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address[0], "connect")
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        check(address[0], "create_connection")
        return real_create_connection(address, *args, **kwargs)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check(host, "getaddrinfo")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
    if attempts:
        pytest.fail(f"test tried to reach the network: {attempts}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Hash passwords with cheap argon2 parameters for the whole run (tests only)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "_hasher", FAST_HASHER)
        yield


# --------------------------------------------------------------------------- app and database


def app_config(instance_path: Path, database_url: str, **overrides: Any) -> dict[str, Any]:
    """Return the settings mapping every test app starts from."""
    return {
        "ENV": "testing",
        "INSTANCE_PATH": str(instance_path),
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOG_REQUESTS": False,
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": True,
        # The `db` fixture drops and re-reads the site settings around each test (whose
        # changes roll back); within a test, a save in this process is seen at once.
        "SITE_SETTINGS_TTL": 3600,
        **overrides,
    }


def _reset_postgres_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def _use_real_sqlite_transactions(engine: Engine) -> None:
    """Make pysqlite emit BEGIN itself, so SAVEPOINTs nest inside the test's transaction."""

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database of this run: PostgreSQL from INKSTONE_TEST_DATABASE_URL, else SQLite."""
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'inkstone-test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Flask]:
    """The application, with its schema built once by running the Alembic migrations."""
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(app_config(instance, database_url))
    with application.app_context():
        engine = _db.engine
        if engine.dialect.name == "postgresql":
            _reset_postgres_schema(engine)
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        engine.dispose()
        if engine.dialect.name == "sqlite":
            _use_real_sqlite_transactions(engine)
    yield application
    with application.app_context():
        _db.engine.dispose()


class _ConnectionSession(FlaskSQLAlchemySession):
    """A Flask-SQLAlchemy session that always uses the test's connection."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


@pytest.fixture
def db(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run the test inside one transaction that is rolled back at the end."""
    throttle.forget_all(app)  # failed sign-ins are counted outside the database: forget them too
    with app.app_context():
        engine = _db.engine
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        class_=_ConnectionSession,
        db=_db,
        bind=connection,
        join_transaction_mode="create_savepoint",
        query_cls=_db.Query,
    )
    session = scoped_session(factory, scopefunc=_app_ctx_id)
    monkeypatch.setattr(_db, "session", session)
    with app.app_context():
        forget_site_settings()
        site_settings()  # read once here, as a running site has them already
        cache.clear()  # the rollback below undoes writes without the events that bump versions
    try:
        yield _db
    finally:
        with app.app_context():
            forget_site_settings()
        # Sessions are scoped by app context; close any a test left behind in its contexts.
        for leftover in list(session.registry.registry.values()):
            leftover.close()
        session.registry.registry.clear()
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app: Flask, db: Any) -> Iterator[None]:
    """Push an app context for the whole test (service tests; do not use with ``client``)."""
    with app.app_context():
        yield


class IsolatedClient(FlaskClient):
    """A test client that runs each request in its own app context and never accepts a 5xx."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            raise RuntimeError(
                "make requests outside `with app.app_context()`: a shared context leaks `g` "
                "(the signed-in user) and the session between requests"
            )
        response = super().open(*args, **kwargs)
        # No input, however bad, may crash the app: any 5xx fails the test that caused it.
        assert response.status_code < 500, (
            f"{response.status_code} from {response.request.method} {response.request.url}: "
            f"{response.get_data(as_text=True)[:500]}"
        )
        return response


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    """A test client on the rolled-back database."""
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def cli_runner(app: Flask, db: Any) -> Any:
    """A CLI runner on the rolled-back database."""
    return app.test_cli_runner()


# --------------------------------------------------------------------------- factories


@contextmanager
def _context(app: Flask) -> Iterator[None]:
    """Use the current app context if there is one, else push a short-lived one."""
    if has_app_context():
        yield
    else:
        with app.app_context():
            yield


_sequence = itertools.count(1)


@pytest.fixture
def make_user(app: Flask, db: Any) -> Callable[..., User]:
    """Create (and commit) a user through ``register_user``."""

    def make(
        username: str | None = None,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        role: RoleName | str = RoleName.AUTHOR,
        **attrs: Any,
    ) -> User:
        n = next(_sequence)
        username = username or f"user{n}"
        email = email or f"{username.lower()}-{n}@example.org"
        # Fixture users have confirmed their address unless a test says otherwise (an
        # unconfirmed one is mailed a confirmation link, as on registration).
        attrs.setdefault("status", UserStatus.ACTIVE.value)
        confirmed = attrs["status"] != UserStatus.UNVERIFIED.value
        with _context(app):
            user = register_user(
                username=username,
                email=email,
                password=password,
                role=RoleName(role),
                confirmed=confirmed,
            )
            if attrs["status"] == UserStatus.ACTIVE.value:
                attrs.setdefault("email_confirmed_at", utcnow())
            for key, value in attrs.items():
                setattr(user, key, value)
            _db.session.commit()
            _db.session.refresh(user)
            _ = user.roles  # loaded before the context (and the session) may go away
        return user

    return make


@pytest.fixture
def auth_headers(app: Flask, db: Any) -> Callable[..., dict[str, str]]:
    """Return ``{"Authorization": "Token <jwt>"}`` for a user."""

    def headers(user: User, scheme: str = "Token") -> dict[str, str]:
        with _context(app):
            fresh = _db.session.get(User, user.id)
            assert fresh is not None
            token = issue_token(fresh)
        return {"Authorization": f"{scheme} {token}"}

    return headers


@pytest.fixture
def make_article(app: Flask, db: Any) -> Callable[..., Article]:
    """Create (and commit) an article through ``create_article``."""

    def make(
        author: User,
        title: str | None = None,
        tag_list: list[str] | None = None,
        description: str = "A description",
        body: str = "The body of the article.",
        published: bool = True,
    ) -> Article:
        title = title or f"Article {next(_sequence)}"
        with _context(app):
            writer = _db.session.get(User, author.id)
            assert writer is not None
            article = article_services.create_article(
                author=writer,
                title=title,
                description=description,
                body=body,
                tag_list=tag_list,
                published=published,
            )
            _db.session.commit()
            _db.session.refresh(article)
            _ = article.tags
        return article

    return make


# --------------------------------------------------------------------------- rate limits


@pytest.fixture
def make_limited_app(
    app: Flask, db: Any, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Flask]]:
    """Return a function building an app with rate limits on (in memory) and these limits.

    The app shares the already-migrated test database and the test's rolled-back transaction
    (what its requests write, such as the audit log's failed sign-ins, goes with the test);
    its engine is disposed afterwards.
    """
    # The limiter is one object shared by every app; put its switch back for the other tests.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    made: list[Flask] = []

    def make(**limits: str) -> Flask:
        limited = create_app(
            app_config(
                tmp_path,
                database_url,
                RATELIMIT_ENABLED=True,
                RATELIMIT_STORAGE_URI="memory://",
                **limits,
            )
        )
        made.append(limited)
        return limited

    yield make
    for limited in made:
        with limited.app_context():
            _db.engine.dispose()


# --------------------------------------------------------------------------- the web site

_CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/guestbook") -> str:
    """Return the CSRF token of ``client``'s session, read from a page as a browser would."""
    page = client.get(path)
    match = _CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def forget_shared_pages(app: Flask) -> None:
    """Make every shared page stale, so the next anonymous GET renders (a test counting queries)."""
    from inkstone.core.cache import CONTENT, bump

    with app.app_context():
        bump(CONTENT)


def page_text(response: Any) -> str:
    """Return a page's HTML with entities decoded (what a reader sees, tags included)."""
    return html.unescape(response.get_data(as_text=True))


def redirect_target(response: Any) -> str:
    """Return where a redirect leads (path, query, fragment), failing if it leaves the site."""
    assert response.status_code in (302, 303), response.status_code
    parts = urlsplit(response.headers["Location"])
    assert parts.scheme in ("", "http")
    assert parts.netloc in ("", "localhost")
    return (
        parts.path
        + (f"?{parts.query}" if parts.query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )


def field_errors(response: Any, name: str) -> list[str]:
    """Return the error messages the page shows with the form control ``name``."""
    page = response.get_data(as_text=True)
    for block in page.split('<div class="mb-3">')[1:]:
        if re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"', block):
            found = re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', block)
            return [html.unescape(message) for message in found]
    raise AssertionError(f"no form control named {name!r}")


@pytest.fixture
def sign_in(app: Flask) -> Callable[[FlaskClient, User], None]:
    """Return a function that signs ``user`` in on ``client``'s web session."""

    def login(client: FlaskClient, user: User) -> None:
        with _context(app):
            fresh = _db.session.get(User, user.id)
            assert fresh is not None
            record = start_session(user=fresh, remember=False)
            identity = str(identity_of(fresh, record))
            _db.session.commit()
        with app.test_request_context(environ_base=client.environ_base):
            # What Flask-Login's "basic" session protection compares (IP and user agent).
            marker = login_utils._create_identifier()
        with client.session_transaction() as session:
            session["_user_id"] = identity
            session["_fresh"] = True
            session["_id"] = marker
            # A signed-in browser has a CSRF token already (its first page made one).
            session["csrf_token"] = secrets.token_hex(20)

    return login


# --------------------------------------------------------------------------- SQL counting


class QueryLog(list[str]):
    """The SQL statements the app ran inside a ``count_queries`` block."""

    def __str__(self) -> str:
        return "\n".join(f"{i}. {sql}" for i, sql in enumerate(self, 1))


@pytest.fixture
def count_queries(app: Flask, db: Any) -> Callable[[], Any]:
    """Return a context manager that records the SQL statements run inside it."""
    with app.app_context():
        engine = _db.engine

    @contextmanager
    def counting() -> Iterator[QueryLog]:
        log = QueryLog()

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(_HARNESS_SQL):
                log.append(" ".join(statement.split()))

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield log
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


# --------------------------------------------------------------------------- small helpers


def count_rows(model: Any, *where: Any) -> int:
    """Count ``model`` rows matching ``where`` (inside an app context)."""
    return int(_db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
