"""Job progress and the bell share one budget of live streams per web process (core/streams)."""

from __future__ import annotations

from flask.testing import FlaskClient

from inkstone.auth.models import RoleName
from inkstone.jobs.models import JobStatus


def test_a_head_request_of_a_progress_stream_gives_its_slot_back(
    app, client, make_user, auth_headers, make_job
):
    # A HEAD is never iterated: before core/streams.Holding it kept the process's only slot,
    # and every watcher after it got 429 for good.
    owner = make_user(username="header", role=RoleName.AUTHOR)
    job = make_job(owner, JobStatus.SUCCEEDED)
    for _ in range(app.config["LIVE_STREAMS"] + 2):
        head = client.head(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
        assert head.status_code == 200
        head.close()  # as a WSGI server does with every body, read or not
    streamed = client.get(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
    assert streamed.status_code == 200
    assert "event: end" in streamed.get_data(as_text=True)


def test_an_open_bell_stream_leaves_a_progress_stream_to_poll(
    app, make_user, auth_headers, make_job, monkeypatch
):
    # Both kinds hold a web thread while open: together they may never take every thread.
    owner = make_user(username="watcher", role=RoleName.AUTHOR)
    job = make_job(owner, JobStatus.RUNNING, progress=10)
    monkeypatch.setitem(app.config, "NOTIFICATION_STREAM_SECONDS", 30)
    client = FlaskClient(app, app.response_class, use_cookies=True)  # this one may see 5xx
    bells = [
        client.get("/api/v1/notifications/events", headers=auth_headers(owner), buffered=False)
        for _ in range(app.config["LIVE_STREAMS"])
    ]
    try:
        for bell in bells:
            assert bell.status_code == 200
            assert next(bell.response) == b"retry: 3000\n\n"
            assert b"unreadCount" in next(bell.response)  # open and streaming
        refused = client.get(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
        assert refused.status_code == 429
        assert "read the job instead" in refused.json["errors"]["body"][0]
    finally:
        for bell in bells:
            bell.close()
    done = make_job(owner, JobStatus.SUCCEEDED)
    streamed = client.get(f"/api/v1/jobs/{done.id}/events", headers=auth_headers(owner))
    assert streamed.status_code == 200
