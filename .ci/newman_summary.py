"""Print a newman JSON report's summary; exit non-zero unless it ran assertions and all passed.

Usage: python3 .ci/newman_summary.py REPORT.json [LABEL]

newman's exit code alone is not enough: a run that sends nothing (for example with
``--delay-request 0``) exits 0 with zero assertions.
"""

from __future__ import annotations

import json
import sys


def main(path: str, label: str) -> int:
    with open(path, encoding="utf-8") as fh:
        run = json.load(fh)["run"]
    stats = run["stats"]
    print(f"newman summary for {label}:")
    print(f"  {'':17} {'total':>7} {'failed':>7}")
    keys = ("iterations", "items", "requests", "testScripts", "prerequestScripts", "assertions")
    for key in keys:
        item = stats.get(key, {})
        print(f"  {key:17} {item.get('total', 0):>7} {item.get('failed', 0):>7}")
    for failure in run.get("failures", []):
        source = failure.get("source", {}).get("name", "?")
        error = failure.get("error", {})
        what = error.get("test") or error.get("name")
        print(f"  FAILED {source}: {what}: {error.get('message')}")
    assertions = stats["assertions"]
    problems = []
    if assertions.get("total", 0) <= 0:
        problems.append("no assertions ran")
    if assertions.get("failed", 0) != 0:
        problems.append(f"{assertions['failed']} assertion(s) failed")
    if stats["requests"].get("failed", 0) != 0:
        problems.append(f"{stats['requests']['failed']} request(s) failed")
    if stats["requests"].get("total", 0) <= 0:
        problems.append("no requests were sent")
    if run.get("failures"):
        problems.append(f"{len(run['failures'])} failure(s) reported")
    if problems:
        print(f"  RESULT: FAIL ({'; '.join(problems)})")
        return 1
    print(f"  RESULT: ok ({assertions['total']} assertions passed)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else sys.argv[1]))
