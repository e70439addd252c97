"""What each service of the cluster runs, and how the cluster tells that it is up.

One gunicorn process per web "host" (WEB_CONCURRENCY=1, GUNICORN_THREADS=2), each on a CPU
of its own, as two machines would be. Two Celery workers, each a single process with the
threads pool (two tasks at once): a worker killed outright takes its running tasks with it,
as a lost machine would, so acks_late and job recovery see exactly one dead worker (with the
prefork pool the children of a killed parent run on, finishing jobs already handed to
another worker). Exactly one beat. PostgreSQL runs as the ``postgres`` user when we are root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from deploy.cluster import packages
from deploy.cluster.processes import ClusterError, tail

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = PROJECT / "deploy" / "gunicorn.conf.py"
CELERY_APP = "inkstone.wsgi:celery_app"
DATABASE = "inkstone"
ROLE = "inkstone"
WORKER_POOL = ("--pool=threads", "--concurrency=2")


@dataclass(frozen=True)
class Spec:
    """How to start one service: its command, environment, user and CPUs."""

    argv: list[str]
    env: Mapping[str, str]
    user: str | None = None
    cpus: tuple[int, ...] = ()
    # Text its log shows once it is ready (services without a port to probe).
    ready_mark: str = ""
    # How to stop it gracefully, and how long to wait before SIGKILL.
    stop_signal: str = "SIGTERM"
    stop_timeout: float = 30.0


def postgres_user() -> str | None:
    """Return the user PostgreSQL runs as: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ClusterError("running as root needs a `postgres` user (apt-get postgresql)") from exc
    return "postgres"


def pg_bin() -> Path:
    """Return PostgreSQL's program folder, or fail saying what to install."""
    found = packages.postgres_bin()
    if found is None:
        raise ClusterError("PostgreSQL is not installed (make cluster installs it as root)")
    return found


