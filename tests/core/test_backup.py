"""``flask backup``: a consistent snapshot while the site writes, restored exactly; refusals.

Every test runs on SQLite; those taking a ``site`` also on PostgreSQL when one is given
(INKSTONE_TEST_DATABASE_URL, or INKSTONE_TEST_POSTGRES_URL beside an SQLite run), each in a
database of its own, made from a migrated template, so the shared test database is never
replaced.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from click.testing import Result
from flask import Flask
from PIL import Image
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from inkstone import create_app
from inkstone.articles import services as articles
from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.auth.services import register_user
from inkstone.auth.tokens import issue_token
from inkstone.core.backup import init_backup
from inkstone.core.backup.archive import BackupError
from inkstone.core.backup.postgres import find_tool
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.media import services as media
from inkstone.media.models import Upload
from inkstone.media.storage import get_storage
from tests.conftest import MIGRATIONS_DIR, app_config, postgres_url, require_service

KINDS = ["sqlite", "postgresql"]
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
WORD = "inkwell"  # in the seeded articles' bodies: search must find them after a restore


# --------------------------------------------------------------------------- sites


def _admin_engine() -> Any:
    url = make_url(postgres_url()).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _database_url(name: str) -> str:
    return make_url(postgres_url()).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database to copy."""
    path = tmp_path_factory.mktemp("template") / "inkstone.db"
    _migrate(f"sqlite:///{path}", tmp_path_factory.mktemp("instance"))
    return path


