"""Property-based tests of every API operation against the spec the app serves (schemathesis).

Each operation gets a bounded, derandomised set of generated requests (valid and invalid), sent
in-process to the WSGI app with a valid ``Token`` for a registered user. Every response must be
a non-5xx, with a documented status code, a documented content type and a body matching the
documented schema.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import schemathesis
from apiflask import APIFlask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from inkstone import create_app

from .conftest import NEW_TOKEN

if TYPE_CHECKING:
    from .conftest import ContractData

SPEC_PATH = "/api/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _spec_app() -> APIFlask:
    """Build an app only to read its spec at collection time; requests go to ``contract_app``."""
    return create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": "sqlite://",  # never connected: serving the spec needs no database
            "LOG_REQUESTS": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            "INSTANCE_PATH": str(Path(tempfile.gettempdir()) / "inkstone-contract-spec"),
        }
    )


schema = schemathesis.openapi.from_wsgi(SPEC_PATH, _spec_app())


def _aim(case: Any, data: ContractData) -> None:
    """Point about half of the generated path parameters at rows that exist."""
    params = case.path_parameters
    if not params or not _coin(case):
        return
    if "slug" in params and isinstance(params["slug"], str):
        params["slug"] = data.ensure_article()
    if "comment_id" in params and isinstance(params["comment_id"], int):
        params["comment_id"] = data.ensure_comment()
    if "message_id" in params and isinstance(params["message_id"], int):
        params["message_id"] = data.ensure_message()
    if "username" in params and isinstance(params["username"], str):
        params["username"] = data.other_username
    if "session_id" in params and isinstance(params["session_id"], int):
        params["session_id"] = data.ensure_session()
    if "job_id" in params and isinstance(params["job_id"], int):
        params["job_id"] = data.ensure_job()
    if "upload_id" in params and isinstance(params["upload_id"], int):
        params["upload_id"] = data.ensure_upload()


def _coin(case: Any) -> bool:
    # A deterministic choice that depends on the generated data, not on a random source.
    return len(repr(case.path_parameters)) % 2 == 0


@schema.parametrize()
@settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_spec(
    case: Any, contract_app: APIFlask, contract_data: ContractData
) -> None:
    _aim(case, contract_data)
    # buffered: read the whole answer and close it, as a server does (a file it sends, too)
    response = case.call_and_validate(
        app=contract_app, headers=contract_data.headers, checks=CHECKS, buffered=True
    )
    _keep_new_token(response, contract_data)


def _keep_new_token(response: Any, data: ContractData) -> None:
    """Go on with the token an answer about the user hands out (older ones may be revoked)."""
    request = response.request
    path = urlsplit(request.url).path
    if response.status_code == 200 and (request.method, path) in NEW_TOKEN:
        data.token = response.json()["user"]["token"]
    if response.status_code == 204 and (request.method, path) == ("DELETE", "/api/v1/user"):
        data.start_over()  # the generated body guessed the password a PUT had just set
