"""Inkstone scaled out on loopback: ``make cluster``, and the cluster the tests run against.

PostgreSQL, Redis, two gunicorn "hosts", two Celery workers, one beat and nginx (and Flower if
asked), each a process of its own on 127.0.0.1, all sharing one instance folder, with their
data, logs and PIDs in one state folder (``.cluster/`` for ``make cluster``)::

    from deploy.cluster import Cluster
    cluster = Cluster(root=Path(".cluster"), port=8080)
    cluster.start()          # starts what is not running; waits until /readyz answers 200
    cluster.kill("web1")     # SIGKILL, no restart
    cluster.start_service("web1")
    cluster.stop()           # everything, by PID: nginx first, PostgreSQL last

Ports: nginx ``port``, web1 ``port+1``, web2 ``port+2``, PostgreSQL ``port+3``, Redis
``port+4``, Flower ``port+5``. Standard library only: ``make cluster`` imports it with the
system's Python to install the packages before the virtualenv exists.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sysconfig
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deploy.cluster import nginx, services
from deploy.cluster.processes import (
    ClusterError,
    http_status,
    port_in_use,
    redis_ping,
    send,
    spawn,
    stop,
    tail,
    wait_until,
)
from deploy.cluster.processes import alive as _alive
from deploy.cluster.state import State, cluster_secrets, open_folder

__all__ = ["SERVICES", "Cluster", "ClusterError"]

SERVICES = ("postgres", "redis", "web1", "web2", "worker1", "worker2", "beat", "nginx", "flower")
APP_SERVICES = ("web1", "web2", "worker1", "worker2", "beat")
# Started together, then waited for together, group after group.
START_GROUPS = (
    ("postgres",),
    ("redis",),
    ("web1", "web2"),
    ("worker1", "worker2", "beat"),
    ("nginx",),
    ("flower",),
)
# Stopped group by group, the services of a group at once: nginx first, PostgreSQL last.
STOP_GROUPS = (
    ("nginx",),
    ("flower", "beat", "worker1", "worker2", "web1", "web2"),
    ("redis",),
    ("postgres",),
)
PORT_OFFSETS = {"nginx": 0, "web1": 1, "web2": 2, "postgres": 3, "redis": 4, "flower": 5}
DEFAULT_PORT = 8080
STATIC = services.PROJECT / "src" / "inkstone" / "web" / "static"
# What app processes keep of the environment of whoever starts the cluster; the rest (a
# DATABASE_URL, an INKSTONE_* left over in the shell) must not change what the cluster is.
KEPT_ENVIRONMENT = ("HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "LOGNAME")
START_TIMEOUT = 90.0


class Cluster:
    """One cluster, known by its state folder; every method may be called from any process."""

    def __init__(
        self,
        root: Path | str = ".cluster",
        port: int | None = None,
        *,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.state = State(self.root)
        recorded = self.state.read().get("port")
        self.port = int(port or recorded or DEFAULT_PORT)
        if recorded not in (None, self.port) and self.state.running():
            raise ClusterError(f"the cluster in {self.root} runs on port {recorded}, not {port}")
        self.extra_env = dict(env or {})
        self.bin = Path(sysconfig.get_path("scripts"))

    # ------------------------------------------------------------------ addresses and env

    @property
    def address(self) -> str:
        """Where nginx serves the site."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def hosts(self) -> dict[str, str]:
        """Each gunicorn host's own address (bypassing nginx)."""
        return {name: f"http://127.0.0.1:{self.ports[name]}" for name in ("web1", "web2")}

    @property
    def ports(self) -> dict[str, int]:
        """The port of each service that listens on one."""
        return {name: self.port + offset for name, offset in PORT_OFFSETS.items()}

    @property
    def instance(self) -> Path:
        """The instance folder every app process shares (uploads, exports, imports, mail)."""
        return self.root / "instance"

    @property
    def logs(self) -> Path:
        """The folder of the services' logs (``<name>.log``)."""
        return self.root / "logs"

    @property
    def secrets(self) -> dict[str, str]:
        """The cluster's secrets: SECRET_KEY, DATABASE_PASSWORD, FLOWER_PASSWORD."""
        return cluster_secrets(self.root)

    @property
    def database_url(self) -> str:
        """The app's PostgreSQL database."""
        password = self.secrets["DATABASE_PASSWORD"]
        port = self.ports["postgres"]
        return f"postgresql://{services.ROLE}:{password}@127.0.0.1:{port}/{services.DATABASE}"

    @property
    def env(self) -> dict[str, str]:
        """The environment every app process (web, workers, beat, flask commands) gets."""
        kept = {name: os.environ[name] for name in KEPT_ENVIRONMENT if name in os.environ}
        return {
            **kept,
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "ENV": "production",
            "SECRET_KEY": self.secrets["SECRET_KEY"],
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "INSTANCE_PATH": str(self.instance),
            "SITE_URL": self.address,
            "TRUSTED_PROXIES": "1",
            "MEDIA_ACCEL_REDIRECT": "/protected-media/",
            "LOG_FORMAT": "json",
            "MAIL_BACKEND": "file",  # messages land in instance/mail/
            "FLASK_APP": "inkstone.app:create_app",
            "FLASK_SKIP_DOTENV": "1",  # the cluster is what this says, whatever .env holds
            "PYTHONUNBUFFERED": "1",
            "WEB_CONCURRENCY": "1",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            **self.extra_env,
        }

    # ------------------------------------------------------------------ the whole cluster

    def start(self, flower: bool = False) -> dict[str, float]:
        """Start whatever is not running, in order; wait until the site is ready.

        Returns how long each step took (seconds), for the curious and the CI log.
        """
        timings: dict[str, float] = {}
        with self.state.locked():
            open_folder(self.root, self.logs, self.instance)
            self.state.describe(
                port=self.port,
                address=self.address,
                hosts=self.hosts,
                ports=self.ports,
                logs={name: str(self.logs / f"{name}.log") for name in SERVICES},
            )
            for group in START_GROUPS:
                if group == ("flower",) and not flower:
                    continue
                todo = [name for name in group if not self.running(name)]
                if group == ("nginx",) and not todo and self.write_nginx_config():
                    self._signal("nginx", signal.SIGHUP)  # reload what changed
                if not todo:
                    continue
                began = time.monotonic()
                if set(todo) & set(APP_SERVICES) and "setup" not in timings:
                    self._setup()
                    timings["setup"] = round(time.monotonic() - began, 1)
                    began = time.monotonic()
                marks = {name: self._launch(name) for name in todo}
                for name in todo:
                    self._wait_up(name, marks[name])
                timings["+".join(todo)] = round(time.monotonic() - began, 1)
            began = time.monotonic()
            self._wait_ready()
            timings["ready"] = round(time.monotonic() - began, 1)
        return timings

    def stop(self) -> None:
        """Stop everything this cluster started, by PID: nginx first, PostgreSQL last."""
        with self.state.locked():
            for group in STOP_GROUPS:
                self._stop(*group)

    def status(self) -> dict[str, dict[str, Any]]:
        """Return each service's PID (``None`` when not running), port and log."""
        return {
            name: {
                "pid": self.pid(name),
                "port": self.ports.get(name),
                "log": str(self.logs / f"{name}.log"),
            }
            for name in SERVICES
        }

    def write_nginx_config(self) -> bool:
        """Write nginx's configuration from the repository's template; tell if it changed."""
        open_folder(self.root, self.logs, self.instance, self.instance / "uploads")
        return nginx.write(
            self.root / "nginx",
            port=self.port,
            web_ports=[self.ports["web1"], self.ports["web2"]],
            flower_port=self.ports["flower"],
            static=STATIC,
            uploads=self.instance / "uploads",
            access_log=self.logs / "nginx-access.log",
        )

    # ------------------------------------------------------------------ one service

    def pid(self, name: str) -> int | None:
        """Return the PID of ``name`` while it runs (``None`` otherwise)."""
        self._check_name(name)
        process = self.state.process(name)
        return process.pid if process is not None and _alive(process) else None

    def running(self, name: str) -> bool:
        """Tell whether ``name`` runs."""
        return self.pid(name) is not None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to ``name`` and its children (SIGKILL: as if its machine died).

        Nothing restarts it. The children matter: a gunicorn master killed alone leaves its
        worker serving on the port, a PostgreSQL postmaster its backends.
        """
        self._check_name(name)
        process = self.state.process(name)
        if process is None or not send(process, sig, group=True):
            raise ClusterError(f"{name} is not running")

    def stop_service(self, name: str) -> None:
        """Stop ``name`` gracefully and wait until it is gone."""
        self._check_name(name)
        with self.state.locked():
            self._stop(name)

    def start_service(self, name: str) -> None:
        """(Re)start ``name`` if it is not running, and wait until it is up."""
        self._check_name(name)
        with self.state.locked():
            if not self.running(name):
                self._wait_up(name, self._launch(name))

    def flask(
        self, *args: str, check: bool = False, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run ``flask <args>`` with the cluster's environment; return what it did."""
        return subprocess.run(
            [str(self.bin / "flask"), *args],
            env=self.env,
            cwd=services.PROJECT,  # `flask db …` finds migrations/ from here
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    # ------------------------------------------------------------------ internals

    def _spec(self, name: str) -> services.Spec:
        env, bin_dir, port = self.env, self.bin, self.ports.get(name, 0)
        if name == "postgres":
            return services.postgres(self.root / "postgres", port)
        if name == "redis":
            return services.redis(self.root / "redis", port)
        if name in ("web1", "web2"):
            # Each host on a CPU of its own, as two machines would be.
            cpus = sorted(os.sched_getaffinity(0))
            return services.web(env, bin_dir, port, cpus[(int(name[-1]) - 1) % len(cpus)])
        if name in ("worker1", "worker2"):
            return services.worker(env, bin_dir, int(name[-1]))
        if name == "beat":
            return services.beat(env, bin_dir)
        if name == "nginx":
            return services.nginx(self.root / "nginx", self.logs / "nginx-error.log")
        return services.flower(env, bin_dir, port, self.secrets["FLOWER_PASSWORD"])

    def _launch(self, name: str) -> int:
        """Start ``name``; return where its log stood before (to read what it adds)."""
        spec = self._spec(name)
        port = self.ports.get(name)
        if port is not None and port_in_use(port):
            raise ClusterError(
                f"port {port} ({name}) is taken by another program: pick another port "
                "(make cluster CLUSTER_PORT=…)"
            )
        if name == "postgres":
            services.init_postgres(self.root / "postgres")
        if name == "nginx":
            self.write_nginx_config()
        log = self.logs / f"{name}.log"
        mark = log.stat().st_size if log.exists() else 0
        process = spawn(
            spec.argv, env=spec.env, cwd=self.root, log=log, user=spec.user, cpus=spec.cpus
        )
        self.state.record(
            name,
            process,
            stop_signal=spec.stop_signal,
            stop_timeout=spec.stop_timeout,
            ready_mark=spec.ready_mark,
        )
        return mark

    def _wait_up(self, name: str, mark: int) -> None:
        """Wait until ``name`` answers (or its log says it is ready); fail with its log."""
        process = self.state.process(name)
        entry = self.state.entry(name)
        assert process is not None
        assert entry is not None
        log = self.logs / f"{name}.log"
        port = self.ports.get(name, 0)

        def up() -> bool:
            if not _alive(process):
                raise ClusterError(f"{name} exited while starting; its log {log}:\n{tail(log)}")
            if name == "postgres":
                return services.postgres_ready(port)
            if name == "redis":
                return redis_ping(port)
            if name in ("web1", "web2"):
                return http_status(f"http://127.0.0.1:{port}/healthz") is not None
            if entry["ready_mark"]:
                with log.open("rb") as handle:
                    handle.seek(mark)
                    return str(entry["ready_mark"]).encode() in handle.read()
            return port_in_use(port)

        if not wait_until(up, START_TIMEOUT, interval=0.2):
            raise ClusterError(
                f"{name} did not come up in {START_TIMEOUT:g} s; {log}:\n{tail(log)}"
            )
        if name == "postgres":
            services.create_database(
                self.root / "postgres", port, self.secrets["DATABASE_PASSWORD"]
            )

    def _wait_ready(self) -> None:
        """Wait until the site answers ready through nginx (/readyz; /healthz before it)."""
        statuses: list[int | None] = []

        def ready() -> bool:
            status = http_status(f"{self.address}/readyz")
            if status == 404:  # an app without /readyz yet
                status = http_status(f"{self.address}/healthz")
            statuses.append(status)
            return status == 200

        if not wait_until(ready, START_TIMEOUT, interval=0.3):
            raise ClusterError(
                f"{self.address}/readyz did not answer 200 (last: {statuses[-1:]}); logs in "
                f"{self.logs}"
            )

    def _setup(self) -> None:
        """Migrate, fill an empty search index, and seed demo data on first start."""
        seeded = self.root / "seeded"
        services.run_setup(self.env, self.bin, self.logs / "setup.log", seed=not seeded.exists())
        seeded.touch()

    def _signal(self, name: str, sig: int) -> bool:
        """Send ``sig`` to ``name`` if it runs; tell whether it did."""
        self._check_name(name)
        process = self.state.process(name)
        return process is not None and send(process, sig)

    def _stop(self, *names: str) -> None:
        """Ask each of ``names`` to stop at once, then wait for each (SIGKILL if need be)."""
        asked = []
        for name in names:
            entry = self.state.entry(name)
            if entry is not None and self._signal(name, getattr(signal, entry["stop_signal"])):
                asked.append((self.state.process(name), float(entry["stop_timeout"])))
        for process, timeout in asked:
            assert process is not None
            stop(process, sig=0, timeout=timeout)
        self.state.forget(*names)

    def _check_name(self, name: str) -> None:
        if name not in SERVICES:
            raise ClusterError(f"no service {name!r} (one of {', '.join(SERVICES)})")
