"""Processes of the cluster: started detached, known by PID and start time, stopped by PID.

Every service is started through a short-lived launcher, so it is nobody's child here: it
outlives the command that started it (``make cluster`` returns at once), a test that kills
it leaves no zombie behind in the test process, and ``make cluster-stop`` (another process)
can stop it. A PID alone may be reused by the system once its process is gone, so each is
kept with its start time (``/proc/<pid>/stat``): a signal only ever goes to the very process
that was started.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class ClusterError(RuntimeError):
    """Raised when the cluster cannot be started, reached or stopped as asked."""


# Runs in its own interpreter: starts the service in a new session with its output in its
# log, prints its PID and exits, leaving the service to the system's init.
_LAUNCHER = """
import json, os, subprocess, sys
spec = json.loads(sys.stdin.read())
if spec["cpus"]:
    os.sched_setaffinity(0, spec["cpus"])  # inherited by the service
with open(spec["log"], "ab") as log:
    process = subprocess.Popen(
        spec["argv"], env=spec["env"], cwd=spec["cwd"], stdin=subprocess.DEVNULL,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        user=spec["user"], group=spec["user"], extra_groups=[] if spec["user"] else None,
    )
print(process.pid)
"""


@dataclass(frozen=True)
class Process:
    """A started process: its PID and its start time (clock ticks after boot)."""

    pid: int
    started: int


def start_time(pid: int) -> int | None:
    """Return when ``pid`` started (``None`` if there is no such live process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: the rest follows the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):  # exited, waiting to be reaped: no longer running
        return None
    return int(fields[19])


def alive(process: Process) -> bool:
    """Tell whether ``process`` still runs (and is the one started, not a reuse of its PID)."""
    return start_time(process.pid) == process.started


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    user: str | None = None,
    cpus: Sequence[int] = (),
) -> Process:
    """Start ``argv`` detached, its output appended to ``log``; return the process.

    ``user``: run it as this user (we are root); ``cpus``: the CPUs it may run on.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": list(argv),
        "env": dict(env),
        "cwd": str(cwd),
        "log": str(log),
        "user": user,
        "cpus": list(cpus),
    }
    launched = subprocess.run(
        [sys.executable, "-c", _LAUNCHER],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
    )
    if launched.returncode != 0:
        raise ClusterError(f"could not start {argv[0]}: {launched.stderr.strip()}")
    pid = int(launched.stdout)
    started = start_time(pid)
    if started is None:
        raise ClusterError(f"{argv[0]} exited at once; see {log}:\n{tail(log)}")
    return Process(pid, started)


def send(process: Process, sig: int, *, group: bool = False) -> bool:
    """Send ``sig`` to ``process`` if it still runs; tell whether it did.

    ``group``: to its whole process group too (each service leads its own: gunicorn's
    workers, nginx's, PostgreSQL's backends), as when the machine under it dies.
    """
    if not alive(process):
        return False
    with contextlib.suppress(ProcessLookupError):
        if group:
            os.killpg(process.pid, sig)
        else:
            os.kill(process.pid, sig)
        return True
    return False


def stop(process: Process, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Ask ``process`` to stop with ``sig``; SIGKILL it if it is still there after ``timeout``.

    ``sig=0`` sends nothing: it waits for a process already asked to stop.
    """
    if sig and not send(process, sig):
        return
    if not wait_until(lambda: not alive(process), timeout):
        send(process, signal.SIGKILL, group=True)
        if not wait_until(lambda: not alive(process), 10.0):
            raise ClusterError(f"process {process.pid} did not stop")
    # Whatever it left behind in its group (a child orphaned by an earlier SIGKILL of its
    # parent alone) goes with it, at once.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``condition`` until it holds (``True``) or ``timeout`` seconds pass (``False``)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def port_in_use(port: int) -> bool:
    """Tell whether something on this machine listens on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# Loopback only, never through a proxy the environment may name (http_proxy and the like).
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """Return the status of ``GET url`` (``None`` when nothing answers)."""
    try:
        with _opener.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (OSError, ValueError):
        return None


def redis_ping(port: int) -> bool:
    """Tell whether the Redis server on ``port`` answers PING (it may still be loading)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of a log ('' if there is none)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
