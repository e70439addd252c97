"""The cluster's state folder: its lock, its secrets, and what it started (``state.json``).

``state.json`` is the one record of the cluster's processes (PID and start time of each), so
that any process — ``make cluster-stop``, a test, the command that started them — finds and
stops exactly those. It also names the ports, addresses and logs, for people.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from deploy.cluster.processes import Process, alive


def open_folder(*folders: Path) -> None:
    """Make ``folders`` (and their parents), readable by other users but not writable.

    PostgreSQL's own user must reach its folder through the state folder; nginx's workers read
    the instance folder.
    """
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)


def cluster_secrets(root: Path) -> dict[str, str]:
    """Return the cluster's secrets, made on first use and kept in ``root`` (mode 600)."""
    path = root / "secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    open_folder(root)
    made = {
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_PASSWORD": secrets.token_urlsafe(18),
        "FLOWER_PASSWORD": secrets.token_urlsafe(12),
    }
    path.touch(mode=0o600)
    path.write_text(json.dumps(made, indent=2))
    return made


class State:
    """What ``state.json`` in ``root`` records: the port and each started service."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "state.json"

    def read(self) -> dict[str, Any]:
        """Return the whole record (``{}`` before the first start)."""
        try:
            return dict(json.loads(self.path.read_text()))
        except (OSError, ValueError):
            return {}

    def entry(self, name: str) -> dict[str, Any] | None:
        """Return what was recorded when ``name`` was started (``None`` if it was not)."""
        entry = self.read().get("services", {}).get(name)
        return dict(entry) if entry else None

    def process(self, name: str) -> Process | None:
        """Return the process recorded for ``name`` (running or not)."""
        entry = self.entry(name)
        return Process(int(entry["pid"]), int(entry["started"])) if entry else None

    def running(self) -> list[str]:
        """Return the names of the recorded services that still run."""
        return [
            name
            for name, entry in self.read().get("services", {}).items()
            if alive(Process(int(entry["pid"]), int(entry["started"])))
        ]

    def record(self, name: str, process: Process, **details: Any) -> None:
        """Record that ``name`` was started as ``process``."""
        services = self.read().get("services", {})
        services[name] = {"pid": process.pid, "started": process.started, **details}
        self._update(services=services)

    def forget(self, *names: str) -> None:
        """Forget ``names`` (they were stopped)."""
        services = self.read().get("services", {})
        for name in names:
            services.pop(name, None)
        self._update(services=services)

    def describe(self, **fields: Any) -> None:
        """Record ``fields`` (port, addresses, logs) beside the services."""
        self._update(**fields)

    def _update(self, **fields: Any) -> None:
        data: Mapping[str, Any] = {**self.read(), **fields}
        part = self.path.with_suffix(".json.part")
        part.write_text(json.dumps(data, indent=2))
        part.replace(self.path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state folder's lock: one start or stop at a time."""
        open_folder(self.root)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
