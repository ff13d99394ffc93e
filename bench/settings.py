"""The bench's settings, from the environment: BENCH_SIZES, BENCH_SECONDS, BENCH_ROUNDS, BENCH_DBS, and a few
more."""
from __future__ import annotations

import os
from dataclasses import dataclass

# 1M books take fake-catalog 4–10 minutes per database on a shared 2-core machine: too long for the
# default run to stay under 15 minutes; ask for them with BENCH_SIZES=1000,100000,1000000.
DEFAULT_SIZES = "1000,100000"
DEFAULT_SECONDS = 3.0
# BENCH_SECONDS is driven in this many slices, each beside a slice of the bare route as long.
DEFAULT_ROUNDS = 3
DEFAULT_DBS = "sqlite,postgres"
DEFAULT_PG_URL = "postgresql://root@127.0.0.1:5432/postgres"
# wrk's open connections on every route: the server's 2 workers x 4 threads, each kept busy.
DEFAULT_CONNECTIONS = 8


@dataclass(frozen=True)
class Settings:
    sizes: tuple[int, ...]
    seconds: float
    rounds: int
    dbs: tuple[str, ...]
    pg_url: str
    connections: int
    seed: int

    @classmethod
    def from_environment(cls, environ=os.environ) -> Settings:
        dbs = tuple(name.strip() for name in environ.get("BENCH_DBS", DEFAULT_DBS).split(",") if name.strip())
        unknown = set(dbs) - {"sqlite", "postgres"}
        if unknown:
            raise SystemExit(f"BENCH_DBS: unknown database(s) {', '.join(sorted(unknown))}; use sqlite, postgres")
        return cls(
            sizes=tuple(int(size) for size in environ.get("BENCH_SIZES", DEFAULT_SIZES).split(",") if size.strip()),
            seconds=float(environ.get("BENCH_SECONDS", DEFAULT_SECONDS)),
            rounds=max(1, int(environ.get("BENCH_ROUNDS", DEFAULT_ROUNDS))),
            dbs=dbs,
            pg_url=environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
            connections=int(environ.get("BENCH_CONNECTIONS", DEFAULT_CONNECTIONS)),
            seed=int(environ.get("BENCH_SEED", "1")),
        )
