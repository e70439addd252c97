"""Snowflake ids: 64-bit, time-ordered, made without asking the database.

41 bits of milliseconds since 2026-01-01, 10 bits naming the process, 12 bits of sequence:
4,096 ids per millisecond per process, sortable by creation time, unguessable enough not to
be counted through (they are still no secret: access is checked on every read).
"""

from __future__ import annotations

import os
import secrets
import threading
import time

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
# Ids are signed 64-bit integers: SQLite's driver and PostgreSQL's bigint refuse larger numbers.
ID_MAX = 2**63 - 1
_SEQUENCE_BITS = 12
_NODE_BITS = 10
_lock = threading.Lock()
_state = {"ms": 0, "seq": 0, "node": secrets.randbelow(1 << _NODE_BITS), "pid": os.getpid()}


def new_id() -> int:
    """Return a new snowflake id (positive, below 2**63)."""
    with _lock:
        if _state["pid"] != os.getpid():  # a forked worker must not repeat its parent's ids
            _state.update(pid=os.getpid(), node=secrets.randbelow(1 << _NODE_BITS), ms=0)
        now = int(time.time() * 1000) - EPOCH_MS
        if now <= _state["ms"]:
            now = _state["ms"]
            _state["seq"] = (_state["seq"] + 1) & ((1 << _SEQUENCE_BITS) - 1)
            if _state["seq"] == 0:  # 4,096 in one millisecond: borrow the next one
                now += 1
        else:
            _state["seq"] = 0
        _state["ms"] = now
        return (
            (now << (_NODE_BITS + _SEQUENCE_BITS))
            | (_state["node"] << _SEQUENCE_BITS)
            | _state["seq"]
        )


def is_possible_id(value: int) -> bool:
    """Tell whether a row can have id ``value`` (1 to ``ID_MAX``): ask the database only then."""
    return 0 < value <= ID_MAX
