"""``flask backup create``, ``flask backup restore`` and ``flask backup list``."""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from jinja2.filters import do_filesizeformat as filesizeformat
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from inkstone.core.backup import archive, postgres, schema, sqlite
from inkstone.core.backup.archive import BackupError, Manifest
from inkstone.core.db import BUSY_SECONDS
from inkstone.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database and the uploaded files.")
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _size(size: int) -> str:
    """Return a byte count as ``12.3 MiB`` (Jinja's ``filesizeformat``, binary units)."""
    return str(filesizeformat(size, binary=True))


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _backups_folder() -> Path:
    return Path(current_app.instance_path) / "backups"


def _uploads_folder() -> Path:
    return Path(current_app.instance_path) / archive.UPLOADS


def _kind(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in archive.DATABASE_MEMBERS:
        raise BackupError(f"backups of {name} databases are not supported")
    return name


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory: there is no file to back up or restore")
    return Path(database)


def _server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SHOW server_version_num")) or 0) // 10000


def _default_target(folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target, n = folder / f"inkstone-{stamp}{archive.SUFFIX}", 1
    while target.exists():  # two backups in one second
        n += 1
        target = folder / f"inkstone-{stamp}-{n}{archive.SUFFIX}"
    return target


def _inkstone_version() -> str:
    try:
        return version("inkstone")
    except PackageNotFoundError:
        return "unknown"


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--no-uploads", is_flag=True, help="Leave the uploaded files out.")
def create(path: Path | None, no_uploads: bool) -> None:
    """Write a consistent snapshot of the database and the uploads; the site may keep running.

    PATH: the file to write (.tar.gz) or a folder for it; default instance/backups/.
    """
    target = _default_target(path or _backups_folder()) if not path or path.is_dir() else path
    if target.exists():
        raise click.ClickException(f"{target} exists already: name another file")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = db.engine
    try:
        kind = _kind(engine)
        with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as work:
            snapshot = Path(work) / archive.DATABASE_MEMBERS[kind]
            created_at = datetime.now(UTC)
            if kind == "sqlite":
                sqlite.snapshot(live=_sqlite_file(engine), into=snapshot)
                migration = sqlite.revision(snapshot)
            else:
                migration = schema.database_revision(engine)
                postgres.dump(url=engine.url, into=snapshot, server_major=_server_major(engine))
            manifest = Manifest(
                database=kind,
                migration=migration,
                created_at=created_at.isoformat(timespec="seconds"),
                inkstone_version=_inkstone_version(),
                database_sha256=archive.sha256_of(snapshot),
                database_bytes=snapshot.stat().st_size,
                with_uploads=not no_uploads,
            )
            # Uploads after the snapshot: a file is saved before its row commits, so every
            # file the snapshot names is there already.
            uploads = [] if no_uploads else archive.upload_files(_uploads_folder())
            kept = archive.write(target, manifest=manifest, database=snapshot, uploads=uploads)
    except (BackupError, OperationalError, OSError) as exc:
        raise click.ClickException(_reason(exc)) from None
    size = _size(target.stat().st_size)
    files = "no uploaded files" if no_uploads else f"{kept} uploaded files"
    click.echo(f"Wrote {target} ({size})")
    click.echo(
        f"  the {KINDS[kind]} database ({_size(manifest.database_bytes)}, migration "
        f"{migration or 'none'}) and {files}"
    )


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that holds data without asking.")
def restore(path: Path, yes: bool) -> None:
    """Replace the database and the uploads with the backup at PATH.

    Stop the site and its workers first. The backup is read and checked in full before
    anything is changed: a damaged or foreign file changes nothing.
    """
    try:
        _restore(_app(), path, yes=yes)
    except (BackupError, OperationalError, OSError) as exc:
        raise click.ClickException(_reason(exc)) from None


def _reason(exc: Exception) -> str:
    """Say what went wrong in a line: the database is down, a disk is full, a file is bad."""
    if isinstance(exc, OperationalError):
        return f"the database cannot be reached: {str(exc.orig).strip().splitlines()[0]}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    return str(exc)


def _restore(app: Flask, path: Path, *, yes: bool) -> None:
    engine = db.engine
    kind = _kind(engine)
    manifest = archive.read_manifest(path)
    if manifest.database != kind:
        raise BackupError(
            f"{path} holds a {KINDS[manifest.database]} database and this site runs on "
            f"{KINDS[kind]}: restore it on {KINDS[manifest.database]}"
        )
    _refuse_unknown(app, manifest.migration, path)
    _confirm(engine, manifest, yes=yes)
    folder = _backups_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=folder) as work:
        staged = archive.stage(path, Path(work))
        if kind == "sqlite":
            sqlite.check(staged.database, what=f"the database in {path}")
            _refuse_unknown(app, sqlite.revision(staged.database), path)
        else:
            major = _server_major(engine)
            postgres.check(staged.database, server_major=major)
        db.session.remove()
        engine.dispose()  # no connection of ours may hold the tables being replaced
        uploads = _uploads_folder()
        added = removed = 0
        if manifest.with_uploads:
            added = _add_uploads(staged.uploads, uploads)
        if kind == "sqlite":
            live = _sqlite_file(engine)
            sqlite.restore(snapshot=staged.database, live=live, gate_seconds=BUSY_SECONDS)
        else:
            postgres.restore(dump=staged.database, url=engine.url, server_major=major)
        if manifest.with_uploads:
            removed = _remove_others(uploads, keep={p.name for p in staged.uploads})
    engine.dispose()
    _announce_restore()
    click.echo(f"Restored the {KINDS[kind]} database of {manifest.created_at} from {path}")
    click.echo("  everyone is signed out (tokens and sessions from before the restore end)")
    if manifest.with_uploads:
        click.echo(
            f"  uploads: {len(staged.uploads)} files ({added} put back, {removed} not in the "
            "backup removed)"
        )
    else:
        click.echo("  uploads: left as they were (the backup holds none)")
    _say_migration_state(app, engine)


def _refuse_unknown(app: Flask, migration: str | None, path: Path) -> None:
    if migration is not None and not schema.is_known(app, migration):
        raise BackupError(
            f"{path} was made by a newer Inkstone (its migration {migration} is unknown to this "
            "code): restore it with that version, or upgrade Inkstone first"
        )


def _confirm(engine: Engine, manifest: Manifest, *, yes: bool) -> None:
    """Ask (on a terminal) or refuse before replacing a database that holds data."""
    filled = schema.tables_with_rows(engine)
    if not filled or yes:
        return
    shown = ", ".join(filled[:6]) + (f" and {len(filled) - 6} more" if len(filled) > 6 else "")
    where = engine.url.render_as_string(hide_password=True)
    message = f"The database {where} holds data (in {shown}); the restore replaces all of it"
    if not sys.stdin.isatty():
        raise BackupError(f"{message}. Add --yes to restore anyway.")
    click.confirm(f"{message}. Restore the backup of {manifest.created_at}?", abort=True)


def _add_uploads(staged: list[Path], uploads: Path) -> int:
    """Move the backup's files into the uploads folder; a name present already is kept."""
    uploads.mkdir(parents=True, exist_ok=True)
    added = 0
    for file in staged:
        target = uploads / file.name
        if not target.exists():  # names are content hashes: same name, same bytes
            file.replace(target)
            added += 1
    return added


def _remove_others(uploads: Path, *, keep: set[str]) -> int:
    """Remove the uploaded files the restored database does not know (made after the backup)."""
    removed = 0
    for file in archive.upload_files(uploads):
        if file.name not in keep:
            file.unlink(missing_ok=True)
            removed += 1
    return removed


def _announce_restore() -> None:
    """Tell the features a backup replaced the database: auth ends every token and session.

    The shared cache makes every page stale, as after any event.

    Ids created after the backup will be handed out again: a token or cookie of someone who
    registered after it would otherwise sign its holder in as whoever gets that id next.
    """
    from inkstone.core import events

    events.database_restored.send()
    db.session.commit()


def _say_migration_state(app: Flask, engine: Engine) -> None:
    found, head = schema.database_revision(engine), schema.code_head(app)
    engine.dispose()
    if found == head:
        click.echo(f"  schema: at this code's migration head ({head})")
    else:
        click.echo(
            f"  schema: at migration {found}, this code expects {head}: run `flask db upgrade`"
        )


@backup_cli.command("list")
def list_backups() -> None:
    """List the backups in instance/backups, newest first."""
    folder = _backups_folder()
    found = sorted(folder.glob(f"*{archive.SUFFIX}"), key=lambda p: p.stat().st_mtime)
    if not found:
        click.echo(f"No backups in {folder}")
        return
    for path in reversed(found):
        size = _size(path.stat().st_size)
        try:
            manifest = archive.read_manifest(path)
        except BackupError:
            click.echo(f"{path.name}  {size:>10}  (not a readable Inkstone backup)")
            continue
        uploads = "with uploads" if manifest.with_uploads else "database only"
        click.echo(
            f"{path.name}  {size:>10}  {manifest.created_at}  {KINDS[manifest.database]}  "
            f"migration {manifest.migration or 'none'}  {uploads}"
        )
