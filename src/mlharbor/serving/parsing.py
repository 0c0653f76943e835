"""Turning an ``/invocations`` request body into model input, as MLflow's scoring server does.

Content types: ``application/json`` (one of ``dataframe_split``, ``dataframe_records``,
``instances``, ``inputs``, plus optional ``params``), ``text/csv`` and
``application/vnd.apache.parquet``. With a column signature, DataFrame inputs are cast to the
signature's column types while parsing, so a value that cannot be converted is reported as a bad
request before the model runs.
"""

from __future__ import annotations

import io
import json
from itertools import chain
from typing import Any

import orjson

from mlharbor.models.schema import ColSpec, DataType, Schema, TensorSpec
from mlharbor.serving.errors import (
    PROTOCOL_CHANGE_NOTE,
    bad_request,
    invalid_input,
    plain_error,
)

__all__ = [
    "CONTENT_TYPES",
    "INPUT_KEYS",
    "column_dtypes",
    "decode_json",
    "parse_invocation",
]

CONTENT_TYPE_CSV = "text/csv"
CONTENT_TYPE_JSON = "application/json"
CONTENT_TYPE_PARQUET = "application/vnd.apache.parquet"
CONTENT_TYPES = [CONTENT_TYPE_CSV, CONTENT_TYPE_JSON, CONTENT_TYPE_PARQUET]
# Ordered as MLflow's message prints them.
INPUT_KEYS = ("instances", "dataframe_records", "inputs", "dataframe_split")
_INPUT_KEY_SET = frozenset(INPUT_KEYS)
_REQUIRED_FORMAT = (
    "The input must be a JSON dictionary with exactly one of the input fields "
    "{" + ", ".join(repr(k) for k in INPUT_KEYS) + "}"
)


# How much of an unreadable body the error message quotes.
_QUOTED_INPUT = 1000


