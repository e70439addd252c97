"""``make run``'s worker is started again when it dies (it used to stop the web too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.servers import procfile_argv
from tests.worker_helpers import child_pids, file_app, worker_env

pytestmark = pytest.mark.slow


def _wait(condition, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_dead_child_is_started_again_and_a_stop_stops_both(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = (
        f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"
    )
    errors = tmp_path / "stderr"
    with errors.open("wb") as err:
        wrapper = subprocess.Popen(
            [sys.executable, "-m", "inkstone.dev.respawn", sys.executable, "-c", script],
            stderr=err,
        )
    try:
        _wait(lambda: pids.exists() and len(pids.read_text().split()) == 1)
        first = int(pids.read_text().split()[0])
        os.kill(first, signal.SIGKILL)
        _wait(lambda: len(pids.read_text().split()) == 2)
        second = int(pids.read_text().split()[1])
        assert second != first
        wrapper.send_signal(signal.SIGTERM)
        wrapper.wait(10)
        _wait(lambda: not Path(f"/proc/{second}").exists() or _zombie(second), 10)
    finally:
        if wrapper.poll() is None:
            wrapper.kill()
    assert "starting it again" in errors.read_text()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_the_procfile_worker_comes_back_after_being_killed(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    file_app(instance)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        wrapper = subprocess.Popen(
            procfile_argv("worker"),
            cwd=Path(__file__).resolve().parents[2],
            env=worker_env(instance),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: log.read_text(errors="replace").count(" ready.") == 1, 60)
        [celery] = child_pids(wrapper.pid)
        _wait(lambda: child_pids(celery) != [], 30)  # its embedded beat, -B in the Procfile
        [beat] = child_pids(celery)
        os.kill(celery, signal.SIGKILL)  # as the out-of-memory killer would
        _wait(lambda: log.read_text(errors="replace").count(" ready.") == 2, 60)
        assert wrapper.poll() is None
        assert child_pids(wrapper.pid) != [celery]
        # The dead worker's beat went with it: one beat runs, not two.
        _wait(lambda: not Path(f"/proc/{beat}").exists() or _zombie(beat), 15)
    finally:
        wrapper.send_signal(signal.SIGTERM)
        try:
            wrapper.wait(30)
        except subprocess.TimeoutExpired:
            wrapper.kill()
