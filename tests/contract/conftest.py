"""Fixtures for the API contract tests: an app on its own database, a signed-in user, sample data.

These fixtures stand alone (they do not use ``tests/conftest.py``) and carry a ``contract_``
prefix so they never shadow the suite's own ``app``/``client``/``db`` fixtures.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from apiflask import APIFlask
from flask.testing import FlaskClient
from hypothesis.configuration import set_hypothesis_home_dir

from inkstone import create_app
from inkstone.auth.models import User
from inkstone.auth.sessions import start_session
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import Job, JobStatus

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations"
API_PREFIX = "/api/v1"
SPEC_PATH = f"{API_PREFIX}/openapi.json"
_PARAM = re.compile(r"\{([^}]+)\}")
# On PostgreSQL the contract tests live in their own schema, so they can reset it freely
# without touching (or waiting on locks held by) the rest of the suite in schema ``public``.
PG_SCHEMA = "contract_tests"
PASSWORD = "Contract-Tests-Pa55word!"


def _database_url(tmp: Path) -> str:
    url = os.environ.get("INKSTONE_TEST_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{tmp / 'contract.db'}"
    parsed = sa.make_url(url)
    if not parsed.drivername.startswith("postgres"):
        return url
    return parsed.update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"}).render_as_string(
        hide_password=False
    )


def _pg_schema(url: str, *, recreate: bool) -> None:
    """Drop the contract tests' schema, and create it afresh when ``recreate``."""
    admin_url = (
        sa.make_url(url).set(drivername="postgresql+psycopg").difference_update_query(["options"])
    )
    engine = sa.create_engine(admin_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            if recreate:
                conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def contract_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIFlask]:
    """Return an app with a freshly migrated database of its own."""
    tmp = tmp_path_factory.mktemp("contract")
    url = _database_url(tmp)
    is_pg = url.startswith("postgres")
    if is_pg:
        _pg_schema(url, recreate=True)
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": url,
            "RATELIMIT_ENABLED": False,
            # Tasks (mail, jobs) run in the request, as in the rest of the suite: no broker.
            "CELERY_TASK_ALWAYS_EAGER": True,
            "LOG_REQUESTS": False,
            "INSTANCE_PATH": str(tmp / "instance"),
            # Embedded backends whatever the environment says (CI exports service URLs).
            "REDIS_URL": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOG_LEVEL": "WARNING",
            # A job's event stream that waits on a job ends quickly (real ones last a minute).
            "JOB_EVENTS_MAX_SECONDS": 1,
            "NOTIFICATION_STREAM_SECONDS": 1,
        }
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
    yield app
    from inkstone.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if is_pg:
        _pg_schema(url, recreate=False)


# Answers that hand the sample user a new token: revoking ends every older one (and so may
# a new password), so tests that call every operation would lose theirs halfway through.
NEW_TOKEN = frozenset(
    {("POST", "/api/v1/user/tokens/revoke"), ("PUT", "/api/v1/user"), ("GET", "/api/v1/user")}
)


DELETES_THE_USER = frozenset({("DELETE", "/api/v1/user"), ("DELETE", "/api/user")})
# The site settings the contract tests need: anyone may sign up and write at once.
OPEN_SITE = {
    "registration": "open",
    "requireEmailConfirmation": False,
    "commentsEnabled": True,
    "defaultLanguage": "",
    # Staff must keep signing in through the API without a second factor.
    "requireTwoFactorForStaff": False,
}


