"""Schemas of the exports and imports APIs: what a client sends (the answer is a ``JobOut``)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import File, Nested, String
from apiflask.validators import OneOf

from inkstone.core.schemas import InputSchema
from inkstone.transfers.exports import FORMATS, SCOPES


class ExportFields(InputSchema):
    format = String(
        required=True,
        validate=OneOf(FORMATS),
        metadata={"description": "`csv` (UTF-8 with BOM, the import format), `xlsx` or `pdf`."},
    )
    scope = String(
        load_default="mine",
        validate=OneOf(SCOPES),
        metadata={
            "description": (
                "`mine`: your articles, drafts included (the default); `all`: every published "
                "article (needs `articles:moderate`)."
            )
        },
    )


class ExportIn(InputSchema):
    export = Nested(ExportFields, required=True)


class ImportIn(Schema):
    file = File(  # type: ignore[no-untyped-call]  # apiflask's File field is untyped
        required=True,
        metadata={
            "description": (
                "A `.csv` in the export's format (UTF-8, header `slug,title,description,body,"
                "tags,published,created_at,updated_at,author`), or a `.zip` of Markdown files "
                "with YAML front matter (`title`, `description`, `tags`, `date`, `published`)."
            )
        },
    )
