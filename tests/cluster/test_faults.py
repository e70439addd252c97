"""Faults: the cluster loses a node, or a service for a while, and carries on.

Each test breaks one thing of the running cluster (``deploy.cluster``), measures what people
would have noticed, puts it back, and checks the cluster is whole again: a gunicorn host
killed under load (nginx retries on the other, the host rejoins), a Celery worker killed in
the middle of an export (the other finishes it), Redis and PostgreSQL stopped for 10 s (503
with Retry-After, never 500; everything recovers without restarting the app, nothing
committed is lost). Each prints its figures as ``FIGURE …`` lines (``pytest -s`` or ``-rP``).
The same faults without a cluster, for ``make test``: ``tests/core/test_redis_outage.py``,
``tests/core/test_outages.py``, ``tests/jobs/test_worker.py``.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from sqlalchemy import create_engine, delete, insert, select
from sqlalchemy.engine import Engine

from deploy.cluster import Cluster
from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.core.db.ids import new_id
from inkstone.jobs.models import Job
from tests.cluster.faults import (
    FINISHED,
    JOB_TIMEOUT,
    OUTAGE_SECONDS,
    Answer,
    Register,
    Visitor,
    ask,
    check,
    export,
    figure,
    finished_job,
    people,
    round_of_requests,
    served_by,
    tally,
    write,
)

# --------------------------------------------------------------------------- a web host


def kill_host(cluster: Cluster, name: str) -> None:
    """SIGKILL the whole gunicorn host ``name``: its master and its worker, as a lost machine.

    ``cluster.kill`` signals the master alone; its orphaned worker would go on serving for
    a second and then stop gracefully, finishing what it had: a gentler fault than a crash.
    """
    pid = cluster.pid(name)
    assert pid is not None, f"{name} is not running"
    assert os.getpgid(pid) == pid, "the host is not a process group of its own"
    os.killpg(pid, signal.SIGKILL)


def test_a_web_host_killed_under_load_costs_no_request_and_rejoins(
    cluster: Cluster, visitor: Visitor, register: Register
) -> None:
    """kill -9 web1 (its gunicorn master and worker: the whole host) while 4 clients read.

    Half the reads are anonymous pages and lists (answered from the shared cache), half an
    API client's with its token (never cached: the app logs each with nginx's request id,
    which tells which host served it; cache hits are not logged).
    """
    reader = register("load")
    anonymous = ["/", "/api/v1/articles", "/api/v1/tags"]
    with_token = ["/api/v1/user", "/api/v1/articles?limit=5", "/api/v1/articles/feed"]
    paths = [path for pair in zip(anonymous, with_token, strict=True) for path in pair]
    answers: list[Answer] = []
    stop_at = time.monotonic() + 8.0

    def read(client: requests.Session, offset: int) -> None:
        for path in itertools.islice(itertools.cycle(paths), offset, None):
            if time.monotonic() >= stop_at:
                return
            headers = reader.headers if path in with_token else {}
            answers.append(ask(path, client.get, cluster.address + path, headers=headers))

    def hosts(of: list[Answer]) -> collections.Counter[str]:
        return collections.Counter(served_by(cluster, (a.request_id for a in of)).values())

    readers = [threading.Thread(target=read, args=(visitor(), n)) for n in range(4)]
    try:
        for thread in readers:
            thread.start()
        time.sleep(2.0)
        killed_at = time.monotonic()
        kill_host(cluster, "web1")
        for thread in readers:
            thread.join(30)
        failed = [a for a in answers if not (isinstance(a.status, int) and a.status < 400)]
        late = [a for a in failed if a.began > killed_at + 1.0]
        before = hosts([a for a in answers if a.began < killed_at])
        after = hosts([a for a in answers if a.began > killed_at + 1.0])
        figure(
            f"web host kill: {len(answers)} GETs by 4 clients in 8 s, web1 killed at 2 s; "
            f"failed {len(failed)} (in the first second {len(failed) - len(late)}, after it "
            f"{len(late)}); token reads served before the kill {dict(before)}, after {dict(after)}"
        )
        assert before["web1"] > 0, "nginx did not spread the load"
        assert late == [], late
        assert set(after) == {"web2"}

        restarted_at = time.monotonic()
        cluster.start_service("web1")
        client = visitor()
        assert client.get(f"{cluster.hosts['web1']}/healthz", timeout=10).status_code == 200
        up_at = time.monotonic()
        sent: list[Answer] = []
        shares: collections.Counter[str] = collections.Counter()
        while shares["web1"] == 0 and time.monotonic() < restarted_at + 30:
            url = f"{cluster.address}/api/v1/user"
            batch = [ask("me", client.get, url, headers=reader.headers) for _ in range(20)]
            assert [a.status for a in batch] == [200] * 20, batch
            sent += batch
            shares = hosts(batch)
        figure(
            f"web1 restart: up {up_at - restarted_at:.1f} s after start_service, given requests "
            f"by nginx {time.monotonic() - up_at:.1f} s later (its fail_timeout is 5 s); of the "
            f"last 20 it served {shares['web1']}, web2 {shares['web2']}; {len(sent)} requests "
            "sent since the restart, none failed"
        )
        assert shares["web1"] > 0, "nginx sends nothing to the restarted host"
    finally:
        for thread in readers:
            thread.join(30)
        cluster.start_service("web1")


# --------------------------------------------------------------------------- a Celery worker

EXPORTED = 20_000  # enough for an export to run a second or two, so it can be killed midway


@contextmanager
def drafts(cluster: Cluster, username: str, count: int) -> Iterator[Engine]:
    """Give ``username`` ``count`` drafts (no one else sees them) for the test's length.

    Yields the test's own engine on the cluster's PostgreSQL, to watch job rows.
    """
    url = cluster.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_pre_ping=True)
    with engine.begin() as connection:
        author = connection.scalar(select(User.id).where(User.username == username))
        body = "A body of some length. " * 20
        rows = [
            {"id": new_id(), "slug": f"bulk-{n}-{new_id()}", "title": f"Bulk {n}", "body": body}
            for n in range(count)
        ]
        connection.execute(insert(Article).values(author_id=author, published=False), rows)
    try:
        yield engine
    finally:
        with engine.begin() as connection:
            connection.execute(delete(Article).where(Article.author_id == author))
        engine.dispose()


def job_row(engine: Engine, job_id: int) -> Any:
    """Return the job's status, progress, runner and attempts as the database has them."""
    with engine.connect() as connection:
        return connection.execute(
            select(Job.status, Job.progress, Job.runner, Job.attempts).where(Job.id == job_id)
        ).one()


