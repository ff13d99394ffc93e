"""How often this process asks a provider: at most `rate` requests in any second, as the provider sees them."""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class RateLimiter:
    """Spaces requests 1/rate apart, and keeps any window of a second free of more than `rate` of them where
    the provider counts: on arrival. Thread-safe; a rate <= 0 means no limit.

    Spacing alone counts when requests leave, and a request that leaves on time can reach the site late (a
    busy thread, a slow network) and land in one second with the next ones. So each request given a turn is
    also counted until a window after its answer came back (done()): a request reaches the site after its
    turn and before its answer, so no more than `burst` (the whole requests in a second, at least one) can
    arrive within one window, however late each one was.
    """

    def __init__(self, rate: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._burst = max(1, math.floor(rate))
        self._window = self._burst * self._interval
        self._clock, self._sleep = clock, sleep
        self._next_turn = -math.inf
        self._open = 0  # requests given a turn whose answer has not come back
        self._ended: deque[float] = deque()  # when the last answers came back, oldest first
        self._changed = threading.Condition()

    def acquire(self, max_wait: float = math.inf) -> bool:
        """Wait for this request's turn; return False at once, taking no turn, if it is over max_wait away.
        A request given its turn must call done() when its answer has come back, or it failed."""
        if not self._interval:
            return True
        with self._changed:
            now = self._clock()
            latest = now + max_wait
            while (turn := self._turn(now)) is None:  # `burst` answers are still out: wait for one
                if now >= latest or not self._changed.wait(None if latest == math.inf else latest - now):
                    return False
                now = self._clock()
            if turn > latest:
                return False
            self._next_turn, self._open = turn + self._interval, self._open + 1
        if turn > now:
            self._sleep(turn - now)
        return True

    def done(self) -> None:
        """The answer to a request given a turn came back (or the request failed)."""
        if not self._interval:
            return
        with self._changed:
            now = self._clock()
            self._open -= 1
            self._ended.append(now)
            while self._ended and self._ended[0] <= now - self._window:
                self._ended.popleft()  # out of every window still to come
            self._changed.notify_all()

    def _turn(self, now: float) -> float | None:
        """The earliest moment a request may start, or None while `burst` answers are still out."""
        if self._open >= self._burst:
            return None
        turn = max(now, self._next_turn)
        # With `open` out and these answers back, the oldest ones must leave the window before the turn.
        leaving = self._open + len(self._ended) - self._burst + 1
        if leaving > 0:
            turn = max(turn, self._ended[leaving - 1] + self._window)
        return turn


_shared_limiters: dict[tuple[str, float], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_rate_limiter(base_url: str, rate: float) -> RateLimiter:
    """Return the process-wide limiter for a host, so every app and thread of this process shares one rate."""
    key = (urlsplit(base_url).netloc.lower(), rate)
    with _shared_lock:
        return _shared_limiters.setdefault(key, RateLimiter(rate))
