"""Peak memory of an article export: ``python -m bench.export_memory --count 100000``.

Builds a throwaway SQLite database (migrated) with ``--count`` articles of about 1.5 KB each,
then runs each export format in a fresh process and prints the worker's peak RSS during the
export (``VmHWM``, reset first) and how much it grew over the RSS before it. The exports keep
memory flat (keyset pages of 500, rows written at once; a PDF is laid out in parts that are
joined as they are done); this measures it. Not run by the tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BODY = ("Inkstone 墨砚 measures memory, 不是时间。 " * 40).strip()


def _config(folder: Path) -> dict[str, Any]:
    return {
        "ENV": "testing",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "INSTANCE_PATH": str(folder),
        "REDIS_URL": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOG_LEVEL": "WARNING",
        "LOG_REQUESTS": False,
        "CELERY_TASK_ALWAYS_EAGER": True,
    }


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS.
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def prepare(folder: Path, count: int) -> int:
    """Migrate a database in ``folder``, add ``count`` articles; return their author's id."""
    import flask_migrate
    from sqlalchemy import insert

    from inkstone import create_app
    from inkstone.articles.models import Article
    from inkstone.auth.models import RoleName
    from inkstone.auth.services import register_user
    from inkstone.core.db import utcnow
    from inkstone.extensions import db

    app = create_app(_config(folder))
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
        author = register_user(
            username="bench",
            email="bench@example.org",
            password="a long bench password",
            role=RoleName.AUTHOR,
            confirmed=True,
        )
        db.session.commit()
        now = utcnow()
        for start in range(0, count, 5_000):
            rows = [
                {
                    "id": 10_000_000 + n,
                    "slug": f"bench-{n}",
                    "title": f"Bench article {n} 基准",
                    "description": "A description of the article",
                    "body": BODY,
                    "author_id": author.id,
                    "tag_names": '["bench", "内存"]',
                    "published": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, min(start + 5_000, count))
            ]
            db.session.execute(insert(Article), rows)
            db.session.commit()
        return author.id


def run(folder: Path, author_id: int, format: str) -> dict[str, Any]:
    """Export every article of ``author_id`` as ``format``; return the memory it took."""
    from inkstone import create_app
    from inkstone.extensions import db
    from inkstone.jobs.models import Job
    from inkstone.jobs.runner import run_job
    from inkstone.transfers.exports import run_export

    app = create_app(_config(folder))
    with app.app_context():
        job = Job(
            kind=f"export.{format}",
            owner_id=author_id,
            params={"format": format, "scope": "mine"},
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        before = _status_mb("VmRSS")
        _reset_peak()
        started = time.perf_counter()
        run_job(job_id, run_export)
        db.session.commit()
        seconds = time.perf_counter() - started
        job = db.session.get(Job, job_id)
        assert job is not None
        peak = _status_mb("VmHWM")
        return {
            "format": format,
            "status": job.status,
            "error": job.error,
            "articles": (job.summary or {}).get("articles"),
            "file_mb": round((job.result_size or 0) / 2**20, 1),
            "seconds": round(seconds, 1),
            "rss_before_mb": round(before, 1),
            "peak_rss_mb": round(peak, 1),
            "growth_mb": round(peak - before, 1),
        }


def main() -> None:
    """Build the data once, then measure each format in a process of its own."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx,pdf")
    parser.add_argument("--run", nargs=3, metavar=("FOLDER", "AUTHOR", "FORMAT"), help="internal")
    args = parser.parse_args()
    if args.run:
        folder, author, format = args.run
        print(json.dumps(run(Path(folder), int(author), format)))
        return
    with tempfile.TemporaryDirectory(prefix="inkstone-export-bench-") as tmp:
        started = time.perf_counter()
        author_id = prepare(Path(tmp), args.count)
        print(f"{args.count} articles made in {time.perf_counter() - started:.0f} s", flush=True)
        for format in args.formats.split(","):
            command = [sys.executable, "-m", "bench.export_memory", "--run", tmp, str(author_id)]
            out = subprocess.run([*command, format], check=True, capture_output=True, text=True)
            print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
