"""gunicorn settings for `make run`, the benchmarks and production (override by environment)."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
worker_class = "gthread"
# Embedded mode keeps one process (in-memory rate limits are per process); scale with
# WEB_CONCURRENCY once limits and sessions live in Redis.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = 5
accesslog = None  # the app logs one structured line per request, with its request id
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