def _run_as(user: str | None, argv: list[str], *, input: str | None = None) -> str:
    """Run a setup command (as ``user``), returning its output or failing with it."""
    done = subprocess.run(
        argv, user=user, input=input, capture_output=True, text=True, check=False, cwd="/"
    )
    if done.returncode != 0:
        raise ClusterError(f"{' '.join(argv[:2])} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def init_postgres(folder: Path) -> None:
    """Create the database cluster in ``folder``/data on first start (as its user)."""
    data = folder / "data"
    if (data / "PG_VERSION").exists():
        return
    user = postgres_user()
    folder.mkdir(parents=True, exist_ok=True)
    if user is not None:
        shutil.chown(folder, user, user)
        # The postgres user must reach its folder through every folder above it.
        reach = subprocess.run(["test", "-w", str(folder)], user=user, check=False)
        if reach.returncode != 0:
            raise ClusterError(
                f"the postgres user cannot reach {folder}: a folder above it is closed to "
                "other users (chmod o+x it, or put the cluster's state elsewhere)"
            )
    _run_as(
        user,
        [
            str(pg_bin() / "initdb"),
            "-D",
            str(data),
            "--username=postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ],
    )


def postgres(folder: Path, port: int) -> Spec:
    """PostgreSQL on 127.0.0.1:``port``, its socket in ``folder`` (for set-up only)."""
    return Spec(
        argv=[
            str(pg_bin() / "postgres"),
            "-D",
            str(folder / "data"),
            "-p",
            str(port),
            "-k",
            str(folder),
            "-c",
            "listen_addresses=127.0.0.1",
        ],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
        user=postgres_user(),
        stop_signal="SIGINT",  # "fast" shutdown: ends sessions, writes a checkpoint
        stop_timeout=60.0,
    )


def postgres_ready(port: int) -> bool:
    """Tell whether PostgreSQL accepts connections."""
    done = subprocess.run(
        [str(pg_bin() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)],
        check=False,
    )
    return done.returncode == 0


def create_database(folder: Path, port: int, password: str) -> None:
    """Create the app's role and database if missing; (re)set the role's password."""
    script = f"""
SELECT 'CREATE ROLE {ROLE} LOGIN' WHERE NOT EXISTS
    (SELECT FROM pg_roles WHERE rolname = '{ROLE}')\\gexec
ALTER ROLE {ROLE} PASSWORD '{password}';
SELECT 'CREATE DATABASE {DATABASE} OWNER {ROLE} ENCODING ''UTF8'' TEMPLATE template0'
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{DATABASE}')\\gexec
"""
    psql = [str(pg_bin() / "psql"), "-h", str(folder), "-p", str(port), "-U", "postgres"]
    _run_as(
        postgres_user(),
        [*psql, "-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
        input=script,
    )


def run_setup(env: Mapping[str, str], bin_dir: Path, log: Path, *, seed: bool) -> None:
    """Migrate, fill an empty search index and (``seed``) make demo data: ``setup.py``."""
    argv = [str(bin_dir / "python"), str(Path(__file__).with_name("setup.py"))]
    with log.open("ab") as out:
        done = subprocess.run(
            [*argv, *(["--seed"] if seed else [])],
            env=env,
            cwd=PROJECT,  # Flask-Migrate finds migrations/ from here
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        raise ClusterError(f"migrating the database failed; {log}:\n{tail(log)}")


def redis(folder: Path, port: int) -> Spec:
    """Redis on 127.0.0.1:``port`` with an append-only file in ``folder``.

    appendonly yes (fsync every second): sessions, rate-limit counters and queued tasks
    survive a restart of Redis, losing at most the last second's writes.
    """
    binary = packages.redis_binary()
    if binary is None:
        raise ClusterError("redis-server is not installed (make cluster installs it as root)")
    folder.mkdir(parents=True, exist_ok=True)
    return Spec(
        argv=[
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--protected-mode",
            "yes",
            "--dir",
            str(folder),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
        ],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )


def web(env: Mapping[str, str], bin_dir: Path, port: int, cpu: int) -> Spec:
    """One gunicorn host on 127.0.0.1:``port``, on CPU ``cpu``."""
    return Spec(
        argv=[str(bin_dir / "gunicorn"), "-c", str(GUNICORN_CONF), "inkstone.wsgi:app"],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        cpus=(cpu,),
    )


def worker(env: Mapping[str, str], bin_dir: Path, number: int) -> Spec:
    """Celery worker ``worker<number>@<host>`` (never with -B: the cluster runs one beat)."""
    name = f"worker{number}"
    return Spec(
        argv=[
            str(bin_dir / "celery"),
            "-A",
            CELERY_APP,
            "worker",
            f"--hostname={name}@%h",
            *WORKER_POOL,
            # Workers need not talk to each other (the jobs' own heartbeats are in the
            # database); gossip also fails to restart after a broker reconnect.
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        env=env,
        ready_mark=" ready.",  # "worker1@host ready." once it takes tasks
        stop_timeout=60.0,  # a warm shutdown lets running tasks finish
    )


def beat(env: Mapping[str, str], bin_dir: Path) -> Spec:
    """The one Celery beat of the cluster (its schedule file is in the shared instance)."""
    return Spec(
        argv=[str(bin_dir / "celery"), "-A", CELERY_APP, "beat", "--loglevel=INFO"],
        env=env,
        ready_mark="beat: Starting",
    )


def flower(env: Mapping[str, str], bin_dir: Path, port: int, password: str) -> Spec:
    """Flower on 127.0.0.1:``port`` under /flower/, with its own sign-in (admin)."""
    probe = subprocess.run(
        [str(bin_dir / "python"), "-c", "import flower"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        raise ClusterError(
            "Flower is not installed: it is the optional `flower` extra "
            "(make cluster FLOWER=1 installs it: uv sync --frozen --extra flower)"
        )
    return Spec(
        argv=[
            str(bin_dir / "celery"),
            "-A",
            CELERY_APP,
            "flower",
            "--address=127.0.0.1",
            f"--port={port}",
            "--url_prefix=flower",
        ],
        # In the environment rather than the command line: `ps` shows arguments to everyone.
        env={**env, "FLOWER_BASIC_AUTH": f"admin:{password}"},
    )


def nginx(prefix: Path, error_log: Path) -> Spec:
    """nginx run from ``prefix`` in the foreground (it is our child, not a daemon)."""
    binary = packages.nginx_binary()
    if binary is None:
        raise ClusterError("nginx is not installed (make cluster installs it as root)")
    return Spec(
        argv=[
            binary,
            "-p",
            f"{prefix}/",
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(error_log),
            "-g",
            "daemon off;",
        ],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        stop_signal="SIGQUIT",  # graceful: open requests finish
        stop_timeout=15.0,
    )
