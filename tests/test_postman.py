"""The Postman collection (postman/), run by newman against a real gunicorn on an empty memory store."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import _service_missing
from tests.test_gunicorn import ROOT, SECRET, free_port, gunicorn, stop, wait_until_serving

COLLECTION = ROOT / "postman" / "library-api.postman_collection.json"
ENVIRONMENT = ROOT / "postman" / "local.postman_environment.json"
# The environment's admin: the server makes it at start-up, the collection signs it in as the desk.
ADMIN = {item["key"]: item["value"] for item in json.loads(ENVIRONMENT.read_text())["values"]}
# Every seed's flow asserts at least this many things; fewer means requests or tests went missing.
MIN_ASSERTIONS = 150


@pytest.fixture(params=["memory"])
def store(request):
    return request.param  # one run is enough: the test starts its own server


@pytest.fixture
def newman() -> str:
    """newman from `npm ci` (node_modules/.bin) or PATH; asked for before the server, so a skip is quick."""
    local = ROOT / "node_modules" / ".bin" / "newman"
    found = str(local) if local.exists() else shutil.which("newman")
    if found is None:
        _service_missing("newman is not installed (run `make install` with npm on PATH, or `npm ci`)")
    return found


@pytest.fixture
def server(providers, tmp_path):
    """A gunicorn serving an empty library in production settings, its providers the recorded ones."""
    base, port = providers.url_for("").rstrip("/"), free_port()
    process = gunicorn(
        "-w", "1", "-b", f"127.0.0.1:{port}",
        LIBRARY_ENV="production", LIBRARY_STORE="memory", JWT_SECRET_KEY=SECRET,
        ADMIN_USERNAME=ADMIN["adminUsername"], ADMIN_PASSWORD=ADMIN["adminPassword"],
        RATELIMIT_ENABLED="false", MEMORY_STORE_LOCK=str(tmp_path / "memory-store.lock"),
        OPENLIBRARY_URL=base, OPENLIBRARY_COVERS_URL=base + "/covers", GOOGLE_BOOKS_URL=base + "/books/v1",
        METADATA_CONTACT="tests@library.invalid", OPENLIBRARY_RPS="1000",
    )
    try:
        yield wait_until_serving(port)
    finally:
        output = stop(process)
        if "Traceback" in output:
            print(output)


def _run(newman: str, base_url: str, report: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [newman, "run", str(COLLECTION), "-e", str(ENVIRONMENT), "--env-var", f"baseUrl={base_url}",
         "--reporters", "cli,json", "--reporter-json-export", str(report), "--color", "off",
         "--timeout-request", "30000"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_UPDATE_NOTIFIER": "1"},
    )


def test_the_collection_passes_against_an_empty_server_twice(newman, server, tmp_path):
    """Top to bottom on an empty server, then again on the same one (per-run names, the ISBN book replaced)."""
    for run in (1, 2):
        report = tmp_path / f"newman-{run}.json"
        result = _run(newman, server, report)
        assert result.returncode == 0, result.stdout + result.stderr
        stats, timings = (json.loads(report.read_text())["run"][key] for key in ("stats", "timings"))
        print(f"newman run {run}: {stats['requests']['total']} requests, {stats['assertions']['total']} "
              f"assertions, {stats['assertions']['failed']} failed, "
              f"{timings['completed'] - timings['started']} ms")
        assert stats["assertions"]["failed"] == 0
        assert stats["requests"]["failed"] == 0 and stats["testScripts"]["failed"] == 0
        assert stats["prerequestScripts"]["failed"] == 0
        assert stats["assertions"]["total"] > MIN_ASSERTIONS
