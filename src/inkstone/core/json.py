"""orjson-backed JSON provider and the shared error body."""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import JSONProvider


class OrjsonProvider(JSONProvider):
    """Serialise responses with orjson: fast, strict UTF-8, datetimes as ISO 8601."""

    mimetype = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)
        return self._app.response_class(body, mimetype=self.mimetype)  # type: ignore[arg-type]


def error_body(errors: dict[str, list[str]], *, code: str | None = None) -> dict[str, Any]:
    """Return the RealWorld error envelope, with a stable machine code beside it if given."""
    if code is None:
        return {"errors": errors}
    return {"errors": errors, "code": code}
