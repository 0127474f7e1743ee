"""Requests per minute per token (and per client address for requests without a valid token)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

DEFAULT_PER_MINUTE = 300  # PortalRB fetches through a queue; 60 units and their lists take well under this
WINDOW_S = 60.0


class RateLimiter:
    """A sliding window: at most `per_minute` requests of one key within any 60 seconds."""

    def __init__(self, per_minute: int = DEFAULT_PER_MINUTE, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000):
        if per_minute < 1:
            raise ValueError("batas permintaan per menit harus paling sedikit 1")
        self.per_minute, self.clock, self.max_keys = per_minute, clock, max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Count a request of `key`: 0 when it may go on, else the whole seconds until it may (Retry-After)."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= WINDOW_S:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, math.ceil(hits[0] + WINDOW_S - now))
            hits.append(now)
            if len(self._hits) > self.max_keys:  # addresses sprayed at random do not fill the memory
                self._hits = {k: v for k, v in self._hits.items() if v and now - v[-1] < WINDOW_S}
            return 0
