"""One person's large import while others write: ``python -m bench.import_load --rows 1000000``.

What the hardening issue measured: a 1,000,000-row CSV import (19 MB) made other people's
favorites fail with 500 "database is locked". This starts the web server and the job worker
exactly as ``make run`` does (the Procfile's commands) on a fresh SQLite instance, uploads a
CSV of ``--rows`` articles as one account, and while the import runs keeps ``--writers``
other accounts favoriting and unfavoriting articles (and signing in now and then) as fast as
they are answered. It prints the writes' status codes and latencies (p50, p99, max), the
import's duration, and the worker's RSS before and at its peak (``VmHWM``). Exit status 1 if
any write got a 5xx. Not run by the tests (``tests/jobs/test_import_load.py`` is its small
version).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from bench.servers import ROOT, free_port, procfile_argv

PASSWORD = "import-load-Password-1"
HEADER = "slug,title,description,body,tags,published,created_at,updated_at,author"


def call(
    base: str, method: str, path: str, body: Any = None, token: str = "", timeout: float = 30
) -> tuple[int, Any, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read() or b"null")
            return response.status, payload, time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, None, time.monotonic() - started


def upload(base: str, token: str, csv_path: Path) -> dict[str, Any]:
    boundary = "----importload"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body = head + csv_path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(base + "/api/v1/imports", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=300) as response:
        job: dict[str, Any] = json.loads(response.read())["job"]
        return job


def write_csv(path: Path, rows: int) -> None:
    """Write a CSV export of ``rows`` small articles (about 40 bytes a line)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + HEADER + "\r\n")
        for n in range(rows):
            out.write(f"s{n},Imported {n},,Body {n},,true,,,a\r\n")


def _rss_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Writers:
    """Accounts that favorite, unfavorite and sign in until stopped; every answer is kept."""

    def __init__(self, base: str, tokens: list[tuple[str, str]], slugs: list[str]) -> None:
        self.base, self.tokens, self.slugs = base, tokens, slugs
        self.stop = threading.Event()
        self.results: list[tuple[str, int, float]] = []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(len(tokens))
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def _record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.results.append((kind, status, seconds))

    def _run(self, i: int) -> None:
        email, token = self.tokens[i]
        rng = random.Random(i)
        while not self.stop.is_set():
            slug = rng.choice(self.slugs)
            status, _, took = call(
                self.base, "POST", f"/api/v1/articles/{slug}/favorite", token=token
            )
            self._record("favorite", status, took)
            status, _, took = call(
                self.base, "DELETE", f"/api/v1/articles/{slug}/favorite", token=token
            )
            self._record("unfavorite", status, took)
            if rng.random() < 0.1:
                login = {"user": {"email": email, "password": PASSWORD}}
                status, _, took = call(self.base, "POST", "/api/v1/users/login", login)
                self._record("sign-in", status, took)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run(rows: int, writers: int, folder: Path) -> int:
    """Run one measurement in ``folder``; return the exit status."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INKSTONE_", "FLASK_"))}
    env.update(INKSTONE_INSTANCE_PATH=str(folder), INKSTONE_LOG_LEVEL="WARNING")
    # As `make run` does: the virtualenv's programs first on PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for key in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(key, None)
    subprocess.run(
        [str(Path(sys.executable).with_name("flask")), "db", "upgrade"],
        cwd=ROOT, env={**env, "FLASK_APP": "inkstone.app:create_app"}, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = folder / "logs"
    logs.mkdir()
    web = subprocess.Popen(
        procfile_argv("web"), cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=(logs / "web.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        procfile_argv("worker"), cwd=ROOT, env=env,
        stdout=(logs / "worker.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start; see {logs}")
            time.sleep(0.3)
        while "ready." not in (logs / "worker.log").read_text(errors="replace"):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(f"the worker did not start; see {logs}")
            time.sleep(0.3)
        tokens = []
        for i in range(writers + 1):
            user = {"username": f"load{i}", "email": f"load{i}@example.org", "password": PASSWORD}
            status, answer, _ = call(base, "POST", "/api/v1/users", {"user": user})
            if status != 201:
                raise RuntimeError(f"sign-up answered {status}")
            tokens.append((user["email"], answer["user"]["token"]))
        slugs = []
        for n in range(20):
            article = {"title": f"To favorite {n}", "description": "d", "body": "b"}
            _, answer, _ = call(
                base, "POST", "/api/v1/articles", {"article": article}, tokens[0][1]
            )
            slugs.append(answer["article"]["slug"])
        csv_path = folder / "import.csv"
        write_csv(csv_path, rows)
        print(
            f"import_load: {rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB; {writers} writers"
        )
        load = Writers(base, tokens[1:], slugs)
        # The worker's largest process (Celery's main process, whose threads run the job).
        rss_before = max(_rss_mb(p, "VmRSS") for p in _family(worker.pid))
        started = time.monotonic()
        job = upload(base, tokens[0][1], csv_path)
        load.start()
        while True:
            status, answer, _ = call(base, "GET", f"/api/v1/jobs/{job['id']}", token=tokens[0][1])
            if status == 200 and answer["job"]["status"] in ("succeeded", "failed", "cancelled"):
                job = answer["job"]
                break
            time.sleep(1)
        seconds = time.monotonic() - started
        load.finish()
        peak = max(_rss_mb(p, "VmHWM") for p in _family(worker.pid))
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    return _report(job, seconds, load.results, rss_before, peak)


def _healthy(base: str) -> bool:
    try:
        return call(base, "GET", "/healthz", timeout=2)[0] == 200
    except OSError:
        return False


def _family(pid: int) -> list[int]:
    """Return ``pid`` and its descendants (the respawn wrapper, Celery, its beat)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(_children(current))
    return found


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _report(
    job: dict[str, Any],
    seconds: float,
    results: list[tuple[str, int, float]],
    rss_before: float,
    peak: float,
) -> int:
    print(
        f"import: {job['status']} in {seconds:.0f} s ({job.get('message') or job.get('error')}); "
        f"worker's largest process RSS {rss_before:.0f} MB before, peak {peak:.0f} MB"
    )
    failures = 0
    for kind in sorted({k for k, _, _ in results}):
        mine = [(s, t) for k, s, t in results if k == kind]
        statuses = Counter(s for s, _ in mine)
        times = [t * 1000 for _, t in mine]
        failures += sum(n for s, n in statuses.items() if s >= 500)
        print(
            f"{kind:>10}: {len(mine):6,} answers {dict(sorted(statuses.items()))}; "
            f"p50 {statistics.median(times):.0f} ms, p99 {_percentile(times, 0.99):.0f} ms, "
            f"max {max(times):.0f} ms"
        )
    print(f"5xx: {failures}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.import_load", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="import-load-") as folder:
        return run(args.rows, args.writers, Path(folder))


if __name__ == "__main__":
    sys.exit(main())
