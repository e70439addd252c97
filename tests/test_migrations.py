"""Alembic migrations: one head, dated names, real downgrades, a clean round trip, no drift."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from inkstone import create_app
from inkstone.core.db import include_name
from inkstone.extensions import db
from tests.conftest import MIGRATIONS_DIR, app_config, is_postgres

VERSIONS = Path(MIGRATIONS_DIR) / "versions"
DATED_NAME = re.compile(r"^\d{4}_\d{2}_\d{2}_\d{4}-[0-9a-f]{12}_[a-z0-9_]+\.py$")
APP_TABLES = {
    "users",
    "roles",
    "user_roles",
    "follows",
    "articles",
    "tags",
    "article_tags",
    "favorites",
    "guestbook_messages",
    "comments",
    "counters",
    "daily_counts",
    "site_settings",
    "invitations",
    "reports",
    "web_sessions",
    "user_sessions",
    "audit_events",
    "jobs",
    "worker_heartbeats",
    "uploads",
    "task_outbox",
    "search_state",
    "search_articles",
    "search_people",
    "blocks",
    "notifications",
    "notification_preferences",
    "notification_digests",
    "newsletter_subscriptions",
    "external_identities",
    "passkeys",
    "totp_devices",
    "recovery_codes",
    "trusted_browsers",
    "newsletter_mailings",
    "newsletter_deliveries",
}
# SQLite's FTS5 keeps each index in shadow tables of its own (PostgreSQL's are plain tables).
FTS5_SHADOWS = {
    f"{table}_{part}"
    for table in ("search_articles", "search_people")
    for part in ("data", "idx", "content", "docsize", "config")
}
ROUNDTRIP_SCHEMA = "migration_roundtrip"


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return ScriptDirectory.from_config(config)


def _migration_files() -> list[Path]:
    files = sorted(p for p in VERSIONS.glob("*.py") if p.name != "__init__.py")
    assert files, "no migrations found"
    return files


def test_exactly_one_head():
    heads = _scripts().get_heads()
    assert len(heads) == 1, f"several heads: {heads}; merge them"


def test_history_is_one_line_from_base():
    revisions = list(_scripts().walk_revisions())
    assert len(revisions) == len(_migration_files())
    assert sum(1 for r in revisions if r.down_revision is None) == 1


@pytest.mark.parametrize("path", _migration_files(), ids=lambda p: p.name)
def test_migration_file_names_are_dated(path):
    assert DATED_NAME.match(path.name), path.name


@pytest.mark.parametrize("path", _migration_files(), ids=lambda p: p.name)
def test_every_migration_has_a_real_downgrade(path):
    module = ast.parse(path.read_text())
    functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
    for name in ("upgrade", "downgrade"):
        assert name in functions, f"{path.name} has no {name}()"
        body = [
            statement
            for statement in functions[name].body
            if not isinstance(statement, ast.Pass)
            and not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        ]
        assert body, f"{path.name}: {name}() does nothing"


# --------------------------------------------------------------------------- round trip


def fresh_database_url(tmp_path: Path, database_url: str) -> str:
    """A database of its own: a new SQLite file, or a fresh schema on PostgreSQL."""
    if not is_postgres():
        return f"sqlite:///{tmp_path / 'roundtrip.db'}"
    admin = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {ROUNDTRIP_SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {ROUNDTRIP_SCHEMA}"))
    finally:
        admin.dispose()
    url = sa.make_url(database_url)
    return url.update_query_dict({"options": f"-csearch_path={ROUNDTRIP_SCHEMA}"}).render_as_string(
        hide_password=False
    )


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - FTS5_SHADOWS


@pytest.mark.slow
def test_upgrade_downgrade_upgrade_on_a_fresh_database(tmp_path, database_url):
    url = fresh_database_url(tmp_path, database_url)
    app = create_app(app_config(tmp_path, url))
    try:
        with app.app_context():
            assert _tables() == set()
            flask_migrate.upgrade(directory=MIGRATIONS_DIR)
            assert _tables() == APP_TABLES | {"alembic_version"}
            with db.engine.connect() as conn:
                roles = conn.execute(sa.text("SELECT name FROM roles ORDER BY id")).scalars()
                assert list(roles) == ["reader", "author", "moderator", "admin"]
                counter = conn.execute(
                    sa.text("SELECT name, value FROM counters WHERE name NOT LIKE 'stats.%'")
                ).all()
                assert [tuple(row) for row in counter] == [("articles.published", 0)]
                # The dashboard's counts start from the (empty) tables at zero.
                stats = conn.execute(
                    sa.text("SELECT sum(value) FROM counters WHERE name LIKE 'stats.%'")
                ).scalar()
                assert stats == 0

            flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="base")
            assert _tables() == {"alembic_version"}

            flask_migrate.upgrade(directory=MIGRATIONS_DIR)
            assert _tables() == APP_TABLES | {"alembic_version"}
            with db.engine.connect() as conn:
                version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            assert version == _scripts().get_current_head()
            assert _differences(db.engine) == []
    finally:
        with app.app_context():
            db.engine.dispose()
        if is_postgres():
            _drop_schema(database_url)


def _drop_schema(database_url: str) -> None:
    admin = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {ROUNDTRIP_SCHEMA} CASCADE"))
    finally:
        admin.dispose()


# --------------------------------------------------------------------------- drift


def _differences(engine: sa.Engine, metadata: sa.MetaData | None = None) -> list:
    """What ``flask db check`` would find between the models and the migrated schema."""
    metadata = db.metadata if metadata is None else metadata
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "target_metadata": metadata, "include_name": include_name},
        )
        return compare_metadata(context, metadata)


def test_models_and_migrations_are_in_sync(app):
    with app.app_context():
        assert _differences(db.engine) == []


def test_drift_check_notices_a_model_change(app):
    changed = sa.MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    sa.Table("ghosts", changed, sa.Column("id", sa.Integer, primary_key=True))
    changed.tables["users"].append_column(sa.Column("nickname", sa.String(20)))
    with app.app_context():
        diff = _differences(db.engine, changed)
    ops = [entry for entry in diff if isinstance(entry, tuple)]
    assert any(op[0] == "add_table" and op[1].name == "ghosts" for op in ops), diff
    assert any(
        op[0] == "add_column" and op[2] == "users" and op[3].name == "nickname" for op in ops
    )


# --------------------------------------------------------------------------- data survives


def _child_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("article_tags", "favorites", "comments", "follows", "user_roles")
        }


@pytest.mark.slow
def test_stepping_down_and_up_keeps_every_row(tmp_path, database_url):
    """SQLite rebuilds tables in batch migrations: a rebuild must never cascade into children."""
    from inkstone.articles import comments, services
    from inkstone.auth.services import register_user
    from inkstone.profiles.services import follow

    url = fresh_database_url(tmp_path, database_url)
    app = create_app(app_config(tmp_path, url))
    try:
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS_DIR)
            alice = register_user(username="alice", email="a@example.org", password="x" * 12)
            bob = register_user(username="bob", email="b@example.org", password="x" * 12)
            article = services.create_article(
                author=alice, title="Dragons", description="d", body="b", tag_list=["Zoo", "apes"]
            )
            services.favorite(article=article, user=bob)
            comments.add_comment(article=article, author=bob, body="Nice")
            follow(follower=bob, followee=alice)
            db.session.commit()
            before = _child_counts()
            assert all(before.values()), before

            for _ in range(len(_migration_files()) - 1):
                flask_migrate.downgrade(directory=MIGRATIONS_DIR, revision="-1")
                assert _child_counts() == before
            flask_migrate.upgrade(directory=MIGRATIONS_DIR)
            assert _child_counts() == before
            with db.engine.connect() as conn:
                names = conn.execute(sa.text("SELECT tag_names FROM articles")).scalar_one()
            assert names == '["apes","Zoo"]'  # backfilled, sorted as the app writes them
    finally:
        with app.app_context():
            db.engine.dispose()
        if is_postgres():
            _drop_schema(database_url)
