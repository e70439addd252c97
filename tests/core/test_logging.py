"""Every log line, ours or a library's, carries the request id of the request it belongs to."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from inkstone import create_app
from inkstone.extensions import db
from tests.conftest import app_config


@pytest.fixture
def logged(tmp_path, database_url, monkeypatch):
    """An app logging JSON lines into a buffer instead of stderr."""
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    app = create_app(
        app_config(tmp_path, database_url, LOG_REQUESTS=True, LOG_LEVEL="INFO", LOG_FORMAT="json")
    )

    @app.get("/_log_probe")
    def probe():
        logging.getLogger("some.library").warning("a library speaks")
        return {"ok": True}

    yield app, buffer
    logging.getLogger().handlers.clear()
    with app.app_context():  # /readyz asks the database: give its connection back
        db.engine.dispose()


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def test_request_line_and_library_records_carry_the_request_id(logged):
    app, buffer = logged
    response = app.test_client().get("/_log_probe", headers={"X-Request-ID": "trace-42"})
    assert response.headers["X-Request-ID"] == "trace-42"
    lines = _lines(buffer)
    library = [line for line in lines if line.get("event") == "a library speaks"]
    request = [line for line in lines if line.get("event") == "request"]
    assert library
    assert library[0]["request_id"] == "trace-42"
    assert library[0]["logger"] == "some.library"
    assert request
    assert request[0]["request_id"] == "trace-42"
    assert request[0]["status"] == 200
    assert request[0]["path"] == "/_log_probe"


def test_each_request_gets_its_own_id(logged):
    app, buffer = logged
    client = app.test_client()
    ids = {client.get("/_log_probe").headers["X-Request-ID"] for _ in range(3)}
    logged_ids = {line["request_id"] for line in _lines(buffer) if line.get("event") == "request"}
    assert len(ids) == 3
    assert logged_ids == ids


def test_health_probes_are_not_logged_at_info_level(logged):
    app, buffer = logged
    client = app.test_client()
    for probe in ("/healthz", "/readyz", "/healthz"):
        assert client.get(probe).status_code == 200
    assert [line for line in _lines(buffer) if line.get("event") == "request"] == []