@pytest.fixture(scope="module", params=KINDS)
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A migrated database to copy: an SQLite file, or a PostgreSQL template database."""
    if request.param == "sqlite":
        yield ("sqlite", request.getfixturevalue("sqlite_template"))
        return
    require_service("PostgreSQL", bool(postgres_url()), "set INKSTONE_TEST_POSTGRES_URL")
    admin = _admin_engine()
    with admin.connect() as connection:
        major = int(connection.scalar(text("SHOW server_version_num")) or 0) // 10000
    try:
        find_tool("pg_dump", server_major=major)
        find_tool("pg_restore", server_major=major)
    except BackupError as exc:
        require_service("pg_dump and pg_restore", False, str(exc))
    name = f"inkstone_backup_tpl_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        _migrate(_database_url(name), tmp_path_factory.mktemp("instance"))
        yield ("postgresql", name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _migrate(url: str, instance: Path, revision: str = "head") -> None:
    app = create_app(app_config(instance, url))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision=revision)
        db.engine.dispose()


@dataclass
class Site:
    """An Inkstone site of its own: instance folder, database, the backup commands."""

    app: Flask
    instance: Path
    kind: str

    def backup(self, *args: str) -> Result:
        """Run ``flask backup …`` and return its result."""
        return self.app.test_cli_runner().invoke(args=["backup", *args])


def make_site(instance: Path, url: str, kind: str) -> Site:
    """Build the app of a site (with ``flask backup``) on ``url``."""
    app = create_app(app_config(instance, url))
    init_backup(app)
    return Site(app=app, instance=instance, kind=kind)


@contextmanager
def _sqlite_copy(template: Path, folder: Path) -> Iterator[Site]:
    shutil.copy(template, folder / "inkstone.db")
    made = make_site(folder / "instance", f"sqlite:///{folder / 'inkstone.db'}", "sqlite")
    try:
        yield made
    finally:
        with made.app.app_context():
            db.engine.dispose()


@contextmanager
def _postgres_copy(template: str, folder: Path) -> Iterator[Site]:
    name = f"inkstone_backup_{secrets.token_hex(4)}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    made = make_site(folder / "instance", _database_url(name), "postgresql")
    try:
        yield made
    finally:
        with made.app.app_context():
            db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def site(template: Any, tmp_path: Path) -> Iterator[Site]:
    """A migrated site with no content yet, on a copy of the template (each kind)."""
    kind, source = template
    with (_sqlite_copy if kind == "sqlite" else _postgres_copy)(source, tmp_path) as made:
        yield made


@pytest.fixture
def sqlite_site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    """A migrated SQLite site with no content yet (for what is the same on every database)."""
    with _sqlite_copy(sqlite_template, tmp_path) as made:
        yield made


# --------------------------------------------------------------------------- content


def _png(size: tuple[int, int] = (1300, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, tuple(secrets.randbelow(256) for _ in range(3))).save(out, "PNG")
    return out.getvalue()


def _upload(owner: User) -> Upload:
    limits = media.Limits(
        image_bytes=5_000_000, attachment_bytes=5_000_000, quota_bytes=10**9, max_pixels=10**7
    )
    return media.create_upload(
        owner=owner,
        data=_png(),
        filename="photo.png",
        content_type="image/png",
        limits=limits,
        storage=get_storage(),
    )


def seed(site: Site) -> None:
    """Give the site two people, three articles (one a draft) and a photo with thumbnails."""
    with site.app.app_context():
        alice = register_user(
            username="alice", email="alice@example.org", password="pw-alice-1", confirmed=True
        )
        register_user(username="bob", email="bob@example.org", password="pw-bob-12", confirmed=True)
        for n, tags in enumerate((["travel"], ["travel", "food"], [])):
            articles.create_article(
                author=alice,
                title=f"Alice's article {n}",
                description="A description",
                body=f"An {WORD} and a quill, part {n}.",
                tag_list=tags,
                published=n < 2,
            )
        _upload(alice)
        db.session.commit()  # the thumbnails are made as it commits (tasks run eagerly)
    assert len(uploaded(site)) == 4  # the photo and its 96, 400 and 1200 pixel thumbnails


def change_everything(site: Site) -> None:
    """Edit, delete and add: what a restore must undo."""
    with site.app.app_context():
        alice = db.session.scalars(select(User).where(User.username == "alice")).one()
        alice.bio = "Changed after the backup"
        first = db.session.scalars(select(Article).order_by(Article.id)).first()
        assert first is not None
        articles.delete_article(article=first, actor=alice)
        photo = db.session.scalars(select(Upload)).one()
        gone = media.delete_upload(upload=photo)
        carol = register_user(
            username="carol", email="carol@example.org", password="pw-carol-1", confirmed=True
        )
        articles.create_article(author=carol, title="Carol's", description="", body="New")
        _upload(carol)
        db.session.commit()
        media.purge_unused(names=gone, storage=get_storage())


# A restore ends every token and session (ids are handed out again): the version moves on.
SIGNED_OUT = {("users", "token_version")}


def fingerprint(site: Site) -> dict[str, list[str]]:
    """Return every row of every table (search indexes included), in a comparable form."""
    with site.app.app_context(), db.engine.connect() as connection:
        names = sorted(inspect(connection).get_table_names())
        return {
            name: sorted(
                repr(tuple(v for k, v in row._mapping.items() if (name, k) not in SIGNED_OUT))
                for row in connection.execute(text(f'SELECT * FROM "{name}"'))
            )
            for name in names
        }


def token_versions(site: Site) -> dict[str, int]:
    """Return each account's token version (a restore moves every one on)."""
    with site.app.app_context():
        rows = db.session.execute(select(User.username, User.token_version))
        return {str(name): int(version) for name, version in rows}


def uploaded(site: Site) -> dict[str, str]:
    """Return the uploaded files: name → SHA-256 of the bytes."""
    folder = site.instance / "uploads"
    if not folder.is_dir():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def backup_path(result: Result) -> Path:
    """Return the file ``flask backup create`` says it wrote."""
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Wrote ")
    return Path(first.removeprefix("Wrote ").rsplit(" (", 1)[0])


