"""The deploy files: named workers, one beat, Flower behind a sign-in, and a correct proxy.

Heartbeats, the process recorded as a job's runner and the recovery of a dead worker's jobs
tell workers apart by their names: two workers both called ``celery@host`` look like one.
Behind nginx the app must believe nginx's X-Forwarded-For and nobody else's
(``TRUSTED_PROXIES=1``), put ``SITE_URL`` in mail, stream job progress unbuffered, and accept
the bodies it accepts itself. ``make cluster`` and ``deploy/`` share one nginx template.
"""

from __future__ import annotations

import configparser
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deploy.cluster import Cluster, nginx, processes, services
from inkstone.core.config import Settings
from tests.conftest import ROOT, require_service

DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "nginx" / "inkstone.conf.template"
SYSTEMD = DEPLOY / "systemd"
APP_UNITS = ("inkstone-web.service", "inkstone-worker@.service", "inkstone-beat.service")


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _supervisord() -> configparser.RawConfigParser:
    config = configparser.RawConfigParser()
    config.read(DEPLOY / "supervisord.conf")
    return config


def _template() -> str:
    """The nginx template without its comments (the TLS example is commented out)."""
    return "\n".join(line.split("#", 1)[0] for line in TEMPLATE.read_text().splitlines())


def _location(config: str, opening: str) -> str:
    """Return the body of the block that starts with ``opening`` (up to its own ``}`` line)."""
    body = config.split(opening, 1)[1]
    end = re.search(r"^\s*\}\s*$", body, re.MULTILINE)
    assert end, f"no end to {opening}"
    return body[: end.start()]


def _exec_start(unit: str) -> str:
    """Return the command of a systemd unit."""
    found = re.search(r"^ExecStart=(.*)$", (SYSTEMD / unit).read_text(), re.MULTILINE)
    assert found, unit
    return found.group(1)


# --------------------------------------------------------------------------- named workers


def test_compose_names_each_worker_replica_by_its_container():
    command = _compose()["services"]["worker"]["command"]
    assert "--hostname=worker@%h" in command


def test_supervisord_runs_numbered_workers():
    worker = _supervisord()["program:worker"]
    assert int(worker["numprocs"]) >= 2
    assert "%(process_num)s" in worker["process_name"]
    assert "--hostname=worker%(process_num)s@%%h" in worker["command"]


def test_systemd_worker_is_a_template_named_by_its_instance():
    assert "--hostname=worker%i@%H" in _exec_start("inkstone-worker@.service")
    assert not (SYSTEMD / "inkstone-worker.service").exists()


def test_workers_run_the_threads_pool_and_never_a_beat_of_their_own():
    commands = {
        "compose": " ".join(_compose()["services"]["worker"]["command"]),
        "supervisord": _supervisord()["program:worker"]["command"],
        "systemd": _exec_start("inkstone-worker@.service"),
        "cluster": " ".join(services.worker({}, Path("/bin"), 1).argv),
    }
    for where, command in commands.items():
        assert "--pool=threads" in command, where
        assert not re.search(r"\s(-B|--beat)\b", command), where


def test_exactly_one_beat_everywhere():
    compose = _compose()["services"]
    beats = [name for name, service in compose.items() if "beat" in service.get("command", [])]
    assert beats == ["beat"]
    assert compose["beat"]["deploy"]["replicas"] == 1
    config = _supervisord()
    assert [s for s in config.sections() if "beat" in config[s].get("command", "")] == [
        "program:beat"
    ]
    assert config["program:beat"].get("numprocs", "1") == "1"
    assert not (SYSTEMD / "inkstone-beat@.service").exists()  # a unit, not a template to multiply


# --------------------------------------------------------------------------- Flower


def test_compose_runs_flower_behind_basic_auth_under_its_prefix():
    compose = _compose()
    flower = compose["services"]["flower"]
    assert "flower" in flower["image"]
    assert "flower" in flower["command"]
    environment = flower["environment"]
    assert environment["FLOWER_URL_PREFIX"] == "flower"
    assert "FLOWER_BASIC_AUTH" in environment  # no Flower without a sign-in
    assert "--port=5555" in flower["command"]
    assert "flower" in compose["services"]["nginx"]["depends_on"]
    assert compose["services"]["nginx"]["environment"]["INKSTONE_FLOWER_ADDRESS"] == "flower:5555"


def test_nginx_sends_flower_s_prefix_to_flower():
    block = _location(_template(), "location /flower/ {")
    assert "proxy_pass http://${INKSTONE_FLOWER_ADDRESS};" in block
    assert "Upgrade $http_upgrade" in block  # its live pages use a WebSocket


