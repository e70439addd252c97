"""``make bench`` pointed at the loopback cluster (``make cluster``), beside one process.

The same requests go to nginx in front of the cluster's two gunicorn hosts and to one gunicorn
process started here on the cluster's own database, Redis and instance folder (the cluster's
environment), with the hello-world baseline measured first and last in the same run. Each row
is reported as a ratio to hello-world, for both, and the cluster's throughput over the single
process's. The data is whatever the cluster holds (the demo data of its first start).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report, scenarios, servers, wrk
from bench.scenarios import API, Scenario, Target

RESULTS = Path(__file__).resolve().parent / "results"
LOGS = Path(__file__).resolve().parent / ".data" / "logs"


# The reader rows (bench.scenarios.reader_rows) measured here: both sides of the cache.
ROWS = ("home", "home-render", "page", "list", "list-render", "article", "home-304")


def _rows(slug: str, home_etag: str) -> list[Scenario]:
    by_name = {row.name: row for row in scenarios.reader_rows(slug, home_etag)}
    return [by_name[name] for name in ROWS]


def _first_slug(base_url: str) -> str:
    with urllib.request.urlopen(f"{base_url}{API}/articles?limit=1", timeout=30) as response:
        articles = json.loads(response.read())["articles"]
    if not articles:
        raise servers.ServerError("the cluster has no published article to read")
    return urllib.parse.quote(str(articles[0]["slug"]))


def _wrk(args: argparse.Namespace, base_url: str, scenario: Scenario) -> wrk.WrkResult:
    options: dict[str, Any] = {
        "threads": args.threads,
        "connections": args.connections,
        "headers": scenario.headers,
        "script": None,
        "script_args": [],
    }
    if args.warmup > 0:
        wrk.run(base_url + scenario.path, duration=args.warmup, **options)
    result, _raw = wrk.run(base_url + scenario.path, duration=args.duration, **options)
    return result


def run(args: argparse.Namespace) -> int:
    """Measure the rows against the cluster and one process; print and save the ratios."""
    sys.path.insert(0, str(servers.ROOT))
    from deploy.cluster import Cluster

    cluster = Cluster(root=args.cluster)
    if not cluster.running("nginx"):
        print(
            f"bench: no cluster runs from {args.cluster}; start it with make cluster",
            file=sys.stderr,
        )
        return 2
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    hello = servers.start(
        "hello", app_spec=servers.HELLO_APP, env={}, log=LOGS / f"{stamp}-hello.log"
    )
    one = servers.start(
        "inkstone", app_spec=None, env=dict(cluster.env), log=LOGS / f"{stamp}-one.log"
    )
    measured: list[dict[str, Any]] = []
    try:
        servers.wait_ready(hello, "/")
        servers.wait_ready(one, f"{API}/tags")
        slug = _first_slug(cluster.address)
        etag = scenarios.etag(cluster.address, "/")
        baseline = Scenario("hello", "hello-world GET /", "hello", "/", Target())
        hellos = [_wrk(args, hello.base_url, baseline)]
        for scenario in _rows(slug, etag):
            row: dict[str, Any] = {"name": scenario.name, "label": scenario.label}
            for name, base in (("one", one.base_url), ("cluster", cluster.address)):
                probe_headers = scenario.headers
                if scenario.expect == 304:  # each server's own ETag (the same versions)
                    probe_headers = {"If-None-Match": scenarios.etag(base, "/")}
                used = dataclasses.replace(scenario, headers=probe_headers)
                status = scenarios.probe(base, used)
                if status != scenario.expect:
                    print(f"bench: warning: {name} {scenario.label} answers HTTP {status}")
                print(f"bench: {name}: {scenario.label}", flush=True)
                result = _wrk(args, base, used)
                row[name] = {
                    "requests_per_sec": result.requests_per_sec,
                    "p99_ms": result.percentiles_ms.get("p99"),
                    "errors": result.non_2xx_3xx,
                }
            measured.append(row)
        hellos.append(_wrk(args, hello.base_url, baseline))
    finally:
        servers.stop(one)
        servers.stop(hello)
    hello_rps = sum(h.requests_per_sec for h in hellos) / len(hellos)
    lines = [
        f"hello-world: {hello_rps:,.0f} req/s (mean of first and last)",
        "",
        f"{'row':<38} {'one process':>18} {'cluster (nginx)':>18} {'cluster/one':>12}",
    ]
    for row in measured:
        one_rps, cluster_rps = row["one"]["requests_per_sec"], row["cluster"]["requests_per_sec"]
        row["one"]["ratio_to_hello"] = one_rps / hello_rps
        row["cluster"]["ratio_to_hello"] = cluster_rps / hello_rps
        lines.append(
            f"{row['label']:<38} {one_rps:>8,.0f} ({one_rps / hello_rps:>5.0%}) "
            f"{cluster_rps:>8,.0f} ({cluster_rps / hello_rps:>5.0%}) "
            f"{cluster_rps / one_rps:>11.2f}x"
        )
    print("\n" + "\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}-cluster.json"
    document = {
        "timestamp": stamp,
        "machine": report.machine(),
        "hello_rps": hello_rps,
        "rows": measured,
        "connections": args.connections,
        "duration": args.duration,
    }
    path.write_text(json.dumps(document, indent=2))
    print(f"\nbench: saved {path}")
    return 0
