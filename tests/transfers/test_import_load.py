"""One person's import while others write, on the web server and worker ``make run`` starts.

Before: a large import held SQLite's write lock batch after batch, and other people's
favorites, sign-ins and the importer's own cancel waited in SQLite's busy handler until its
5 s timeout, then got 500 "database is locked". Now writers queue on ``core.sqlite_gate`` and
the import steps aside after each short batch: nobody gets a 5xx.
(``python -m bench.import_load`` is the large version of this test.)
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from bench.import_load import PASSWORD, Writers, call, upload, write_csv
from tests.server_helpers import web_server
from tests.worker_helpers import file_app, start_worker, stop, wait_until_ready

pytestmark = pytest.mark.slow
ROWS = 3000


def _sign_up(base: str, name: str) -> tuple[str, str]:
    user = {"username": name, "email": f"{name}@example.org", "password": PASSWORD}
    status, answer, _ = call(base, "POST", "/api/v1/users", {"user": user})
    assert status == 201
    return user["email"], answer["user"]["token"]


def _wait_for(base: str, token: str, job_id: str, seconds: float = 240) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, answer, _ = call(base, "GET", f"/api/v1/jobs/{job_id}", token=token)
        assert status == 200
        if answer["job"]["status"] in ("succeeded", "failed", "cancelled"):
            return answer["job"]
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish in {seconds} s")


def test_a_large_import_shares_the_database_with_everyone_else(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    file_app(instance)
    log = tmp_path / "worker.log"
    worker = start_worker(instance, log, concurrency=2)
    try:
        assert wait_until_ready(worker, log) is None
        with web_server(instance) as base:
            importer = _sign_up(base, "importer")
            writers = [_sign_up(base, f"reader{i}") for i in range(3)]
            slugs = []
            for n in range(10):
                article = {"title": f"Liked {n}", "description": "d", "body": "b"}
                status, answer, _ = call(
                    base, "POST", "/api/v1/articles", {"article": article}, importer[1]
                )
                assert status == 201
                slugs.append(answer["article"]["slug"])
            write_csv(tmp_path / "big.csv", ROWS)
            load = Writers(base, writers, slugs)
            job = upload(base, importer[1], tmp_path / "big.csv")
            load.start()
            # A second import, cancelled by its owner while both run.
            second = upload(base, importer[1], tmp_path / "big.csv")
            time.sleep(2)
            cancel = call(base, "POST", f"/api/v1/jobs/{second['id']}/cancel", token=importer[1])
            finished = _wait_for(base, importer[1], job["id"])
            load.finish()
            listed = call(base, "GET", "/api/v1/articles?author=importer&limit=1")[1]
    finally:
        stop(worker)

    statuses = Counter(status for _, status, _ in load.results)
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses[200] > 50, statuses  # the writers were answered all along
    assert cancel[0] == 200
    assert finished["status"] == "succeeded"
    summary = finished["summary"]
    # Rows the cancelled import wrote first were skipped by this one: every row is there once.
    assert summary["failed"] == 0
    assert summary["created"] + summary["skipped"] == ROWS
    assert listed["articlesCount"] == ROWS + len(slugs)
