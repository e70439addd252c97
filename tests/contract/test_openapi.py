"""The OpenAPI description is valid 3.1, complete, truthful about errors, and RealWorld-shaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from apiflask import APIFlask
from flask.testing import FlaskClient
from openapi_spec_validator import OpenAPIV31SpecValidator

if TYPE_CHECKING:
    from .conftest import ContractData

ROOT = Path(__file__).resolve().parents[2]
API_PREFIX = "/api/v1"
REALWORLD_SPEC = ROOT.parent / "shared" / "realworld" / "openapi.yml"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch"})
# Routes under /api/v1 that are not API operations.
NOT_OPERATIONS = {
    "openapi.spec": "the OpenAPI document itself",
    "web.api_docs": "the Swagger UI page (HTML) that renders it",
}
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_PARAM = re.compile(r"\{[^}]+\}")

Operation = tuple[str, str, dict[str, Any]]


def operations(spec: dict[str, Any]) -> Iterator[Operation]:
    """Yield ``(path, method, operation)`` for every operation in ``spec``."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` pointers until ``node`` is not a reference."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def label(path: str, method: str) -> str:
    return f"{method.upper()} {path}"


def test_spec_is_valid_openapi_31(contract_spec: dict[str, Any]) -> None:
    assert contract_spec["openapi"].startswith("3.1.")
    errors = [e.message for e in OpenAPIV31SpecValidator(contract_spec).iter_errors()]
    assert errors == []


def test_spec_is_served_as_json_for_the_v1_server(contract_client: FlaskClient) -> None:
    response = contract_client.get(f"{API_PREFIX}/openapi.json")
    assert response.mimetype == "application/json"
    assert response.get_json()["servers"] == [{"url": API_PREFIX, "description": "This server"}]


def _api_routes(app: APIFlask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"{API_PREFIX}/") or rule.endpoint in NOT_OPERATIONS:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule[len(API_PREFIX) :])
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def test_every_api_route_is_documented_and_nothing_else(
    contract_app: APIFlask, contract_spec: dict[str, Any]
) -> None:
    routes = _api_routes(contract_app)
    documented = {(path, method) for path, method, _ in operations(contract_spec)}
    assert routes, "no API routes found under /api/v1"
    assert sorted(routes - documented) == [], "routes missing from the spec"
    assert sorted(documented - routes) == [], "operations in the spec that no route serves"


