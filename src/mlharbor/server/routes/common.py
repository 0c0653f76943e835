"""Helpers the route modules share: pagination replies, tag lists, ``max_results`` checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mlharbor.entities import PagedList, ViewType
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.wire.values import decode_str, missing_value

__all__ = [
    "check_max_results",
    "key_value_pairs",
    "page_reply",
    "view_type",
]

T = TypeVar("T")


def page_reply(
    key: str, page: PagedList[T], encode: Callable[[T], dict[str, Any]]
) -> dict[str, Any]:
    """``{key: [...], next_page_token}`` with empty lists and a missing token omitted."""
    out: dict[str, Any] = {}
    if page:
        out[key] = [encode(item) for item in page]
    if page.token:
        out["next_page_token"] = page.token
    return out


def key_value_pairs(items: Iterable[dict[str, Any]], field: str) -> list[tuple[str, str]]:
    """Repeated ``{key, value}`` messages as pairs; a missing key is a missing parameter."""
    pairs: list[tuple[str, str]] = []
    for item in items:
        key = item.get("key")
        if key is None or key == "":
            raise missing_value("key")
        value = item.get("value", "")
        pairs.append((decode_str(key, "key"), decode_str(value, "value")))
    return pairs


def check_max_results(
    value: int | None, default: int | None, limit: int, *, required: bool = False
) -> int | None:
    """Apply MLflow's bounds on a search's ``max_results``."""
    if value is None:
        if required:
            raise InvalidParameterValue(
                "Invalid value 0 for parameter 'max_results' supplied. "
                "It must be a positive integer"
            )
        return default
    if value <= 0:
        raise InvalidParameterValue(
            f"Invalid value {value} for parameter 'max_results' supplied. "
            "It must be a positive integer"
        )
    if value > limit:
        raise InvalidParameterValue(
            f"Invalid value {value} for parameter 'max_results' supplied. "
            f"It must be at most {limit}"
        )
    return value


def view_type(value: Any) -> ViewType:
    """A view type given by name or number; absent or unknown means ACTIVE_ONLY, because
    MLflow's server ignores enum values it does not know."""
    if value is None:
        return ViewType.ACTIVE_ONLY
    try:
        return ViewType.coerce(int(value) if isinstance(value, str) and value.isdigit() else value)
    except InvalidParameterValue:
        return ViewType.ACTIVE_ONLY
