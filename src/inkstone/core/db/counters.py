"""Named counters kept in step with the rows they count, so lists never run a full COUNT."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, bindparam, select, update
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
