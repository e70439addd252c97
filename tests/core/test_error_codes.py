"""Every API error carries a stable, listed machine code beside RealWorld's ``errors``."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from inkstone.auth.invitations import PROBLEM_CODES
from inkstone.core.errors import ERROR_CODES, STATUS_CODES, code_for_status
from inkstone.extensions import db as _db
from tests.conftest import DEFAULT_PASSWORD, app_config

SRC = Path(__file__).resolve().parents[2] / "src" / "inkstone"
CODE = r"^[a-z_]+(\.[a-z_]+)?$"


def _codes_in_source() -> dict[str, str]:
    """Return every error code written in ``src/`` (``code="…"``, ``default_code = "…"``,
    ``{"code": "…"}``), each with where it is."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = f"{path.relative_to(SRC)}"
        for node in ast.walk(tree):
            values: list[Any] = []
            if isinstance(node, ast.keyword) and node.arg == "code":
                values.append(node.value)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "default_code" for t in targets):
                    values.append(node.value)
            elif isinstance(node, ast.Dict):
                values += [
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "code"
                ]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.setdefault(value.value, f"{where}:{value.lineno}")
    return found


def test_every_code_written_in_the_source_is_listed(app) -> None:  # built: features listed theirs
    found = _codes_in_source()
    assert "auth.invalid_credentials" in found  # the scan sees what it should
    assert {code: where for code, where in found.items() if code not in ERROR_CODES} == {}


def test_generic_and_invitation_codes_are_listed(app) -> None:
    assert set(STATUS_CODES.values()) <= set(ERROR_CODES)
    assert set(PROBLEM_CODES.values()) <= set(ERROR_CODES)
    assert (code_for_status(401), code_for_status(403)) == ("auth.required", "auth.forbidden")
    assert code_for_status(418) == "request.rejected"
    assert code_for_status(502) == "server_error"
    assert {code_for_status(s) for s in range(400, 600)} <= set(ERROR_CODES)


def test_codes_are_stable_identifiers_with_a_one_line_meaning(app) -> None:
    import re

    for code, meaning in ERROR_CODES.items():
        assert re.match(CODE, code), code
        assert meaning, code
        assert "\n" not in meaning, code
        assert meaning[0].isupper(), code
    # What the other parts of issue 17 raise, and what clients already rely on.
    assert {
        "auth.otp_required",
        "auth.otp_invalid",
        "auth.two_factor_setup_required",
        "auth.invalid_credentials",
    } <= set(ERROR_CODES)


def test_openapi_lists_every_code_in_the_error_schema(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    schema = spec["components"]["schemas"]["ErrorOut"]
    code = schema["properties"]["code"]
    assert code["type"] == "string"
    assert code["enum"] == list(ERROR_CODES)
    for name, meaning in ERROR_CODES.items():
        assert f"`{name}`: {meaning}" in code["description"]
    assert schema["required"] == ["errors"]  # RealWorld's shape is unchanged


def _answer(response) -> tuple[int, Any]:
    assert response.mimetype == "application/json"
    return response.status_code, response.json


def test_each_kind_of_failure_has_its_code(app, client, make_user, auth_headers) -> None:
    user = make_user(username="jake", email="jake@example.org")
    headers = auth_headers(user)
    login = {"user": {"email": "jake@example.org", "password": "wrong password"}}
    assert _answer(client.post("/api/v1/users/login", json=login)) == (
        401,
        {"errors": {"email or password": ["is invalid"]}, "code": "auth.invalid_credentials"},
    )
    status, body = _answer(client.get("/api/v1/user"))
    assert (status, body["code"]) == (401, "auth.required")
    status, body = _answer(client.get("/api/v1/user", headers={"Authorization": "Token x.y.z"}))
    assert (status, body["code"]) == (401, "auth.required")
    status, body = _answer(client.get("/api/v1/users", headers=headers))
    assert (status, body["code"]) == (403, "auth.forbidden")
    status, body = _answer(client.get("/api/v1/articles/no-such-article"))
    assert (status, body["code"]) == (404, "not_found")
    status, body = _answer(client.get("/api/v1/no-such-endpoint"))
    assert (status, body["code"]) == (404, "not_found")
    status, body = _answer(client.delete("/api/v1/tags"))
    assert (status, body["code"]) == (405, "request.method_not_allowed")
    taken = {"user": {"username": "jake", "email": "new@example.org", "password": "x" * 12}}
    status, body = _answer(client.post("/api/v1/users", json=taken))
    assert (status, body) == (409, {"errors": {"username": ["has already been taken"]}} | body)
    assert body["code"] == "conflict"
    status, body = _answer(client.post("/api/v1/articles", json={"article": {}}, headers=headers))
    assert (status, body["code"]) == (422, "request.invalid")
    assert "title" in body["errors"]


@pytest.mark.parametrize(
    "data",
    [b'{"user": {"email": ', b'{"user": {"email": "\xff\xfe"}}', b"[" * 5000 + b"]" * 5000],
    ids=["malformed JSON", "invalid UTF-8", "nested too deeply"],
)
def test_an_undecodable_body_is_request_malformed(client, data) -> None:
    response = client.post(
        "/api/v1/users/login", data=data, headers={"Content-Type": "application/json"}
    )
    assert _answer(response)[0] == 422
    assert response.json["code"] == "request.malformed"


def test_a_body_over_the_limit_is_request_too_large(app, client) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/api/v1/users",
        data=b"{" + b" " * limit + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert _answer(response)[0] == 413
    assert response.json["code"] == "request.too_large"


def test_too_many_requests_is_rate_limited(db, make_limited_app) -> None:
    limited = make_limited_app(RATELIMIT_SIGNIN="1/minute")
    client = limited.test_client()
    login = {"user": {"email": "nobody@example.org", "password": DEFAULT_PASSWORD}}
    answers = [client.post("/api/v1/users/login", json=login) for _ in range(2)]
    assert [a.status_code for a in answers] == [401, 429]
    assert answers[1].json["code"] == "rate_limited"
    assert "Retry-After" in answers[1].headers


def test_a_bug_is_server_error(db, tmp_path, database_url) -> None:
    from apiflask import APIBlueprint

    from inkstone import create_app

    broken = create_app(app_config(tmp_path, database_url))
    bp = APIBlueprint("broken", __name__)

    @bp.get("/api/v1/broken")
    def fail() -> Any:
        raise RuntimeError("a bug")

    broken.register_blueprint(bp)
    try:
        response = broken.test_client().get("/api/v1/broken")
    finally:
        with broken.app_context():
            _db.engine.dispose()
    assert response.status_code == 500
    assert response.json == {"errors": {"body": ["Internal server error"]}, "code": "server_error"}
