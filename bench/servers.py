"""Start gunicorn exactly as ``make run`` does (the Procfile's web line) and stop it by PID."""

from __future__ import annotations

import os
import runpy
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HELLO_APP = "bench.hello:app"


class ServerError(RuntimeError):
    """A server did not start or answer."""


@dataclass
class Server:
    """A running gunicorn master."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"


def procfile_command(process: str) -> list[str]:
    """Return the Procfile's command for ``process`` (``web``, ``worker``)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return shlex.split(command)
    raise ServerError(f"Procfile has no {process} line")


def procfile_argv(process: str) -> list[str]:
    """Return the Procfile's command for ``process`` with its program from this virtualenv."""
    args = procfile_command(process)
    if (BIN / args[0]).exists():
        args[0] = str(BIN / args[0])
    return args


def web_command(app_spec: str | None = None) -> list[str]:
    """Return the Procfile's ``web`` command, optionally serving another WSGI app."""
    args = procfile_command("web")
    if app_spec is not None:
        specs = [i for i, arg in enumerate(args) if ":" in arg and not arg.startswith("-")]
        if not specs:
            raise ServerError(f"no WSGI app in the Procfile web line: {args}")
        args[specs[-1]] = app_spec
    return args


def gunicorn_settings(bind: str = "127.0.0.1:0") -> dict[str, Any]:
    """Return the settings the gunicorn config file gives under the benchmark environment."""
    args = web_command()
    config = args[args.index("-c") + 1] if "-c" in args else "gunicorn.conf.py"
    saved = os.environ.get("GUNICORN_BIND")
    os.environ["GUNICORN_BIND"] = bind
    try:
        values = runpy.run_path(str(ROOT / config))
    finally:
        if saved is None:
            os.environ.pop("GUNICORN_BIND", None)
        else:
            os.environ["GUNICORN_BIND"] = saved
    simple = (str, int, float, bool, type(None))
    return {k: v for k, v in values.items() if not k.startswith("_") and isinstance(v, simple)}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(name: str, *, app_spec: str | None, env: dict[str, str], log: Path) -> Server:
    """Start gunicorn for ``app_spec`` (``None``: the Procfile's app) on a free local port."""
    port = free_port()
    process = _spawn(web_command(app_spec), {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, log)
    return Server(name=name, process=process, port=port, log=log)


def start_worker(*, env: dict[str, str], log: Path) -> Server:
    """Start the job worker as ``make run`` does (the Procfile's worker line); it has no port."""
    return Server(
        name="worker", process=_spawn(procfile_command("worker"), env, log), port=0, log=log
    )


def wait_worker(server: Server, *, timeout: float = 60.0) -> None:
    """Wait until the worker's log says it is ready, or raise with the tail of its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(
                f"the worker exited with {server.process.returncode}:\n{_tail(server)}"
            )
        if b" ready." in server.log.read_bytes():
            return
        time.sleep(0.2)
    raise ServerError(f"the worker is not ready after {timeout:.0f} s:\n{_tail(server)}")


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # `make run` puts the virtualenv first on PATH before honcho runs the Procfile line.
    full_env = {
        **os.environ,
        **env,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    executable = BIN / args[0]
    if executable.exists():
        args[0] = str(executable)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the bench, which stops servers in order
        )


def wait_ready(server: Server, path: str, *, timeout: float = 60.0) -> None:
    """Wait until ``path`` answers 200, or raise with the tail of the server's log."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(
                f"{server.name} exited with {server.process.returncode}:\n{_tail(server)}"
            )
        try:
            with urllib.request.urlopen(server.base_url + path, timeout=5) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = str(exc)
        time.sleep(0.2)
    raise ServerError(f"{server.name} not ready after {timeout:.0f} s ({last}):\n{_tail(server)}")


def stop(server: Server, *, grace: float = 15.0) -> None:
    """Stop the gunicorn master (or worker) by PID: SIGTERM (graceful), then SIGKILL."""
    process = server.process
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _tail(server: Server, lines: int = 30) -> str:
    try:
        return "\n".join(server.log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
