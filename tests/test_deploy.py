"""The deploy files give every worker a name of its own.

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
