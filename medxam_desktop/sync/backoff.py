"""When to try again: capped exponential backoff with full jitter, honouring Retry-After.

Full jitter (a uniform delay between 0 and the capped exponential) spreads hundreds of
workstations that lost the server at the same moment, so they do not all come back at
once. A server's ``Retry-After`` is a floor: we never come back sooner than it asked, and the
jitter is added on top of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

BASE_S = 1.0
CAP_S = 300.0


@dataclass
class Backoff:
    """``next_delay()`` after each failure, ``reset()`` after a success."""

    base_s: float = BASE_S
    cap_s: float = CAP_S
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds to wait before the next try (the failure is counted)."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures, 30))
        self.failures += 1
        if retry_after is None:
            return self.rng.uniform(0.0, ceiling)
        floor = min(max(retry_after, 0.0), self.cap_s)
        # Never sooner than asked; spread over a window as wide again (capped).
        return floor + self.rng.uniform(0.0, min(ceiling, floor, self.cap_s - floor))

    def reset(self) -> None:
        self.failures = 0

    @property
    def backing_off(self) -> bool:
        return self.failures > 0
