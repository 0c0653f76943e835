"""Checking and converting prediction inputs and params against a model signature.

Rules follow MLflow's pyfunc so a model rejects and accepts the same inputs in both tools:
missing required columns fail, extra columns are dropped with a warning, and a column is only
converted when the conversion cannot change its values (int -> long, float -> double, small
ints -> double, object -> string, any datetime precision -> datetime).
"""

from __future__ import annotations

import logging
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.schema import ColSpec, DataType, ParamSchema, Schema, TensorSpec

__all__ = ["enforce_params", "enforce_schema"]

_log = logging.getLogger(__name__)


def _is_object(dtype: Any) -> bool:
    return getattr(dtype, "kind", None) == "O" and getattr(dtype, "name", "") == "object"


class _SchemaError(Exception):
    """Raised inside enforcement; wrapped into one user-facing error with the data and schema."""


def _to_dataframe(data: Any, schema: Schema) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    names = schema.required_input_names()
    if isinstance(data, np.ndarray) and len(names) == 1 and schema.has_input_names():
        return pd.DataFrame({names[0]: list(data) if data.ndim > 1 else data})
    if isinstance(data, pd.Series):
        return data.to_frame() if data.name is not None else pd.DataFrame({0: data})
    if isinstance(data, dict):
        if all(np.isscalar(v) or v is None for v in data.values()):
            return pd.DataFrame([data])
        try:
            return pd.DataFrame(data)
        except ValueError:
            return pd.DataFrame([data])
    if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        return pd.DataFrame(data)
    if isinstance(data, str | bytes) or np.isscalar(data):
        return pd.DataFrame([data])
    if isinstance(data, list | np.ndarray):
        return pd.DataFrame(data)
    raise _SchemaError(f"Expected input to be DataFrame. Found: {type(data).__name__}")


def _convert_column(name: Any, values: Any, col_type: DataType) -> Any:
    import numpy as np
    import pandas as pd

    dtype = values.dtype
    is_text = _is_object(dtype) or isinstance(dtype, pd.StringDtype)
    if col_type in (DataType.string, DataType.binary) and is_text:
        return values
    if _is_object(dtype) and col_type != DataType.boolean:
        values = values.infer_objects()
        dtype = values.dtype
    target = col_type.to_numpy()
    if dtype == target:
        return values
    if col_type == DataType.datetime and (dtype.kind == "M" or _is_object(dtype)):
        try:
            return values.astype(np.dtype("datetime64[ns]"))
        except (TypeError, ValueError) as exc:
            raise _SchemaError(
                f"Failed to convert column {name} from type {dtype} to {col_type}."
            ) from exc
    if col_type == DataType.boolean and _is_object(dtype):
        return values
    if not isinstance(dtype, np.dtype):
        raise _SchemaError(
            f"Incompatible input types for column {name}. Can not safely convert {dtype} to "
            f"{target}."
        )
    if dtype.kind == target.kind:
        safe = dtype.itemsize <= target.itemsize
    elif dtype.kind == "u" and target.kind == "i":
        safe = dtype.itemsize < target.itemsize
    elif dtype.kind in "iu" and target == np.float64:
        safe = dtype.itemsize <= 6
    else:
        safe = False
    if not safe and dtype == np.int64 and target.kind == "f":
        # a long column holding only 0/1 flags converts exactly
        safe = bool(values.isin([0, 1]).all())
    if safe:
        return values.astype(target)
    raise _SchemaError(
        f"Incompatible input types for column {name}. Can not safely convert {dtype} to {target}."
    )


def _enforce_columns(frame: Any, schema: Schema) -> Any:
    import pandas as pd

    specs = [s for s in schema.inputs if isinstance(s, ColSpec)]
    if schema.has_input_names():
        present = set(frame.columns)
        names = [s.name for s in specs]
        missing = [s.name for s in specs if s.required and s.name not in present]
        extra = [c for c in frame.columns if c not in set(names)]
        if missing:
            message = f"Model is missing inputs {missing}."
            if extra:
                message += f" Note that there were extra inputs: {extra}."
            raise _SchemaError(message)
        if extra:
            _log.warning(
                "Found extra inputs in the model input that are not defined in the model "
                "signature: `%s`. These inputs will be ignored.",
                extra,
            )
        columns: dict[Any, Any] = {}
        for spec in specs:
            if spec.name not in present:
                continue
            column = frame[spec.name]
            if isinstance(spec.type, DataType):
                column = _convert_column(spec.name, column, spec.type)
            columns[spec.name] = column
        return pd.DataFrame(columns, index=frame.index)
    if len(frame.columns) < len(specs):
        raise _SchemaError(
            "Model inference is missing inputs. The model signature declares "
            f"{len(specs)} inputs  but the provided value only has {len(frame.columns)} inputs. "
            "Note: the inputs were not named in the signature so we can only verify their count."
        )
    converted = frame.copy()
    for position, spec in enumerate(specs):
        if isinstance(spec.type, DataType):
            col = frame.columns[position]
            converted[col] = _convert_column(col, frame[col], spec.type)
    return converted


