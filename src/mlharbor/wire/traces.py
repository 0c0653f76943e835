"""Traces on the wire: MLflow's ``TraceInfoV3`` and ``Trace`` messages in protobuf's JSON form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from mlharbor.entities import Trace, TraceInfo
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.wire.spans import span_from_proto_json, span_to_proto_json

__all__ = [
    "duration_json",
    "timestamp_json",
    "trace_info_from_json",
    "trace_info_to_json",
    "trace_to_json",
]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_DURATION = re.compile(r"^(-?\d+)(?:\.(\d{1,9}))?s$")


def timestamp_json(millis: int) -> str:
    """``2025-01-02T03:04:05.678Z`` for a time in milliseconds since the epoch."""
    moment = _EPOCH + dt.timedelta(milliseconds=millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def timestamp_millis(value: Any) -> int:
    """Milliseconds from a protobuf JSON timestamp (or a plain number of milliseconds)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if not isinstance(value, str):
        raise InvalidParameterValue(f"Invalid timestamp {value!r}")
    text = value.strip()
    # Python parses at most 6 fractional digits; protobuf writes up to 9.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameterValue(f"Invalid timestamp {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def duration_json(millis: int) -> str:
    return f"{millis // 1000}.{millis % 1000:03d}s"


def duration_millis(value: Any) -> int:
    """Milliseconds from a protobuf JSON duration such as ``"1.500s"``."""
    found = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise InvalidParameterValue(f"Invalid duration {value!r}")
    seconds, fraction = int(found.group(1)), (found.group(2) or "").ljust(9, "0")
    return seconds * 1000 + int(fraction[:3])


def _str_map(value: Any, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, list):  # repeated {key, value} entries
        return {str(item.get("key")): str(item.get("value", "")) for item in value}
    if not isinstance(value, dict):
        raise InvalidParameterValue(f"Invalid value for '{field}': expected a map")
    return {str(k): str(v) for k, v in value.items()}


def _get(body: dict[str, Any], name: str) -> Any:
    head, *rest = name.split("_")
    camel = head + "".join(part.capitalize() for part in rest)
    return body.get(name, body.get(camel))


def trace_info_from_json(body: dict[str, Any]) -> TraceInfo:
    """A ``TraceInfoV3`` message (either field spelling) as a :class:`TraceInfo`."""
    trace_id = _get(body, "trace_id")
    if not trace_id or not isinstance(trace_id, str):
        raise InvalidParameterValue("Missing value for required parameter 'trace_id'.")
    location = _get(body, "trace_location") or {}
    experiment = _get(location, "mlflow_experiment") or {}
    experiment_id = _get(experiment, "experiment_id")
    if not experiment_id:
        raise InvalidParameterValue(
            "Missing value for required parameter 'trace_location.mlflow_experiment.experiment_id'."
        )
    request_time = _get(body, "request_time")
    duration = _get(body, "execution_duration")
    state = _get(body, "state") or "STATE_UNSPECIFIED"
    return TraceInfo(
        trace_id=trace_id,
        experiment_id=str(experiment_id),
        request_time=timestamp_millis(request_time) if request_time is not None else 0,
        state=str(state),
        execution_duration=duration_millis(duration) if duration is not None else None,
        client_request_id=_get(body, "client_request_id") or None,
        request_preview=_get(body, "request_preview"),
        response_preview=_get(body, "response_preview"),
        tags=_str_map(_get(body, "tags"), "tags"),
        trace_metadata=_str_map(_get(body, "trace_metadata"), "trace_metadata"),
    )


def trace_info_to_json(info: TraceInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "trace_id": info.trace_id,
        "trace_location": {
            "type": "MLFLOW_EXPERIMENT",
            "mlflow_experiment": {"experiment_id": info.experiment_id},
        },
        "request_time": timestamp_json(info.request_time),
        "state": info.state,
        "trace_metadata": info.trace_metadata,
        "tags": info.tags,
    }
    if info.client_request_id:
        out["client_request_id"] = info.client_request_id
    if info.request_preview is not None:
        out["request_preview"] = info.request_preview
    if info.response_preview is not None:
        out["response_preview"] = info.response_preview
    if info.execution_duration is not None:
        out["execution_duration"] = duration_json(info.execution_duration)
    if info.assessments:
        out["assessments"] = info.assessments
    return out


def trace_to_json(trace: Trace) -> dict[str, Any]:
    return {
        "trace_info": trace_info_to_json(trace.info),
        "spans": [span_to_proto_json(span) for span in trace.spans],
    }


def spans_from_trace_json(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The spans of a ``Trace`` message, as OTLP/JSON with hex ids."""
    return [span_from_proto_json(span) for span in body.get("spans") or []]
