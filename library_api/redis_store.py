"""The one way the app connects to Redis (REDIS_URL): short timeouts, no retries.

Redis is optional to every request (the lookup cache is bypassed and the rate limits fail open while it is
away), so a Redis that does not answer must cost a request milliseconds, not seconds of retries.
"""
from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

CONNECT_TIMEOUT = 0.25
COMMAND_TIMEOUT = 0.5
# The same limits for flask-limiter's storage (limits passes them on to redis-py).
STORAGE_OPTIONS = {"socket_connect_timeout": CONNECT_TIMEOUT, "socket_timeout": COMMAND_TIMEOUT}


def connect(url: str) -> redis.Redis:
    """A client for REDIS_URL; it connects on first use, so start-up never waits on Redis."""
    return redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=COMMAND_TIMEOUT,
                                retry=Retry(NoBackoff(), 0))
