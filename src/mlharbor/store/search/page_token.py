"""Page tokens: base64 of the JSON ``{"offset": N}``, byte for byte what MLflow sends.

Runs, experiments, registered models and model versions share this offset token, so a token
from either server works with the other. Logged models use a richer token that also records
the query, so a page of one query cannot be replayed against another.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "decode_logged_model_token",
    "decode_offset",
    "encode_logged_model_token",
    "encode_offset",
]


# Offsets reach SQL OFFSET clauses, which take 64-bit integers.
_MAX_OFFSET = 2**63 - 1


def _shown(value: Any) -> str:
    """``value`` as an error message quotes it, cut short: tokens come from clients."""
    try:
        text = repr(value) if isinstance(value, bytes) else str(value)
    except RecursionError:
        text = "<deeply nested value>"
    return text if len(text) <= 200 else text[:200] + "..."


def encode_offset(offset: int) -> str:
    """The token that resumes a search at ``offset``."""
    return base64.b64encode(json.dumps({"offset": offset}).encode("utf-8")).decode("ascii")


def _decode_json(token: str) -> Any:
    try:
        decoded = base64.b64decode(token)
    except (binascii.Error, ValueError):
        raise InvalidParameterValue("Invalid page token, could not base64-decode") from None
    try:
        return json.loads(decoded)
    except ValueError:
        raise InvalidParameterValue(
            f"Invalid page token, decoded value={_shown(decoded)}"
        ) from None


def decode_offset(token: str | None) -> int:
    """The offset a token resumes at; no token means 0.

    Raises:
        InvalidParameterValue: not base64, not JSON, or no non-negative integer offset.
    """
    if not token:
        return 0
    parsed = _decode_json(token)
    raw = parsed.get("offset") if isinstance(parsed, dict) else None
    if raw is None or isinstance(raw, bool):
        raise InvalidParameterValue(f"Invalid page token, parsed value={_shown(parsed)}")
    try:
        offset = int(raw)
    except (TypeError, ValueError, OverflowError):
        raise InvalidParameterValue(f"Invalid page token, not stringable {_shown(raw)}") from None
    if not 0 <= offset <= _MAX_OFFSET:
        raise InvalidParameterValue(f"Invalid page token, parsed value={_shown(parsed)}")
    return offset


def encode_logged_model_token(
    experiment_ids: Sequence[str],
    filter_string: str | None,
    order_by: Sequence[dict[str, Any]] | None,
    offset: int,
) -> str:
    """The logged-model search token: the query it belongs to, and where to resume."""
    body = {
        "experiment_ids": list(experiment_ids),
        "filter_string": filter_string or None,
        "order_by": list(order_by) if order_by else None,
        "offset": offset,
    }
    return base64.b64encode(json.dumps(body).encode("utf-8")).decode("ascii")


def decode_logged_model_token(
    token: str | None,
    experiment_ids: Sequence[str],
    filter_string: str | None,
    order_by: Sequence[dict[str, Any]] | None,
) -> int:
    """The offset of a logged-model token, after checking it belongs to this query.

    Raises:
        InvalidParameterValue: garbage, or a token issued for other experiments, another
            filter or another order.
    """
    if not token:
        return 0
    parsed = _decode_json(token)
    if not isinstance(parsed, dict):
        raise InvalidParameterValue(f"Invalid page token, parsed value={_shown(parsed)}")
    expected_ids = list(experiment_ids)
    if parsed.get("experiment_ids") != expected_ids:
        raise InvalidParameterValue(
            "Experiment IDs in the page token do not match the requested experiment IDs. "
            f"Expected: {expected_ids}. Found: {_shown(parsed.get('experiment_ids'))}"
        )
    if (parsed.get("filter_string") or None) != (filter_string or None):
        raise InvalidParameterValue(
            "Filter string in the page token does not match the requested filter string. "
            f"Expected: {filter_string}. Found: {_shown(parsed.get('filter_string'))}"
        )
    expected_order = list(order_by) if order_by else None
    if (parsed.get("order_by") or None) != expected_order:
        raise InvalidParameterValue(
            "Order by in the page token does not match the requested order by. "
            f"Expected: {expected_order}. Found: {_shown(parsed.get('order_by'))}"
        )
    offset = parsed.get("offset") or 0
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= _MAX_OFFSET:
        raise InvalidParameterValue(f"Invalid page token, parsed value={_shown(parsed)}")
    return offset