def test_a_worker_killed_in_the_middle_of_an_export_leaves_it_to_the_other(
    cluster: Cluster, visitor: Visitor, register: Register
) -> None:
    person, client = register("export"), visitor()
    victim = None
    with drafts(cluster, person.username, EXPORTED) as engine:
        try:
            job_id = export(cluster, client, person)
            deadline = time.monotonic() + 30
            while (row := job_row(engine, job_id)).progress == 0 and row.status not in FINISHED:
                assert time.monotonic() < deadline, row
                time.sleep(0.02)
            assert row.status == "running", "the export was too quick to be killed in the middle"
            node, _machine, pid = row.runner.rsplit(" ", 2)  # "worker1@host host 1234"
            victim = node.partition("@")[0]
            assert cluster.pid(victim) == int(pid)
            cluster.kill(victim)  # SIGKILL: a threads-pool worker is one process
            killed_at, progress, taken_over = time.monotonic(), row.progress, None
            while (row := job_row(engine, job_id)).status not in FINISHED:
                elapsed = time.monotonic() - killed_at
                if (
                    taken_over is None
                    and row.status == "running"
                    and row.runner[: len(node)] != node
                ):
                    taken_over = elapsed
                assert elapsed < JOB_TIMEOUT, row
                time.sleep(0.05)
            figure(
                f"worker kill: {victim} killed at {progress} % of an export of {EXPORTED} "
                f"articles; the other worker took it over {taken_over or 0:.1f} s later and "
                f"finished it {time.monotonic() - killed_at:.1f} s after the kill "
                "(JOB_RECOVER_SECONDS=15)"
            )
            assert (row.status, row.attempts) == ("succeeded", 2)
            assert not row.runner.startswith(node)
            url = f"{cluster.address}/api/v1/jobs/{job_id}/download"
            download = client.get(url, headers=person.headers, timeout=60)
            assert download.status_code == 200
            assert download.content.decode("utf-8-sig").count("\nbulk-") == EXPORTED
        finally:
            if victim is not None:
                cluster.start_service(victim)


