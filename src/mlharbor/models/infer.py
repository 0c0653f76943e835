"""Schema inference from example data (pandas, numpy, dicts, lists, scalars) and params."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.schema import (
    AnyType,
    Array,
    ColSpec,
    ColumnType,
    DataType,
    Map,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    TensorSpec,
)

__all__ = ["infer_output_schema", "infer_param_schema", "infer_schema"]

_KIND_TYPES = {"b": DataType.boolean, "S": DataType.binary, "U": DataType.string}


def _numpy_dtype_to_type(dtype: Any) -> DataType | None:
    """The column type of a numpy dtype, or None when values must be inspected (object)."""
    import numpy as np

    kind = dtype.kind
    if kind in _KIND_TYPES:
        return _KIND_TYPES[kind]
    if kind in "iu":
        return DataType.long if dtype.itemsize > 4 or dtype == np.uint32 else DataType.integer
    if kind == "f":
        return DataType.float if dtype.itemsize <= 4 else DataType.double
    if kind == "M":
        return DataType.datetime
    if kind == "O":
        return None
    raise InvalidParameterValue(f"Unsupported numpy data type '{dtype}', kind '{kind}'")


def _value_type(value: Any) -> ColumnType:
    """The column type of one Python value (used for object columns and JSON examples)."""
    import numpy as np

    if isinstance(value, bool | np.bool_):
        return DataType.boolean
    if isinstance(value, int | np.integer):
        return DataType.long
    if isinstance(value, float | np.floating):
        return DataType.double
    if isinstance(value, str):
        return DataType.string
    if isinstance(value, bytes | bytearray):
        return DataType.binary
    if isinstance(value, dt.datetime | dt.date | np.datetime64):
        return DataType.datetime
    if isinstance(value, np.ndarray):
        return _list_type(value.tolist())
    if isinstance(value, list | tuple):
        return _list_type(list(value))
    if isinstance(value, dict):
        if not value:
            return Map(AnyType())
        return Object(tuple(Property(str(k), _value_type(v)) for k, v in value.items()))
    if value is None:
        return AnyType()
    raise InvalidParameterValue(
        f"Expected one of (pandas.DataFrame, numpy array, dictionary of (name -> numpy.ndarray), "
        f"pyspark.sql.DataFrame) but got '{type(value)}'"
    )


def _list_type(values: list[Any]) -> Array:
    types = {repr(t): t for t in (_value_type(v) for v in values if v is not None)}
    if not types:
        return Array(AnyType())
    if len(types) == 1:
        return Array(next(iter(types.values())))
    kinds = set(types)
    if kinds <= {"long", "double"}:
        return Array(DataType.double)
    return Array(AnyType())


def _series_spec(series: Any, name: str | None) -> ColSpec:
    required = not bool(series.isna().any()) if len(series) else True
    col_type: ColumnType | None = None
    dtype = series.dtype
    if hasattr(dtype, "numpy_dtype"):
        dtype = dtype.numpy_dtype
    try:
        col_type = _numpy_dtype_to_type(dtype)
    except (AttributeError, TypeError):
        col_type = None
    if col_type is None:
        non_null = [v for v in series.tolist() if v is not None and v == v]
        if not non_null:
            col_type = AnyType()
        else:
            types = {repr(t): t for t in map(_value_type, non_null)}
            if len(types) == 1:
                col_type = next(iter(types.values()))
            elif set(types) <= {"long", "double"}:
                col_type = DataType.double
            else:
                raise InvalidParameterValue(
                    f"Failed to infer schema for column '{name}': values of mixed types "
                    f"{sorted(types)}"
                )
    return ColSpec(col_type, name, required)


def _tensor_spec(array: Any, name: str | None = None) -> TensorSpec:
    import numpy as np

    array = np.asarray(array)
    if array.dtype.kind == "O":
        raise InvalidParameterValue(
            "Failed to infer schema: object arrays have no tensor type; use a DataFrame instead"
        )
    shape = (-1, *array.shape[1:]) if array.ndim else (-1,)
    return TensorSpec(array.dtype.name, shape, name)


def infer_schema(data: Any) -> Schema:
    """Describe ``data`` as a column-based or tensor-based schema.

    Raises:
        InvalidParameterValue: for types that have no schema representation.
    """
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return Schema(_series_spec(data[c], str(c)) for c in data.columns)
    if isinstance(data, pd.Series):
        name = str(data.name) if data.name is not None else None
        return Schema([_series_spec(data, name)])
    if isinstance(data, np.ndarray):
        return Schema([_tensor_spec(data)])
    if isinstance(data, dict):
        if data and all(isinstance(v, np.ndarray) for v in data.values()):
            return Schema(_tensor_spec(v, str(k)) for k, v in data.items())
        specs = []
        for key, value in data.items():
            col_type = _value_type(value.tolist() if isinstance(value, np.ndarray) else value)
            specs.append(ColSpec(col_type, str(key), value is not None))
        return Schema(specs)
    if isinstance(data, list | tuple):
        values = list(data)
        if values and all(isinstance(v, dict) for v in values):
            return infer_schema(pd.DataFrame(values))
        item_type = _list_type(values).items
        return Schema([ColSpec(item_type)])
    if data is None:
        raise InvalidParameterValue("Cannot infer a schema from None")
    return Schema([ColSpec(_value_type(data))])


def _param_type(name: str, value: Any) -> tuple[DataType, tuple[int, ...] | None]:
    import numpy as np

    if isinstance(value, list | tuple | np.ndarray):
        items = list(value)
        if not items:
            raise InvalidParameterValue(f"Failed to infer schema for parameter {name}: empty list")
        item_types = {_param_type(name, v)[0] for v in items}
        if len(item_types) != 1:
            raise InvalidParameterValue(
                f"Failed to infer schema for parameter {name}: elements of mixed types"
            )
        return item_types.pop(), (-1,)
    col_type = _value_type(value)
    if not isinstance(col_type, DataType):
        raise InvalidParameterValue(
            f"Failed to infer schema for parameter {name}: value {value!r} is not a scalar or a "
            "list of scalars"
        )
    return col_type, None


def infer_param_schema(params: dict[str, Any]) -> ParamSchema:
    """Describe inference parameters; each value is the parameter's default."""
    if not isinstance(params, dict):
        raise InvalidParameterValue(f"Expected parameters to be dict, got {type(params).__name__}")
    specs = []
    for name, value in params.items():
        dtype, shape = _param_type(name, value)
        default = value.tolist() if hasattr(value, "tolist") else value
        if isinstance(default, tuple):
            default = list(default)
        if isinstance(default, dt.datetime | dt.date):
            default = default.isoformat()
        specs.append(ParamSpec(name, dtype, default, shape))
    return ParamSchema(specs)


def infer_output_schema(input_schema: Schema, prediction: Any) -> Schema:
    """The output schema of ``prediction`` made from an input example of ``input_schema``.

    As MLflow does when it infers a signature from an input example, a 1-D array predicted
    for column-based input is one prediction per row: an unnamed column, not a tensor.
    """
    import numpy as np
    import pandas as pd

    columns_in = not input_schema.is_tensor_spec()
    if columns_in and isinstance(prediction, np.ndarray) and prediction.ndim == 1:
        prediction = pd.Series(prediction)
    return infer_schema(prediction)
