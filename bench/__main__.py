"""`make bench`: every route under wrk, as a ratio to a bare route of the same gunicorn, per database and
catalog size; the Argon2 ceiling of logins. Writes bench/results.json and bench/results.png.

Settings (environment): BENCH_SIZES (1000,100000), BENCH_SECONDS (3, per route), BENCH_DBS
(sqlite,postgres), BENCH_PG_URL, BENCH_CONNECTIONS (8), BENCH_SEED (1).
"""
from __future__ import annotations

import json
import os
import re
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from config import DEFAULTS
from library_api.auth.passwords import Passwords

from . import report, routes, server, wrk
from .settings import Settings
from .standin import ISBN, StandIn

HERE = Path(__file__).resolve().parent
WARM_CALLS = 12  # on new connections, so that both gunicorn workers' caches are filled
IDLE_SECONDS = 0.05
# The bare route is measured again after every this many routes (see bench_one).
BASELINE_EVERY = 6


def argon2_ceiling(samples: int = 5) -> dict:
    """CPU seconds of one hash at the production cost, and the logins/s all cores could verify at best."""
    passwords = Passwords(time_cost=DEFAULTS["ARGON2_TIME_COST"], memory_cost=DEFAULTS["ARGON2_MEMORY_COST"],
                          parallelism=DEFAULTS["ARGON2_PARALLELISM"])
    started = time.process_time()
    for _ in range(samples):
        passwords.hash("a long benchmark passphrase")
    per_hash = (time.process_time() - started) / samples
    cores = os.cpu_count() or 1
    return {"time_cost": DEFAULTS["ARGON2_TIME_COST"], "memory_cost_kib": DEFAULTS["ARGON2_MEMORY_COST"],
            "cpu_ms_per_hash": per_hash * 1000, "cores": cores, "ceiling_per_s": cores / per_hash}


def warm_isbn_cache(base: str) -> None:
    for _ in range(WARM_CALLS):
        requests.get(f"{base}/isbn/{ISBN}", timeout=60).raise_for_status()


def wait_until_idle(base: str, timeout: float = 120) -> None:
    """Wait out the requests a slow route left queued after wrk stopped, so the next route starts on an
    idle server: until /health answers within 50 ms (or `timeout` passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.perf_counter()
        requests.get(f"{base}/health", timeout=timeout).raise_for_status()
        if time.perf_counter() - started < IDLE_SECONDS:
            return
        time.sleep(0.2)


def bench_one(settings: Settings, db: str, size: int, standin: StandIn, argon2: dict) -> dict:
    run = {"db": db, "size": size, "routes": {}}
    with server.database(db, size, settings.pg_url) as url:
        env = server.server_environment(url, standin.url)
        server.flask(env, "db", "upgrade")
        started = time.perf_counter()
        server.flask(env, "fake-catalog", str(size), "--seed", str(settings.seed))
        run["fake_catalog_s"] = round(time.perf_counter() - started, 1)
        print(f"[{db} {report.size_label(size)}] fake-catalog {run['fake_catalog_s']} s", flush=True)
        with server.gunicorn(env, f"{db}-{size}") as base:
            warm_isbn_cache(base)
            plan = routes.plan(base, size, settings.connections)
            bare = next(route for route in plan if route.name == routes.BASELINE)
            samples = []
            for number, route in enumerate(plan):
                if number and number % BASELINE_EVERY == 0:
                    samples.append(_baseline_sample(base, bare, settings))
                if route.path is None:
                    run["routes"][route.name] = {"rps": None, "note": route.note}
                    continue
                wait_until_idle(base)
                before = standin.requests
                figures = wrk.run(base, route, seconds=settings.seconds, connections=settings.connections)
                if route.name.startswith("GET /isbn"):
                    run["standin_requests_during_run"] = standin.requests - before
                run["routes"][route.name] = figures
                latency = (f"p50 {figures['p50_ms']:.1f} ms p99 {figures['p99_ms']:.0f} ms" if figures["requests"]
                           else "none completed")
                print(f"[{db} {report.size_label(size)}] {route.name}: {figures['rps']:.0f}/s {latency}"
                      + (f" ({figures['status_errors']} error responses)" if figures["status_errors"] else ""),
                      flush=True)
            samples.append(_baseline_sample(base, bare, settings))
    # Other work on a shared machine moves the bare route between samples: the run's baseline is the median
    # of one sample before the routes, one after every BASELINE_EVERY of them, and one at the end.
    bare_figures = run["routes"][routes.BASELINE]
    bare_figures["rps_samples"] = [round(bare_figures["rps"], 1)] + [round(rps, 1) for rps in samples]
    bare_figures["rps"] = statistics.median(bare_figures["rps_samples"])
    baseline = run["routes"][routes.BASELINE]["rps"]
    for figures in run["routes"].values():
        if figures.get("rps") is not None:
            figures["ratio"] = figures["rps"] / baseline
    login, auth, anon = (run["routes"][name]["rps"] for name in (routes.LOGIN, routes.AUTH, routes.ANON))
    run["login_vs_argon2_ceiling"] = login / argon2["ceiling_per_s"]
    run["auth_vs_anon"] = auth / anon if anon else None
    return run


def _baseline_sample(base: str, bare, settings: Settings) -> float:
    wait_until_idle(base)
    return wrk.run(base, bare, seconds=settings.seconds, connections=settings.connections)["rps"]


def main() -> None:
    settings = Settings.from_environment()
    if problem := wrk.wrk_missing():
        raise SystemExit(problem)
    started = time.perf_counter()
    results = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "settings": {"sizes": settings.sizes, "seconds": settings.seconds, "dbs": settings.dbs,
                            "connections": settings.connections, "workers": server.WORKERS,
                            "threads": server.THREADS, "seed": settings.seed},
               "machine": {"cores": os.cpu_count(), "load_at_start": os.getloadavg()},
               "baseline": routes.BASELINE, "argon2": argon2_ceiling(), "runs": []}
    standin = StandIn()
    try:
        for db in settings.dbs:
            missing = server.postgres_answers(settings.pg_url) if db == "postgres" else None
            for size in settings.sizes:
                if missing:
                    results["runs"].append({"db": db, "size": size, "skipped": _redacted(missing)})
                    continue
                results["runs"].append(bench_one(settings, db, size, standin, results["argon2"]))
                _write(results, started)
    finally:
        standin.close()
    results["targets"] = report.targets(results)
    _write(results, started)
    report.plot(results, HERE / "results.png")
    print()
    print(report.table(results))
    print()
    print(report.targets_text(results["targets"]))
    print(f"\nmake bench took {results['duration_s']:.0f} s; wrote bench/results.json and bench/results.png")


def _redacted(text: str) -> str:
    return re.sub(r"://[^@/]*@", "://", text)


def _write(results: dict, started: float) -> None:
    results["duration_s"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_at_end"] = os.getloadavg()
    (HERE / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