def _enforce_tensor(array: Any, spec: TensorSpec) -> Any:
    import numpy as np

    expected = spec.type
    if array.dtype != expected:
        can_cast = array.dtype.kind in "iuf" and np.can_cast(array.dtype, expected, "safe")
        if not can_cast:
            raise _SchemaError(
                f"dtype of input {array.dtype} does not match expected dtype {expected}"
            )
        array = array.astype(expected)
    shape = spec.shape
    if len(shape) != array.ndim or any(
        want != -1 and want != got for want, got in zip(shape, array.shape, strict=False)
    ):
        raise _SchemaError(f"Shape of input {array.shape} does not match expected shape {shape}.")
    return array


def _enforce_tensors(data: Any, schema: Schema) -> Any:
    import numpy as np
    import pandas as pd

    specs = [s for s in schema.inputs if isinstance(s, TensorSpec)]
    if schema.has_input_names() and isinstance(data, dict):
        missing = [s.name for s in specs if s.name not in data]
        if missing:
            raise _SchemaError(f"Model is missing inputs {missing}.")
        return {s.name: _enforce_tensor(np.asarray(data[s.name]), s) for s in specs}
    if len(specs) != 1:
        raise _SchemaError(
            f"This model's signature has {len(specs)} tensor inputs; pass a dict keyed by name"
        )
    array = data.to_numpy() if isinstance(data, pd.DataFrame | pd.Series) else np.asarray(data)
    return _enforce_tensor(array, specs[0])


def enforce_schema(data: Any, schema: Schema) -> Any:
    """Return ``data`` checked and converted to match ``schema``.

    Raises:
        InvalidParameterValue: naming the data, the schema and what did not fit.
    """
    try:
        if schema.is_tensor_spec():
            return _enforce_tensors(data, schema)
        return _enforce_columns(_to_dataframe(data, schema), schema)
    except _SchemaError as exc:
        raise InvalidParameterValue(
            f"Failed to enforce schema of data '{data}' with schema '{schema}'. Error: {exc}",
            error_class="SCHEMA_ENFORCEMENT_FAILED",
        ) from None


def _convert_param(name: str, value: Any, dtype: DataType) -> Any:
    import datetime as dt

    checks: dict[DataType, tuple[type, ...]] = {
        DataType.boolean: (bool,),
        DataType.integer: (int,),
        DataType.long: (int,),
        DataType.float: (float, int),
        DataType.double: (float, int),
        DataType.string: (str,),
        DataType.binary: (bytes,),
        DataType.datetime: (dt.datetime, dt.date, str),
    }
    allowed = checks[dtype]
    ok = False if isinstance(value, bool) and bool not in allowed else isinstance(value, allowed)
    if not ok:
        raise InvalidParameterValue(
            f"Failed to validate type and shape for '{name}', error: Failed to convert value "
            f"`{value}` from type `{type(value).__name__}` to `{dtype}`"
        )
    if dtype in (DataType.float, DataType.double):
        return float(value)
    return value


def enforce_params(params: dict[str, Any] | None, schema: ParamSchema | None) -> dict[str, Any]:
    """Fill defaults and check types of inference params; unknown params are ignored."""
    if schema is None:
        if params:
            _log.warning(
                "`params` can only be specified at inference time if the model signature "
                "defines a params schema. This model does not define a params schema. "
                "Ignoring provided params: %s",
                list(params),
            )
        return {}
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidParameterValue(
            f"Parameters must be a dictionary. Got type '{type(params).__name__}'."
        )
    known = {spec.name for spec in schema}
    ignored = [k for k in params if k not in known]
    if ignored:
        _log.warning(
            "Unrecognized params %s are ignored for inference. Supported params are: %s.",
            ignored,
            sorted(known),
        )
    result: dict[str, Any] = {}
    for spec in schema:
        if spec.name not in params:
            result[spec.name] = spec.default
            continue
        value = params[spec.name]
        if spec.shape is not None:
            if not isinstance(value, list | tuple):
                raise InvalidParameterValue(
                    f"Failed to validate type and shape for '{spec.name}', error: Value must be "
                    f"a 1D array with shape (-1,) for param '{spec.name}'"
                )
            result[spec.name] = [_convert_param(spec.name, v, spec.dtype) for v in value]
        else:
            result[spec.name] = _convert_param(spec.name, value, spec.dtype)
    return result
