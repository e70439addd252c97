"""The backup file: one ``.tar.gz`` holding a manifest, the database snapshot and the uploads.

Layout, in this order (so a reader learns what it holds from its first member)::

    manifest.json             what made it, when, which database, at which migration
    database.sqlite3          SQLite: the snapshot (one file, rollback-journal mode)
    database.pgdump           PostgreSQL: ``pg_dump --format=custom``
    uploads/<name>            every uploaded file and thumbnail (left out with --no-uploads)

A restore reads it once, front to back (``r|gz``), into a staging folder before it changes
anything: a foreign, truncated or damaged file is refused with no data touched. Members are
copied out by name, never extracted by path, so no member can write outside the staging folder.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

FORMAT = "inkstone-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
SUFFIX = ".tar.gz"
# Names the uploads folder holds (content hashes, thumbnails): no path, no hidden files.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_MANIFEST_MAX_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_DAMAGED = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, for the operator."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written as ``manifest.json``."""

    database: str  # "sqlite" or "postgresql"
    migration: str | None  # the Alembic revision of the snapshot
    created_at: str  # ISO 8601, UTC
    inkstone_version: str
    database_sha256: str
    database_bytes: int
    with_uploads: bool
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        """Return the manifest as JSON bytes."""
        return json.dumps(asdict(self), indent=2).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes, *, source: Path) -> Manifest:
        """Read a manifest; raise ``BackupError`` when it is not one this code can restore."""
        try:
            raw = json.loads(data)
        except ValueError:
            raise not_a_backup(source, "its manifest is not JSON") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise not_a_backup(source, "its manifest is not an Inkstone backup's")
        if raw.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{source} is a backup in format version {raw.get('format_version')!r}; this "
                f"Inkstone reads version {FORMAT_VERSION}: restore it with the version that made it"
            )
        if set(raw) != set(_FIELD_TYPES) or not all(
            isinstance(raw[name], kinds) for name, kinds in _FIELD_TYPES.items()
        ):
            raise not_a_backup(source, "its manifest lacks fields, or has unknown or odd ones")
        manifest = cls(**raw)
        if manifest.database not in DATABASE_MEMBERS:
            raise not_a_backup(source, f"unknown database kind {manifest.database!r}")
        return manifest


_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "database": str,
    "migration": (str, type(None)),
    "created_at": str,
    "inkstone_version": str,
    "database_sha256": str,
    "database_bytes": int,
    "with_uploads": bool,
    "format": str,
    "format_version": int,
}


@dataclass(frozen=True)
class Staged:
    """A backup read into a staging folder, checked, ready to be applied."""

    manifest: Manifest
    database: Path
    uploads: list[Path]


def not_a_backup(path: Path, why: str) -> BackupError:
    """Return the error for a file that is not (or no longer) a readable Inkstone backup."""
    return BackupError(f"{path} is not a readable Inkstone backup: {why}")


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def upload_files(folder: Path) -> list[Path]:
    """Return the uploaded files in ``folder``; hidden ones (half-written ``.part``) are not."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _SAFE_NAME.match(p.name) and p.is_file())


def write(target: Path, *, manifest: Manifest, database: Path, uploads: Iterable[Path]) -> int:
    """Write the backup to ``target`` (through a hidden partial file); return uploads kept.

    An upload deleted while the archive is written is left out: the snapshot was taken first,
    so only a file whose upload was deleted after it can be missing.
    """
    part = target.with_name(f".{target.name}.part")
    kept = 0
    # Readable by its owner only: it holds every account's email and password hash.
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            os.fdopen(descriptor, "wb") as out,
            tarfile.open(fileobj=out, mode="w:gz", compresslevel=6) as archive,
        ):
            _add_bytes(archive, MANIFEST, manifest.to_json())
            with database.open("rb") as source:
                _add_file(archive, DATABASE_MEMBERS[manifest.database], source)
            for path in uploads:
                try:
                    source = path.open("rb")  # held open: a deletion now cannot cut it short
                except FileNotFoundError:
                    continue
                with source:
                    _add_file(archive, f"{UPLOADS}/{path.name}", source)
                kept += 1
            archive.close()  # the gzip trailer, before the file is synced
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return kept


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def _add_file(archive: tarfile.TarFile, name: str, source: IO[bytes]) -> None:
    stat = os.fstat(source.fileno())
    info = tarfile.TarInfo(name)
    info.size = stat.st_size
    info.mtime = int(stat.st_mtime)
    info.mode = 0o600
    archive.addfile(info, source)


def read_manifest(path: Path) -> Manifest:
    """Return the manifest of the backup at ``path`` (its first member: cheap to read)."""
    try:
        with tarfile.open(path, "r|gz") as archive:
            for member in archive:
                return _manifest_of(archive, member, path)
    except _DAMAGED as exc:
        raise not_a_backup(path, _reason(exc)) from None
    raise not_a_backup(path, "it is empty")


def stage(path: Path, folder: Path) -> Staged:
    """Copy the backup at ``path`` into ``folder`` and check it; change nothing else."""
    database: Path | None = None
    uploads: list[Path] = []
    try:
        with tarfile.open(path, "r|gz") as archive:
            members: Iterable[tarfile.TarInfo] = archive
            manifest: Manifest | None = None
            for member in members:
                if manifest is None:
                    manifest = _manifest_of(archive, member, path)
                    (folder / UPLOADS).mkdir(parents=True)
                elif member.name == DATABASE_MEMBERS[manifest.database] and database is None:
                    database = _copy_out(archive, member, folder / member.name, path)
                elif _is_upload(member.name):
                    target = folder / UPLOADS / member.name.split("/", 1)[1]
                    uploads.append(_copy_out(archive, member, target, path))
                else:
                    raise not_a_backup(path, f"unexpected member {member.name!r}")
    except _DAMAGED as exc:
        raise not_a_backup(path, _reason(exc)) from None
    if manifest is None:
        raise not_a_backup(path, "it is empty")
    if database is None:
        raise not_a_backup(path, "it holds no database")
    if database.stat().st_size != manifest.database_bytes or (
        sha256_of(database) != manifest.database_sha256
    ):
        raise not_a_backup(path, "its database does not match the checksum in its manifest")
    return Staged(manifest=manifest, database=database, uploads=uploads)


def _manifest_of(archive: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> Manifest:
    if member.name != MANIFEST or not member.isreg() or member.size > _MANIFEST_MAX_BYTES:
        raise not_a_backup(path, f"it does not start with {MANIFEST}")
    source = archive.extractfile(member)
    assert source is not None  # a regular file
    return Manifest.from_json(source.read(), source=path)


def _is_upload(name: str) -> bool:
    folder, _, file = name.partition("/")
    return folder == UPLOADS and bool(_SAFE_NAME.match(file))


def _copy_out(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path, path: Path) -> Path:
    if not member.isreg() or target.exists():
        raise not_a_backup(path, f"unexpected member {member.name!r}")
    source = archive.extractfile(member)
    assert source is not None  # a regular file
    with target.open("xb") as out:
        shutil.copyfileobj(source, out, _CHUNK)
    return target


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, (gzip.BadGzipFile, tarfile.ReadError)) and "gzip" in text:
        return "it is not a .tar.gz archive"
    return f"it is damaged or cut short ({text})"
