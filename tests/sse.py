"""Reading Server-Sent Events in tests (job progress, the notification bell)."""

from __future__ import annotations

import json
from typing import Any


def frames(chunks: Any) -> list[tuple[str, Any]]:
    """Return the (event, data) pairs of event-stream chunks; ``retry`` and comments too."""
    found: list[tuple[str, Any]] = []
    body = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
    for block in body.split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        if lines[0].startswith(":"):
            found.append(("comment", lines[0][1:].strip()))
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        if "retry" in fields:
            found.append(("retry", int(fields["retry"])))
        elif "event" in fields:
            found.append((fields["event"], json.loads(fields["data"])))
    return found
