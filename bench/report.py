"""Judge results against the targets, print the table, write and compare result files."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.scenarios import BASELINES, SCALE_CHECKED, Scenario
from bench.wrk import WrkResult

RESULTS = Path(__file__).resolve().parent / "results"
SCALE_LIMIT = 2.0
DRAFTS_LIMIT = 1.25


def baseline_rps(measured: list[tuple[Scenario, WrkResult]]) -> float | None:
    """Return the hello-world req/s the ratios use: the mean of its runs (first and last)."""
    values = [r.requests_per_sec for s, r in measured if s.name in BASELINES]
    return sum(values) / len(values) if values else None


def drift_warning(measured: list[tuple[Scenario, WrkResult]]) -> str | None:
    """Warn when the baseline moved during the run: something else was using the CPUs."""
    values = [r.requests_per_sec for s, r in measured if s.name in BASELINES]
    if len(values) == 2 and abs(values[0] - values[1]) > 0.1 * max(values):
        return (
            f"hello-world gave {values[0]:,.0f} req/s first and {values[1]:,.0f} req/s last: "
            "the machine was not steady; rerun for numbers you can compare"
        )
    return None


def judge(scenario: Scenario, result: WrkResult, hello_rps: float | None) -> dict[str, Any]:
    """Return the result row for ``scenario``: numbers, ratio to hello-world, verdict."""
    ratio = result.requests_per_sec / hello_rps if hello_rps else None
    misses = []
    if result.non_2xx_3xx:
        misses.append(f"{result.non_2xx_3xx} non-2xx")
    if result.errors:
        misses.append(f"{result.errors} socket errors")
    target = scenario.target
    if target.min_ratio is not None and (ratio is None or ratio < target.min_ratio):
        misses.append("ratio")
    if target.max_p50_ms is not None and result.p50_ms > target.max_p50_ms:
        misses.append("p50")
    if target.max_p99_ms is not None and result.p99_ms > target.max_p99_ms:
        misses.append("p99")
    return {
        "name": scenario.name,
        "label": scenario.label,
        "connections": scenario.connections,  # None: the run's --connections
        "path": scenario.path if scenario.script is None else f"{scenario.label} (lua)",
        "requests_per_sec": result.requests_per_sec,
        "requests": result.requests,
        "seconds": result.seconds,
        "latency_ms": {
            "avg": result.latency_avg_ms,
            "max": result.latency_max_ms,
            **{f"p{k}": v for k, v in result.percentiles_ms.items()},
        },
        "non_2xx_3xx": result.non_2xx_3xx,
        "socket_errors": result.socket_errors,
        "ratio_to_hello": ratio,
        "target": target.describe(),
        "pass": not misses,
        "misses": misses,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """Return the results as a fixed-width text table."""
    head = ("endpoint", "req/s", "p50 ms", "p99 ms", "non-2xx", "% hello", "target", "result")
    lines = []
    for row in rows:
        ratio = row["ratio_to_hello"]
        errors = row["non_2xx_3xx"] + sum(row["socket_errors"].values())
        lines.append(
            (
                row["label"],
                f"{row['requests_per_sec']:,.0f}",
                f"{row['latency_ms']['p50']:.1f}",
                f"{row['latency_ms']['p99']:.1f}",
                str(errors),
                "—" if ratio is None or row["name"] in BASELINES else f"{ratio:.1%}",
                row["target"],
                "PASS" if row["pass"] else "MISS (" + ", ".join(row["misses"]) + ")",
            )
        )
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    right = {1, 2, 3, 4, 5}

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule, *(fmt(line) for line in lines)])


def machine() -> dict[str, Any]:
    """Return what the numbers depend on: CPUs, CPU model, Python, OS."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


_ENV_PREFIXES = ("INKSTONE_", "GUNICORN_", "WEB_CONCURRENCY", "LOG_", "RATELIMIT_", "SQL_ECHO")


def environment() -> dict[str, str]:
    """Return the environment variables that change how the servers run (URLs redacted)."""
    out = {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)}
    for key in ("DATABASE_URL", "INKSTONE_DATABASE_URL"):
        if os.environ.get(key):
            out[key] = os.environ[key].split(":", 1)[0] + ":…"
    return dict(sorted(out.items()))


def _cpu_times() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields)


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Return the share of CPU time used over ``seconds`` (by anything: call it while idle)."""
    try:
        idle0, total0 = _cpu_times()
        time.sleep(seconds)
        idle1, total1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def write(document: dict[str, Any], *, articles: int) -> Path:
    """Write ``document`` to ``bench/results/<UTC timestamp>-<articles>.json``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-{articles}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def _latest() -> list[Path]:
    return sorted(RESULTS.glob("*.json"))  # names start with a UTC timestamp: oldest first