def search_titles(site: Site, word: str) -> list[str]:
    """Return the titles of the articles the search API finds for ``word``."""
    response = site.app.test_client().get(f"/api/v1/search?q={word}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(item["title"] for item in response.get_json()["articles"])


# --------------------------------------------------------------------------- the round trip


def test_a_restore_brings_back_exactly_what_the_backup_held(site: Site) -> None:
    seed(site)
    before, files, versions = fingerprint(site), uploaded(site), token_versions(site)
    with site.app.app_context():
        bob = db.session.scalars(select(User).where(User.username == "bob")).one()
        token = issue_token(bob)
    headers = {"Authorization": f"Token {token}"}
    assert site.app.test_client().get("/api/v1/user", headers=headers).status_code == 200
    made = site.backup("create")
    path = backup_path(made)
    assert path.parent == site.instance / "backups"
    assert path.name.startswith("inkstone-")
    assert path.name.endswith(".tar.gz")
    assert "4 uploaded files" in made.output
    assert path.stat().st_mode & 0o077 == 0  # emails and password hashes: the owner's eyes only

    change_everything(site)
    assert fingerprint(site) != before
    assert uploaded(site) != files
    reader = site.app.test_client()
    reader.get("/api/v1/articles")
    changed = reader.get("/api/v1/articles")  # served from the shared cache now
    assert changed.headers["X-Cache"] == "HIT"
    assert "Alice's article 0" not in [a["title"] for a in changed.json["articles"]]

    refused = site.backup("restore", str(path))
    assert refused.exit_code == 1
    assert "holds data" in refused.output
    assert "--yes" in refused.output
    assert "Traceback" not in refused.output
    assert uploaded(site) != files  # nothing touched

    restored = site.backup("restore", "--yes", str(path))
    assert restored.exit_code == 0, restored.output
    assert "at this code's migration head" in restored.output
    assert fingerprint(site) == before
    assert uploaded(site) == files
    assert search_titles(site, WORD) == ["Alice's article 0", "Alice's article 1"]
    # No reader is shown the cached list from before the restore.
    titles = [a["title"] for a in reader.get("/api/v1/articles").json["articles"]]
    assert sorted(titles) == ["Alice's article 0", "Alice's article 1"]
    # Everyone signs in again: a token from before (or one of an account made after the
    # backup, whose id the next sign-up gets) works no more.
    assert "everyone is signed out" in restored.output
    assert token_versions(site) == {name: n + 1 for name, n in versions.items()}
    assert site.app.test_client().get("/api/v1/user", headers=headers).status_code == 401
    with site.app.app_context():
        alice = db.session.scalars(select(User).where(User.username == "alice")).one()
        assert alice.bio == ""
        assert db.session.scalar(select(User).where(User.username == "carol")) is None


class Writer(threading.Thread):
    """Publishes one article after another, each in its own commit, until told to stop."""

    def __init__(self, app: Flask) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.committed: list[str] = []
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                author = db.session.scalars(select(User).where(User.username == "bob")).one()
                while not self.stop.is_set():
                    title = f"Written during the backup {len(self.committed)}"
                    articles.create_article(author=author, title=title, description="", body="b")
                    db.session.commit()
                    self.committed.append(title)
        except BaseException as exc:  # reported by the test, not lost in a thread
            self.failure = exc


def _pad(site: Site, count: int = 3000) -> None:
    """Add many drafts quickly, so copying the database takes a while."""
    with site.app.app_context():
        bob = db.session.scalars(select(User).where(User.username == "bob")).one()
        now = utcnow()
        body = "Filler text that only makes the database bigger. " * 80
        rows = [
            {"slug": f"filler-{n}", "title": f"Filler {n}", "body": body, "author_id": bob.id,
             "published": False, "created_at": now, "updated_at": now}
            for n in range(count)
        ]  # fmt: skip
        db.session.execute(Article.__table__.insert(), rows)
        db.session.commit()


def _counted_and_found(site: Site) -> tuple[int, int, int, int]:
    """Return (articles counted, articles found, people counted, people found)."""
    with site.app.app_context():
        counted = db.session.execute(
            text(
                "SELECT coalesce(sum(CASE WHEN name LIKE 'stats.articles.%' THEN value END), 0),"
                " coalesce(sum(CASE WHEN name LIKE 'stats.users.%' THEN value END), 0)"
                " FROM counters"
            )
        ).one()
        articles_found = db.session.scalar(select(func.count()).select_from(Article))
        people_found = db.session.scalar(select(func.count()).select_from(User))
    return int(counted[0]), int(articles_found or 0), int(counted[1]), int(people_found or 0)


def test_a_backup_taken_while_articles_are_written_is_one_consistent_moment(site: Site) -> None:
    seed(site)
    _pad(site)
    writer = Writer(site.app)
    writer.start()
    try:
        while len(writer.committed) < 3 and writer.is_alive():
            writer.stop.wait(0.01)
        started = len(writer.committed)
        path = backup_path(site.backup("create"))
        during = len(writer.committed) - started
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert writer.failure is None, writer.failure
    assert during >= 1, "no article was published while the backup ran: it blocked the writer"
    written = list(writer.committed)

    assert site.backup("restore", "--yes", str(path)).exit_code == 0
    articles_counted, articles_found, people_counted, people_found = _counted_and_found(site)
    # The counters are kept by triggers in each article's own transaction: a snapshot that
    # mixed two moments would disagree with the rows it holds.
    assert articles_counted == articles_found
    assert people_counted == people_found == 2
    with site.app.app_context():
        kept = set(db.session.scalars(select(Article.title).where(Article.title.like("Written%"))))
    # What the snapshot holds is exactly the articles committed before some instant.
    assert kept == set(written[: len(kept)])
    assert started <= len(kept) < len(written)


# --------------------------------------------------------------------------- refusals


def _members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path, "r:gz") as archive:
        return [(m, archive.extractfile(m).read()) for m in archive.getmembers()]  # type: ignore[union-attr]


