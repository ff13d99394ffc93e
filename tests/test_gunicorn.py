"""The production entry point under a real gunicorn."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET = "a production secret of at least thirty-two bytes"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.Popen:
    """Start gunicorn; what it prints goes to a file (a pipe nobody reads would fill, and block the server
    on its next log line). `stop()` ends it and returns that output."""
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(("LIBRARY_", "JWT_", "DATABASE_URL", "REDIS_URL"))}
    output = tempfile.TemporaryFile("w+")
    process = subprocess.Popen([str(GUNICORN), *args, "wsgi:app"], cwd=cwd, env={**environ, **env},
                               stdout=output, stderr=subprocess.STDOUT, text=True)
    process.output = output
    return process


def stop(process: subprocess.Popen, seconds: float = 30, *, exits_by_itself: bool = False) -> str:
    """Stop gunicorn (or, when it should refuse to start, wait for it to exit) and return what it printed."""
    if not exits_by_itself:
        process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.output.seek(0)
    return process.output.read()


@pytest.fixture(params=["memory"])
def store(request):
    return request.param  # one run is enough: these tests start their own processes


@pytest.fixture
def lock(tmp_path):
    """The memory store's one-process lock, of this test's own (a developer's server may hold the default)."""
    return str(tmp_path / "memory-store.lock")


# However gunicorn is started: from the repository with its config file, from elsewhere with no config
# file at all, or with the app preloaded in the master and forked into the workers.
HOW_STARTED = {
    "config-file": ((), ROOT),
    "elsewhere-no-config": (("-c", "/dev/null", "--chdir", str(ROOT)), Path("/")),
    "preload": (("--preload",), ROOT),
}


@pytest.mark.parametrize("how", HOW_STARTED)
def test_memory_store_refuses_several_workers(how, lock):
    args, cwd = HOW_STARTED[how]
    process = gunicorn(*args, "-w", "2", "-b", f"127.0.0.1:{free_port()}", cwd=cwd, JWT_SECRET_KEY=SECRET,
                       MEMORY_STORE_LOCK=lock)
    output = stop(process, exits_by_itself=True)
    assert process.returncode != 0, output
    assert "LIBRARY_STORE=memory keeps the library inside one process" in output


def test_production_without_a_secret_says_so_in_one_line():
    process = gunicorn("-b", f"127.0.0.1:{free_port()}")
    output = stop(process, exits_by_itself=True)
    assert process.returncode != 0
    assert "configuration error: JWT_SECRET_KEY must be set" in output and "Traceback" not in output


def wait_until_serving(port: int, seconds: float = 20, process: subprocess.Popen | None = None) -> str:
    """The server's base URL, once its /health answers; a `process` that exits first fails with its output."""
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + seconds
    while True:
        if process is not None and process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{stop(process)}")
        try:
            requests.get(f"{base}/health", timeout=5)
            return base
        except (requests.ConnectionError, requests.Timeout):  # not listening, or still loading the app
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)


def test_one_worker_serves_the_api(lock):
    port = free_port()
    process = gunicorn("-b", f"127.0.0.1:{port}", JWT_SECRET_KEY=SECRET, MEMORY_STORE_LOCK=lock)
    try:
        response = requests.get(f"{wait_until_serving(port)}/health", timeout=5)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert response.headers["X-Request-ID"]
    finally:
        stop(process)
