"""A small cache of computed answers (rankings, explanations), dropped whenever the store changes.

Ranking an indication reads and scores thousands of evidence items; the same question asked
again (a page reloaded, a client polling) should not redo it. Entries are keyed on the request
and on the store's write generation, which the API bumps after every write it makes, so an
answer is never served after a write through the API. A shared remote store can also be
written by others, so entries also expire after ``max_age`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ResultCache(Generic[V]):
    """Least-recently-used cache with an age limit, safe to share between request threads."""

    def __init__(self, size: int = 128, max_age: float = 300.0) -> None:
        self.size = size
        self.max_age = max_age
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def get_or_compute(self, key: Hashable, generation: int, compute: Callable[[], V]) -> V:
        """The cached value for ``key`` at this store generation, else ``compute()`` (stored).

        Errors from ``compute`` are not cached. Two threads asking the same new question at
        once may both compute it; the answers are the same, so that costs time only.
        """
        full_key = (generation, key)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(full_key)
            if entry is not None and now - entry[0] <= self.max_age:
                self._entries.move_to_end(full_key)
                return entry[1]
        value = compute()
        with self._lock:
            self._entries[full_key] = (time.monotonic(), value)
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
