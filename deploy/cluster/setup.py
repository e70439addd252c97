"""The steps before a cluster's app processes start, in one process (the app loads once).

``flask db upgrade``, ``flask articles render``, ``flask search reindex --if-empty`` (as
``make migrate``), then with ``--seed`` ``flask dev seed --if-empty``. Run by the cluster as
``python deploy/cluster/setup.py [--seed]`` with the cluster's environment.
"""

from __future__ import annotations

import sys

from flask import Flask
from flask.cli import FlaskGroup

from inkstone import create_app


def flask(app: Flask, *args: str) -> None:
    """Run ``flask <args>`` against ``app``; raise if the command fails."""
    group = FlaskGroup(create_app=lambda: app, load_dotenv=False, set_debug_flag=False)
    group.main(args=list(args), prog_name="flask", standalone_mode=False)


def main(argv: list[str]) -> int:
    """Migrate, store stale article HTML, fill an empty search index; seed if asked."""
    app = create_app()
    flask(app, "db", "upgrade")
    flask(app, "articles", "render")
    flask(app, "search", "reindex", "--if-empty")
    if "--seed" in argv:
        # `flask dev seed` refuses ENV=production: its accounts share the published demo
        # password. A cluster on loopback is a demonstration, reachable from this machine
        # only, so its demo data is made by a development app on the same database.
        flask(create_app({"ENV": "development"}), "dev", "seed", "--if-empty")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
