"""Typed settings: fail fast on a bad secret in production, keep a development secret."""

from __future__ import annotations

import stat

import pytest

from inkstone import create_app
from inkstone.core.config import ConfigError, Settings

SECRET_VARS = ("SECRET_KEY", "INKSTONE_SECRET_KEY", "ENV", "INKSTONE_ENV")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in SECRET_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("secret", ["", "change-me", "secret", "dev", "too-short-value"])
def test_production_refuses_a_missing_or_placeholder_secret(tmp_path, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.load({"ENV": "production", "SECRET_KEY": secret, "INSTANCE_PATH": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()


def test_production_app_does_not_start_without_a_secret(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_production_secret_from_the_environment_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSTONE_SECRET_KEY", "a" * 40)
    settings = Settings.load({"ENV": "production", "INSTANCE_PATH": str(tmp_path)})
    assert settings.SECRET_KEY == "a" * 40
    assert settings.flask_config()["JWT_SECRET_KEY"] == "a" * 40


def test_development_secret_is_generated_once_and_kept(tmp_path):
    instance = tmp_path / "instance"
    first = Settings.load({"ENV": "development", "INSTANCE_PATH": str(instance)})
    path = instance / "secret_key"
    assert path.read_text().strip() == first.SECRET_KEY
    assert len(first.SECRET_KEY) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # readable by the owner only

    second = Settings.load({"ENV": "development", "INSTANCE_PATH": str(instance)})
    assert second.SECRET_KEY == first.SECRET_KEY  # sessions and tokens survive a restart


def test_testing_secret_is_random_and_not_written(tmp_path):
    one = Settings.load({"ENV": "testing", "INSTANCE_PATH": str(tmp_path)})
    two = Settings.load({"ENV": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert len(one.SECRET_KEY) >= 32
    assert one.SECRET_KEY != two.SECRET_KEY
    assert not (tmp_path / "secret_key").exists()


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="ENV"):
        Settings.load({"ENV": "staging", "INSTANCE_PATH": str(tmp_path)})


def test_environment_values_are_typed(tmp_path, monkeypatch):
    monkeypatch.setenv("INKSTONE_MAX_CONTENT_LENGTH", "2048")
    monkeypatch.setenv("INKSTONE_LOG_REQUESTS", "off")
    settings = Settings.load({"ENV": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert settings.MAX_CONTENT_LENGTH == 2048
    assert settings.LOG_REQUESTS is False

    monkeypatch.setenv("INKSTONE_MAX_CONTENT_LENGTH", "lots")
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        Settings.load({"ENV": "testing", "INSTANCE_PATH": str(tmp_path)})


def test_embedded_defaults_live_in_the_instance_folder(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"INKSTONE_{name}", raising=False)
    settings = Settings.load({"ENV": "testing", "INSTANCE_PATH": str(tmp_path)})
    database, broker = tmp_path / "inkstone.db", tmp_path / "celery-broker.db"
    urls = (settings.DATABASE_URL, settings.CELERY_BROKER_URL)
    assert urls == (f"sqlite:///{database}", f"sqla+sqlite:///{broker}")
    assert settings.is_sqlite


def test_postgres_urls_use_psycopg3(tmp_path):
    settings = Settings.load(
        {"ENV": "testing", "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgres://u:p@h/db"}
    )
    assert settings.flask_config()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@h/db"
