"""A polite HTTP client for metadata providers: identified, rate limited, bounded in time and size."""
from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from ..errors import UpstreamTimeout, UpstreamUnavailable
from .rate import Clock, RateLimiter, Sleep


MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
# SPEC: a whole lookup, fallback included, answers within about 5 × METADATA_TIMEOUT.
BUDGET_FACTOR = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

log = logging.getLogger(__name__)


def user_agent(version: str, contact: str) -> str:
    """Build the User-Agent Open Library asks its clients to send, so they can reach us before blocking us."""
    return f"LibraryAPI/{version} ({contact})"


@dataclass(frozen=True)
class Deadline:
    """The moment after which no request of one lookup may start."""

    end: float
    clock: Clock = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Clock = time.monotonic) -> Deadline:
        """A deadline `seconds` from now."""
        return cls(clock() + seconds, clock)

    def remaining(self) -> float:
        """Seconds left, negative once passed."""
        return self.end - self.clock()


_current_deadline: ContextVar[Deadline | None] = ContextVar("metadata_deadline", default=None)


@contextmanager
def lookup_deadline(seconds: float, clock: Clock = time.monotonic) -> Iterator[Deadline]:
    """Share one time budget among every request made inside the block (an outer, earlier one wins)."""
    deadline = Deadline.after(seconds, clock)
    outer = _current_deadline.get()
    if outer is not None and outer.remaining() < deadline.remaining():
        deadline = outer
    token = _current_deadline.set(deadline)
    try:
        yield deadline
    finally:
        _current_deadline.reset(token)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta or HTTP date); None if absent, inf if unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return math.inf
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class HttpClient:
    """GETs JSON objects from one provider; every failure becomes UpstreamUnavailable or UpstreamTimeout."""

    def __init__(self, base_url: str, *, provider: str, user_agent: str, timeout: float,
                 limiter: RateLimiter | None = None, retries: int = 2, backoff: float = 0.25,
                 max_retry_after: float = 3.0, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.provider = provider
        self._origin = _origin(self.base_url)
        self._timeout, self._limiter = timeout, limiter
        self._retries, self._backoff, self._max_retry_after = retries, backoff, max_retry_after
        self._clock, self._sleep = clock, sleep
        # One session per provider reuses connections; requests' connection pool is thread-safe.
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any] | None:
        """GET base_url + path and return its JSON object, or None for a 404."""
        deadline = _current_deadline.get() or Deadline.after(BUDGET_FACTOR * self._timeout, self._clock)
        url = self.base_url + path
        for _ in range(MAX_REDIRECTS + 1):
            with self._send(url, params, deadline) as response:
                if response.status_code not in REDIRECT_STATUSES:
                    return self._interpret(response, deadline)
                url, params = self._redirect_target(url, response), None
        raise self._unavailable("too many redirects")

    def _send(self, url: str, params: Mapping[str, str] | None, deadline: Deadline) -> requests.Response:
        """Send one GET, retrying a transient failure while retries and the deadline allow."""
        attempt = 0
        while True:
            response, failure = self._attempt(url, params, deadline)
            if failure is None:
                return cast(requests.Response, response)
            delay = self._retry_delay(attempt, response)
            if response is not None:
                response.close()
            if attempt >= self._retries or delay is None or delay >= deadline.remaining():
                raise failure
            log.info("Retrying %s in %.2fs: %s", self.provider, delay, failure.details)
            self._sleep(delay)
            attempt += 1

    def _attempt(self, url: str, params: Mapping[str, str] | None,
                 deadline: Deadline) -> tuple[requests.Response | None, UpstreamUnavailable | None]:
        """Make one request: (response, None), or (response or None, failure) for a transient failure."""
        timeout = self._request_timeout(deadline)
        try:
            response = self._session.get(url, params=params, timeout=timeout, allow_redirects=False, stream=True)
        except requests.Timeout as error:
            # Not retried: a timeout has already spent a whole timeout of the budget the fallback needs.
            raise self._timed_out() from error
        except requests.ConnectionError:
            return None, self._unavailable("connection failed")
        except requests.RequestException as error:
            raise self._unavailable("request failed") from error
        finally:  # the answer's head is here (or the request failed): the site has counted it
            if self._limiter is not None:
                self._limiter.done()
        if response.status_code == 429 or response.status_code >= 500:
            return response, self._unavailable(f"answered {response.status_code}")
        return response, None

    def _request_timeout(self, deadline: Deadline) -> float:
        """Wait for a rate-limit turn, then return this request's timeout; no request starts past the deadline."""
        if deadline.remaining() <= 0:
            raise self._timed_out()
        if self._limiter is not None and not self._limiter.acquire(max_wait=deadline.remaining()):
            raise self._timed_out()
        remaining = deadline.remaining()
        if remaining <= 0:
            if self._limiter is not None:
                self._limiter.done()  # the turn is given back unused
            raise self._timed_out()
        return min(self._timeout, remaining)

    def _retry_delay(self, attempt: int, response: requests.Response | None) -> float | None:
        """Seconds to wait before the next attempt, or None when retrying would be pointless or impolite."""
        backoff = self._backoff * 2 ** attempt
        if response is None:
            return backoff
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None:
            # A 429 without Retry-After names no safe moment to come back, so we do not.
            return None if response.status_code == 429 else backoff
        return retry_after if retry_after <= self._max_retry_after else None

    def _redirect_target(self, url: str, response: requests.Response) -> str:
        """The URL a redirect points to, if it stays on the provider's own scheme and host."""
        location = response.headers.get("Location")
        target = urljoin(url, location) if location else ""
        if _origin(target) != self._origin:
            raise self._unavailable("redirected to another host")
        return target

    def _interpret(self, response: requests.Response, deadline: Deadline) -> dict[str, Any] | None:
        """Map a final response to a JSON object, None (404), or an upstream failure."""
        if response.status_code == 404:
            return None
        if not 200 <= response.status_code < 300:
            raise self._unavailable(f"answered {response.status_code}")
        try:
            data = json.loads(self._body(response, deadline))
        except ValueError as error:
            raise self._unavailable("answered something that is not JSON") from error
        if not isinstance(data, dict):
            raise self._unavailable("answered JSON that is not an object")
        return data

    def _body(self, response: requests.Response, deadline: Deadline) -> bytes:
        """Read the body, refusing one over MAX_BODY_BYTES or one still arriving past the deadline."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise self._unavailable("answer too large")
        body = bytearray()
        try:
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise self._unavailable("answer too large")
                if deadline.remaining() <= 0:
                    raise self._timed_out()
        except requests.ConnectionError as error:
            # requests reports a read timeout during streaming as a ConnectionError wrapping urllib3's.
            if error.args and isinstance(error.args[0], ReadTimeoutError):
                raise self._timed_out() from error
            raise self._unavailable("connection failed") from error
        except requests.RequestException as error:
            raise self._unavailable("answer could not be read") from error
        return bytes(body)

    def _unavailable(self, reason: str) -> UpstreamUnavailable:
        return UpstreamUnavailable(provider=self.provider, reason=reason)

    def _timed_out(self) -> UpstreamTimeout:
        return UpstreamTimeout(provider=self.provider, reason="timed out")
