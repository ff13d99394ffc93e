"""`make bench`: every route under wrk, as a ratio to a bare route of the same gunicorn, per database and
catalog size; the Argon2 ceiling of logins. Writes bench/results.json and bench/results.png.

Settings (environment): BENCH_SIZES (1000,100000), BENCH_SECONDS (3, per route), BENCH_ROUNDS (3 slices of
it, each beside a slice of the bare route), BENCH_DBS (sqlite,postgres), BENCH_PG_URL, BENCH_CONNECTIONS (8),
BENCH_SEED (1).
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
            bare_samples = []
            for route in plan:
                if route.name == routes.BASELINE:
                    continue
                if route.path is None:
                    run["routes"][route.name] = {"rps": None, "note": route.note}
                    continue
                before = standin.requests
                figures, samples = measure(base, route, bare, settings)
                if route.name.startswith("GET /isbn"):
                    run["standin_requests_during_run"] = standin.requests - before
                run["routes"][route.name] = figures
                bare_samples += samples
                latency = (f"p50 {figures['p50_ms']:.1f} ms p99 {figures['p99_ms']:.0f} ms" if figures["requests"]
                           else "none completed")
                print(f"[{db} {report.size_label(size)}] {route.name}: {figures['rps']:.0f}/s, "
                      f"{figures['ratio']:.3f} of {routes.BASELINE}, {latency}"
                      + (f" ({figures['status_errors']} error responses)" if figures["status_errors"] else ""),
                      flush=True)
    run["routes"] = {routes.BASELINE: _combined(bare_samples, ratio=1.0), **run["routes"]}
    login, auth, anon = (run["routes"][name].get("ratio") for name in (routes.LOGIN, routes.AUTH, routes.ANON))
    run["login_vs_argon2_ceiling"] = run["routes"][routes.LOGIN]["rps"] / argon2["ceiling_per_s"]
    run["auth_vs_anon"] = auth / anon if auth and anon else None
    return run


def measure(base: str, route, bare, settings: Settings) -> tuple[dict, list[dict]]:
    """The route's figures and the bare route's samples taken beside it. The machine's cores come and go
    (the same loop ran anywhere from 270 to 526 ms from one second to the next on this VM), so the route is
    driven in BENCH_ROUNDS slices, each right after a slice of the bare route as long, and its ratio is the
    median of the slices' own ratios: both sides of each ratio ran on the machine of that moment. A route
    whose requests carry state from one to the next (borrow, then return) runs in one slice."""
    rounds = settings.rounds if route.sliced else 1
    seconds = max(1.0, settings.seconds / rounds)
    pairs = []
    for _ in range(rounds):
        wait_until_idle(base)
        bare_figures = wrk.run(base, bare, seconds=seconds, connections=settings.connections)
        wait_until_idle(base)
        pairs.append((bare_figures, wrk.run(base, route, seconds=seconds, connections=settings.connections)))
    ratios = [figures["rps"] / bare_figures["rps"] for bare_figures, figures in pairs if bare_figures["rps"]]
    return (_combined([figures for _, figures in pairs], ratio=statistics.median(ratios) if ratios else None),
            [bare_figures for bare_figures, _ in pairs])


def _combined(slices: list[dict], *, ratio: float | None) -> dict:
    """One row from several slices: the median slice's requests/s, p50 and p99, every request and error."""
    done = [figures for figures in slices if figures["requests"]]
    return {"rps": statistics.median(figures["rps"] for figures in slices), "ratio": ratio,
            "requests": sum(figures["requests"] for figures in slices),
            "p50_ms": statistics.median(figures["p50_ms"] for figures in done) if done else None,
            "p99_ms": statistics.median(figures["p99_ms"] for figures in done) if done else None,
            "status_errors": sum(figures["status_errors"] for figures in slices),
            "socket_errors": sum(figures["socket_errors"] for figures in slices),
            "slices_rps": [round(figures["rps"], 1) for figures in slices]}


def main() -> None:
    settings = Settings.from_environment()
    if problem := wrk.wrk_missing():
        raise SystemExit(problem)
    started = time.perf_counter()
    results = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "settings": {"sizes": settings.sizes, "seconds": settings.seconds, "rounds": settings.rounds,
                            "dbs": settings.dbs,
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
