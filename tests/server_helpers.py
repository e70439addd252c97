"""The web server as ``make run`` starts it (the Procfile's ``web`` command), on a free port."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.servers import free_port, procfile_argv
from tests.conftest import ROOT
from tests.worker_helpers import worker_env

BOOT_TIMEOUT = 45


@contextmanager
def web_server(instance: Path, **settings: str) -> Iterator[str]:
    """Run the Procfile's web process on ``instance`` (a migrated database); yield its URL."""
    port = free_port()
    env = worker_env(instance, **settings)
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    log = (instance / f"web-{port}.log").open("wb")
    process = subprocess.Popen(
        procfile_argv("web"), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the web server exited: {_tail(log.name)}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the web server did not start: {_tail(log.name)}") from exc
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _tail(path: str) -> str:
    return Path(path).read_text(errors="replace")[-3000:]
