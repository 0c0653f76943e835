"""Registry searches on SQL: one page of registered models or model versions.

Filters and order_by are compiled by the shared search grammar
(:mod:`mlharbor.store.search.registry`); this module adds the ``max_results`` bounds and the
page tokens (MLflow's base64 ``{"offset": N}``), fetching one row beyond the page to know
whether another page follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.registry.protocol import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_LIMIT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_LIMIT,
)
from mlharbor.store.search.page_token import decode_offset, encode_offset
from mlharbor.store.search.registry import (
    model_version_search_select,
    registered_model_search_select,
)

__all__ = ["model_version_page", "registered_model_page"]


def _check_max_results(max_results: int, limit: int) -> None:
    if max_results < 0 or max_results > limit:
        raise InvalidParameterValue(
            "Invalid value for request parameter max_results. "
            f"It must be at most {limit}, but got value {max_results}"
        )


def _page(rows: list[Any], offset: int, max_results: int) -> tuple[list[Any], str | None]:
    if len(rows) > max_results:
        return rows[:max_results], encode_offset(offset + max_results)
    return rows, None


def registered_model_page(
    conn: Connection,
    filter_string: str | None,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> tuple[list[str], str | None]:
    """Names of the registered models on the requested page, and the next page's token."""
    _check_max_results(max_results, SEARCH_REGISTERED_MODEL_MAX_RESULTS_LIMIT)
    offset = decode_offset(page_token)
    query = registered_model_search_select(filter_string, order_by, offset, max_results + 1)
    return _page([row.name for row in conn.execute(query)], offset, max_results)


def model_version_page(
    conn: Connection,
    filter_string: str | None,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> tuple[list[tuple[str, int]], str | None]:
    """(name, version) keys of the live versions on the requested page, and the next token."""
    _check_max_results(max_results, SEARCH_MODEL_VERSION_MAX_RESULTS_LIMIT)
    offset = decode_offset(page_token)
    query = model_version_search_select(filter_string, order_by, offset, max_results + 1)
    rows = [(row.name, int(row.version)) for row in conn.execute(query)]
    return _page(rows, offset, max_results)
