"""Drive one route with wrk for a fixed time and connection count; read back its figures."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
# Far above any latency we expect, so that a slow route shows in p99 rather than as socket timeouts.
TIMEOUT = "10s"


@dataclass(frozen=True)
class Route:
    """One row of the bench: a name, a path (None: the server cannot serve it yet) and its wrk script."""

    name: str
    path: str | None
    script: str | None = None  # a file in bench/lua/, its BENCH_* words substituted
    words: dict = field(default_factory=dict)
    one_connection_per_thread: bool = False
    sliced: bool = True  # False: its script keeps state across requests, so it runs in one piece
    note: str = ""


def wrk_missing() -> str | None:
    return None if shutil.which("wrk") else "wrk is not installed (make bench installs it with apt-get)"


def script_text(route: Route) -> str:
    """The route's Lua script with its words filled in, followed by the reporting `done`."""
    text = (LUA / route.script).read_text() if route.script else ""
    for word, value in route.words.items():
        text = text.replace(word, str(value))
    return text + "\n" + (LUA / "report.lua").read_text()


def run(base: str, route: Route, *, seconds: float, connections: int) -> dict:
    """requests/s, p50 and p99 in ms, and error counts of `route` under wrk."""
    threads = connections if route.one_connection_per_thread else min(2, connections)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(script_text(route))
        script.flush()
        done = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                               "--timeout", TIMEOUT, "-s", script.name, base + route.path],
                              capture_output=True, text=True, check=True)
    return parse(done.stdout)


def parse(output: str) -> dict:
    """The figures of report.lua's BENCH line."""
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    raw = json.loads(line.removeprefix("BENCH "))
    seconds = raw["duration_us"] / 1e6
    done = raw["requests"] > 0  # a route slower than the run completes nothing: no latency to speak of
    return {"rps": raw["requests"] / seconds if seconds else 0.0, "requests": raw["requests"],
            "p50_ms": raw["p50_us"] / 1000 if done else None, "p99_ms": raw["p99_us"] / 1000 if done else None,
            "status_errors": raw["status_errors"], "socket_errors": raw["socket_errors"]}
