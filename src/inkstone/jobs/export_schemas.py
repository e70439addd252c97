"""Schemas of the exports API: what a client sends to ask for an export (the job is answered)."""

from __future__ import annotations

from apiflask.fields import Nested, String
from apiflask.validators import OneOf

from inkstone.core.schemas import InputSchema
from inkstone.jobs.exports import FORMATS, SCOPES


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
