"""Where upload bytes live: a ``Storage`` interface and the local filesystem backend.

Blobs are named by the app (``<sha256>.<ext>``, ``<sha256>-<size>.<ext>`` for thumbnails),
never by the user; every name is checked against that pattern, so no name can leave the folder.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

# The only extensions ever stored, and the content type each is served with.
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "zip": "application/zip",
}
ATTACHMENT_EXTENSIONS = frozenset({"pdf", "txt", "zip"})
_NAME = re.compile(r"^[0-9a-f]{64}(?:-[0-9]{1,4})?\.(?:" + "|".join(CONTENT_TYPES) + r")$")


def is_blob_name(name: str) -> bool:
    """Tell whether ``name`` is a name this app gives blobs (no paths, no surprises)."""
    return bool(_NAME.match(name))


def extension_of(name: str) -> str:
    """Return the extension of a blob name (``png``…)."""
    return name.rsplit(".", 1)[-1]


class Storage(Protocol):
    """Saves, opens and deletes blobs by name."""

    def save(self, name: str, data: bytes) -> None:
        """Store ``data`` as ``name`` (a no-op when it is there already: names are content)."""

    def open(self, name: str) -> BinaryIO:
        """Open ``name`` for reading; ``FileNotFoundError`` when it is missing."""

    def exists(self, name: str) -> bool:
        """Tell whether ``name`` is stored."""

    def delete(self, name: str) -> None:
        """Remove ``name`` if it is there."""

    def path(self, name: str) -> Path | None:
        """Return a local path to ``name`` (for ``send_file``), or None for remote storage."""


class LocalStorage:
    """Blobs as files in one folder (``<instance>/uploads`` by default)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, name: str) -> Path:
        if not is_blob_name(name):
            raise FileNotFoundError(name)
        return self.root / name

    def save(self, name: str, data: bytes) -> None:
        """Write ``name`` through a temporary file, so no reader ever sees half of it."""
        target = self._file(name)
        if target.exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        part = self.root / f".{name}.{secrets.token_hex(4)}.part"
        with part.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)

    def open(self, name: str) -> BinaryIO:
        """Open ``name`` for reading."""
        return self._file(name).open("rb")

    def exists(self, name: str) -> bool:
        """Tell whether ``name`` is stored."""
        return is_blob_name(name) and (self.root / name).is_file()

    def delete(self, name: str) -> None:
        """Remove ``name`` if it is there."""
        if is_blob_name(name):
            (self.root / name).unlink(missing_ok=True)

    def path(self, name: str) -> Path | None:
        """Return the file of ``name``."""
        return self._file(name)


def get_storage() -> Storage:
    """Return the storage of the current app."""
    return LocalStorage(Path(current_app.instance_path) / "uploads")
