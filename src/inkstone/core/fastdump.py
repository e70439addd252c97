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


def _expression(field: fields.Field[Any], namespace: dict[str, Any]) -> str:
    """Return Python source turning the local ``v`` into ``field``'s JSON value."""
    kind = type(field)
    name = f"_f{len(namespace)}"
    if isinstance(field, fields.Nested):
        namespace[name] = compile_dumper(field.schema)
        if field.schema.many or field.many:
            return f"None if v is None else [{name}(x) for x in v]"
        return f"None if v is None else {name}(v)"
    if kind is fields.List:
        inner = field.inner  # type: ignore[attr-defined]
        if type(inner) is fields.String:
            return "None if v is None else list(v)"
        namespace[name] = _converter(inner)
        return f"None if v is None else [{name}(x) for x in v]"
    if kind is fields.String:
        return "v if v is None or v.__class__ is str else str(v)"
    if kind is fields.Integer:
        return "v if v is None or v.__class__ is int else int(v)"
    if kind is fields.Boolean:
        return "v if v is None or v is True or v is False else bool(v)"
    namespace[name] = _converter(field)
    return f"{name}(v)"


def _converter(field: fields.Field[Any]) -> Callable[[Any], Any]:
    """Return a function converting one value as ``field`` would (marshmallow's own code)."""
    if isinstance(field, fields.Nested | fields.List) or type(field) in _SIMPLE:
        namespace: dict[str, Any] = {}
        source = f"def convert(v):\n    return {_expression(field, namespace)}\n"
        exec(source, namespace)  # source built from our own schema definitions
        return namespace["convert"]  # type: ignore[no-any-return]
    return lambda v: field._serialize(v, None, None)


_SIMPLE = (fields.String, fields.Integer, fields.Boolean)


def compile_dumper(schema: Schema) -> Dumper:
    """Return a function equivalent to ``schema.dump`` for a single object.

    The function is generated source: one ``getattr`` (or ``dict.get``) per field, the
    conversion inlined for strings, integers, booleans, lists and nested schemas, anything
    else handed to the field's own ``_serialize``. Keys missing from the object are left
    out, as marshmallow does.
    """
    namespace: dict[str, Any] = {"_MISSING": _MISSING}
    from_dict: list[str] = []
    from_object: list[str] = []
    for name, field in schema.dump_fields.items():
        key = field.data_key or name
        attribute = field.attribute or name
        expression = _expression(field, namespace)
        store = f"        if v is not _MISSING: out[{key!r}] = {expression}"
        from_dict += [f"        v = obj.get({attribute!r}, _MISSING)", store]
        from_object += [f"        v = getattr(obj, {attribute!r}, _MISSING)", store]
    source = "\n".join(
        [
            "def dump(obj):",
            "    out = {}",
            "    if obj.__class__ is dict:",
            *(from_dict or ["        pass"]),
            "    else:",
            *(from_object or ["        pass"]),
            "    return out",
        ]
    )
    exec(source, namespace)  # source built from our own schema definitions
    return namespace["dump"]  # type: ignore[no-any-return]


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