def test_every_operation_has_summary_and_operation_id(contract_spec: dict[str, Any]) -> None:
    missing = [
        label(path, method)
        for path, method, op in operations(contract_spec)
        if not op.get("summary") or not op.get("operationId")
    ]
    assert missing == []
    ids = [op["operationId"] for _, _, op in operations(contract_spec)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_operations_with_a_body_document_413_and_422(contract_spec: dict[str, Any]) -> None:
    with_body = [(p, m, op) for p, m, op in operations(contract_spec) if "requestBody" in op]
    assert with_body
    missing = [
        f"{label(path, method)}: {code}"
        for path, method, op in with_body
        for code in ("413", "422")
        if code not in op["responses"]
    ]
    assert missing == []


def test_token_scheme_is_an_api_key_in_the_authorization_header(
    contract_spec: dict[str, Any],
) -> None:
    scheme = contract_spec["components"]["securitySchemes"]["Token"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"


def _security(op: dict[str, Any]) -> list[dict[str, Any]]:
    security: list[dict[str, Any]] = op.get("security", [])
    return security


def test_authenticated_operations_document_401_and_use_the_token_scheme(
    contract_spec: dict[str, Any],
) -> None:
    secured = [(p, m, op) for p, m, op in operations(contract_spec) if _security(op)]
    assert secured
    problems = []
    for path, method, op in secured:
        if "401" not in op["responses"]:
            problems.append(f"{label(path, method)}: 401 not documented")
        schemes = {name for requirement in _security(op) for name in requirement}
        if schemes != {"Token"}:
            problems.append(f"{label(path, method)}: security schemes {sorted(schemes)}")
    assert problems == []


def test_operations_that_require_a_token_refuse_requests_without_one(
    contract_spec: dict[str, Any], contract_client: FlaskClient, contract_data: ContractData
) -> None:
    required = [
        (path, method)
        for path, method, op in operations(contract_spec)
        if _security(op) and {} not in _security(op)
    ]
    assert required
    answers = {
        label(path, method): contract_client.open(
            contract_data.url(path), method=method.upper(), json={}
        ).status_code
        for path, method in required
    }
    assert answers == dict.fromkeys(answers, 401)


def test_public_operations_need_no_token(
    contract_spec: dict[str, Any], contract_client: FlaskClient, contract_data: ContractData
) -> None:
    public = [
        (path, method)
        for path, method, op in operations(contract_spec)
        if method == "get" and (not _security(op) or {} in _security(op))
    ]
    assert public
    answers = {
        label(path, method): contract_client.get(contract_data.url(path)).status_code
        for path, method in public
    }
    assert answers == dict.fromkeys(answers, 200)


def test_operations_with_path_parameters_document_404(contract_spec: dict[str, Any]) -> None:
    missing = [
        label(path, method)
        for path, method, op in operations(contract_spec)
        if "{" in path and "404" not in op["responses"]
    ]
    assert missing == []


def test_operations_without_path_parameters_do_not_document_404(
    contract_spec: dict[str, Any],
) -> None:
    # Nothing in such a path can name a missing thing: a 404 there would be a promise unkept.
    documented = [
        label(path, method)
        for path, method, op in operations(contract_spec)
        if "{" not in path and "404" in op["responses"]
    ]
    assert documented == []


def test_uploading_documents_what_it_answers(contract_spec: dict[str, Any]) -> None:
    # 201 stored; 401 no token; 413 over a limit; 422 no file, a refused kind or past the quota;
    # 503 the database is down.
    responses = contract_spec["paths"]["/uploads"]["post"]["responses"]
    assert set(responses) == {"201", "401", "413", "422", "503"}


def test_every_operation_documents_the_503_of_an_outage(contract_spec: dict[str, Any]) -> None:
    for path, method, op in operations(contract_spec):
        unavailable = resolve(contract_spec, op["responses"]["503"])
        assert "Retry-After" in unavailable["headers"], label(path, method)


ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}


def test_id_path_parameters_are_positive_64_bit_integers(contract_spec: dict[str, Any]) -> None:
    schemas = {}
    for path, method, op in operations(contract_spec):
        for parameter in op.get("parameters", []):
            parameter = resolve(contract_spec, parameter)
            if parameter["in"] == "path" and parameter["name"].endswith("_id"):
                schemas[f"{label(path, method)} {parameter['name']}"] = parameter["schema"]
    names = {key.rsplit(" ", 1)[1] for key in schemas}
    assert {"upload_id", "job_id", "comment_id", "message_id", "session_id"} <= names
    assert schemas == dict.fromkeys(schemas, ID_SCHEMA)


def _is_error_schema(spec: dict[str, Any], schema: Any) -> bool:
    schema = resolve(spec, schema)
    errors = resolve(spec, schema.get("properties", {}).get("errors", {}))
    values = resolve(spec, errors.get("additionalProperties", {}))
    return (
        schema.get("type") == "object"
        and "errors" in schema.get("required", [])
        and errors.get("type") == "object"
        and values.get("type") == "array"
        and resolve(spec, values.get("items", {})).get("type") == "string"
    )


def test_error_responses_use_the_errors_envelope(contract_spec: dict[str, Any]) -> None:
    problems = []
    for path, method, op in operations(contract_spec):
        for code, response in op["responses"].items():
            if not code.startswith("4"):
                continue
            content = resolve(contract_spec, response).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None or not _is_error_schema(contract_spec, schema):
                problems.append(f"{label(path, method)} {code}")
    assert problems == []


# --- RealWorld ---------------------------------------------------------------------------------


def _normalise(path: str) -> str:
    """Path parameter names are not part of the wire contract (``{id}`` vs ``{comment_id}``)."""
    return _PARAM.sub("{}", path)


def _success(spec: dict[str, Any], op: dict[str, Any]) -> tuple[str, Any]:
    codes = sorted(code for code in op["responses"] if code.startswith("2"))
    assert len(codes) == 1, f"expected one success code, got {codes}"
    response = resolve(spec, op["responses"][codes[0]])
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return codes[0], schema


def _missing_required(
    theirs_spec: dict[str, Any], theirs: Any, ours_spec: dict[str, Any], ours: Any, where: str
) -> Iterator[str]:
    """Yield every property RealWorld requires (at any depth) that our schema does not."""
    theirs = resolve(theirs_spec, theirs) or {}
    ours = resolve(ours_spec, ours) or {}
    if theirs.get("type") == "array":
        yield from _missing_required(
            theirs_spec, theirs.get("items"), ours_spec, ours.get("items"), f"{where}[]"
        )
        return
    ours_required = set(ours.get("required", []))
    ours_props = ours.get("properties", {})
    for name in theirs.get("required", []):
        if name not in ours_required:
            yield f"{where}.{name}"
    for name, sub in theirs.get("properties", {}).items():
        if name in ours_props:
            yield from _missing_required(
                theirs_spec, sub, ours_spec, ours_props[name], f"{where}.{name}"
            )


@pytest.fixture(scope="module")
def realworld_spec() -> dict[str, Any]:
    if not REALWORLD_SPEC.is_file():
        pytest.skip(f"RealWorld description not found at {REALWORLD_SPEC}")
    spec: dict[str, Any] = yaml.safe_load(REALWORLD_SPEC.read_text(encoding="utf-8"))
    return spec


def test_realworld_operations_keep_their_status_codes_and_shapes(
    contract_spec: dict[str, Any], realworld_spec: dict[str, Any]
) -> None:
    ours = {(_normalise(path), method): op for path, method, op in operations(contract_spec)}
    theirs = list(operations(realworld_spec))
    assert theirs
    problems = []
    for path, method, their_op in theirs:
        name = label(path, method)
        our_op = ours.get((_normalise(path), method))
        if our_op is None:
            problems.append(f"{name}: missing")
            continue
        their_code, their_schema = _success(realworld_spec, their_op)
        our_code, our_schema = _success(contract_spec, our_op)
        if their_code != our_code:
            problems.append(f"{name}: success status {our_code}, RealWorld says {their_code}")
            continue
        problems.extend(
            f"{name}: {field} is not required"
            for field in _missing_required(
                realworld_spec, their_schema, contract_spec, our_schema, "response"
            )
        )
        their_auth = {k for req in their_op.get("security", []) for k in req}
        if their_auth and not _security(our_op):
            problems.append(f"{name}: RealWorld requires a token, ours is public")
    assert problems == []


def test_input_strings_say_they_refuse_nul(contract_spec: dict[str, Any]) -> None:
    # The server answers 422 to a NUL anywhere: fuzzers and clients read that from the spec.
    fields = resolve(contract_spec, {"$ref": "#/components/schemas/ArticleFields"})["properties"]
    assert fields["title"]["pattern"] == "^[^\\u0000]*$"
    assert fields["tagList"]["items"]["pattern"] == "^[^\\u0000]*$"
    register = resolve(contract_spec, {"$ref": "#/components/schemas/RegisterFields"})
    assert "most common passwords" in register["properties"]["password"]["description"]