# --------------------------------------------------------------------------- Redis, PostgreSQL

BACK = {
    "anonymous home": {200},
    "anonymous article": {200},
    "API article list": {200},
    "signed-in page": {200},
    "web sign-in": {302},
    "web sign-up": {302},
    "API sign-in": {200},
    "API sign-up": {201},
    "API as a token holder": {200},
}
REDIS_AWAY = {
    **{label: {200} for label in ("anonymous home", "anonymous article", "API article list")},
    "API as a token holder": {200},  # a token needs neither a session nor a limit
    # Sessions, rate limits and sign-in failure counts live in Redis.
    **{label: {503} for label in ("signed-in page", "web sign-in", "web sign-up")},
    **{label: {503} for label in ("API sign-in", "API sign-up")},
    # Accepted: committed, its task waits in the outbox (the article's: search indexing).
    "API export": {202},
    "API new article": {201},
}


def test_with_redis_stopped_for_10_s_what_needs_it_is_503_and_all_recovers(
    cluster: Cluster, visitor: Visitor, register: Register
) -> None:
    who = people(cluster, visitor, register)
    authors_list = f"{cluster.address}/api/v1/articles?author={who.author.username}"
    assert who.anonymous.get(authors_list, timeout=30).status_code == 200  # cached now
    title = f"Written while Redis was away {secrets.token_hex(4)}"
    try:
        cluster.stop_service("redis")
        stopped_at = time.monotonic()
        url = f"{cluster.address}/api/v1/exports"
        headers, body = who.author.headers, {"export": {"format": "csv"}}
        answers = [ask("API export", who.api.post, url, json=body, headers=headers)]
        answers.append(write(cluster, who, title))
        while time.monotonic() < stopped_at + OUTAGE_SECONDS:
            answers += round_of_requests(cluster, who)
        figure(f"Redis stopped 10 s: {len(answers)} requests, statuses {tally(answers)}")
        figure(f"Redis stopped 10 s: slowest answer {max(a.seconds for a in answers):.2f} s")
        check(answers, REDIS_AWAY)
    finally:
        cluster.start_service("redis")
    back_at = time.monotonic()
    # No restart of anything: the same browser is still signed in (Redis keeps its data on
    # disk, appendonly), and every kind of request works again at once.
    after = round_of_requests(cluster, who)
    figure(f"Redis back: first requests {tally(after)}")
    check(after, BACK)
    assert who.author.email in who.reader.get(f"{cluster.address}/settings", timeout=30).text
    # The export asked for while Redis was away runs (the outbox sweep sends it)...
    during = int(json.loads(answers[0].body)["job"]["id"])
    assert finished_job(cluster, who.api, who.author, during) == "succeeded"
    late, started = time.monotonic() - back_at, time.monotonic()
    # ...and one asked for now runs at once: the workers found the broker again by themselves.
    now = export(cluster, who.api, who.author)
    assert finished_job(cluster, who.api, who.author, now) == "succeeded"
    figure(
        f"Redis back: the export asked for during the outage finished {late:.1f} s after "
        f"Redis returned; a new export took {time.monotonic() - started:.1f} s"
    )
    # What was written meanwhile is what anonymous readers see (no stale cached list).
    listed = who.anonymous.get(authors_list, timeout=30).json()["articles"]
    assert title in [article["title"] for article in listed]