class ContractClient(FlaskClient):
    """A test client that goes on with the new token an answer about the user hands out."""

    data: ContractData | None = None

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Read the whole answer and close it, as a server does (a job's file is an open file).
        kwargs.setdefault("buffered", True)
        response = super().open(*args, **kwargs)
        if self.data is not None:
            request = response.request
            self.data.follow(request.method, request.path, response.status_code, response.get_json)
        return response


@pytest.fixture(scope="session")
def contract_client(contract_app: APIFlask) -> FlaskClient:
    """Return a test client for ``contract_app``."""
    contract_app.test_client_class = ContractClient
    return contract_app.test_client()


@pytest.fixture(scope="session")
def contract_spec(contract_client: FlaskClient) -> dict[str, Any]:
    """Return the OpenAPI document the app serves."""
    response = contract_client.get(SPEC_PATH)
    assert response.status_code == 200, response.data
    spec: dict[str, Any] = response.get_json()
    return spec


@dataclass
class ContractData:
    """A signed-in user and objects it owns, for aiming generated requests at real rows."""

    client: FlaskClient
    username: str
    token: str
    other_username: str
    slug: str = ""
    comment_id: int = 0
    message_id: int = 0
    job_id: int = 0
    upload_id: int = 0

    generation: int = 0
    reopening: bool = False

    def start_over(self) -> None:
        """Register a new admin after a generated request deleted the sample user's account."""
        self.generation += 1
        self.username = f"contract-user-{self.generation}"
        self.token = _register(self.client, self.username)
        _make_admin(self.client, self.username)
        self.slug, self.comment_id = "", 0

    def follow(self, method: str, path: str, status: int, body: Callable[[], Any]) -> None:
        """Keep up with an answer about the user: a new token, or the account deleted."""
        if status == 200 and (method, path) in NEW_TOKEN:
            self.token = body()["user"]["token"]
            self.username = body()["user"]["username"]  # PUT /user may have renamed it
        elif status == 204 and (method, path) in DELETES_THE_USER:
            self.start_over()  # a generated request guessed the password it had just set
        elif (
            status == 204
            and method == "DELETE"
            and path.startswith(f"{API_PREFIX}/admin/users/")
            and path.rsplit("/", 1)[-1] == self.other_username
        ):
            _register(self.client, self.other_username)  # the name is free again: make it anew
        elif (
            status == 200
            and (method, path) == ("PUT", f"{API_PREFIX}/admin/settings")
            and not self.reopening
        ):
            # A generated request closed sign-up or required confirmed addresses: open them
            # again, or the next sample user could not be registered (or could not write).
            self.reopening = True  # this PUT comes back here: once is enough
            try:
                self.client.put(
                    f"{API_PREFIX}/admin/settings",
                    json={"settings": OPEN_SITE},
                    headers=self.headers,
                )
            finally:
                self.reopening = False

    @property
    def headers(self) -> dict[str, str]:
        """Return the RealWorld ``Authorization`` header for the user."""
        return {"Authorization": f"Token {self.token}"}

    def sample(self, name: str) -> str | int:
        """Return a value of the path parameter ``name`` that names a row (made if gone)."""
        if name == "username":
            return self.other_username
        ensure: dict[str, Callable[[], str | int]] = {
            "slug": self.ensure_article,
            "comment_id": self.ensure_comment,
            "message_id": self.ensure_message,
            "session_id": self.ensure_session,
            "job_id": self.ensure_job,
            "upload_id": self.ensure_upload,
            "invitation_id": self.ensure_invitation,
            "report_id": self.ensure_report,
        }
        return ensure[name]()

    def url(self, path: str, **override: str) -> str:
        """Return the URL of the spec's ``path``, each ``{parameter}`` naming a row."""
        return API_PREFIX + _PARAM.sub(
            lambda m: override[m[1]] if m[1] in override else str(self.sample(m[1])), path
        )

    def ensure_article(self) -> str:
        """Return the slug of an article the user owns, creating it if a test deleted it."""
        if self.slug and self.client.get(f"/api/v1/articles/{self.slug}").status_code == 200:
            return self.slug
        response = self.client.post(
            "/api/v1/articles",
            json={
                "article": {
                    "title": "Contract sample",
                    "description": "An article for the contract tests",
                    "body": "Generated requests aim at this article.",
                    "tagList": ["contract", "sample"],
                }
            },
            headers=self.headers,
        )
        assert response.status_code == 201, response.data
        self.slug = response.get_json()["article"]["slug"]
        self.comment_id = 0
        return self.slug

    def ensure_comment(self) -> int:
        """Return the id of a comment the user wrote on ``ensure_article()``."""
        slug = self.ensure_article()
        listed = self.client.get(f"/api/v1/articles/{slug}/comments").get_json()["comments"]
        if any(c["id"] == self.comment_id for c in listed):
            return self.comment_id
        response = self.client.post(
            f"/api/v1/articles/{slug}/comments",
            json={"comment": {"body": "A sample comment"}},
            headers=self.headers,
        )
        assert response.status_code == 200, response.data
        self.comment_id = int(response.get_json()["comment"]["id"])
        return self.comment_id

    def ensure_session(self) -> int:
        """Return the id of one of the user's web sessions, starting one if none is left."""
        response = self.client.get("/api/v1/user/sessions", headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        listed = response.get_json()
        if listed["sessions"]:
            return int(listed["sessions"][0]["id"])
        me = self.client.get("/api/v1/user", headers=self.headers).get_json()["user"]
        with self.client.application.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == me["username"]))
            assert user is not None
            record = start_session(user=user, remember=False)
            db.session.commit()
            return record.id

    def ensure_job(self) -> int:
        """Return the id of a succeeded job of the user's, with a file to download."""
        if self.job_id:
            found = self.client.get(f"/api/v1/jobs/{self.job_id}", headers=self.headers)
            if found.status_code == 200:
                return self.job_id
        app = self.client.application
        result = Path(app.instance_path) / "jobs" / "contract-export.csv"
        result.parent.mkdir(parents=True, exist_ok=True)
        result.write_text("title\r\nContract sample\r\n")
        # A generated request may have renamed the user (PUT /user): ask who the token is.
        me = self.client.get(f"{API_PREFIX}/user", headers=self.headers).get_json()["user"]
        with app.app_context():
            owner = db.session.scalar(sa.select(User).where(User.username == me["username"]))
            assert owner is not None
            job = Job(
                kind="export",
                owner_id=owner.id,
                status=JobStatus.SUCCEEDED.value,
                progress=100,
                finished_at=utcnow(),
                result_path=str(result),
                result_filename="export.csv",
                result_size=result.stat().st_size,
            )
            db.session.add(job)
            db.session.commit()
            self.job_id = job.id
        return self.job_id

    def ensure_upload(self) -> int:
        """Return the id of an upload of the user's (a small text file), uploading it if gone."""
        if self.upload_id:
            found = self.client.get(f"/api/v1/uploads/{self.upload_id}", headers=self.headers)
            if found.status_code == 200:
                return self.upload_id
        response = self.client.post(
            "/api/v1/uploads",
            data={"file": (io.BytesIO(b"Contract sample notes\n"), "notes.txt", "text/plain")},
            headers=self.headers,
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.data
        self.upload_id = int(response.get_json()["upload"]["id"])
        return self.upload_id

    def ensure_invitation(self) -> int:
        """Return the id of a new invitation (made by the sample user, an admin)."""
        response = self.client.post(
            f"{API_PREFIX}/admin/invitations", json={"invitation": {}}, headers=self.headers
        )
        assert response.status_code == 201, response.data
        return int(response.get_json()["invitation"]["id"])

    def ensure_report(self) -> int:
        """Return the id of an open report (of a guestbook message), filing one if none is."""
        listed = self.client.get(f"{API_PREFIX}/admin/reports?status=open", headers=self.headers)
        assert listed.status_code == 200, listed.data
        if listed.get_json()["reports"]:
            return int(listed.get_json()["reports"][0]["id"])
        response = self.client.post(
            f"{API_PREFIX}/reports",
            json={"report": {"guestbookMessage": self.ensure_message()}, "reason": "Contract"},
            headers=self.headers,
        )
        assert response.status_code == 201, response.data
        return int(response.get_json()["report"]["id"])

    def ensure_message(self) -> int:
        """Return the id of a guestbook message, signing the guestbook if a test deleted it."""
        listed = self.client.get("/api/v1/guestbook?limit=100").get_json()["messages"]
        if any(m["id"] == str(self.message_id) for m in listed):
            return self.message_id
        response = self.client.post(
            "/api/v1/guestbook", json={"message": {"name": "Contract", "body": "A sample"}}
        )
        assert response.status_code == 201, response.data
        self.message_id = int(response.get_json()["message"]["id"])
        return self.message_id


def _register(client: FlaskClient, username: str) -> str:
    response = client.post(
        "/api/v1/users",
        json={
            "user": {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        },
    )
    assert response.status_code == 201, response.data
    token: str = response.get_json()["user"]["token"]
    return token


def _make_admin(client: FlaskClient, username: str) -> None:
    promoted = client.application.test_cli_runner().invoke(
        args=["users", "set-role", username, "admin"]
    )
    assert promoted.exit_code == 0, promoted.output


@pytest.fixture(scope="session")
def contract_data(contract_app: APIFlask, contract_client: FlaskClient) -> ContractData:
    """Register an admin (so every operation is reachable) and a second user to follow and
    manage; give the admin an article, a comment and a guestbook message."""
    data = ContractData(
        client=contract_client,
        username="contract-user",
        token=_register(contract_client, "contract-user"),
        other_username="contract-other",
    )
    if isinstance(contract_client, ContractClient):
        contract_client.data = data
    _make_admin(contract_client, data.username)
    _register(contract_client, data.other_username)
    data.ensure_comment()
    data.ensure_message()
    return data


def pytest_configure(config: pytest.Config) -> None:
    """Keep Hypothesis' files (example database, constants cache) out of the working tree."""
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        home = tempfile.mkdtemp(prefix="inkstone-hypothesis-")
        config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
        set_hypothesis_home_dir(home)
