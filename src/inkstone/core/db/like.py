"""LIKE patterns built from what a person typed: its wildcards matched as themselves.

Every search box escapes ``%``, ``_`` and the escape character the same way; queries pass
``escape=ESCAPE`` with the pattern (both SQLite and PostgreSQL need it said).
"""

from __future__ import annotations

ESCAPE = "\\"


def escaped(text: str) -> str:
    """Return ``text`` with LIKE's wildcards (and the escape character) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def prefix(text: str) -> str:
    """Return a pattern matching values that start with ``text``."""
    return f"{escaped(text)}%"


def contains(text: str) -> str:
    """Return a pattern matching values that contain ``text``."""
    return f"%{escaped(text)}%"
