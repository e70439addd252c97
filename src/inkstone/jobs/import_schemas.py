"""Schemas of the imports API: the uploaded file (the answer is the jobs API's ``JobOut``)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import File


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