def decode_json(body: bytes) -> Any:
    """Parse ``body`` as JSON; malformed input answers 400 with the decoder's own message."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)  # only for the standard library's error wording
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        error = repr(exc)
    except RecursionError:
        # Valid JSON nested deeper than either decoder goes.
        error = "the input is nested too deeply"
    raise invalid_input(
        "Ensure that input is a valid JSON formatted string. "
        f"Error: '{error}'\nInput: \n{body[:_QUOTED_INPUT]!r}\n"
    )


def _split_content_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    parts = [p.strip() for p in content_type.split(";")]
    parameters = {}
    for pair in parts[1:]:
        key, _, value = pair.partition("=")
        parameters[key] = value
    return parts[0], parameters


def _check_content_type(content_type: str | None) -> str:
    mime, parameters = _split_content_type(content_type)
    if parameters.get("charset", "utf-8").lower() != "utf-8":
        raise plain_error(415, "The scoring server only supports UTF-8")
    unexpected = set(parameters) - {"charset"}
    if unexpected:
        raise plain_error(
            415,
            f"Unrecognized content type parameters: {', '.join(sorted(unexpected))}. "
            + PROTOCOL_CHANGE_NOTE,
        )
    if mime not in CONTENT_TYPES:
        # MLflow answers a request without Content-Type with a bare 500; it is the client's
        # mistake, so it gets the same 415 as any other unsupported type.
        raise plain_error(
            415,
            "This predictor only supports the following content types: "
            f"Types: {CONTENT_TYPES}. Got '{content_type or ''}'.",
        )
    return mime


def column_dtypes(schema: Schema | None) -> dict[Any, Any]:
    """Column name -> numpy dtype for the scalar columns of a named column signature."""
    if schema is None or not len(schema) or schema.is_tensor_spec():
        return {}
    if not schema.has_input_names():
        return {}
    return {
        spec.name: spec.type.to_numpy()
        for spec in schema.inputs
        if isinstance(spec, ColSpec) and isinstance(spec.type, DataType)
    }


def _cast_frame(frame: Any, schema: Schema | None) -> Any:
    types = column_dtypes(schema)
    for name, dtype in types.items():
        if name not in frame.columns:
            continue
        column = frame[name]
        if column.dtype == dtype:
            continue
        if dtype.kind == "O":
            continue  # strings and binary stay as they came
        try:
            if dtype.kind == "M":
                import pandas as pd

                frame[name] = pd.to_datetime(column).astype(dtype)
            else:
                frame[name] = column.astype(dtype)
        except Exception as exc:
            raise invalid_input(
                "Data is not compatible with model signature. Failed to convert column "
                f"{name} to type '{dtype}'. Error: '{exc!r}'"
            ) from None
    return frame


def _double_frame(value: dict[str, Any], schema: Schema | None) -> Any:
    """Split data built as one float64 block, when the general path would also end with float64
    in every column; None when it is needed.

    That holds when the signature types every column as double (values then convert as its
    per-column cast would: numbers, numeric strings, booleans, null as NaN), or, with no column
    types, when every value is a JSON float, which pandas infers as float64. Only the
    construction cost differs.
    """
    import numpy as np
    import pandas as pd

    columns = value.get("columns")
    data = value["data"]
    if "index" in value or not isinstance(columns, list) or not columns:
        return None
    if not all(isinstance(name, str) for name in columns) or len(set(columns)) != len(columns):
        return None
    if not isinstance(data, list):
        return None
    types = column_dtypes(schema)
    if types:
        if any(types.get(name) != np.float64 for name in columns):
            return None
    elif set(map(type, data)) != {list} or set(map(type, chain.from_iterable(data))) != {float}:
        return None
    try:
        matrix = np.array(data, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    if matrix.ndim != 2 or matrix.shape[1] != len(columns):
        return None
    return pd.DataFrame(matrix, columns=columns)


def _frame_from_split(value: Any, schema: Schema | None) -> Any:
    import pandas as pd

    if not isinstance(value, dict):
        kind = "list" if isinstance(value, list) else f"type {type(value)}"
        raise invalid_input(f"Dataframe split format must be a dictionary. Got {kind}.")
    keys = set(value)
    if "data" not in keys or keys - {"columns", "data", "index"}:
        raise invalid_input(
            "Dataframe split format must have 'data' field and optionally 'columns' "
            f"and 'index' fields. Got {keys}.'"
        )
    frame = _double_frame(value, schema)
    if frame is not None:
        return frame
    try:
        frame = pd.DataFrame(
            data=value["data"], columns=value.get("columns"), index=value.get("index")
        )
    except Exception as exc:
        raise invalid_input(
            "Provided dataframe_split field is not a valid dataframe representation in "
            f"'split' format. Error: '{exc}'"
        ) from None
    return _cast_frame(frame, schema)


def _frame_from_records(value: Any, schema: Schema | None) -> Any:
    import pandas as pd

    if not isinstance(value, list):
        kind = "dictionary" if isinstance(value, dict) else f"type {type(value)}"
        raise invalid_input(f"Dataframe records format must be a list of records. Got {kind}.")
    try:
        frame = pd.DataFrame(data=value)
    except Exception as exc:
        raise invalid_input(
            "Provided dataframe_records field is not a valid dataframe representation in "
            f"'records' format. Error: '{exc}'"
        ) from None
    return _cast_frame(frame, schema)


def _spec_dtypes(schema: Schema | None) -> dict[Any, Any]:
    if schema is None or not schema.has_input_names():
        return {}
    result: dict[Any, Any] = {}
    for spec in schema.inputs:
        if isinstance(spec, TensorSpec):
            result[spec.name] = spec.type
        elif isinstance(spec.type, DataType):
            result[spec.name] = spec.type.to_numpy()
    return result


def _array(value: Any, dtype: Any = None) -> Any:
    import numpy as np

    try:
        return np.array(value, dtype=dtype) if dtype is not None else np.array(value)
    except Exception as exc:
        raise invalid_input(
            f"Ensure that the input is a valid JSON-formatted string.\nError: {exc!r}"
        ) from None


def _tensor_input(key: str, value: Any, schema: Schema | None) -> Any:
    dtypes = _spec_dtypes(schema)
    unnamed_dtype = None
    if schema is not None and len(schema) and not schema.has_input_names():
        first = schema.inputs[0]
        if isinstance(first, TensorSpec):
            unnamed_dtype = first.type
    if key == "instances" and isinstance(value, list) and value and isinstance(value[0], dict):
        # rows of named values become one array per name, as TF serving's row format does
        columns: dict[Any, list[Any]] = {}
        for row in value:
            if not isinstance(row, dict):
                raise invalid_input("Every item of 'instances' must be an object")
            for name, item in row.items():
                columns.setdefault(name, []).append(item)
        arrays = {name: _array(items, dtypes.get(name)) for name, items in columns.items()}
        lengths = {len(a) for a in arrays.values()}
        if len(lengths) > 1:
            raise invalid_input("The length of values for each input/column name are not the same")
        return arrays
    if isinstance(value, dict):
        return {name: _array(item, dtypes.get(name)) for name, item in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return value
    if len(dtypes) == 1 and isinstance(value, list):
        name, dtype = next(iter(dtypes.items()))
        return {name: _array(value, dtype)}
    return _array(value, unnamed_dtype)


def _json_input(body: bytes, schema: Schema | None) -> tuple[Any, dict[str, Any] | None]:
    payload = decode_json(body)
    if isinstance(payload, list):
        raise invalid_input(f"{_REQUIRED_FORMAT}. Received a list.")
    if not isinstance(payload, dict):
        raise invalid_input(f"{_REQUIRED_FORMAT}. Received unexpected input type '{type(payload)}.")
    keys = [k for k in payload if k in _INPUT_KEY_SET]
    if len(keys) != 1:
        raise bad_request(
            f"{_REQUIRED_FORMAT}. Received dictionary with input fields: {keys}. "
            + PROTOCOL_CHANGE_NOTE
        )
    params = payload.get("params")
    if params is not None and not isinstance(params, dict):
        raise invalid_input(f"'params' must be a JSON object. Got {type(params).__name__}.")
    key = keys[0]
    value = payload[key]
    if key == "dataframe_split":
        return _frame_from_split(value, schema), params
    if key == "dataframe_records":
        return _frame_from_records(value, schema), params
    return _tensor_input(key, value, schema), params


def _csv_input(body: bytes, schema: Schema | None) -> Any:
    import pandas as pd

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid_input(
            f"Ensure that input is a valid UTF-8 encoded string. Error: '{exc!r}'"
        ) from None
    dtypes = {k: v for k, v in column_dtypes(schema).items() if v.kind != "M"}
    try:
        return pd.read_csv(io.StringIO(text), dtype=dtypes or None)
    except Exception as exc:
        raise bad_request(
            "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid "
            "CSV-formatted Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` "
            f"method. Error: '{exc}'"
        ) from None


def _parquet_input(body: bytes) -> Any:
    import pandas as pd

    try:
        return pd.read_parquet(io.BytesIO(body))
    except Exception as exc:
        raise bad_request(
            "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid "
            "Parquet Pandas DataFrame produced using the `pandas.DataFrame.to_parquet()` "
            f"method. Error: '{exc}'"
        ) from None


def parse_invocation(
    body: bytes, content_type: str | None, schema: Schema | None
) -> tuple[Any, dict[str, Any] | None]:
    """Return ``(model input, params)`` for one ``/invocations`` request.

    Args:
        body: the raw request body.
        content_type: the request's ``Content-Type`` header, if any.
        schema: the model's input schema, used to cast DataFrame columns while parsing.

    Raises:
        ScoringError: 415 for an unsupported content type, 400 for an unreadable payload.
    """
    mime = _check_content_type(content_type)
    if mime == CONTENT_TYPE_JSON:
        return _json_input(body, schema)
    if mime == CONTENT_TYPE_CSV:
        return _csv_input(body, schema), None
    return _parquet_input(body), None
