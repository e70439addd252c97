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
from inkstone.auth.usernames import canonical

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
    named = params.get("username") if params else None
    if isinstance(named, str) and canonical(named) == canonical(data.username):
        # A generated name that happens to be the sample user's own (it renames itself with
        # generated names too): an admin action on it (sign out everywhere, a password
        # reset) would end the token every later case uses. Names compare as the API does.
        params["username"] = data.other_username
    if not params or not _coin(case):
        return
    for name, value in params.items():
        # ids are integers, slugs and usernames text: a value of the wrong type stays as made
        if isinstance(value, int if name.endswith("_id") else str):
            params[name] = data.sample(name)


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
    request = response.request
    contract_data.follow(
        request.method, urlsplit(request.url).path, response.status_code, response.json
    )
