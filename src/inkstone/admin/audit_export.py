"""The audit log's filters, and its CSV export: asking for one, and the job that writes it.

The filters (who it is about, who did it, what, when) are read by the page and the API
alike (``AuditFilters``). An export is a job (``audit.csv``, run by ``export_audit_log``):
it writes the filtered events, newest first, in keyset pages of ``BATCH``, reporting
progress after each (a cancelled job stops there), to ``<name>.part``, renamed only once
complete. Every text cell goes through ``transfers.writers.csv_text``: a cell that starts
like a formula (``=``, ``+``, ``-``, ``@``) is written after a ``'``, so a spreadsheet
shows it as text instead of running it.
"""

from __future__ import annotations

import contextlib
import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask_babel import force_locale, get_locale
from sqlalchemy import select

from inkstone.auth.audit import Event, audit_log, count_audit_events, record_event
from inkstone.auth.audit_text import sentence
from inkstone.auth.models import User
from inkstone.auth.usernames import canonical
from inkstone.core.db import utcnow
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.jobs import services as jobs
from inkstone.jobs.models import Job
from inkstone.jobs.runner import JobCancelled, job_task
from inkstone.transfers.writers import csv_text, iso_utc

TASK_NAME = "inkstone.export_audit_log"
KIND = "audit"
BATCH = 500
COLUMNS = ("time", "event", "what", "user", "actor", "ip", "user_agent", "detail")
EVENT_NAMES = frozenset(event.value for event in Event)


@dataclass(frozen=True)
class AuditFilters:
    """Which events to show: about whom, done by whom, of what kind, in which days (UTC)."""

    user: User | None = None
    actor: User | None = None
    event: str | None = None
    first_day: date | None = None  # inclusive
    last_day: date | None = None  # inclusive
    nobody: bool = False  # a username that names no one: nothing matches

    @property
    def since(self) -> datetime | None:
        """Return the start of the first day, UTC."""
        return _start_of(self.first_day)

    @property
    def until(self) -> datetime | None:
        """Return the start of the day after the last day, UTC (``None``: no end)."""
        if self.last_day is None or self.last_day == date.max:
            return None
        return _start_of(self.last_day + timedelta(days=1))

    def query(self) -> dict[str, Any]:
        """Return the keyword arguments of ``audit_log`` these filters give."""
        return {
            "user": self.user,
            "actor": self.actor,
            "event": self.event,
            "since": self.since,
            "until": self.until,
        }

    def params(self) -> dict[str, Any]:
        """Return the filters as a job's parameters (ids, and names for people to read)."""
        return {
            "user_id": self.user.id if self.user else None,
            "user": self.user.username if self.user else None,
            "actor_id": self.actor.id if self.actor else None,
            "actor": self.actor.username if self.actor else None,
            "event": self.event,
            "from": self.first_day.isoformat() if self.first_day else None,
            "to": self.last_day.isoformat() if self.last_day else None,
        }


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def _person(username: str | None) -> tuple[User | None, bool]:
    """Return the account a filter names, and whether the name named no one."""
    if not username:
        return None, False
    if "\x00" in username:  # no username holds one (and PostgreSQL refuses it in a query)
        return None, True
    person = db.session.scalar(select(User).where(User.username_key == canonical(username)))
    return person, person is None


def make_filters(
    *,
    user: str | None = None,
    actor: str | None = None,
    event: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> AuditFilters:
    """Return the filters these usernames, kind and days ask for (unknown names match nothing)."""
    subject, no_subject = _person(user)
    doer, no_doer = _person(actor)
    return AuditFilters(
        user=subject,
        actor=doer,
        event=event if event in EVENT_NAMES else None,
        first_day=first_day,
        last_day=last_day,
        nobody=no_subject or no_doer,
    )


def _filters_of(params: dict[str, Any]) -> AuditFilters:
    """Return the filters a job's parameters hold (a person since deleted matches nothing)."""
    people: dict[str, User | None] = {}
    nobody = False
    for role in ("user", "actor"):
        person_id = params.get(f"{role}_id")
        people[role] = db.session.get(User, int(person_id)) if person_id else None
        nobody = nobody or (person_id is not None and people[role] is None)
    return AuditFilters(
        user=people["user"],
        actor=people["actor"],
        event=params.get("event"),
        first_day=date.fromisoformat(params["from"]) if params.get("from") else None,
        last_day=date.fromisoformat(params["to"]) if params.get("to") else None,
        nobody=nobody,
    )


# --------------------------------------------------------------------------- asking for one


def start_audit_export(*, actor: User, filters: AuditFilters) -> Job:
    """Queue a CSV export of the events ``filters`` keep, for ``actor`` to download; log it."""
    params = {**filters.params(), "nobody": filters.nobody, "locale": str(get_locale() or "en")}
    job = jobs.create_job(kind=f"{KIND}.csv", owner=actor, task=export_audit_log, params=params)
    asked = {key: value for key, value in filters.params().items() if value and "_id" not in key}
    record_event(Event.AUDIT_EXPORTED, user=None, actor=actor, job=str(job.id), filters=asked)
    return job


# --------------------------------------------------------------------------- the task


def export_filename() -> str:
    """Return the name the file is downloaded as: ``inkstone-audit-2026-12-07.csv``."""
    return f"inkstone-audit-{utcnow():%Y-%m-%d}.csv"


def write_events(*, job: Job, path: Path, filters: AuditFilters, batch: int = BATCH) -> int:
    """Write the filtered events to ``path``, newest first, reporting progress; return how many."""
    total = 0 if filters.nobody else count_audit_events(**filters.query())
    done = 0
    before: tuple[datetime, int] | None = None
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        out = csv.writer(file, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        out.writerow(COLUMNS)
        while not filters.nobody:
            events = audit_log(page=PageRequest(limit=batch), before=before, **filters.query())
            for event in events:
                detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True, default=str)
                out.writerow(
                    (
                        iso_utc(event.created_at),
                        csv_text(event.event),
                        csv_text(sentence(event)),
                        csv_text(event.user or ""),
                        csv_text(event.actor or ""),
                        csv_text(event.ip),
                        csv_text(event.user_agent),
                        csv_text(detail),
                    )
                )
            done += len(events)
            if len(events) < batch:
                break
            before = (events[-1].created_at, events[-1].id)
            total = max(total, done)
            message = f"Exported {done} of {total} events"
            if not jobs.report_progress(job=job, percent=done * 99 // total, message=message):
                raise JobCancelled
    return done


def run_audit_export(job: Job) -> None:
    """Write the audit log's CSV under the job's folder and offer it for download."""
    folder = jobs.job_folder(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    filename = export_filename()
    part, final = folder / f"{filename}.part", folder / filename
    filters = _filters_of(job.params)
    if job.params.get("nobody"):
        filters = AuditFilters(nobody=True)
    try:
        with force_locale(job.params.get("locale") or "en"):
            count = write_events(job=job, path=part, filters=filters)
        part.replace(final)
        jobs.finish_job(
            job=job,
            summary={"events": count},
            path=f"{job.id}/{filename}",
            filename=filename,
            size=final.stat().st_size,
        )
    except BaseException:
        part.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty
        raise


export_audit_log = job_task(TASK_NAME, kind=KIND)(run_audit_export)