def scale_files(paths: list[str]) -> tuple[Path, Path]:
    """Pick the two result files to compare: as given, or the newest small and large runs."""
    if len(paths) == 2:
        return Path(paths[0]), Path(paths[1])
    if paths:
        raise SystemExit("--compare-scale takes two result files, or none to pick the newest")
    by_size: dict[int, Path] = {}
    for path in _latest():
        document = json.loads(path.read_text())
        names = {row["name"] for row in document["results"]}
        if set(SCALE_CHECKED) <= names and not document["dataset"].get("drafts"):
            by_size[document["dataset"]["articles"]] = path  # newest wins
    if len(by_size) < 2:
        raise SystemExit(
            "--compare-scale needs result files for two dataset sizes, each measuring "
            + ", ".join(SCALE_CHECKED)
        )
    return by_size[min(by_size)], by_size[max(by_size)]


def compare_scale(small_path: Path, large_path: Path) -> tuple[str, bool]:
    """Compare the latencies of the scale-checked endpoints; large must be at most 2x small."""
    small, large = (json.loads(p.read_text()) for p in (small_path, large_path))
    if small["dataset"]["articles"] > large["dataset"]["articles"]:
        small, large = large, small
    rows_small = {r["name"]: r for r in small["results"]}
    rows_large = {r["name"]: r for r in large["results"]}
    names = [n for n in small.get("scale_checked", []) if n in rows_small and n in rows_large]
    a, b = small["dataset"]["articles"], large["dataset"]["articles"]
    head = f"{'endpoint':<28} {'p50 ' + str(a):>12} {'p50 ' + str(b):>12} {'x':>6}"
    head += f" {'p99 ' + str(a):>12} {'p99 ' + str(b):>12} {'x':>6}  result"
    lines, ok = [head], True
    for name in names:
        s, lg = rows_small[name]["latency_ms"], rows_large[name]["latency_ms"]
        r50, r99 = lg["p50"] / s["p50"], lg["p99"] / s["p99"]
        good = r50 <= SCALE_LIMIT and r99 <= SCALE_LIMIT
        ok &= good
        lines.append(
            f"{rows_small[name]['label']:<28} {s['p50']:>12.1f} {lg['p50']:>12.1f} {r50:>6.2f}"
            f" {s['p99']:>12.1f} {lg['p99']:>12.1f} {r99:>6.2f}  {'PASS' if good else 'MISS'}"
        )
    if not names:
        lines.append("(no endpoint measured in both files)")
        ok = False
    return "\n".join(lines), ok


def draft_files(paths: list[str]) -> tuple[Path, Path]:
    """Pick the runs to compare: as given, or the newest with drafts and the newest without.

    Both must be of the same number of published articles.
    """
    if len(paths) == 2:
        return Path(paths[0]), Path(paths[1])
    if paths:
        raise SystemExit("--compare-drafts takes two result files, or none to pick the newest")
    documents = [(path, json.loads(path.read_text())) for path in _latest()]
    with_drafts = [(p, d) for p, d in documents if d["dataset"].get("drafts")]
    if not with_drafts:
        raise SystemExit("--compare-drafts needs a result file of a run with --drafts")
    path, document = with_drafts[-1]
    size = document["dataset"]["articles"]
    without = [
        p
        for p, d in documents
        if not d["dataset"].get("drafts") and d["dataset"]["articles"] == size
    ]
    if not without:
        raise SystemExit(f"--compare-drafts needs a run of {size} articles without drafts")
    return without[-1], path


def compare_drafts(without_path: Path, with_path: Path) -> tuple[str, bool]:
    """Compare what each endpoint costs, relative to its run's hello-world, without and with drafts.

    Each run is divided by its own baseline, so a VM that is slower in one run than in the
    other does not count; drafts may add at most ``DRAFTS_LIMIT`` x.
    """
    without, with_ = (json.loads(p.read_text()) for p in (without_path, with_path))
    rows_a = {r["name"]: r for r in without["results"]}
    rows_b = {r["name"]: r for r in with_["results"]}
    drafts = with_["dataset"]["drafts"]
    head = f"{'endpoint':<28} {'% hello, 0':>11} {f'% hello, {drafts:,}':>18} {'cost x':>7}  result"
    lines, ok = [head], True
    for name in [n for n in rows_a if n in rows_b and n not in BASELINES]:
        a, b = rows_a[name].get("ratio_to_hello"), rows_b[name].get("ratio_to_hello")
        if not a or not b:
            continue
        cost = a / b
        good = cost <= DRAFTS_LIMIT
        ok &= good
        lines.append(
            f"{rows_a[name]['label']:<28} {a:>11.1%} {b:>18.1%} {cost:>7.2f}"
            f"  {'PASS' if good else 'MISS'}"
        )
    if len(lines) == 1:
        lines.append("(no endpoint measured in both files)")
        ok = False
    return "\n".join(lines), ok
