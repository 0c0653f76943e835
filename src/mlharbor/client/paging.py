"""Following page tokens until a search is exhausted or has returned enough."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mlharbor.entities import PagedList

T = TypeVar("T")


def collect_pages(
    fetch: Callable[[int, str | None], PagedList[T]],
    page_size: int,
    max_results: int | None = None,
) -> list[T]:
    """Call ``fetch(size, token)`` page after page; stop at the last page or ``max_results``.

    Each request asks for at most ``page_size`` items and never for more than are still wanted.
    """
    found: list[T] = []
    token: str | None = None
    while max_results is None or len(found) < max_results:
        wanted = page_size if max_results is None else min(page_size, max_results - len(found))
        page = fetch(wanted, token)
        found.extend(page)
        token = page.token
        if not token:
            break
    return found
