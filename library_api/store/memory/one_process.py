"""The dict store lives inside one process; a second process serving it would be a second library.

Each process that builds a memory-store app takes an exclusive lock on one file. A second process (a
second gunicorn worker, however gunicorn was configured) cannot take it and refuses to start. With
gunicorn's `--preload` the app is built once and forked, so each forked child also claims a lock of
children: the second child refuses too.
"""
from __future__ import annotations

import fcntl
import os
import sys

from config import ConfigError

# Exit status that makes gunicorn halt instead of starting the worker again (its WORKER_BOOT_ERROR).
BOOT_ERROR = 3
_held: dict[str, int] = {}


def _refusal(path: str) -> str:
    return ("LIBRARY_STORE=memory keeps the library inside one process, and another process already serves "
            f"it (lock {path}); run one worker, or set LIBRARY_STORE=sql")


def _try_lock(path: str) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _claim_in_forked_child() -> None:
    for path in list(_held):
        child_path = path + ".child"
        fd = _try_lock(child_path)
        if fd is None:
            print(f"library-api: configuration error: {_refusal(child_path)}", file=sys.stderr, flush=True)
            os._exit(BOOT_ERROR)
        _held[child_path] = fd


def claim_one_process(path: str) -> None:
    """Take the memory store's process lock, or raise ConfigError if another process holds it."""
    if path in _held:
        return  # this process holds it already (several apps in one process share nothing but the lock)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = _try_lock(path)
    if fd is None:
        raise ConfigError(_refusal(path))
    if not _held:
        os.register_at_fork(after_in_child=_claim_in_forked_child)
    _held[path] = fd
