"""nginx for the cluster: the repository's one template, filled in, under a main file of ours."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[1]
TEMPLATE = DEPLOY / "nginx" / "inkstone.conf.template"
# What every gunicorn host gets in the upstream (see the template's notes on them).
SERVER_PARAMETERS = "max_fails=1 fail_timeout=5s"
_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
# Where distributions keep the table of file extensions to content types.
MIME_TYPES = (Path("/etc/nginx/mime.types"), Path("/usr/local/nginx/conf/mime.types"))


def web_servers(addresses: Sequence[str]) -> str:
    """Return the upstream's ``server`` lines for these ``host:port`` addresses."""
    return "\n    ".join(f"server {address} {SERVER_PARAMETERS};" for address in addresses)


def render(values: Mapping[str, str], template: Path = TEMPLATE) -> str:
    """Fill in the template's ``${NAME}``s as envsubst would; refuse one without a value."""
    text = template.read_text()
    missing = sorted({name for name in _VARIABLE.findall(text) if name not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)} in {template}")
    return _VARIABLE.sub(lambda match: values[match.group(1)], text)


def write(
    prefix: Path,
    *,
    port: int,
    web_ports: Sequence[int],
    flower_port: int,
    static: Path,
    uploads: Path,
    access_log: Path,
) -> bool:
    """Write the cluster's nginx configuration under ``prefix``; tell whether it changed."""
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "temp" / folder).mkdir(parents=True, exist_ok=True)
    site = render(
        {
            "INKSTONE_LISTEN": f"127.0.0.1:{port}",
            "INKSTONE_WEB_SERVERS": web_servers([f"127.0.0.1:{p}" for p in web_ports]),
            "INKSTONE_STATIC_ROOT": str(static),
            "INKSTONE_MEDIA_ROOT": str(uploads),
            "INKSTONE_FLOWER_ADDRESS": f"127.0.0.1:{flower_port}",
        }
    )
    main = main_config(prefix=prefix, site=prefix / "inkstone.conf", access_log=access_log)
    changed = False
    for path, text in ((prefix / "inkstone.conf", site), (prefix / "nginx.conf", main)):
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed = True
    return changed


def main_config(*, prefix: Path, site: Path, access_log: Path) -> str:
    """Return the main nginx.conf of a private nginx run from ``prefix`` (not as a daemon).

    Every path nginx writes is under the prefix: its PID file and the temporary folders
    (a distribution's nginx has them compiled in under /var/lib/nginx). As root the workers
    run as root too, as the rest of the cluster does, so that they read the static and
    upload folders whoever owns them.
    """
    mime = next((path for path in MIME_TYPES if path.is_file()), None)
    types = f"include {mime};" if mime else _FALLBACK_TYPES
    temp = prefix / "temp"
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""# Made by deploy/cluster (python -m deploy.cluster start) at each start.
{user}worker_processes 1;
pid {prefix / "nginx.pid"};

events {{
    worker_connections 1024;
}}

http {{
    {types}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    # Which host answered each request, and how fast: in the log, and (loopback only: it
    # names internal addresses) in a response header.
    log_format inkstone '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                        'upstream=$upstream_addr upstream_status=$upstream_status '
                        'time=$request_time id=$request_id';
    access_log {access_log} inkstone;
    add_header X-Upstream-Addr $upstream_addr always;
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {site};
}}
"""


# Enough for the site when no mime.types is installed: what /static/ holds.
_FALLBACK_TYPES = """types {
        text/html html;
        text/css css;
        application/javascript js;
        application/json json map;
        image/svg+xml svg;
        image/png png;
        image/jpeg jpg jpeg;
        image/gif gif;
        image/webp webp;
        image/x-icon ico;
        font/woff2 woff2;
        font/woff woff;
        application/pdf pdf;
        application/zip zip;
        text/plain txt;
    }"""
