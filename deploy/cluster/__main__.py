"""``python -m deploy.cluster start|stop|status|packages``: ``make cluster`` and its kin."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from deploy.cluster import SERVICES, Cluster, ClusterError, packages

DEMO_LOGIN = "demo@inkstone.test / inkstone-demo"


def _print_status(cluster: Cluster) -> None:
    for name, info in cluster.status().items():
        pid = info["pid"]
        where = f"127.0.0.1:{info['port']}" if info["port"] else ""
        state = f"pid {pid}" if pid else "stopped"
        print(f"  {name:<9} {state:<12} {where:<17} {info['log']}")


def start(cluster: Cluster, *, flower: bool) -> int:
    """Start the cluster and say what runs where."""
    began = time.monotonic()
    timings = cluster.start(flower=flower)
    took = time.monotonic() - began
    steps = ", ".join(f"{step} {seconds:g} s" for step, seconds in timings.items())
    print(f"Inkstone cluster up in {took:.1f} s ({steps}).")
    print(f"\n  Site:  {cluster.address}  (nginx in front of web1 and web2)")
    print(f"  API:   {cluster.address}/api/v1")
    print(f"  Demo login: {DEMO_LOGIN}")
    if flower and cluster.running("flower"):
        print(
            f"  Flower: {cluster.address}/flower/  (admin / {cluster.secrets['FLOWER_PASSWORD']})"
        )
    print(f"\n  State, data and logs in {cluster.root}:")
    _print_status(cluster)
    default = Path(".cluster").resolve() == cluster.root
    how = "make cluster-stop" if default else f"python -m deploy.cluster stop --root {cluster.root}"
    print(f"\nStop it with `{how}`.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "packages"])
    parser.add_argument("--root", type=Path, default=Path(".cluster"), help="state folder")
    parser.add_argument("--port", type=int, help="nginx's port (others follow it; default 8080)")
    parser.add_argument("--flower", action="store_true", help="start Flower too")
    args = parser.parse_args(argv)
    if args.command == "packages":
        return packages.ensure()
    try:
        cluster = Cluster(root=args.root, port=args.port)
        if args.command == "start":
            return start(cluster, flower=args.flower)
        if args.command == "stop":
            running = [name for name in SERVICES if cluster.running(name)]
            cluster.stop()
            print(f"Stopped {', '.join(running) or 'nothing (nothing was running)'}.")
            return 0
        print(f"Inkstone cluster at {cluster.address} (state in {cluster.root}):")
        _print_status(cluster)
        return 0
    except ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