def test_supervisord_and_systemd_run_flower_on_loopback_under_its_prefix():
    units = [
        _supervisord()["program:flower"]["command"],
        _exec_start("inkstone-flower.service"),
    ]
    for command in units:
        assert "celery -A inkstone.wsgi:celery_app flower" in command
        assert "--address=127.0.0.1 --port=5555" in command
        assert "--url_prefix=flower" in command
    assert "FLOWER_BASIC_AUTH" in (SYSTEMD / "inkstone-flower.service").read_text()


# --------------------------------------------------------------------------- behind a proxy


def test_every_app_process_trusts_one_proxy_and_knows_the_site_address():
    compose = _compose()["services"]
    for name in ("migrate", "web", "worker", "beat"):
        environment = compose[name]["environment"]
        assert environment["TRUSTED_PROXIES"] == "1", name
        assert environment["SITE_URL"].startswith("${SITE_URL:?"), name  # required, no default
    config = _supervisord()
    for section in ("program:web", "program:worker", "program:beat"):
        environment = config[section]["environment"]
        assert 'TRUSTED_PROXIES="1"' in environment, section
        assert 'SITE_URL="%(ENV_SITE_URL)s"' in environment, section
    for unit in APP_UNITS:
        text = (SYSTEMD / unit).read_text()
        assert "Environment=TRUSTED_PROXIES=1" in text, unit
        assert "EnvironmentFile=/srv/inkstone/.env" in text, unit
    example = (SYSTEMD / "inkstone.env.example").read_text()
    assert re.search(r"^SITE_URL=https://", example, re.MULTILINE)
    assert re.search(r"^TRUSTED_PROXIES=1$", example, re.MULTILINE)


