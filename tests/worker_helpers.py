"""An app on a SQLite file as a worker has it; a real Celery worker in a subprocess, stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import flask_migrate
from flask import Flask
from sqlalchemy import select

from inkstone import create_app
from inkstone.auth.models import RoleName, User
from inkstone.auth.services import register_user
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, MIGRATIONS_DIR, ROOT, app_config

CELERY = Path(sys.executable).with_name("celery")
READY_TIMEOUT = 45  # seconds for the worker to boot
# Settings the worker must not inherit from the caller: it uses the embedded SQLite broker.
INHERITED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "INSTANCE_PATH",
    "ENV",
    "SECRET_KEY",
)


def file_app(instance: Path, **settings: Any) -> tuple[Flask, int]:
    """Return an app on the migrated SQLite file of ``instance``, and its author ``writer``'s id.

    Each transaction of its own is real there, as in the worker. ``writer`` is made once: an
    instance opened again (by another app) keeps it.
    """
    instance.mkdir(parents=True, exist_ok=True)
    app = create_app(app_config(instance, f"sqlite:///{instance / 'inkstone.db'}", **settings))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        user = db.session.scalar(select(User).where(User.username == "writer"))
        if user is None:
            user = register_user(
                username="writer",
                email="writer@example.org",
                password=DEFAULT_PASSWORD,
                role=RoleName.AUTHOR,
                confirmed=True,
            )
            db.session.commit()
        user_id = user.id
        db.session.remove()
    return app, user_id


def worker_env(instance: Path, **settings: str) -> dict[str, str]:
    """Return the worker's environment: development settings on ``instance``, plus ``settings``.

    ``settings`` are Inkstone settings without their prefix (``CELERY_BROKER_URL=…``).
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k.removeprefix("INKSTONE_") not in INHERITED and not k.startswith("FLASK_")
    }
    env.update(
        INKSTONE_ENV="development",
        INKSTONE_INSTANCE_PATH=str(instance),
        INKSTONE_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"INKSTONE_{name}": value for name, value in settings.items()})
    return env


def start_worker(
    instance: Path,
    log: Path,
    *,
    concurrency: int = 1,
    settings: dict[str, str] | None = None,
    pool: str = "threads",
) -> subprocess.Popen[bytes]:
    """Start ``celery worker`` on ``instance`` (output appended to ``log``); do not wait.

    ``settings``: Inkstone settings for the worker, as in ``worker_env``. ``pool``: ``threads``
    (as ``make run``) or ``prefork`` (tasks in child processes).
    """
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "inkstone.wsgi:celery_app",
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=worker_env(instance, **(settings or {})),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_until_ready(worker: subprocess.Popen[bytes], log: Path, *, after: int = 0) -> str | None:
    """Return ``None`` once the worker is consuming, else why it is not.

    ``after``: where in ``log`` this worker's output starts (a log may hold several runs).
    """
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")[after:]
        if "ready." in text:
            return None
        if worker.poll() is not None:
            return f"exited with {worker.returncode}:\n{text[-3000:]}"
        time.sleep(0.2)
    return f"not ready after {READY_TIMEOUT}s:\n{log.read_text(errors='replace')[-3000:]}"


def stop(worker: subprocess.Popen[bytes]) -> None:
    """Stop the worker warmly (kill it if it will not stop)."""
    if worker.poll() is None:
        worker.terminate()  # warm shutdown
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def child_pids(pid: int) -> list[int]:
    """Return the pids of the processes whose parent is ``pid`` (Linux ``/proc``)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children
