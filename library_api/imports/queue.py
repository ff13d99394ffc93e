"""Where import jobs run: a thread of the web process, an RQ worker on Redis, or inline (tests).

IMPORT_RUNNER=auto picks RQ where REDIS_URL is set on the SQL store (any worker host may run any job), and
a daemon thread otherwise (the memory store lives in one process: its jobs can run nowhere else).
"""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from .runner import ImportEnv, run_job

log = logging.getLogger(__name__)


def import_env(app: Flask) -> ImportEnv:
    """The runner's view of an app: its store, lookup, clock and IMPORT_* settings."""
    config = app.config
    return ImportEnv(uow=app.extensions["library.uow"], lookup=app.extensions["library.lookup"],
                     clock=config["CLOCK"], batch_size=config["IMPORT_BATCH_SIZE"],
                     lease_seconds=config["IMPORT_LEASE_SECONDS"], fill_details=config["IMPORT_FILL_DETAILS"])


class ThreadRunner:
    """Runs each job in a daemon thread; stop() ends them between two steps (tests, shutdown)."""

    def __init__(self, env: ImportEnv) -> None:
        self.env = env
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def submit(self, job_id: int) -> None:
        thread = threading.Thread(target=self._run, args=(job_id,), name=f"import-{job_id}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, job_id: int) -> None:
        try:
            run_job(self.env, job_id, stop=self.stopping)
        except Exception:  # a thread's exception would vanish; the lease lapses and the job is resumed
            log.exception("Import %s stopped by an error", job_id)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout)


class SyncRunner(ThreadRunner):
    """Runs each job inside the request that started it (IMPORT_RUNNER=sync, for tests)."""

    def submit(self, job_id: int) -> None:
        run_job(self.env, job_id, stop=self.stopping)


class RqRunner:
    """Enqueues each job on an RQ queue in Redis; `flask --app wsgi import-worker` runs them."""

    def __init__(self, env: ImportEnv, redis_url: str, queue_name: str) -> None:
        self.env, self.redis_url, self.queue_name = env, redis_url, queue_name

    def queue(self):
        from redis import Redis
        from rq import Queue

        return Queue(self.queue_name, connection=Redis.from_url(self.redis_url))

    def submit(self, job_id: int) -> None:
        # No time limit: a job's fill-behind asks for one book at a time, at the polite rate, for hours.
        self.queue().enqueue(perform, job_id, job_timeout=-1, result_ttl=3600, failure_ttl=7 * 86400)

    def stop(self, timeout: float = 10.0) -> None:
        pass  # the workers are processes of their own


def perform(job_id: int) -> None:
    """The RQ task: run a job in the worker's app (import-worker pushes its context)."""
    run_job(import_env(current_app), job_id)


def build_runner(app: Flask):
    """The runner IMPORT_RUNNER names (auto: RQ with REDIS_URL on the SQL store, else a thread)."""
    kind = app.config["IMPORT_RUNNER"]
    if kind == "auto":
        kind = "rq" if app.config["REDIS_URL"] and app.config["LIBRARY_STORE"] == "sql" else "thread"
    env = import_env(app)
    if kind == "rq":
        return RqRunner(env, app.config["REDIS_URL"], app.config["IMPORT_QUEUE"])
    return SyncRunner(env) if kind == "sync" else ThreadRunner(env)


def resume_lapsed(app: Flask, submit) -> list[int]:
    """Hand the jobs whose runner died (lease lapsed, work left) to `submit`; return their ids."""
    env = import_env(app)
    with env.uow().reading() as uow:
        job_ids = uow.imports.lapsed(env.clock())
    for job_id in job_ids:
        log.info("Import %s: resuming a job whose runner stopped", job_id)
        submit(job_id)
    return job_ids


def init_imports(app: Flask) -> None:
    """Make the app's runner; in thread mode, take over lapsed jobs at start (IMPORT_RESUME)."""
    runner = build_runner(app)
    app.extensions["library.imports"] = runner
    if isinstance(runner, ThreadRunner) and app.config["SERVING"] and app.config["IMPORT_RESUME"]:
        try:
            resume_lapsed(app, runner.submit)
        except Exception as error:  # a database that is not up yet: the next start (or worker) resumes
            log.warning("Could not resume imports at start: %s", error)
