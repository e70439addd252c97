"""PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``; no password on a command line.

``pg_dump`` reads the whole database in one repeatable-read transaction: one consistent snapshot
(MVCC) while the site keeps writing. It must be as new as the server, or newer: the newest
``pg_dump`` on ``PATH`` or under ``/usr/lib/postgresql/*/bin`` (Debian keeps every installed
major version there) is used. The password goes to the tools in a private ``PGPASSFILE``;
the rest of the connection (host, port, user, database, ``sslmode``…) as a libpq URL.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from glob import glob
from pathlib import Path

from sqlalchemy.engine import URL

from inkstone.core.backup.archive import BackupError

SEARCH = ("/usr/lib/postgresql/*/bin",)
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def libpq_url(url: URL) -> str:
    """Return ``url`` as a libpq connection URL without its password."""
    query = {key: value for key, value in url.query.items() if key != "password"}
    plain = url.set(drivername="postgresql", password=None, query=query)
    return plain.render_as_string(hide_password=False)


@contextmanager
def credentials(url: URL) -> Iterator[dict[str, str]]:
    """Yield the environment for a libpq tool: the password in a passfile that is then removed."""
    env = dict(os.environ)
    password = url.password or url.query.get("password")
    if isinstance(password, tuple):
        password = password[-1]
    with tempfile.TemporaryDirectory(prefix="inkstone-pg-") as folder:
        if password:
            passfile = Path(folder) / "pgpass"
            escaped = str(password).replace("\\", "\\\\").replace(":", "\\:")
            passfile.touch(mode=0o600)
            passfile.write_text(f"*:*:*:*:{escaped}\n")
            env["PGPASSFILE"] = str(passfile)
            env.pop("PGPASSWORD", None)  # it would win over the passfile
        yield env


def major_version(tool: Path) -> int:
    """Return the PostgreSQL major version of a client tool (``pg_dump --version``)."""
    try:
        done = subprocess.run(
            [str(tool), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise BackupError(f"cannot run {tool}: {exc}") from None
    found = _VERSION.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise BackupError(f"cannot tell the version of {tool}: {done.stdout or done.stderr}")
    return int(found.group(1))


def find_tool(name: str, *, server_major: int, search: Sequence[str] = SEARCH) -> Path:
    """Return the newest ``name`` (pg_dump, pg_restore) that can talk to this server."""
    candidates: list[Path] = []
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for pattern in search:
        candidates += [Path(folder) / name for folder in sorted(glob(pattern))]
    versions = [(major_version(tool), tool) for tool in candidates if tool.is_file()]
    if not versions:
        raise BackupError(
            f"{name} was not found on PATH nor in {', '.join(search)}: install PostgreSQL's "
            f"client tools, version {server_major} or newer (Debian: postgresql-client-"
            f"{server_major})"
        )
    newest, tool = max(versions, key=lambda found: found[0])
    if newest < server_major:
        raise BackupError(
            f"{name} {newest} ({tool}) is older than the server (PostgreSQL {server_major}): "
            f"install postgresql-client-{server_major} or newer"
        )
    return tool


def _run(command: list[str], *, url: URL, what: str) -> None:
    with credentials(url) as env:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def dump(*, url: URL, into: Path, server_major: int) -> None:
    """Write a custom-format dump of the database at ``url`` to ``into``."""
    tool = find_tool("pg_dump", server_major=server_major)
    command = [str(tool), "--format=custom", "--no-password", f"--file={into}"]
    _run([*command, f"--dbname={libpq_url(url)}"], url=url, what="pg_dump")


def check(path: Path, *, server_major: int) -> None:
    """Raise ``BackupError`` unless ``pg_restore`` can read the dump at ``path``."""
    tool = find_tool("pg_restore", server_major=server_major)
    done = subprocess.run(
        [str(tool), "--list", str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"the database dump cannot be read: {done.stderr.strip()}")


def restore(*, dump: Path, url: URL, server_major: int) -> None:
    """Replace the database at ``url`` with ``dump``, in one transaction (all or nothing).

    ``--clean --if-exists`` drops each object the dump holds before making it again;
    ``--no-owner --no-privileges`` leave ownership and grants to the role restoring it.
    """
    tool = find_tool("pg_restore", server_major=server_major)
    command = [
        str(tool),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={libpq_url(url)}",
        str(dump),
    ]
    _run(command, url=url, what="pg_restore")
