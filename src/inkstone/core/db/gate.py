"""SQLite writers queue on a lock of ours, not on SQLite's sleeping busy handler.

SQLite lets one connection write at a time. A writer that finds the database locked waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10 … up to 100 ms between tries: however soon
the other writer finishes, the waiter wakes late (``POST …/favorite`` p99 at 32 connections
was 210 to 860 ms), and beside a long writer that commits often it may miss every gap until its
5 s timeout ("database is locked", a 500).

Here every connection to an embedded database is a ``GatedConnection``. Before the first
statement of a transaction that writes (or ``BEGIN IMMEDIATE``), it takes its database's
``WriteGate``: a lock shared by the threads of the process (waiters wake the moment it is
free) and an ``flock`` on ``<database>-writer.lock`` shared by the processes (web and job
worker), tried every millisecond. The gate is released when the transaction ends. SQLite's
own lock then never makes anyone wait; its busy timeout stays as a backstop for writers that
are not ours (the ``sqlite3`` shell). A writer that cannot get the gate in time gets
SQLite's own error, ``database is locked``, which the site answers with 503 and
``Retry-After``.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from typing import Any

# Statements that take SQLite's write lock when no transaction is open (pysqlite opens one
# implicitly before INSERT/UPDATE/DELETE/REPLACE; a SAVEPOINT opens one itself).
_WRITES = re.compile(
    rb"\s*(?:INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|BEGIN\s+(?:IMMEDIATE|EXCLUSIVE)|CREATE|DROP|ALTER)\b",
    re.IGNORECASE,
)
POLL_SECONDS = 0.001


def writes(sql: str) -> bool:
    """Tell whether ``sql`` starts a write transaction (a guess on its first word)."""
    return _WRITES.match(sql.encode("utf-8", "replace")[:40]) is not None


class WriteGate:
    """One database's write lock: threads of this process first, then processes, in turn."""

    def __init__(self, database: str, timeout: float) -> None:
        self.path = f"{database}-writer.lock"
        self.timeout = timeout
        self._pid = -1
        self._threads = threading.Lock()
        self._owner: int | None = None
        self._fd = -1

    def _for_this_process(self) -> None:
        """Open the lock file (again after a fork: a child must not share its parent's)."""
        if self._pid == os.getpid():
            return
        with _gates_lock:  # two threads of a new process may both get here first
            if self._pid != os.getpid():
                self._threads = threading.Lock()
                self._owner = None
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                self._pid = os.getpid()  # last: the others wait for a usable gate

    def acquire(self) -> None:
        """Wait for the gate; raise ``database is locked`` after the timeout."""
        self._for_this_process()
        if self._owner == threading.get_ident():
            # This thread's other connection holds it: waiting would only time out.
            raise sqlite3.OperationalError("database is locked (by this thread's other connection)")
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked")
        try:
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise sqlite3.OperationalError("database is locked") from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            self._threads.release()
            raise
        self._owner = threading.get_ident()

    def release(self) -> None:
        """Let the next writer in."""
        self._owner = None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def _new_lock_in_child() -> None:
    """A forked child gets a fresh module lock (a thread of the parent may have held it)."""
    global _gates_lock
    _gates_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


def gate_for(database: str, timeout: float) -> WriteGate:
    """Return the one gate of ``database`` in this process."""
    key = os.path.realpath(database)
    with _gates_lock:
        if key not in _gates:
            _gates[key] = WriteGate(key, timeout)
        return _gates[key]


class _GatedCursor(sqlite3.Cursor):
    """A cursor that takes its connection's gate before a statement that starts a write."""

    connection: GatedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> _GatedCursor:
        self.connection.before(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection.after()

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _GatedCursor:
        self.connection.before(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            self.connection.after()


class GatedConnection(sqlite3.Connection):
    """A pysqlite connection that writes only while it holds its database's ``WriteGate``.

    Created by ``sqlite3.connect(..., factory=GatedConnection)`` (``core.db.sqlite_options``).
    """

    gate: WriteGate | None = None
    holding = False

    def cursor(self, factory: Any = _GatedCursor) -> Any:
        return super().cursor(factory)

    # The C implementations of these make a plain cursor: go through ours.
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, seq_of_parameters)

    def before(self, sql: str) -> None:
        """Take the gate if ``sql`` starts a write and no transaction is open yet."""
        if self.gate is not None and not self.holding and not self.in_transaction and writes(sql):
            self.gate.acquire()
            self.holding = True

    def after(self) -> None:
        """Give the gate back once no transaction is open (committed, rolled back, failed)."""
        if self.holding and not self.in_transaction:
            self.holding = False
            assert self.gate is not None
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.after()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.after()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.holding:
                self.holding = False
                assert self.gate is not None
                self.gate.release()
