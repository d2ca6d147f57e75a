"""Keeping to a service's request rate: at most N requests in any one-second window.

NCBI allows 3 requests per second without an API key and 10 with one; ClinicalTrials.gov asks
clients to be similarly modest. A sliding window (not a fixed interval) lets a short burst of N
requests go out at once and then waits, which is both the fastest schedule the rule allows and
exactly what the rule says: no second-long window ever holds more than N requests. The window
is kept a little longer than a second (``MARGIN``) because the server counts arrivals, and
network jitter can bring two requests sent a second apart less than a second apart.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

NCBI_RATE = 3.0  # requests per second without an API key
NCBI_RATE_WITH_KEY = 10.0
MARGIN = 0.05  # seconds added to each window, for jitter between sending and arrival
CTGOV_RATE = 3.0  # the registry publishes no figure; NCBI's keyless rate is a polite default


class RateLimiter:
    """Blocks in :meth:`wait` until one more request fits in the last ``period`` seconds."""

    def __init__(
        self,
        per_second: float,
        *,
        period: float = 1.0 + MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"rate must be positive, not {per_second}")
        # A fractional rate (0.5/s) becomes one request per 2 s window.
        if per_second >= 1:
            self.limit, self.period = int(per_second), period
        else:
            self.limit, self.period = 1, period / per_second
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Wait until a request may go out, record it, and return the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.period:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                pause = self.period - (now - self._sent[0])
                self._sleep(pause)
                waited += pause

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (a server's ``Retry-After``)."""
        with self._lock:
            self._sleep(seconds)
