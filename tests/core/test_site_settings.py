"""Site settings: defaults from the environment, and a save seen by every process at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from inkstone.core.site import (
    SiteSettings,
    forget_site_settings,
    save_site_settings,
    site_settings,
)
from inkstone.extensions import db
from tests.worker_helpers import file_app


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two apps on one SQLite file, as two gunicorn workers: no shared memory, one database."""
    first, _writer = file_app(tmp_path / "instance", SITE_SETTINGS_TTL=0)
    second, _writer = file_app(tmp_path / "instance", SITE_SETTINGS_TTL=0)
    yield first, second
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def _title(app: Flask, path: str = "/login") -> str:
    page = app.test_client().get(path).get_data(as_text=True)
    return page.split("<title>", 1)[1].split("</title>", 1)[0]


def test_a_save_in_one_process_is_seen_by_another_without_a_restart(two_processes):
    first, second = two_processes
    assert _title(second).endswith("Inkstone")  # the second one has read (and kept) them
    with first.app_context():
        save_site_settings(
            changes={"site_name": "Brushwood", "announcement_html": "<p>Hello</p>"},
            actor_id=None,
        )
        db.session.commit()
    assert _title(second).endswith("Brushwood")
    page = second.test_client().get("/").get_data(as_text=True)
    assert "<p>Hello</p>" in page
    with second.app_context():
        assert site_settings().tagline == ""  # keys never saved keep their defaults


def test_a_process_rechecks_only_after_its_ttl(tmp_path: Path):
    first, _writer = file_app(tmp_path / "instance", SITE_SETTINGS_TTL=0)
    slow, _writer = file_app(tmp_path / "instance", SITE_SETTINGS_TTL=3600)
    try:
        assert _title(slow).endswith("Inkstone")
        with first.app_context():
            save_site_settings(changes={"site_name": "Brushwood"}, actor_id=None)
            db.session.commit()
        assert _title(slow).endswith("Inkstone")  # within its TTL: the copy it has
        with slow.app_context():
            forget_site_settings()
        assert _title(slow).endswith("Brushwood")
    finally:
        for app in (first, slow):
            with app.app_context():
                db.engine.dispose()


def test_defaults_come_from_the_environment(app, make_limited_app):
    strict = make_limited_app(SITE_NAME="Elsewhere", REQUIRE_EMAIL_CONFIRMATION=True)
    with strict.app_context():
        forget_site_settings()
        settings = site_settings()
    assert settings.site_name == "Elsewhere"
    assert settings.require_email_confirmation is True
    assert settings.registration == "open"
    assert SiteSettings().comments_enabled is True


def test_unknown_keys_are_refused(app_ctx):
    with pytest.raises(ValueError, match="unknown site settings"):
        save_site_settings(changes={"colour": "red"}, actor_id=None)
