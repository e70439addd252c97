"""gunicorn settings for `make run`, the benchmarks and production (override by environment)."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
# gthread, but a thread gets a connection only once its whole request has arrived, and a
# client that sends nothing, half a request or a trickle is cut off after a deadline
# (src/inkstone/server/worker.py): slow clients cannot take the threads, with no proxy in front.
# GUNICORN_WORKER_CLASS=gthread restores gunicorn's own (for comparisons: bench/).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "inkstone.server.worker.GuardedThreadWorker")
# Embedded mode keeps one process (in-memory rate limits are per process); scale with
# WEB_CONCURRENCY once limits and sessions live in Redis.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
# Two threads per (CPU-pinned) worker: the GIL runs one at a time, and more threads only queue
# inside the process, raising tail latency (bench/: p99 of the article list 32 ms with 2,
# 52 ms with 4, at the same throughput). Requests are short; slow work goes to Celery.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = 5
# The longest request line gunicorn allows; longer ones get a 414 from the worker (JSON
# under /api/). URLs up to 8 KB reach the app.
limit_request_line = 8190
accesslog = None  # the app logs one structured line per request, with its request id
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):  # noqa: ARG001  # gunicorn's hook signature
    """Pin each worker process to one CPU, round robin over the CPUs this process may use.

    A gthread worker runs Python on one core at a time (the GIL); left free to move, its
    threads hand the GIL between cores and throughput halves (measured with bench/: hello
    world 3,600 -> 6,500 req/s on two cores). GUNICORN_PIN_CPUS=0 turns this off.
    """
    if os.environ.get("GUNICORN_PIN_CPUS", "1") == "0" or not hasattr(os, "sched_setaffinity"):
        return
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) > 1:
        os.sched_setaffinity(0, {cpus[worker.age % len(cpus)]})


def post_worker_init(worker):  # noqa: ARG001  # gunicorn's hook signature
    """Move everything the app built at start-up out of the garbage collector's sight.

    A full collection walks every tracked object; with the app, its templates and its caches
    loaded that is ~145k objects and a 60-90 ms stop of both threads every 15-25 s under load,
    which alone broke the pages' p99 target (bench/). Frozen objects are never scanned again;
    what requests create is collected as usual.
    """
    import gc

    gc.collect()
    gc.freeze()
