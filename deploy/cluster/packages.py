"""The system programs the cluster runs: PostgreSQL, Redis and nginx, from Debian packages.

``make cluster`` runs this with the system's Python before the virtualenv exists, so it uses
the standard library only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

POSTGRES_LIBS = Path("/usr/lib/postgresql")
PREFERRED_POSTGRES = "15"
# Debian 12 calls the small nginx `nginx` (older releases also had nginx-light).
NGINX_PACKAGES = ("nginx-light", "nginx")


def postgres_bin() -> Path | None:
    """Return the folder of PostgreSQL's server programs (version 15 first, else the newest)."""
    preferred = POSTGRES_LIBS / PREFERRED_POSTGRES / "bin"
    if (preferred / "initdb").is_file():
        return preferred
    found = sorted(
        (p for p in POSTGRES_LIBS.glob("*/bin") if (p / "initdb").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def nginx_binary() -> str | None:
    """Return the nginx program (Debian keeps it in /usr/sbin, outside a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def redis_binary() -> str | None:
    """Return the redis-server program."""
    return shutil.which("redis-server") or shutil.which("redis-server", path="/usr/sbin")


def missing() -> dict[str, str]:
    """Return what is missing, as {program: Debian package}."""
    gaps: dict[str, str] = {}
    if postgres_bin() is None:
        gaps["PostgreSQL"] = _first_available((f"postgresql-{PREFERRED_POSTGRES}", "postgresql"))
    if redis_binary() is None:
        gaps["Redis"] = "redis-server"
    if nginx_binary() is None:
        gaps["nginx"] = _first_available(NGINX_PACKAGES)
    return gaps


def _first_available(names: tuple[str, ...]) -> str:
    """Return the first of ``names`` the package lists know (the last one otherwise)."""
    if shutil.which("apt-cache"):
        for name in names:
            shown = subprocess.run(
                ["apt-cache", "show", "--no-all-versions", name],
                capture_output=True,
                check=False,
            )
            if shown.returncode == 0 and shown.stdout:
                return name
    return names[-1]


def ensure() -> int:
    """Install what is missing when root on Debian; otherwise say what to install (exit 2)."""
    gaps = missing()
    if not gaps:
        return 0
    packages = sorted(set(gaps.values()))
    command = "apt-get install --no-install-recommends " + " ".join(packages)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            f"make cluster needs {', '.join(gaps)}, which are not installed.\n"
            f"Install them (as root: {command}), or run make cluster as root on Debian or "
            "Ubuntu to have them installed.",
            file=sys.stderr,
        )
        return 2
    print(f"Installing {' '.join(packages)} (apt-get)…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    # The packages' own services (PostgreSQL on 5432, Redis on 6379, nginx on 80) are not
    # started: the cluster runs private instances on its own ports.
    guard = Path("/usr/sbin/policy-rc.d")
    made_guard = not guard.exists()
    if made_guard:
        guard.write_text("#!/bin/sh\nexit 101\n")
        guard.chmod(0o755)
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
            check=True,
            env=env,
        )
    finally:
        if made_guard:
            guard.unlink(missing_ok=True)
    still = missing()
    if still:
        print(f"still missing after apt-get: {', '.join(still)}", file=sys.stderr)
        return 2
    return 0
