"""Scalar encoding rules of MLflow's JSON wire format (protobuf JSON mapping, snake_case names).

Emitting: doubles are numbers except NaN/±inf, which travel as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``; int64 values are plain JSON numbers. Parsing is lenient the
way MLflow's server is: int64 and double fields accept numeric strings, enums accept names or
protobuf numbers. A value that cannot be read raises :class:`InvalidParameterValue` with
MLflow's message wording.
"""

from __future__ import annotations

import math
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "decode_bool",
    "decode_double",
    "decode_int",
    "decode_str",
    "encode_double",
    "invalid_type",
    "missing_value",
    "type_name",
]

_MAX_INT64 = 2**63 - 1
_MIN_INT64 = -(2**63)
_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def type_name(value: object) -> str:
    """The Python type name MLflow quotes in its "Hint: Value was of type" messages."""
    return type(value).__name__


# Values are echoed in error messages; a hostile request must not get a huge (or, for deeply
# nested JSON, unprintable) message back.
_RENDER_LIMIT = 200


def _render(value: object) -> str:
    # MLflow quotes strings in its messages and prints other values as Python does.
    try:
        text = f'"{value}"' if isinstance(value, str) else str(value)
    except RecursionError:
        text = f"<deeply nested {type_name(value)}>"
    if len(text) > _RENDER_LIMIT:
        return text[:_RENDER_LIMIT] + f"... ({len(text)} characters)"
    return text


def invalid_type(field: str, value: object) -> InvalidParameterValue:
    """The error for a value of the wrong JSON type (MLflow wording, including its two spaces)."""
    return InvalidParameterValue(
        f"Invalid value {_render(value)} for parameter '{field}' supplied:  "
        f"Hint: Value was of type '{type_name(value)}'. "
        "See the API docs for more information about request parameters."
    )


def missing_value(field: str) -> InvalidParameterValue:
    """The error for a required field that is absent or empty."""
    return InvalidParameterValue(
        f"Missing value for required parameter '{field}'. "
        "See the API docs for more information about request parameters."
    )


def encode_double(value: float) -> float | str:
    """A double as MLflow emits it: a number, or a string for NaN and the infinities."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def decode_double(value: Any, field: str = "value") -> float:
    """Read a double sent as a number, a numeric string, or one of the special strings."""
    if isinstance(value, bool):
        raise invalid_type(field, value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        special = _SPECIAL_DOUBLES.get(value)
        if special is not None:
            return special
        try:
            return float(value.strip())
        except ValueError:
            raise invalid_type(field, value) from None
    raise invalid_type(field, value)


def decode_int(value: Any, field: str) -> int:
    """Read an int32/int64 sent as a JSON number or a string of digits."""
    if isinstance(value, bool):
        raise invalid_type(field, value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise invalid_type(field, value) from None
    if not isinstance(value, int):
        raise invalid_type(field, value)
    if not _MIN_INT64 <= value <= _MAX_INT64:
        raise InvalidParameterValue(
            f"Invalid value {_render(str(value))} for parameter '{field}' supplied: "
            "it must fit a 64-bit integer."
        )
    return value


def decode_str(value: Any, field: str) -> str:
    """Read a string field; numbers and other types are refused as MLflow does."""
    if isinstance(value, str):
        return value
    raise invalid_type(field, value)


def decode_bool(value: Any, field: str) -> bool:
    """Read a bool sent as JSON ``true``/``false`` or as a query string ``"true"``/``"false"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise invalid_type(field, value)
