"""Clock helpers: every timestamp mlharbor stores is integer milliseconds since the epoch."""

from __future__ import annotations

import time


def now_ms() -> int:
    """Return the current wall-clock time in whole milliseconds since the epoch."""
    return time.time_ns() // 1_000_000
