"""Signature enforcement on prediction inputs and params."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec
from mlharbor.models.enforce import enforce_params, enforce_schema

SCHEMA = Schema(
    [
        ColSpec(DataType.double, "x"),
        ColSpec(DataType.long, "n"),
        ColSpec(DataType.string, "s", required=False),
    ]
)


def test_missing_required_column_names_it_and_the_extras() -> None:
    frame = pd.DataFrame({"x": [1.0], "extra": [1]})
    with pytest.raises(InvalidParameterValue) as caught:
        enforce_schema(frame, SCHEMA)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    message = str(caught.value)
    assert message.startswith("Failed to enforce schema of data")
    assert "Model is missing inputs ['n']. Note that there were extra inputs: ['extra']." in message


def test_extra_columns_are_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    frame = pd.DataFrame({"n": [1], "x": [1.0], "unused": ["u"]})
    with caplog.at_level(logging.WARNING):
        result = enforce_schema(frame, SCHEMA)
    assert list(result.columns) == ["x", "n"]
    assert "unused" in caplog.text


def test_safe_conversions_are_applied() -> None:
    frame = pd.DataFrame({"x": np.array([1, 2], "int32"), "n": np.array([3, 4], "int32")})
    result = enforce_schema(frame, SCHEMA)
    assert result["x"].dtype == np.float64
    assert result["n"].dtype == np.int64
    assert result["x"].tolist() == [1.0, 2.0]


def test_lossy_conversion_is_refused() -> None:
    frame = pd.DataFrame({"x": [1.0], "n": [1.5]})
    with pytest.raises(InvalidParameterValue, match="Can not safely convert float64 to int64"):
        enforce_schema(frame, SCHEMA)


def test_long_flags_convert_to_double() -> None:
    frame = pd.DataFrame({"x": np.array([0, 1], "int64"), "n": [1, 2]})
    assert enforce_schema(frame, SCHEMA)["x"].tolist() == [0.0, 1.0]


def test_dict_and_records_inputs_become_frames() -> None:
    assert enforce_schema({"x": 1.0, "n": 2}, SCHEMA).shape == (1, 2)
    assert enforce_schema([{"x": 1.0, "n": 2}, {"x": 2.0, "n": 3}], SCHEMA).shape == (2, 2)


def test_unnamed_schema_only_checks_column_count() -> None:
    schema = Schema([ColSpec(DataType.double), ColSpec(DataType.double)])
    with pytest.raises(InvalidParameterValue, match="declares 2 inputs"):
        enforce_schema(pd.DataFrame({"a": [1.0]}), schema)


def test_tensor_schema_checks_dtype_and_shape() -> None:
    schema = Schema([TensorSpec("float64", (-1, 2))])
    assert enforce_schema(np.ones((3, 2), "float32"), schema).dtype == np.float64
    with pytest.raises(InvalidParameterValue, match="does not match expected shape"):
        enforce_schema(np.ones((3, 3)), schema)
    with pytest.raises(InvalidParameterValue, match="does not match expected dtype"):
        enforce_schema(np.array([["a", "b"]]), schema)


def test_params_get_defaults_and_type_checks() -> None:
    schema = ParamSchema(
        [ParamSpec("t", DataType.double, 0.5), ParamSpec("k", DataType.long, [3], (-1,))]
    )
    assert enforce_params(None, schema) == {"t": 0.5, "k": [3]}
    assert enforce_params({"t": 1, "k": [1, 2], "other": 1}, schema) == {"t": 1.0, "k": [1, 2]}
    with pytest.raises(InvalidParameterValue, match="Failed to validate type and shape for 't'"):
        enforce_params({"t": "hot"}, schema)
    with pytest.raises(InvalidParameterValue, match="1D array"):
        enforce_params({"k": 3}, schema)


def test_params_without_a_schema_are_ignored() -> None:
    assert enforce_params({"t": 1}, None) == {}
