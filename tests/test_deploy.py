"""The deploy files give every worker a name of its own, and run Flower behind a sign-in.

Heartbeats, the process recorded as a job's runner and the recovery of a dead worker's jobs
tell workers apart by their names: two workers both called ``celery@host`` look like one.
"""

from __future__ import annotations

import configparser

import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def test_compose_names_each_worker_replica_by_its_container():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    command = compose["services"]["worker"]["command"]
    assert "--hostname=worker@%h" in command


def test_supervisord_runs_numbered_workers():
    config = configparser.RawConfigParser()
    config.read(DEPLOY / "supervisord.conf")
    worker = config["program:worker"]
    assert int(worker["numprocs"]) >= 2
    assert "%(process_num)s" in worker["process_name"]
    assert "--hostname=worker%(process_num)s@%%h" in worker["command"]


def test_systemd_worker_is_a_template_named_by_its_instance():
    unit = (DEPLOY / "systemd" / "inkstone-worker@.service").read_text()
    assert "--hostname=worker%i@%H" in unit
    assert not (DEPLOY / "systemd" / "inkstone-worker.service").exists()


# --------------------------------------------------------------------------- Flower


def test_compose_runs_flower_behind_basic_auth_under_its_prefix():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    flower = compose["services"]["flower"]
    assert "flower" in flower["image"]
    assert "flower" in flower["command"]
    environment = flower["environment"]
    assert environment["FLOWER_URL_PREFIX"] == "flower"
    assert "FLOWER_BASIC_AUTH" in environment  # no Flower without a sign-in
    assert "--port=5555" in flower["command"]
    assert "flower" in compose["services"]["nginx"]["depends_on"]


def test_nginx_sends_flower_s_prefix_to_flower():
    nginx = (DEPLOY / "nginx.conf").read_text()
    block = nginx.split("location /flower/ {", 1)[1].split("}", 1)[0]
    assert "proxy_pass http://flower:5555;" in block  # the compose service and its port
    assert "Upgrade $http_upgrade" in block  # its live pages use a WebSocket


def test_supervisord_and_systemd_run_flower_on_loopback_under_its_prefix():
    config = configparser.RawConfigParser()
    config.read(DEPLOY / "supervisord.conf")
    units = [
        config["program:flower"]["command"],
        (DEPLOY / "systemd" / "inkstone-flower.service").read_text(),
    ]
    for command in units:
        assert "celery -A inkstone.wsgi:celery_app flower" in command
        assert "--address=127.0.0.1 --port=5555" in command
        assert "--url_prefix=flower" in command
    assert "FLOWER_BASIC_AUTH" in units[1]
