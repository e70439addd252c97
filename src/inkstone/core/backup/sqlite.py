"""SQLite: a consistent snapshot with the online backup API, and a restore through it.

The snapshot is copied in one step. The database runs in WAL mode, where a reader never blocks
a writer: the copy reads one snapshot of the database (one read transaction) while the site
keeps writing to the WAL beside it. Copying in several steps would not be kinder: SQLite
restarts a stepped backup from the first page whenever another connection commits, so under a
steady stream of writes it might never finish.

A restore writes the snapshot into the live file, again with the backup API, inside one write
transaction holding the database's write gate (``core.db.gate``): Inkstone's own writers wait
for it, and readers see the old database or the restored one, never a mix. Processes that keep
state beside the database (caches, workers mid-task) should still be stopped first.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from inkstone.core.backup.archive import BackupError
from inkstone.core.db.gate import gate_for

BUSY_MILLISECONDS = 60_000  # how long a restore waits for readers of the live file


def snapshot(*, live: Path, into: Path) -> None:
    """Copy the live database at ``live`` into a new file ``into`` and check the copy."""
    if not live.is_file():
        raise BackupError(f"there is no database at {live}")
    with closing(sqlite3.connect(live)) as source, closing(sqlite3.connect(into)) as copy:
        source.backup(copy)  # one step: one read transaction, one consistent snapshot
        # One self-contained file: the copy takes no -wal or -shm file beside it.
        copy.execute("PRAGMA journal_mode=DELETE").fetchall()
    check(into, what="the snapshot")


def check(path: Path, *, what: str) -> None:
    """Raise ``BackupError`` unless ``path`` is an SQLite database that passes its own check."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            found = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a usable SQLite database ({exc})") from None
    if found != [("ok",)]:
        problems = "; ".join(str(row[0]) for row in found[:3])
        raise BackupError(f"{what} fails SQLite's integrity check: {problems}")


def revision(path: Path) -> str | None:
    """Return the Alembic revision recorded in the database file ``path`` (None: no schema)."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        try:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:  # no such table: never migrated
            return None
    return str(row[0]) if row else None


def restore(*, snapshot: Path, live: Path, gate_seconds: float) -> None:
    """Replace the content of the live database at ``live`` with the file ``snapshot``."""
    live.parent.mkdir(parents=True, exist_ok=True)
    gate = gate_for(str(live), gate_seconds)
    try:
        gate.acquire()
    except sqlite3.OperationalError:
        raise BackupError(
            f"{live} is busy with writes: stop the site and its workers, then try again"
        ) from None
    try:
        with (
            closing(sqlite3.connect(snapshot)) as source,
            closing(sqlite3.connect(live, timeout=BUSY_MILLISECONDS / 1000)) as target,
        ):
            target.execute(f"PRAGMA busy_timeout={BUSY_MILLISECONDS}")
            source.backup(target)
            # Fold the restored pages into the main file when no reader holds the WAL.
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.OperationalError as exc:
        raise BackupError(
            f"could not write {live} ({exc}): stop the site, then try again"
        ) from None
    finally:
        gate.release()
