"""Scheduled publishing with real transactions: racing publishers, and a real worker restarted.

On a migrated SQLite file (each transaction real, as in the worker): two threads publishing
the due drafts at once publish each once; a draft whose time passed while no worker ran is
published once when a worker starts and takes the beats that were queued meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from inkstone.articles import scheduler, scheduling
from inkstone.articles import services as article_services
from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.core import events
from inkstone.core.db import utcnow
from inkstone.extensions import db
from tests.conftest import require_service
from tests.worker_helpers import CELERY, file_app, start_worker, stop, wait_until_ready

pytestmark = [
    pytest.mark.slow,
    # kombu's SQLAlchemy transport maps a relationship with lazy="noload" (deprecated in 2.1).
    pytest.mark.filterwarnings(
        "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
    ),
]
PUBLISH_TIMEOUT = 60


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Flask, int, Path]]:
    instance = tmp_path / "instance"
    app, user_id = file_app(instance, CELERY_TASK_ALWAYS_EAGER=False)
    yield app, user_id, instance
    app.extensions["celery"].close()
    with app.app_context():
        db.engine.dispose()


def _schedule(app: Flask, user_id: int, title: str, seconds: float) -> int:
    with app.app_context():
        author = db.session.get(User, user_id)
        assert author is not None
        article = article_services.create_article(
            author=author, title=title, description="", body="b", published=False,
            publish_at=utcnow() + timedelta(seconds=seconds),
        )  # fmt: skip
        db.session.commit()
        return article.id


def _state(app: Flask, article_id: int) -> tuple[bool, int]:
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article is not None
        count = db.session.scalar(select(User.articles_count).where(User.id == article.author_id))
        state = (article.published, int(count or 0))
        db.session.remove()
        return state


def test_two_racing_publishers_publish_each_draft_once(site):
    app, user_id, _ = site
    ids = [_schedule(app, user_id, f"Race {n}", 1) for n in range(3)]
    time.sleep(1.2)
    heard: list[int] = []

    def receiver(*, article: Article, **_: Any) -> None:
        heard.append(article.id)

    events.article_published.connect(receiver, when=events.AFTER_COMMIT)
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def publisher() -> None:
        try:
            with app.app_context():
                start.wait()
                counts.append(scheduler.publish_due())
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=publisher) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        events.article_published.disconnect(receiver)
    assert errors == []
    assert sorted(heard) == ids  # each published once, wherever it was
    assert sum(counts) == 3
    assert all(_state(app, article_id)[0] for article_id in ids)
    assert _state(app, ids[0])[1] == 3


def test_a_time_missed_while_the_worker_was_down_publishes_once_when_it_starts(site, tmp_path):
    require_service("the celery command", CELERY.exists(), str(CELERY))
    app, user_id, instance = site
    article_id = _schedule(app, user_id, "While down", 2)
    time.sleep(2.5)  # the time passes with no worker running
    celery_app = app.extensions["celery"]
    for _ in range(2):  # two beats queued meanwhile (a beat of its own, as in a scaled setup)
        celery_app.send_task(scheduling.PUBLISH_DUE_TASK)
    assert _state(app, article_id) == (False, 0)

    log = tmp_path / "worker.log"
    worker = start_worker(instance, log)
    try:
        problem = wait_until_ready(worker, log)
        if problem is not None:
            require_service("a Celery worker", False, problem)
        deadline = time.monotonic() + PUBLISH_TIMEOUT
        while _state(app, article_id) != (True, 1):
            if time.monotonic() > deadline:
                pytest.fail(f"not published; worker:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        # both queued beats run; the second finds nothing due
        deadline = time.monotonic() + PUBLISH_TIMEOUT
        while log.read_text(errors="replace").count("inkstone.articles.publish_due") < 4:
            if time.monotonic() > deadline or worker.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        stop(worker)
    output = log.read_text(errors="replace")
    assert output.count("articles.published_on_schedule") == 1, output[-3000:]
    assert _state(app, article_id) == (True, 1)
    # the event reached its subscribers in the worker, after the commit: search has it
    with app.app_context():
        indexed = db.session.execute(
            text("SELECT count(*) FROM search_articles WHERE rowid = :id"), {"id": article_id}
        ).scalar()
        db.session.remove()
    assert indexed == 1
