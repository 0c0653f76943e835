"""Client-side checks and conversions MLflow's client performs before anything is sent."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from mlharbor.entities import Metric, Param, RunTag
from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "MAX_ENTITIES_PER_BATCH",
    "MAX_METRICS_PER_BATCH",
    "MAX_PARAMS_TAGS_PER_BATCH",
    "chunk_batch",
    "now_millis",
    "to_metric_value",
    "validate_run_id",
]

MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000

_RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")

T = TypeVar("T")


def now_millis() -> int:
    return int(time.time() * 1000)


def invalid_value_message(path: str, value: Any, hint: str | None = None) -> str:
    shown = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    if hint:
        return f"Invalid value {shown} for parameter '{path}' supplied: {hint}"
    return f"Invalid value {shown} for parameter '{path}' supplied."


def validate_run_id(run_id: Any) -> str:
    """Refuse a malformed run id locally, as MLflow's client does, without a store round-trip."""
    if not isinstance(run_id, str) or _RUN_ID.match(run_id) is None:
        raise InvalidParameterValue(invalid_value_message("run_id", run_id))
    return run_id


def to_metric_value(key: str, value: Any, timestamp: int) -> float:
    """Convert numbers, numpy scalars and 0-d arrays/tensors to ``float``.

    Raises:
        InvalidParameterValue: for None, booleans and anything not numeric, with MLflow's wording.
    """
    if isinstance(value, float):
        return value
    if value is not None and not isinstance(value, bool):
        candidate = value.item() if hasattr(value, "item") else value
        if not isinstance(candidate, (bool, str)):
            try:
                return float(candidate)
            except (TypeError, ValueError):
                pass
    if value is None:
        raise InvalidParameterValue(
            "Missing value for required parameter 'value'. See the API docs for more "
            "information about request parameters."
        )
    raise InvalidParameterValue(
        invalid_value_message(
            "value",
            value,
            f"(timestamp={timestamp}). Please specify value as a valid double (64-bit floating "
            "point)",
        )
    )


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def chunk_batch(
    metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[RunTag]
) -> list[tuple[list[Metric], list[Param], list[RunTag]]]:
    """Split one batch into requests that respect MLflow's server limits.

    Params and tags go 100 at a time; each such request is topped up with metrics up to 1000
    entities in all; leftover metrics follow in requests of 1000. This is the exact split
    MLflow's client makes, so an MLflow server accepts every piece.
    """
    param_chunks = list(_chunks(params, MAX_PARAMS_TAGS_PER_BATCH))
    tag_chunks = list(_chunks(tags, MAX_PARAMS_TAGS_PER_BATCH))
    remaining = list(metrics)
    batches: list[tuple[list[Metric], list[Param], list[RunTag]]] = []
    for index in range(max(len(param_chunks), len(tag_chunks))):
        param_chunk = list(param_chunks[index]) if index < len(param_chunks) else []
        tag_chunk = list(tag_chunks[index]) if index < len(tag_chunks) else []
        room = min(
            MAX_ENTITIES_PER_BATCH - len(param_chunk) - len(tag_chunk), MAX_METRICS_PER_BATCH
        )
        room = max(room, 0)
        batches.append((remaining[:room], param_chunk, tag_chunk))
        remaining = remaining[room:]
    batches.extend((list(chunk), [], []) for chunk in _chunks(remaining, MAX_METRICS_PER_BATCH))
    return batches
