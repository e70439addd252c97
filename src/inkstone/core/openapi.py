"""OpenAPI settings shared by every API blueprint, and the spec endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from inkstone.core.db.ids import ID_MAX
from inkstone.core.errors import ERROR_CODES
from inkstone.core.schemas import ErrorOut

API_PREFIX = "/api/v1"

TOKEN_DESCRIPTION = (
    "A JWT from `POST /users` or `POST /users/login`, sent in the `Authorization` header as "
    "`Token <jwt>` (RealWorld) or `Bearer <jwt>`. In Swagger UI, paste `Token <jwt>`."
)

OPENAPI_CONFIG: dict[str, Any] = {
    "INFO": {
        "description": (
            "Inkstone's JSON API. RealWorld (Conduit) resources keep their exact shapes; "
            'errors are `{"errors": {"<field>": ["message"]}, "code": "<code>"}`: RealWorld\'s '
            "envelope with a stable machine code beside it (listed in the `ErrorOut` schema). "
            "Also served at `/api`. "
            "A request line over 8,190 bytes is refused with 414, headers over 8,190 bytes "
            "each (or more than 100 of them) with 431, before any operation is reached."
        ),
        "license": {"name": "MIT", "identifier": "MIT"},
    },
    "SERVERS": [{"url": API_PREFIX, "description": "This server"}],
    "SECURITY_SCHEMES": {
        "Token": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": TOKEN_DESCRIPTION,
        }
    },
    # No TAGS list: APIFlask then tags each operation with its blueprint's tag.
    "AUTO_SERVERS": False,
    "AUTO_OPERATION_ID": True,
    "AUTO_404_RESPONSE": False,
    "VALIDATION_ERROR_STATUS_CODE": 422,
    "VALIDATION_ERROR_DESCRIPTION": "The input is malformed or invalid",
    "AUTH_ERROR_DESCRIPTION": "The token is missing, malformed, expired or revoked",
    "HTTP_ERROR_SCHEMA": ErrorOut,
    "VALIDATION_ERROR_SCHEMA": ErrorOut,
}

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def spec() -> Response:
    """Serve the OpenAPI 3.1 description generated from the code."""
    # APIFlask builds the spec once and caches it.
    response = jsonify(current_app._get_spec("json"))  # type: ignore[attr-defined]
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def finish_spec(spec: dict[Any, Any] | str) -> dict[Any, Any] | str:
    """Adjust the generated spec: declared tags, paths relative to the ``/api/v1`` server."""
    if isinstance(spec, str):  # only the YAML rendering arrives as text; we serve JSON
        return spec
    _declare_operation_tags(spec)
    _bound_id_parameters(spec)
    _document_outages(spec)
    _document_error_codes(spec)
    _forbid_nul(spec)
    _strip_api_prefix(spec)
    return spec


def _operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every operation of ``spec`` (a path item's other entries are no operations)."""
    for item in spec.get("paths", {}).values():
        yield from (operation for operation in item.values() if isinstance(operation, dict))


def _declare_operation_tags(spec: dict[str, Any]) -> None:
    """List tags set on single operations (Favorites, Comments, Tags) beside blueprint tags."""
    declared = {tag["name"] for tag in spec.get("tags", [])}
    for operation in _operations(spec):
        for name in operation.get("tags", []):
            if name not in declared:
                spec.setdefault("tags", []).append({"name": name})
                declared.add(name)


def _bound_id_parameters(spec: dict[str, Any]) -> None:
    """Describe integer path parameters as the ids they are: int64, from 1 to ``ID_MAX``."""
    for operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter.get("in") == "path" and schema.get("type") == "integer":
                schema.update(format="int64", minimum=1, maximum=ID_MAX)


UNAVAILABLE_RESPONSE = {
    "description": (
        "The database, or another service the server depends on, is busy or briefly down: "
        "nothing was changed; try again after `Retry-After` seconds"
    ),
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def _document_outages(spec: dict[str, Any]) -> None:
    """Any operation may answer 503 with ``Retry-After`` while a dependency is down."""
    for operation in _operations(spec):
        operation.setdefault("responses", {}).setdefault("503", UNAVAILABLE_RESPONSE)


def _document_error_codes(spec: dict[str, Any]) -> None:
    """Add the stable ``code`` beside ``errors`` in the error schema, listing every code."""
    schema = spec.get("components", {}).get("schemas", {}).get("ErrorOut")
    if schema is None:
        return
    listing = "\n".join(f"- `{code}`: {meaning}" for code, meaning in ERROR_CODES.items())
    schema.setdefault("properties", {})["code"] = {
        "type": "string",
        "enum": list(ERROR_CODES),
        "description": (
            "A stable machine code for the error (branch on it, not on the messages, which "
            f"may change or be translated):\n\n{listing}"
        ),
    }
    schema["description"] = (
        '`{"errors": {"<field>": ["message", …]}, "code": "<code>"}`: RealWorld\'s error '
        "envelope and a stable machine code."
    )


# No NUL character anywhere (PostgreSQL text cannot hold one: the server answers 422).
NO_NUL = "^[^\\u0000]*$"


def _forbid_nul(spec: dict[str, Any]) -> None:
    """Say in every input string's schema what the server refuses: NUL characters."""
    schemas = spec.get("components", {}).get("schemas", {})
    inputs: set[str] = set()

    def follow(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in inputs:
                    inputs.add(name)
                    follow(schemas.get(name))
            for value in node.values():
                follow(value)
        elif isinstance(node, list):
            for value in node:
                follow(value)

    for operation in _operations(spec):
        follow(operation.get("requestBody"))
        for parameter in operation.get("parameters", []):
            _no_nul(parameter.get("schema"))
    for name in inputs:
        for prop in schemas.get(name, {}).get("properties", {}).values():
            _no_nul(prop)
            _no_nul(prop.get("items"))


def _no_nul(schema: Any) -> None:
    if isinstance(schema, dict) and schema.get("type") == "string" and "format" not in schema:
        schema.setdefault("pattern", NO_NUL)


def _strip_api_prefix(spec: dict[str, Any]) -> None:
    """List paths relative to the ``/api/v1`` server, as the RealWorld description does."""
    spec["paths"] = {
        (path[len(API_PREFIX) :] or "/") if path.startswith(API_PREFIX) else path: item
        for path, item in spec.get("paths", {}).items()
    }
