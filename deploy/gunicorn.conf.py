"""gunicorn's settings for the Library API: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (what `make serve` runs).

Every value comes from the environment, so one file serves every host. The root `gunicorn.conf.py` loads this
file, so `gunicorn wsgi:app` started from the repository gets the same settings.
"""
import json
import multiprocessing
import os
import shutil
import time
from pathlib import Path

from gunicorn.glogging import Logger


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def _workers() -> int:
    """WEB_CONCURRENCY, or 2 x cores + 1 up to 8; always 1 for the memory store, which lives in one process."""
    if os.environ.get("LIBRARY_STORE", "memory") == "memory":
        # The app refuses a second process on the memory store; asking for one here would only fail at boot.
        return 1
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    # Each worker holds its own database pool and Argon2 buffers (19 MiB a login): past 8 a host wants more
    # machines, not more workers.
    return int(raw) if raw else min(2 * multiprocessing.cpu_count() + 1, 8)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _workers()
# Threads (gthread) let a worker keep answering /health and the catalog while some of its threads wait on a
# slow metadata provider; LOOKUP_CONCURRENCY (default 4) caps those waiting threads, so keep this above it.
worker_class = "gthread"
threads = int(_number("GUNICORN_THREADS", 8))

# A lookup may wait on Open Library and then Google Books for up to 5 x METADATA_TIMEOUT in all (SPEC.md):
# the worker timeout and the graceful shutdown give it that and a margin, so no acknowledged lookup is cut.
_LOOKUP_DEADLINE = 5 * _number("METADATA_TIMEOUT", 5.0)
timeout = int(_LOOKUP_DEADLINE + 10)
graceful_timeout = int(_LOOKUP_DEADLINE + 5)
# nginx opens a connection per request; a short keep-alive serves clients that come directly.
keepalive = 5

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# gunicorn 27's control socket lives at one fixed path per user; the API does not use it.
control_socket_disable = True


class JsonAccessLogger(Logger):
    """One JSON object per request, so a log shipper needs no parsing rules and a quote in a URL cannot break
    a line (gunicorn's access_log_format does not escape its values)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in resp.headers}
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            # The id the app answered with: the caller's (nginx's) or one it made.
            "request_id": headers.get("x-request-id"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": int(status),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            # The client as the app saw it: behind nginx with PROXY_COUNT=1, the address nginx reported.
            "remote": environ.get("REMOTE_ADDR"),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line))
        except Exception:
            self.exception("Could not write the access log line")


logger_class = JsonAccessLogger


def on_starting(server):
    """Start prometheus-client's multiprocess directory empty: a previous run's files would still count."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    server.log.info("Prometheus multiprocess directory %s emptied", path)


def child_exit(server, worker):
    """Drop a dead worker's live gauges, as prometheus-client's multiprocess mode asks."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    try:
        from prometheus_client import multiprocess
    except ImportError:  # prometheus-client is not installed: there is nothing to tidy
        return
    multiprocess.mark_process_dead(worker.pid)
