"""Named counters kept in step with the rows they count, so lists never run a full COUNT."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import BigInteger, Date, String, bindparam, select, update
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, reads
from inkstone.extensions import db


class Counter(Base):
    """One named running total."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)

    def __repr__(self) -> str:
        return f"<Counter {self.name}={self.value}>"


def bump(name: str, delta: int) -> None:
    """Add ``delta`` to a counter atomically, creating it on first use."""
    result = db.session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + delta)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        db.session.add(Counter(name=name, value=max(delta, 0)))
        db.session.flush()


_READ = select(Counter.value).where(Counter.name == bindparam("name"))


def read(name: str) -> int:
    """Return a counter's value (0 when it does not exist yet)."""
    return int(reads.scalar(_READ, {"name": name}) or 0)


class DailyCount(Base):
    """How many of something happened on one UTC day (sign-ups, articles, comments).

    Kept by database triggers (see the ``back_office`` migration), so every path that writes
    the rows — services, imports, cascades, bulk loads — moves the roll-up with them.
    """

    __tablename__ = "daily_counts"

    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)

    def __repr__(self) -> str:
        return f"<DailyCount {self.metric} {self.day}={self.count}>"


def read_many(prefix: str) -> dict[str, int]:
    """Return every counter whose name starts with ``prefix`` (the prefix removed)."""
    rows = reads.execute(
        select(Counter.name, Counter.value).where(Counter.name.startswith(prefix, autoescape=True))
    )
    return {name[len(prefix) :]: int(value) for name, value in rows}


def daily_series(metric: str, *, first: date, last: date) -> list[tuple[date, int]]:
    """Return ``metric``'s count for every day from ``first`` to ``last``, zeros included."""
    rows = reads.execute(
        select(DailyCount.day, DailyCount.count).where(
            DailyCount.metric == metric, DailyCount.day >= first, DailyCount.day <= last
        )
    )
    found = {day if isinstance(day, date) else date.fromisoformat(str(day)): n for day, n in rows}
    days = (last - first).days + 1
    return [
        (first + timedelta(days=i), int(found.get(first + timedelta(days=i), 0)))
        for i in range(days)
    ]
