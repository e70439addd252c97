"""Keep a process running: ``python -m inkstone.dev.respawn COMMAND [ARGS…]``.

``make run`` starts the web server and the job worker under honcho, which stops everything
when any one process ends: a worker killed by the out-of-memory killer (or by hand) took the
site down with it. The Procfile runs the worker under this instead: when it dies without
being asked to stop, it is started again (after 1 s, doubling to at most 30 s while it keeps
dying within a minute). SIGTERM and SIGINT are passed on to it, and then this ends with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

FIRST_WAIT = 1.0
LONGEST_WAIT = 30.0
STEADY_SECONDS = 60.0  # a run this long resets the wait


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child (Linux): be sent SIGTERM if this process is killed outright."""
    # Not on Linux (no prctl): a respawn killed outright leaves its child running.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


GROUP_GRACE = 10.0  # seconds the leftovers of a dead child get to stop before SIGKILL


def _end_group(pgid: int) -> None:
    """Stop what is left of the process group ``pgid`` (its leader has exited)."""
    deadline = time.monotonic() + GROUP_GRACE
    signum: int = signal.SIGTERM
    while True:
        try:
            os.killpg(pgid, signum)  # then 0: only asks whether anyone is left
        except (ProcessLookupError, PermissionError):
            return  # nobody left
        signum = 0
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            return
        time.sleep(0.1)


def _resolve(command: list[str]) -> list[str]:
    """Find the program on PATH, else beside this Python (a virtualenv not on PATH)."""
    if shutil.which(command[0]) is None:
        beside = Path(sys.executable).with_name(command[0])
        if beside.exists():
            return [str(beside), *command[1:]]
    return command


def run(command: list[str]) -> int:
    """Run ``command`` until it is asked to stop; return its last exit status."""
    command = _resolve(command)
    stopping = threading.Event()
    child: subprocess.Popen[bytes] | None = None

    def pass_on(signum: int, _frame: FrameType | None) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, pass_on)
    signal.signal(signal.SIGINT, pass_on)
    wait = FIRST_WAIT
    while True:
        started = time.monotonic()
        # A process group of its own: what it started (Celery's embedded beat) is ended with
        # it, instead of running on, orphaned, beside the next one.
        child = subprocess.Popen(command, preexec_fn=_die_with_parent, start_new_session=True)
        status = child.wait()
        _end_group(child.pid)
        if stopping.is_set():
            return status
        wait = FIRST_WAIT if time.monotonic() - started >= STEADY_SECONDS else wait
        print(
            f"respawn: {command[0]} exited with status {status}; starting it again in {wait:g} s",
            file=sys.stderr,
            flush=True,
        )
        if stopping.wait(wait):
            return status
        wait = min(wait * 2, LONGEST_WAIT)


def main() -> int:
    """Run the command given on the command line."""
    if len(sys.argv) < 2:
        print("usage: python -m inkstone.dev.respawn COMMAND [ARGS…]", file=sys.stderr)
        return 2
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