def test_redis_keeps_an_append_only_file_in_compose():
    redis = _compose()["services"]["redis"]
    assert "--appendonly" in redis["command"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_one_nginx_template_for_compose_and_the_cluster():
    assert not (DEPLOY / "nginx.conf").exists()
    nginx_service = _compose()["services"]["nginx"]
    volumes = nginx_service["volumes"]
    assert "./nginx/inkstone.conf.template:/etc/nginx/templates/default.conf.template:ro" in volumes
    assert nginx.TEMPLATE == TEMPLATE
    # Compose gives every variable the template uses.
    used = set(re.findall(r"\$\{(INKSTONE_[A-Z_]+)\}", TEMPLATE.read_text()))
    assert used <= set(nginx_service["environment"])
    # The folders it names are those compose mounts.
    environment = nginx_service["environment"]
    assert f"../src/inkstone/web/static:{environment['INKSTONE_STATIC_ROOT']}:ro" in volumes
    assert "instance:/srv/inkstone/instance:ro" in volumes
    assert environment["INKSTONE_MEDIA_ROOT"] == "/srv/inkstone/instance/uploads"


def test_nginx_retries_idempotent_requests_on_another_host_and_keeps_connections():
    config = _template()
    assert re.search(r"proxy_next_upstream error timeout http_502 http_504;", config)
    assert "non_idempotent" not in config  # a POST already sent is never sent twice
    assert "http_503" not in config  # the app's own 503 (an outage) is passed on
    upstream = _location(config, "upstream inkstone_web {")
    assert "${INKSTONE_WEB_SERVERS}" in upstream
    assert re.search(r"keepalive \d+;", upstream)
    for servers in (
        _compose()["services"]["nginx"]["environment"]["INKSTONE_WEB_SERVERS"],
        nginx.web_servers(["127.0.0.1:1", "127.0.0.1:2"]),
    ):
        assert re.search(r"max_fails=\d+ fail_timeout=\d+s;", servers)
    assert 'proxy_set_header Connection "";' in config  # keep-alive to the hosts


def test_nginx_forwards_who_asked_how_and_which_request():
    config = _template()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in config
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in config
    assert "proxy_set_header Host $http_host;" in config
    assert "proxy_set_header X-Request-ID $request_id;" in config


def test_nginx_streams_job_progress_and_notifications_unbuffered():
    config = _template()
    opening = re.search(r"location ~ (\S+) \{", config)
    assert opening, "no location for the progress streams"
    streams = re.compile(opening.group(1))
    assert streams.match("/jobs/42/events")
    assert streams.match("/api/v1/jobs/42/events")
    assert not streams.match("/jobs/42")
    for block in (
        _location(config, opening.group(0)),
        _location(config, "location = /notifications/events {"),
    ):
        assert "proxy_buffering off;" in block


def test_nginx_takes_every_body_the_app_takes():
    size = re.search(r"client_max_body_size (\d+)m;", _template())
    assert size
    nginx_limit = int(size.group(1)) * 1024 * 1024
    app_limit = Settings.load({"ENV": "testing"}).flask_config()["MAX_REQUEST_BODY"]
    # Larger (the app answers a body over its limit itself, naming it), not by much.
    assert app_limit <= nginx_limit <= app_limit + 2 * 1024 * 1024


def test_nginx_serves_static_files_and_protected_media_itself():
    config = _template()
    static = _location(config, "location /static/ {")
    assert "alias ${INKSTONE_STATIC_ROOT}/;" in static
    assert "$inkstone_static_cache" in static
    assert '"public, max-age=31536000, immutable"' in config
    media = _location(config, "location /protected-media/ {")
    assert "internal;" in media
    assert "alias ${INKSTONE_MEDIA_ROOT}/;" in media
    compose_web = _compose()["services"]["web"]["environment"]
    assert compose_web["MEDIA_ACCEL_REDIRECT"] == "/protected-media/"


def test_probes_are_proxied_but_not_logged():
    config = _template()
    for probe in ("/healthz", "/readyz"):
        block = _location(config, f"location = {probe} {{")
        assert "access_log off;" in block
        assert "proxy_pass http://inkstone_web;" in block


def test_no_proxy_cache_without_a_cache_zone():
    config = _template()
    if "proxy_cache_valid" in config or re.search(r"proxy_cache (?!off)", config):
        assert "proxy_cache_path" in config


def test_the_template_shows_a_tls_server():
    text = TEMPLATE.read_text()
    assert re.search(r"^#\s+listen 443 ssl;", text, re.MULTILINE)
    assert "ssl_certificate" in text


# --------------------------------------------------------------------------- the cluster


def test_the_cluster_s_nginx_configuration_is_accepted_by_nginx(tmp_path: Path):
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    require_service("nginx", binary is not None)
    cluster = Cluster(root=tmp_path / "cluster", port=18080)
    cluster.write_nginx_config()
    prefix = cluster.root / "nginx"
    checked = subprocess.run(
        [
            str(binary),
            "-t",
            "-p",
            f"{prefix}/",
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    site = (prefix / "inkstone.conf").read_text()
    assert "server 127.0.0.1:18081 max_fails=" in site
    assert "server 127.0.0.1:18082 max_fails=" in site
    assert f"alias {ROOT / 'src/inkstone/web/static'}/;" in site
    assert f"alias {cluster.instance / 'uploads'}/;" in site


def test_the_template_refuses_to_render_with_a_value_missing():
    with pytest.raises(KeyError, match="INKSTONE_LISTEN"):
        nginx.render({"INKSTONE_WEB_SERVERS": "server a:1;"})


def test_the_cluster_s_app_processes_run_as_production_behind_one_proxy(tmp_path: Path):
    cluster = Cluster(root=tmp_path / "cluster", port=18080)
    env = cluster.env
    assert env["ENV"] == "production"
    assert env["TRUSTED_PROXIES"] == "1"
    assert env["SITE_URL"] == cluster.address == "http://127.0.0.1:18080"
    assert env["MEDIA_ACCEL_REDIRECT"] == "/protected-media/"
    assert env["INSTANCE_PATH"] == str(cluster.instance)
    assert env["DATABASE_URL"].startswith("postgresql://inkstone:")
    assert env["REDIS_URL"] == "redis://127.0.0.1:18084/0"
    assert len(env["SECRET_KEY"]) == 64
    assert Cluster(root=tmp_path / "cluster").env["SECRET_KEY"] == env["SECRET_KEY"]  # kept
    assert (cluster.root / "secrets.json").stat().st_mode & 0o077 == 0
    assert cluster.hosts == {"web1": "http://127.0.0.1:18081", "web2": "http://127.0.0.1:18082"}
    Settings.load(dict(env))  # a configuration the app starts with


def test_a_process_is_stopped_by_its_pid_and_never_a_stranger_s(tmp_path: Path):
    started = processes.spawn(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        env={},
        cwd=tmp_path,
        log=tmp_path / "sleep.log",
    )
    assert processes.alive(started)
    # The same PID with another start time is some other process: left alone.
    stranger = processes.Process(started.pid, started.started + 1)
    assert not processes.alive(stranger)
    assert not processes.send(stranger, signal.SIGTERM)
    assert processes.alive(started)
    processes.stop(started, timeout=10)
    assert not processes.alive(started)


def test_killing_a_service_takes_its_children_with_it(tmp_path: Path):
    """As when a machine dies: a gunicorn master killed alone leaves its worker serving."""
    child_pid = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(child_pid)!r}, 'w').write(str(child.pid)); time.sleep(60)"
    )
    parent = processes.spawn(
        [sys.executable, "-c", script], env={}, cwd=tmp_path, log=tmp_path / "p.log"
    )
    assert processes.wait_until(lambda: child_pid.exists() and child_pid.read_text(), 10)
    child = int(child_pid.read_text())
    child_process = processes.Process(child, processes.start_time(child) or 0)
    assert processes.alive(child_process)
    assert processes.send(parent, signal.SIGKILL, group=True)
    assert processes.wait_until(lambda: not processes.alive(child_process), 10)
    assert processes.wait_until(lambda: not processes.alive(parent), 10)
