"""Compiled serialisers for output schemas.

marshmallow walks every field through several layers of indirection on every dump; a page of
20 articles spends more time there than in the database. ``compile_dumper`` reads a schema's
declared fields once and returns a plain function that produces the same output. The schema
stays the single source of truth: fields it does not know fall back to marshmallow itself, and
a test checks both paths agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields

Dumper = Callable[[Any], dict[str, Any]]
_MISSING = object()


def _getter(key: str) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        if isinstance(obj, dict):
            return obj.get(key, _MISSING)
        return getattr(obj, key, _MISSING)

    return get


def _converter(field: fields.Field[Any]) -> Callable[[Any], Any]:
    """Return a function turning an attribute value into its JSON value for ``field``."""
    kind = type(field)
    if isinstance(field, fields.Nested):
        nested = field.schema
        inner = compile_dumper(nested)
        if nested.many or field.many:
            return lambda v: None if v is None else [inner(x) for x in v]
        return lambda v: None if v is None else inner(v)
    if kind is fields.List:
        item = _converter(field.inner)  # type: ignore[attr-defined]
        if type(field.inner) is fields.String:  # type: ignore[attr-defined]
            return lambda v: None if v is None else list(v)
        return lambda v: None if v is None else [item(x) for x in v]
    if kind is fields.String:
        return lambda v: v if v is None or type(v) is str else str(v)
    if kind is fields.Integer:
        return lambda v: None if v is None else int(v)
    if kind is fields.Boolean:
        return lambda v: None if v is None else bool(v)

    def fallback(v: Any) -> Any:
        return field._serialize(v, None, None)

    return fallback


def compile_dumper(schema: Schema) -> Dumper:
    """Return a function equivalent to ``schema.dump`` for a single object."""
    plan = [
        (field.data_key or name, _getter(field.attribute or name), _converter(field))
        for name, field in schema.dump_fields.items()
    ]

    def dump(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, get, convert in plan:
            value = get(obj)
            if value is not _MISSING:
                out[key] = convert(value)
        return out

    return dump


class CompiledDumpMixin:
    """Make ``Schema.dump`` use a compiled dumper when the schema has no hooks."""

    _compiled: Dumper | None = None

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        schema: Any = self
        if schema._hooks:  # pre/post-dump hooks need marshmallow's own path
            return super().dump(obj, many=many)  # type: ignore[misc]
        if self._compiled is None:
            self._compiled = compile_dumper(schema)
        dump = self._compiled
        if schema.many if many is None else many:
            return [dump(item) for item in obj]
        return dump(obj)
