"""Dataset schemas in MLflow's JSON forms: column specs for tables, tensor specs for arrays."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ColumnSchema", "TensorDatasetSchema", "infer_column_schema", "infer_tensor_spec"]


class ColumnSchema:
    """Named, typed columns; ``to_dict()`` is MLflow's ``mlflow_colspec`` list."""

    def __init__(self, columns: list[dict[str, Any]]) -> None:
        self.columns = columns

    def to_dict(self) -> list[dict[str, Any]]:
        return [dict(column) for column in self.columns]

    def input_names(self) -> list[str]:
        return [str(column["name"]) for column in self.columns]

    def to_json(self) -> str:
        return json.dumps({"mlflow_colspec": self.to_dict()})

    def __repr__(self) -> str:
        return "\n".join(f"{c['name']!r}: {c['type']!r}" for c in self.columns)


class TensorDatasetSchema:
    """Tensor specs of features and optional targets (``mlflow_tensorspec``)."""

    def __init__(self, features: list[dict[str, Any]], targets: list[dict[str, Any]] | None):
        self.features = features
        self.targets = targets

    def to_dict(self) -> dict[str, Any]:
        return {
            "mlflow_tensorspec": {
                "features": json.dumps(self.features),
                "targets": json.dumps(self.targets) if self.targets is not None else None,
            }
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


def _numpy_type_name(dtype: Any) -> str:
    kind, size = dtype.kind, dtype.itemsize
    if kind == "b":
        return "boolean"
    if kind in ("i", "u"):
        if size < 4 or (kind == "i" and size == 4):
            return "integer"
        if size < 8 or (kind == "i" and size == 8):
            return "long"
        raise TypeError(f"Unsupported integer type {dtype}")
    if kind == "f":
        return "float" if size < 8 else "double"
    if kind == "U":
        return "string"
    if kind == "S":
        return "binary"
    if kind == "M":
        return "datetime"
    raise TypeError(f"Unsupported data type {dtype}")


def _is_missing(value: Any) -> bool:
    import pandas as pd

    if isinstance(value, float):
        return value != value
    return value is None or value is pd.NA or value is pd.NaT


def _object_type_name(values: list[Any]) -> str:
    present = [v for v in values if not _is_missing(v)]
    if present and all(isinstance(v, str) for v in present):
        return "string"
    if present and all(isinstance(v, bytes) for v in present):
        return "binary"
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    raise TypeError("Cannot infer a column type from mixed or empty object values")


def infer_column_schema(df: Any) -> ColumnSchema | None:
    """Column specs of a DataFrame; None when a column's type cannot be expressed."""
    columns = []
    try:
        for name in df.columns:
            series = df[name]
            if series.dtype.kind == "O":
                series = series.infer_objects()
            values = series.to_list()
            if series.dtype.kind == "O":
                type_name = _object_type_name(values)
            else:
                type_name = _numpy_type_name(series.dtype)
            required = not any(_is_missing(v) for v in values)
            columns.append({"type": type_name, "name": str(name), "required": required})
    except TypeError:
        return None
    return ColumnSchema(columns)


def infer_tensor_spec(data: Any) -> list[dict[str, Any]]:
    """Tensor specs of an array (or a dict of named arrays); the first axis is variable."""

    def spec(array: Any, name: str | None) -> dict[str, Any]:
        shape = [-1, *(int(s) for s in array.shape[1:])]
        entry: dict[str, Any] = {"name": name} if name is not None else {}
        entry.update({"type": "tensor", "tensor-spec": {"dtype": array.dtype.name, "shape": shape}})
        return entry

    if isinstance(data, dict):
        return [spec(array, str(name)) for name, array in data.items()]
    return [spec(data, None)]
