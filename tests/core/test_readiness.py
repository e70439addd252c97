"""``/readyz`` tells a load balancer which service is missing; ``/healthz`` only that we run."""

from __future__ import annotations

import time
from pathlib import Path

from bench.servers import free_port
from inkstone.app import create_app
from inkstone.extensions import db
from tests.conftest import app_config


def test_readiness_names_a_redis_that_is_down_and_answers_quickly(
    tmp_path: Path, database_url: str
):
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = create_app(app_config(tmp_path / "instance", database_url, REDIS_URL=closed))
    client = app.test_client()
    started = time.monotonic()
    try:
        response = client.get("/readyz")
    finally:
        with app.app_context():
            db.engine.dispose()  # its pooled connection (PostgreSQL runs) goes with it
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json == {
        "status": "unavailable",
        "database": "ok",
        "redis": "unreachable",
        "broker": "unreachable",
    }
    assert client.get("/healthz").status_code == 200
