"""Hostile requests to every operation get a documented 4xx with the ``errors`` envelope.

Schemathesis generates values that fit (or break) the schemas; these are the inputs it cannot
produce: bytes that are not JSON, invalid UTF-8, bodies over the size limit, NUL in paths and
tokens that are forged, expired, unsigned or malformed.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from inkstone.core.errors import ERROR_CODES

if TYPE_CHECKING:
    from .conftest import ContractData

API_PREFIX = "/api/v1"
HTTP_METHODS = ("get", "put", "post", "delete")
_PARAM = re.compile(r"\{([^}]+)\}")


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def _problem(label: str, response: TestResponse, documented: set[str]) -> str | None:
    """Describe what is wrong with an answer to a hostile request, or return ``None``."""
    code = response.status_code
    if code >= 500:
        return f"{label}: {code} {response.data[:200]!r}"
    if str(code) not in documented:
        return f"{label}: {code} is not documented ({sorted(documented)})"
    if code >= 400:
        body = response.get_json(silent=True)
        if response.mimetype != "application/json" or not isinstance(body, dict):
            return f"{label}: {code} without a JSON body"
        errors = body.get("errors")
        if set(body) != {"errors", "code"} or not isinstance(errors, dict) or not errors:
            return f"{label}: {code} body is not the errors envelope: {body}"
        if not all(
            isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values()
        ):
            return f"{label}: {code} errors are not lists of strings: {errors}"
        if body["code"] not in ERROR_CODES:
            return f"{label}: {code} has an unlisted error code: {body['code']}"
    return None


BAD_BODIES = {
    "malformed JSON": b'{"article": {"title": ',
    "invalid UTF-8": b'{"user": {"email": "\xff\xfe"}}',
    "JSON array": b"[1, 2, 3]",
    "JSON string": b'"hello"',
    "JSON null": b"null",
    "deep nesting": b"[" * 5000 + b"]" * 5000,
}


@pytest.mark.parametrize("kind", list(BAD_BODIES))
def test_undecodable_or_misshapen_bodies_get_a_documented_4xx(
    kind: str,
    contract_spec: dict[str, Any],
    contract_client: FlaskClient,
    contract_data: ContractData,
) -> None:
    problems = []
    for path, method, op in _operations(contract_spec):
        if "requestBody" not in op:
            continue
        response = contract_client.open(
            contract_data.url(path),
            method=method.upper(),
            data=BAD_BODIES[kind],
            content_type="application/json",
            headers=contract_data.headers,
        )
        if response.status_code < 400:
            problems.append(f"{method.upper()} {path}: {kind} accepted with {response.status_code}")
        elif problem := _problem(f"{method.upper()} {path}", response, set(op["responses"])):
            problems.append(problem)
    assert problems == []


def test_bodies_over_the_limit_are_413_where_a_body_is_read(
    contract_app: APIFlask,
    contract_spec: dict[str, Any],
    contract_client: FlaskClient,
    contract_data: ContractData,
) -> None:
    too_big = b'{"x": "' + b"a" * int(contract_app.config["MAX_CONTENT_LENGTH"]) + b'"}'
    problems = []
    for path, method, op in _operations(contract_spec):
        response = contract_client.open(
            contract_data.url(path),
            method=method.upper(),
            data=too_big,
            content_type="application/json",
            headers=contract_data.headers,
        )
        label = f"{method.upper()} {path}"
        if "requestBody" in op and response.status_code != 413:
            problems.append(f"{label}: {response.status_code}, expected 413")
        elif problem := _problem(label, response, set(op["responses"])):
            problems.append(problem)
    assert problems == []


def test_json_content_type_without_a_body_works_on_get_and_delete(
    contract_spec: dict[str, Any], contract_client: FlaskClient, contract_data: ContractData
) -> None:
    # Every RealWorld client sends this header on every request, body or not.
    answers = {}
    for path, method, op in _operations(contract_spec):
        if method not in ("get", "delete") or "requestBody" in op:
            continue  # an operation that reads a body (DELETE /user) needs one
        url = contract_data.url(path)
        if method == "delete" and "favorite" in path:
            contract_client.post(url, headers=contract_data.headers)
        if method == "delete" and path.endswith("/follow"):
            contract_client.post(url, headers=contract_data.headers)
        response = contract_client.open(
            url,
            method=method.upper(),
            headers={**contract_data.headers, "Content-Type": "application/json"},
        )
        answers[f"{method.upper()} {path}"] = response.status_code
    assert answers
    assert {label: code for label, code in answers.items() if not 200 <= code < 300} == {}


def test_nul_in_path_parameters_is_404(
    contract_spec: dict[str, Any], contract_client: FlaskClient, contract_data: ContractData
) -> None:
    # PostgreSQL refuses NUL in a query parameter; no slug or username can hold one.
    problems = []
    for path, method, op in _operations(contract_spec):
        for name in _PARAM.findall(path):
            if name == "comment_id":
                continue  # an int converter: the route itself does not match
            response = contract_client.open(
                contract_data.url(path, **{name: "a%00b"}),
                method=method.upper(),
                headers=contract_data.headers,
            )
            label = f"{method.upper()} {path} ({name} with NUL)"
            # The path names nothing: 404 before anything else is read, body or not.
            if response.status_code != 404:
                problems.append(f"{label}: {response.status_code}, expected 404")
            elif problem := _problem(label, response, set(op["responses"])):
                problems.append(problem)
    assert problems == []


def _integer_path_parameters(op: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        p
        for p in op.get("parameters", [])
        if p["in"] == "path" and p["schema"]["type"] == "integer"
    ]


@pytest.mark.parametrize("beyond", ["maximum", "minimum"])
def test_ids_outside_the_documented_range_are_404(
    beyond: str,
    contract_spec: dict[str, Any],
    contract_client: FlaskClient,
    contract_data: ContractData,
) -> None:
    # Past 2**63 - 1 neither SQLite nor PostgreSQL can hold the number: no row has it.
    checked, problems = [], []
    for path, method, op in _operations(contract_spec):
        for parameter in _integer_path_parameters(op):
            bound = parameter["schema"][beyond]
            for value in (bound + 1, 10**23) if beyond == "maximum" else (bound - 1,):
                name = parameter["name"]
                response = contract_client.open(
                    contract_data.url(path, **{name: str(value)}),
                    method=method.upper(),
                    headers=contract_data.headers,
                )
                label = f"{method.upper()} {path} ({name}={value})"
                checked.append(label)
                if response.status_code != 404:
                    problems.append(f"{label}: {response.status_code}, expected 404")
                elif problem := _problem(label, response, set(op["responses"])):
                    problems.append(problem)
    assert checked
    assert problems == []


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _tokens(app: APIFlask, user_id: str) -> dict[str, str]:
    secret = app.config["JWT_SECRET_KEY"]
    now = int(time.time())
    claims = {"sub": user_id, "iat": now, "nbf": now, "exp": now + 600, "type": "access"}
    return {
        "forged signature": jwt.encode(claims, "not-the-secret-" * 4, algorithm="HS256"),
        "expired": jwt.encode(
            {**claims, "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}, secret
        ),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "not a JWT": "abc.def",
        "garbage": "%%%",
        "unknown user": jwt.encode({**claims, "sub": "987654321"}, secret),
        "non-numeric subject": jwt.encode({**claims, "sub": "admin"}, secret),
        "no subject": jwt.encode({k: v for k, v in claims.items() if k != "sub"}, secret),
        "huge subject": jwt.encode({**claims, "sub": "9" * 30}, secret),
    }


TOKEN_KINDS = [
    "forged signature",
    "expired",
    "alg none",
    "not a JWT",
    "garbage",
    "unknown user",
    "non-numeric subject",
    "no subject",
]


@pytest.mark.parametrize("kind", TOKEN_KINDS)
@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_bad_tokens_are_401_on_every_operation_that_reads_them(
    kind: str,
    scheme: str,
    contract_app: APIFlask,
    contract_spec: dict[str, Any],
    contract_client: FlaskClient,
    contract_data: ContractData,
) -> None:
    token = _tokens(contract_app, "1")[kind]
    problems = []
    for path, method, op in _operations(contract_spec):
        if not op.get("security"):
            continue
        response = contract_client.open(
            contract_data.url(path),
            method=method.upper(),
            json={},
            headers={"Authorization": f"{scheme} {token}"},
        )
        label = f"{method.upper()} {path}"
        if response.status_code != 401:
            problems.append(f"{label}: {response.status_code}, expected 401")
        elif problem := _problem(label, response, set(op["responses"])):
            problems.append(problem)
    assert problems == []


def test_a_signed_token_naming_an_out_of_range_user_id_is_401(
    contract_app: APIFlask, contract_client: FlaskClient
) -> None:
    token = _tokens(contract_app, "1")["huge subject"]
    response = contract_client.get(
        f"{API_PREFIX}/user", headers={"Authorization": f"Token {token}"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Token", "Basic dXNlcjpwYXNz", "Token a b c", "Token\tx.y.z"])
def test_malformed_authorization_headers_are_401(
    header: str,
    contract_spec: dict[str, Any],
    contract_client: FlaskClient,
    contract_data: ContractData,
) -> None:
    secured = [(p, m, op) for p, m, op in _operations(contract_spec) if op.get("security")]
    codes = {
        f"{m.upper()} {p}": contract_client.open(
            contract_data.url(p), method=m.upper(), json={}, headers={"Authorization": header}
        ).status_code
        for p, m, _ in secured
    }
    assert codes == dict.fromkeys(codes, 401)