def _repack(target: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(target, "w:gz") as archive:
        for info, data in members:
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return target


def _with_manifest(members: list[tuple[tarfile.TarInfo, bytes]], **changes: Any) -> list[Any]:
    info, data = members[0]
    manifest = {**json.loads(data), **changes}
    return [(info, json.dumps(manifest).encode()), *members[1:]]


def test_a_foreign_or_damaged_file_is_refused_with_a_reason_and_nothing_changes(
    site: Site, tmp_path: Path
) -> None:
    seed(site)
    good = backup_path(site.backup("create"))
    members = _members(good)
    database = members[1][1]
    other = "sqlite" if site.kind == "postgresql" else "postgresql"
    bad: dict[str, tuple[Path, str]] = {}

    text_file = tmp_path / "notes.tar.gz"
    text_file.write_text("not a backup at all\n")
    bad["text"] = (text_file, "not a .tar.gz archive")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    bad["cut short"] = (cut, "damaged or cut short")
    foreign = _repack(tmp_path / "foreign.tar.gz", members[1:])
    bad["no manifest"] = (foreign, "does not start with manifest.json")
    flipped = database[:5000] + bytes([database[5000] ^ 0xFF]) + database[5001:]
    damaged = _repack(tmp_path / "damaged.tar.gz", [members[0], (members[1][0], flipped)])
    bad["damaged database"] = (damaged, "does not match the checksum")
    junk = secrets.token_bytes(len(database))
    unreadable = _with_manifest(
        [members[0], (members[1][0], junk)],
        database_sha256=hashlib.sha256(junk).hexdigest(),
    )
    reason = "not a usable SQLite database" if site.kind == "sqlite" else "dump cannot be read"
    bad["junk with its checksum"] = (_repack(tmp_path / "junk.tar.gz", unreadable), reason)
    odd = _repack(tmp_path / "odd.tar.gz", _with_manifest(members, database_bytes="many"))
    bad["odd manifest"] = (odd, "its manifest lacks fields, or has unknown or odd ones")
    newer = _repack(tmp_path / "newer.tar.gz", _with_manifest(members, migration="f" * 12))
    bad["newer code"] = (newer, "made by a newer Inkstone")
    elsewhere = _repack(tmp_path / "other.tar.gz", _with_manifest(members, database=other))
    bad["other database"] = (elsewhere, f"holds a {KIND_NAMES[other]} database")
    escape = tarfile.TarInfo("uploads/../../escaped.txt")
    sneaky = _repack(tmp_path / "sneaky.tar.gz", [*members, (escape, b"gotcha")])
    bad["path outside"] = (sneaky, "unexpected member 'uploads/../../escaped.txt'")

    change_everything(site)
    before, files = fingerprint(site), uploaded(site)
    for case, (path, reason) in bad.items():
        result = site.backup("restore", "--yes", str(path))
        assert result.exit_code == 1, (case, result.output)
        assert result.output.startswith("Error: "), (case, result.output)
        assert reason in result.output, (case, result.output)
        assert "Traceback" not in result.output
        assert fingerprint(site) == before, case
        assert uploaded(site) == files, case
    assert not list(site.instance.rglob("escaped.txt"))
    assert sorted(p.name for p in (site.instance / "backups").iterdir()) == [good.name]


def _wait_for(fd: int, marker: bytes, timeout: float = 60) -> bytes:
    import select as select_module

    seen = b""
    while marker not in seen:
        ready, _, _ = select_module.select([fd], [], [], timeout)
        assert ready, f"waited for {marker!r}; saw {seen!r}"
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        seen += chunk
    return seen


def cli_app() -> Flask:
    """The app of ``flask --app tests.core.test_backup:cli_app`` (settings from the environment)."""
    app = create_app()
    init_backup(app)
    return app


def test_on_a_terminal_the_restore_asks_first_and_no_means_nothing_changes(
    sqlite_site: Site,
) -> None:
    import pty
    import subprocess
    import sys

    site = sqlite_site
    seed(site)
    path = backup_path(site.backup("create"))
    change_everything(site)
    before = fingerprint(site)
    leader, follower = pty.openpty()
    env = {
        **os.environ,
        "INKSTONE_ENV": "testing",
        "INKSTONE_INSTANCE_PATH": str(site.instance),
        "INKSTONE_DATABASE_URL": site.app.config["DATABASE_URL"],
        "INKSTONE_LOG_LEVEL": "WARNING",
    }
    flask = [sys.executable, "-m", "flask", "--app", "tests.core.test_backup:cli_app"]
    command = subprocess.Popen(
        [*flask, "backup", "restore", str(path)],
        stdin=follower, stdout=follower, stderr=follower, env=env, cwd=Path(MIGRATIONS_DIR).parent,
    )  # fmt: skip
    os.close(follower)
    try:
        asked = _wait_for(leader, b"[y/N]")
        os.write(leader, b"n\n")
        rest = _wait_for(leader, b"Aborted!")
        assert command.wait(timeout=60) == 1
    finally:
        command.kill()
        os.close(leader)
    assert b"holds data" in asked
    assert b"Restore the backup of" in asked
    assert b"Aborted!" in rest
    assert fingerprint(site) == before


# --------------------------------------------------------------------------- other cases


def test_a_new_machine_restores_without_yes_and_is_told_to_upgrade_an_older_backup(
    tmp_path: Path,
) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    previous = ScriptDirectory.from_config(config).get_revision(head).down_revision
    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    _migrate(old_url, tmp_path / "old", revision=str(previous))
    old = make_site(tmp_path / "old", old_url, "sqlite")
    path = backup_path(old.backup("create"))
    assert f"migration {previous}" in old.backup("list").output

    new = make_site(tmp_path / "new", f"sqlite:///{tmp_path / 'new' / 'inkstone.db'}", "sqlite")
    restored = new.backup("restore", str(path))  # nothing to lose: no question asked
    assert restored.exit_code == 0, restored.output
    assert f"at migration {previous}, this code expects {head}" in restored.output
    assert "flask db upgrade" in restored.output
    with new.app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head


def test_backup_list_shows_each_backup_newest_first(sqlite_site: Site) -> None:
    site = sqlite_site
    first = backup_path(site.backup("create"))
    second = backup_path(site.backup("create", "--no-uploads"))
    os.utime(first, (1, 1))  # made long ago
    stray = site.instance / "backups" / "stray.tar.gz"
    stray.write_text("hello")
    os.utime(stray, (2, 2))
    listed = site.backup("list").output.splitlines()
    assert [line.split()[0] for line in listed] == [second.name, "stray.tar.gz", first.name]
    assert "SQLite" in listed[0]
    assert "database only" in listed[0]
    assert "with uploads" in listed[2]
    assert "not a readable Inkstone backup" in listed[1]


def test_pg_dump_is_looked_for_and_an_old_or_missing_one_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(BackupError, match=r"pg_dump was not found.*postgresql-client-15"):
        find_tool("pg_dump", server_major=15, search=(str(tmp_path / "none"),))
    old = tmp_path / "bin" / "pg_dump"
    old.parent.mkdir()
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.16'\n")
    old.chmod(0o755)
    with pytest.raises(BackupError, match=r"pg_dump 13 \(.*\) is older than the server"):
        find_tool("pg_dump", server_major=15, search=())
    assert find_tool("pg_dump", server_major=13, search=()) == old
