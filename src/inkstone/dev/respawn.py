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
        child = subprocess.Popen(command, preexec_fn=_die_with_parent)
        status = child.wait()
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
