"""Which steps of a long metric history a chart keeps: at most ``limit`` of them, spread
evenly over the distinct steps, the first and the last always among them."""

from __future__ import annotations

__all__ = ["kept_ranks"]


def kept_ranks(count: int, limit: int) -> list[int]:
    """0-based positions, among ``count`` distinct ascending steps, of the steps to keep."""
    if count <= limit:
        return list(range(count))
    if limit == 1:
        return [count - 1]
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})
