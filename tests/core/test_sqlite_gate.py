"""SQLite writers queue on our gate (threads, then processes), not SQLite's busy handler."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from inkstone.core.db.gate import GatedConnection, WriteGate, gate_for, writes


def connect(path: Path, gate: WriteGate) -> GatedConnection:
    connection = sqlite3.connect(path, factory=GatedConnection, check_same_thread=False)
    connection.gate = gate
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


@pytest.fixture
def database(tmp_path: Path) -> tuple[Path, WriteGate]:
    path = tmp_path / "gate.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (n INTEGER)")
    return path, gate_for(str(path), 5)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("INSERT INTO t VALUES (1)", True),
        ("  update t set n = 2", True),
        ("DELETE FROM t", True),
        ("SAVEPOINT sa_1", True),
        ("BEGIN IMMEDIATE", True),
        ("SELECT * FROM t", False),
        ("BEGIN", False),
        ("PRAGMA journal_mode=WAL", False),
    ],
)
def test_statements_that_start_a_write(sql: str, expected: bool) -> None:
    assert writes(sql) is expected


def test_a_second_writer_waits_for_the_first_and_goes_as_soon_as_it_commits(database) -> None:
    path, gate = database
    first, second = connect(path, gate), connect(path, gate)
    events: list[str] = []
    first.execute("INSERT INTO t VALUES (1)")  # holds the gate until its commit
    assert first.holding

    def write_second() -> None:
        events.append("second waits")
        second.execute("INSERT INTO t VALUES (2)")
        events.append("second writes")
        second.commit()

    thread = threading.Thread(target=write_second)
    thread.start()
    time.sleep(0.2)
    assert events == ["second waits"]  # not failed, not through: queued on the gate
    events.append("first commits")
    first.commit()
    thread.join(5)
    assert events == ["second waits", "first commits", "second writes"]
    assert not first.holding
    assert not second.holding
    assert sorted(n for (n,) in first.execute("SELECT n FROM t")) == [1, 2]


def test_reads_do_not_wait_for_a_writer(database) -> None:
    path, gate = database
    writer, reader = connect(path, gate), connect(path, gate)
    writer.execute("INSERT INTO t VALUES (1)")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)  # WAL: the old snapshot
    writer.commit()


def test_a_writer_that_waits_too_long_gets_database_is_locked(database, monkeypatch) -> None:
    path, gate = database
    monkeypatch.setattr(gate, "timeout", 0.2)
    holder, waiter = connect(path, gate), connect(path, gate)
    holder.execute("INSERT INTO t VALUES (1)")
    errors: list[str] = []

    def write() -> None:
        try:
            waiter.execute("INSERT INTO t VALUES (2)")
        except sqlite3.OperationalError as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(5)
    holder.rollback()
    assert errors == ["database is locked"]
    assert not waiter.holding


def test_a_thread_writing_on_two_connections_is_told_at_once(database) -> None:
    path, gate = database
    first, second = connect(path, gate), connect(path, gate)
    first.execute("INSERT INTO t VALUES (1)")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="this thread's other connection"):
        second.execute("INSERT INTO t VALUES (2)")
    assert time.monotonic() - started < 1  # not after the whole timeout
    first.rollback()


def _hold_in_child(path: str, holding, release) -> None:  # type: ignore[no-untyped-def]
    gate = gate_for(path, 5)
    connection = connect(Path(path), gate)
    connection.execute("INSERT INTO t VALUES (100)")
    holding.set()
    release.wait(10)
    connection.commit()


def test_another_process_waits_for_the_gate_too(database) -> None:
    path, gate = database
    context = multiprocessing.get_context("spawn")
    holding, release = context.Event(), context.Event()
    child = context.Process(target=_hold_in_child, args=(str(path), holding, release))
    child.start()
    try:
        assert holding.wait(10)
        mine = connect(path, gate)
        done = threading.Event()

        def write() -> None:
            mine.execute("INSERT INTO t VALUES (1)")
            mine.commit()
            done.set()

        thread = threading.Thread(target=write)
        thread.start()
        assert not done.wait(0.3)  # the child holds the database's gate
        release.set()
        assert done.wait(5)
        thread.join(5)
    finally:
        release.set()
        child.join(10)
    assert sorted(n for (n,) in mine.execute("SELECT n FROM t")) == [1, 100]


def _many_writers_in_child(path: str, failures) -> None:  # type: ignore[no-untyped-def]
    # First used in this child: opened by whichever thread is first. A generous wait: on a
    # loaded machine (CI) eight writers queueing must not time out, which is not the point.
    gate = gate_for(path, 30)
    barrier = threading.Barrier(8, timeout=60)

    def write(n: int) -> None:
        try:
            connection = connect(Path(path), gate)
            barrier.wait()
            connection.execute("INSERT INTO t VALUES (?)", (n,))
            connection.commit()
        except Exception as exc:  # reported to the parent (a thread's own error is lost)
            failures.put(repr(exc))
            barrier.abort()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)


def test_threads_of_a_new_process_share_one_open_gate(tmp_path: Path) -> None:
    # A gate first used by several threads at once (a worker process's threads) must open
    # its lock file once, before any of them uses it. (Processes are spawned, not forked:
    # a fork of this multi-threaded test process could inherit a lock held mid-way.)
    path = tmp_path / "fresh.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (n INTEGER)")
    context = multiprocessing.get_context("spawn")
    failures = context.Queue()
    child = context.Process(target=_many_writers_in_child, args=(str(path), failures))
    child.start()
    child.join(120)
    assert failures.empty(), failures.get()
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM t").fetchone() == (8,)
