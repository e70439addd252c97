"""Run wrk and parse its report."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m|h)"


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed something unexpected."""


@dataclass
class WrkResult:
    """The numbers of one wrk run (latencies in milliseconds)."""

    requests: int
    seconds: float
    requests_per_sec: float
    latency_avg_ms: float
    latency_max_ms: float
    percentiles_ms: dict[str, float]
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)

    @property
    def p50_ms(self) -> float:
        """Return the median latency."""
        return self.percentiles_ms["50"]

    @property
    def p99_ms(self) -> float:
        """Return the 99th-percentile latency."""
        return self.percentiles_ms["99"]

    @property
    def errors(self) -> int:
        """Return the number of socket errors of any kind."""
        return sum(self.socket_errors.values())


def executable() -> str | None:
    """Return the path of wrk, or ``None`` when it is not installed."""
    return shutil.which("wrk")


def version() -> str:
    """Return wrk's version line."""
    path = executable()
    if path is None:
        return "missing"
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0].strip()


def run(
    url: str,
    *,
    threads: int,
    connections: int,
    duration: float,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: list[str] | None = None,
) -> tuple[WrkResult, str]:
    """Run wrk against ``url``; return the parsed result and the raw report."""
    path = executable()
    if path is None:
        raise WrkError("wrk is not installed: apt-get install wrk")
    args = [path, f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    args += ["--timeout", "10s"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    if script is not None:
        args += ["-s", str(script)]
    args.append(url)
    if script_args:
        args += ["--", *script_args]
    out = subprocess.run(args, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise WrkError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    return parse(out.stdout), out.stdout


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse(report: str) -> WrkResult:
    """Parse wrk's text report (run with ``--latency``)."""
    latency = re.search(rf"^\s*Latency\s+{_DURATION}\s+\S+\s+{_DURATION}", report, re.M)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", report, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", report, re.M)
    if not (latency and total and rps):
        raise WrkError(f"cannot parse wrk output:\n{report}")
    percentiles = {
        m.group(1): _ms(m.group(2), m.group(3))
        for m in re.finditer(rf"^\s+(\d+(?:\.\d+)?)%\s+{_DURATION}\s*$", report, re.M)
    }
    if "50" not in percentiles or "99" not in percentiles:
        raise WrkError(f"no latency distribution in wrk output (run with --latency):\n{report}")
    non_2xx = re.search(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", report, re.M)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report
    )
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True))
        if errors
        else {}
    )
    return WrkResult(
        requests=int(total.group(1)),
        seconds=_ms(total.group(2), total.group(3)) / 1000,
        requests_per_sec=float(rps.group(1)),
        latency_avg_ms=_ms(latency.group(1), latency.group(2)),
        latency_max_ms=_ms(latency.group(3), latency.group(4)),
        percentiles_ms=percentiles,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors={k: v for k, v in socket_errors.items() if v},
    )
