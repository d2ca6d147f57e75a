"""A polite HTTP client for the literature services: rate-limited, retrying, checking bodies.

Every request waits for the :class:`~ingest.fetch.ratelimit.RateLimiter`, then goes out over
``urllib`` (no extra dependency). What is retried, with exponential back-off:

* HTTP 429 and 5xx — a ``Retry-After`` header, when sent, holds back *every* request for that
  long, since the server is telling the whole client to slow down;
* connection failures, time-outs and bodies cut short (``IncompleteRead``);
* a 200 response whose body the caller's ``check`` refuses — services answer an overloaded
  moment with an HTML error page or a truncated document under status 200.

Other 4xx responses are the request's fault and fail at once. After the last attempt a
:class:`FetchError` names the URL and the last reason.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ingest.fetch.ratelimit import RateLimiter

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_BODY_BYTES = 256 * 1024 * 1024  # an EFetch batch of 200 records is a few MB
MAX_RETRY_AFTER = 600.0  # seconds: a longer Retry-After is hostile or broken; wait this long
USER_AGENT = "tcmkg (TCM evidence knowledge graph; https://w3id.org/tcmkg)"

Params = Mapping[str, str | int]
BodyCheck = Callable[[bytes], str | None]  # None when the body is usable, else the reason


class FetchError(RuntimeError):
    """A request that failed for good; the message names the URL and the reason."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry; tests shrink the delays."""

    attempts: int = 6
    base_delay: float = 1.0  # seconds before the first retry, doubled each time
    max_delay: float = 60.0
    timeout: float = 60.0  # per request


class _RetryableError(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare from these services; plain back-off applies


class HttpClient:
    """GET and form POST with rate limiting, retries and body checks."""

    def __init__(
        self,
        limiter: RateLimiter,
        policy: RetryPolicy | None = None,
        *,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str, float], None] | None = None,
    ) -> None:
        self.limiter = limiter
        self.policy = policy or RetryPolicy()
        self.user_agent = user_agent
        self._sleep = sleep
        self.on_retry = on_retry
        self.requests = 0  # requests sent, retries included
        self.retries = 0

    def get(self, url: str, params: Params, check: BodyCheck | None = None) -> bytes:
        """GET ``url?params``; return the body once ``check`` accepts it."""
        query = urllib.parse.urlencode({k: str(v) for k, v in params.items()})
        return self._send(f"{url}?{query}" if query else url, None, check)

    def post(self, url: str, form: Params, check: BodyCheck | None = None) -> bytes:
        """POST ``form`` (url-encoded) to ``url``; return the body once ``check`` accepts it."""
        data = urllib.parse.urlencode({k: str(v) for k, v in form.items()}).encode("ascii")
        return self._send(url, data, check)

    def _send(self, url: str, data: bytes | None, check: BodyCheck | None) -> bytes:
        shown = url.split("?", 1)[0]
        last = "no attempt made"
        for attempt in range(self.policy.attempts):
            if attempt:
                self.retries += 1
            try:
                body = self._once(url, data)
                reason = check(body) if check is not None else None
                if reason is None:
                    return body
                raise _RetryableError(f"unusable response: {reason}")
            except _RetryableError as exc:
                last = exc.reason
                if attempt + 1 >= self.policy.attempts:
                    break
                delay = min(self.policy.max_delay, self.policy.base_delay * 2**attempt)
                if exc.retry_after is not None:
                    # The server's word beats our own back-off cap, within reason.
                    delay = max(delay, min(exc.retry_after, MAX_RETRY_AFTER))
                    self.limiter.pause(delay)
                else:
                    self._sleep(delay)
                if self.on_retry is not None:
                    self.on_retry(f"{shown}: {exc.reason}", delay)
        raise FetchError(f"{shown}: gave up after {self.policy.attempts} attempts: {last}")

    def _once(self, url: str, data: bytes | None) -> bytes:
        self.limiter.wait()
        self.requests += 1
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data, headers=headers)
        shown = url.split("?", 1)[0]
        try:
            with urllib.request.urlopen(request, timeout=self.policy.timeout) as response:
                body: bytes = response.read(MAX_BODY_BYTES + 1)
        except urllib.error.HTTPError as err:
            if err.code in RETRY_STATUS:
                raise _RetryableError(
                    f"HTTP {err.code} {err.reason}", _retry_after(err.headers.get("Retry-After"))
                ) from err
            snippet = err.read(300).decode("utf-8", errors="replace").strip()
            raise FetchError(f"{shown}: HTTP {err.code} {err.reason}: {snippet}") from err
        except http.client.IncompleteRead as err:
            raise _RetryableError(f"body cut short after {len(err.partial):,} bytes") from err
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            reason = getattr(err, "reason", None) or err
            if isinstance(reason, socket.timeout | TimeoutError):
                reason = f"no answer within {self.policy.timeout:g} s"
            raise _RetryableError(f"connection failed: {reason}") from err
        if len(body) > MAX_BODY_BYTES:
            raise FetchError(f"{shown}: response above {MAX_BODY_BYTES:,} bytes; refused")
        return body
