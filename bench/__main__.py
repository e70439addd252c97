"""``python -m bench``: build or reuse the dataset, start both servers, run wrk, report."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from bench import bell, dataset, report, scenarios, servers, writes, wrk

LOGS = dataset.DATA_DIR / "logs"
WARMUP_SHARE = 0.2
BUSY_WARNING = 0.15  # share of CPU time used by other work before a run worth a warning


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--articles", type=int, default=10_000, help="dataset size (default 10000)")
    p.add_argument("--users", type=int, default=200, help="number of users (default 200)")
    p.add_argument(
        "--drafts",
        type=int,
        default=0,
        help="also this many drafts, newer than every published article, by an author the "
        "feed's reader follows (default 0); --compare-drafts judges them",
    )
    p.add_argument("--duration", type=float, default=15, help="seconds per endpoint (default 15)")
    p.add_argument("--warmup", type=float, default=3, help="warm-up seconds before each run")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument(
        "--admin-connections",
        type=int,
        default=4,
        help="wrk connections of the back-office rows (dashboard, stats): a few staff at "
        "once (default 4; 0: --connections)",
    )
    p.add_argument(
        "--search-connections",
        type=int,
        default=2,
        help="wrk connections of the search rows: as many searches at once as the web "
        "process has threads, so the latency is a search's and not a queue (default 2; "
        "0: --connections)",
    )
    p.add_argument(
        "--only",
        default="",
        help=f"comma-separated subset of {','.join(scenarios.NAMES)} (hello always runs); "
        "search: every search-… row",
    )
    p.add_argument(
        "--no-worker",
        dest="worker",
        action="store_false",
        help="leave the job worker out (by default it runs idle beside the web, as in make run)",
    )
    p.add_argument(
        "--cluster",
        metavar="STATE_FOLDER",
        help="measure the running loopback cluster (make cluster: .cluster) beside one process",
    )
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached dataset")
    p.add_argument("--build-only", action="store_true", help="build the dataset and stop")
    p.add_argument(
        "--keep", action="store_true", help="keep both servers up after the run until Ctrl-C"
    )
    p.add_argument(
        "--compare-scale",
        nargs="*",
        metavar="RESULT.json",
        help="compare two result files (small, large) and exit; none: the newest of each size",
    )
    p.add_argument(
        "--compare-drafts",
        nargs="*",
        metavar="RESULT.json",
        help="compare two result files (no drafts, drafts) and exit; none: the newest of each",
    )
    args = p.parse_args(argv)
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    if "search" in only:
        only = (only - {"search"}) | set(scenarios.SEARCH)
    unknown = only - set(scenarios.NAMES)
    if unknown:
        p.error(f"unknown --only names: {', '.join(sorted(unknown))}")
    args.only = only
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return the exit status (1 when a target is missed)."""
    args = parse_args(argv)
    if args.compare_scale is not None:
        small, large = report.scale_files(args.compare_scale)
        text, ok = report.compare_scale(small, large)
        print(f"{small.name} vs {large.name} (limit: {report.SCALE_LIMIT:g}x)\n{text}")
        return 0 if ok else 1
    if args.compare_drafts is not None:
        without, with_drafts = report.draft_files(args.compare_drafts)
        text, ok = report.compare_drafts(without, with_drafts)
        print(f"{without.name} vs {with_drafts.name} (limit: {report.DRAFTS_LIMIT:g}x)\n{text}")
        return 0 if ok else 1
    if not args.build_only and wrk.executable() is None:
        print("bench: wrk is not installed; install it with: apt-get install wrk", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    if args.cluster:
        from bench import cluster

        try:
            return cluster.run(args)
        except (servers.ServerError, wrk.WrkError, OSError) as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2
    try:
        data, built = dataset.ensure(
            articles=args.articles, users=args.users, drafts=args.drafts, rebuild=args.rebuild
        )
    except dataset.DatasetError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    if not built:
        print(f"bench: reusing dataset {data.instance} (built in {data.build_seconds} s)")
    if args.build_only:
        return 0
    return run(args, data)


def run(args: argparse.Namespace, data: dataset.Dataset) -> int:
    """Start the servers, measure every selected scenario, stop the servers, report."""
    writes.reset(data)  # in case an earlier run was interrupted
    busy = report.cpu_busy()
    if busy is not None and busy > BUSY_WARNING:
        print(
            f"bench: warning: {busy:.0%} of the CPUs are busy before the run; other work "
            "competes with the servers and wrk, so the numbers will be low and noisy"
        )
    _prune_logs()
    bell_cost = bell.measure(data)
    print(bell.report(bell_cost))
    started: list[servers.Server] = []
    measured: list[tuple[scenarios.Scenario, wrk.WrkResult, float | None]] = []
    try:
        _serve_and_measure(args, data, started, measured)
    except KeyboardInterrupt:
        if not args.keep:
            print("\nbench: interrupted", file=sys.stderr)
            if not measured:
                return 130
    except (servers.ServerError, wrk.WrkError, OSError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        for server in reversed(started):
            servers.stop(server)
        removed, counter_problems = writes.reset(data)
        for problem in counter_problems:
            print(f"bench: warning: the favorite benchmark left counters wrong: {problem}")
        if removed:
            print(f"bench: undid {removed} favorites written by the favorite benchmark")
    pairs = [(scenario, result) for scenario, result, _ in measured]
    hello_rps = report.baseline_rps(pairs)
    rows = [
        {**report.judge(scenario, result, hello_rps), "cpu_busy_before": busy}
        for scenario, result, busy in measured
    ]
    for row in rows:
        if row["name"] == "favorite" and counter_problems:
            row.update({"pass": False, "counter_problems": counter_problems})
            row["misses"].append("counters")
    drift = report.drift_warning(pairs)
    if drift:
        print(f"bench: warning: {drift}")
    return _report(args, data, rows, started, bell_cost)


def _serve_and_measure(
    args: argparse.Namespace,
    data: dataset.Dataset,
    started: list[servers.Server],
    measured: list[tuple[scenarios.Scenario, wrk.WrkResult, float | None]],
) -> None:
    """Start both servers (recorded in ``started``), then run each scenario into ``measured``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = {"INKSTONE_INSTANCE_PATH": data.instance}
    web = servers.start("inkstone", app_spec=None, env=env, log=LOGS / f"{stamp}-inkstone.log")
    started.append(web)
    hello = servers.start(
        "hello", app_spec=servers.HELLO_APP, env=env, log=LOGS / f"{stamp}-hello.log"
    )
    started.append(hello)
    if args.worker:  # idle, as beside `make run`'s web: its broker polls and heartbeats count
        worker = servers.start_worker(env=env, log=LOGS / f"{stamp}-worker.log")
        started.append(worker)
        servers.wait_worker(worker)
    servers.wait_ready(web, f"{scenarios.API}/tags")
    servers.wait_ready(hello, "/")
    print(
        f"bench: inkstone pid {web.process.pid} at {web.base_url}, "
        f"hello pid {hello.process.pid} at {hello.base_url}"
        + (f", worker pid {started[-1].process.pid}" if args.worker else "")
        + f"; logs in {LOGS}"
    )
    plan = scenarios.build(
        data,
        reader_token=scenarios.login(web.base_url, email=data.reader_email, password=data.password),
        writer_token=scenarios.login(web.base_url, email=data.writer_email, password=data.password),
        threads=args.threads,
        admin_connections=args.admin_connections or None,
        search_connections=args.search_connections or None,
        home_etag=scenarios.etag(web.base_url, "/"),
        reader_cookie=scenarios.web_login(
            web.base_url, email=data.reader_email, password=data.password
        ),
        **_admin_credentials(args, data, web),
    )
    plan = [s for s in plan if not args.only or s.name in {*args.only, *scenarios.BASELINES}]
    by_server = {"inkstone": web, "hello": hello}
    for scenario in plan:
        server = by_server[scenario.server]
        if scenario.script is None:
            status = scenarios.probe(server.base_url, scenario)
            if status != scenario.expect:
                print(f"bench: warning: {scenario.label} answers HTTP {status}")
        busy = report.cpu_busy(0.5)  # both servers idle now: this is other work
        measured.append((scenario, _measure(args, server, scenario), busy))
    if args.keep:
        print("bench: --keep: servers stay up; press Ctrl-C to stop them")
        while True:
            time.sleep(3600)


def _admin_credentials(
    args: argparse.Namespace, data: dataset.Dataset, web: servers.Server
) -> dict[str, str]:
    """Sign the dataset's admin in (web session and token) when a back-office row runs."""
    if args.only and not args.only & {"dashboard", "stats"}:
        return {}
    if not data.admin_email:
        raise servers.ServerError("the dataset has no admin account; rebuild it (--rebuild)")
    try:
        cookie = scenarios.web_login(web.base_url, email=data.admin_email, password=data.password)
    except RuntimeError as exc:
        raise servers.ServerError(str(exc)) from exc
    token = scenarios.login(web.base_url, email=data.admin_email, password=data.password)
    return {"admin_cookie": cookie, "admin_token": token}


def _prune_logs(keep: int = 10) -> None:
    """Keep the server logs of the last few runs only (each run writes two)."""
    logs = sorted(LOGS.glob("*.log")) if LOGS.exists() else []
    for path in logs[: max(0, len(logs) - keep)]:
        path.unlink(missing_ok=True)


def _measure(
    args: argparse.Namespace, server: servers.Server, scenario: scenarios.Scenario
) -> wrk.WrkResult:
    connections = scenario.connections or args.connections
    kwargs: dict[str, Any] = {
        "threads": min(args.threads, connections),  # wrk refuses more threads than connections
        "connections": connections,
        "headers": scenario.headers,
        "script": scenario.script,
        "script_args": list(scenario.script_args),
    }
    url = server.base_url + scenario.path
    print(
        f"bench: {scenario.label}: warm-up {args.warmup:g} s, run {args.duration:g} s", flush=True
    )
    # A script that writes gets a region of its input for each phase: the warm-up the first
    # WARMUP_SHARE of it, the measured run the rest, so the run's writes are new rows.
    split = {"warmup": ["0", str(WARMUP_SHARE)], "run": [str(WARMUP_SHARE), "1"]}
    if args.warmup > 0:
        if scenario.script is not None:
            kwargs["script_args"] = [*scenario.script_args, *split["warmup"]]
        wrk.run(url, duration=args.warmup, **kwargs)
    if scenario.script is not None:
        kwargs["script_args"] = [*scenario.script_args, *split["run"]]
    result, _raw = wrk.run(url, duration=args.duration, **kwargs)
    return result


def _report(
    args: argparse.Namespace,
    data: dataset.Dataset,
    rows: list[dict[str, Any]],
    started: list[servers.Server],
    bell_cost: dict[str, Any],
) -> int:
    if not rows:
        return 2
    print()
    print(report.table(rows))
    document = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**report.machine(), "wrk": wrk.version()},
        "environment": report.environment(),
        "dataset": {
            "articles": data.articles,
            "users": data.users,
            "drafts": data.drafts,
            "backend": data.backend,
            "counts": data.counts,
            "build_seconds": data.build_seconds,
            "article_slug": data.article_slug,
            "popular_tag": data.popular_tag,
            "search_index_seconds": data.search_index_seconds,
            "search_index_bytes": data.search_index_bytes,
            "search": data.search,
        },
        "gunicorn": {
            "command": " ".join(servers.web_command()),
            **{k: v for k, v in servers.gunicorn_settings().items() if k != "bind"},
        },
        "worker": " ".join(servers.procfile_command("worker")) if args.worker else None,
        "wrk": {
            "threads": args.threads,
            "connections": args.connections,
            "admin_connections": args.admin_connections or args.connections,
            "search_connections": args.search_connections or args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
        },
        "servers": {s.name: {"pid": s.process.pid, "log": str(s.log)} for s in started},
        "scale_checked": list(scenarios.SCALE_CHECKED),
        "results": rows,
        "bell": bell_cost,
    }
    path = report.write(document, articles=data.articles)
    print(bell.report(bell_cost))
    print(f"\nbench: results in {path}")
    return 0 if all(row["pass"] for row in rows) and bell_cost["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