def test_a_job_queued_before_redis_restarts_is_not_lost(
    cluster: Cluster, visitor: Visitor, register: Register
) -> None:
    """No worker takes the export before Redis restarts: it waits in Redis's own queue."""
    person, client = register("queued"), visitor()
    try:
        cluster.stop_service("worker1")
        cluster.stop_service("worker2")
        job_id = export(cluster, client, person)
        cluster.stop_service("redis")
    finally:
        for name in ("redis", "worker1", "worker2"):
            cluster.start_service(name)
    assert finished_job(cluster, client, person, job_id) == "succeeded"
    figure(
        "Redis restart (appendonly yes, appendfsync everysec): the export queued before it, "
        "with no worker running, ran once the workers were back"
    )


DATABASE_AWAY = {
    # Anonymous pages the cache holds are still served; the others say "come back soon".
    **{label: {200, 503} for label in ("anonymous home", "anonymous article", "API article list")},
    **{label: {503} for label in ("signed-in page", "web sign-in", "web sign-up")},
    **{label: {503} for label in ("API sign-in", "API sign-up", "API as a token holder")},
    "API new article": {503},
}
KEPT = 10  # articles written before the outage, every one of which must still be there


def test_with_postgresql_stopped_for_10_s_requests_are_503_and_nothing_is_lost(
    cluster: Cluster, visitor: Visitor, register: Register
) -> None:
    who = people(cluster, visitor, register, articles=KEPT)
    site, headers = cluster.address, who.author.headers
    # A restart nobody saw (no request while it was down): the connections each process kept
    # are dead, and are replaced unnoticed (pool_pre_ping), on both hosts.
    cluster.stop_service("postgres")
    cluster.start_service("postgres")
    quiet = [
        ask(host, who.api.get, f"{url}{path}", headers=headers)
        for host, url in cluster.hosts.items()
        for path in ("/api/v1/user", "/api/v1/user", "/api/v1/articles/feed")
    ]
    figure(f"PostgreSQL restarted, no request meanwhile: the next requests {tally(quiet)}")
    assert [a.status for a in quiet] == [200] * len(quiet), quiet

    answers: list[Answer] = []
    try:
        cluster.stop_service("postgres")
        stopped_at = time.monotonic()
        while time.monotonic() < stopped_at + OUTAGE_SECONDS:
            answers += [*round_of_requests(cluster, who), write(cluster, who, "Never written")]
        figure(f"PostgreSQL stopped 10 s: {len(answers)} requests, statuses {tally(answers)}")
        figure(f"PostgreSQL stopped 10 s: slowest answer {max(a.seconds for a in answers):.2f} s")
        check(answers, DATABASE_AWAY)
    finally:
        cluster.start_service("postgres")
    back_at = time.monotonic()
    after = round_of_requests(cluster, who)
    figure(f"PostgreSQL back: first requests {tally(after)}")
    check(after, BACK)
    # Every committed article is there; none of the writes refused meanwhile half-happened.
    for slug in who.slugs:
        assert who.api.get(f"{site}/api/v1/articles/{slug}", timeout=30).status_code == 200
    mine = who.api.get(
        f"{site}/api/v1/articles?author={who.author.username}&limit=100", headers=headers
    ).json()
    assert mine["articlesCount"] == KEPT
    # The workers found the database again too.
    assert finished_job(cluster, who.api, who.author, export(cluster, who.api, who.author)) == (
        "succeeded"
    )
    figure(
        f"PostgreSQL back: {KEPT} of {KEPT} articles written before are there, none of the "
        f"refused writes; an export asked for after it finished {time.monotonic() - back_at:.1f} s "
        "after PostgreSQL returned"
    )
