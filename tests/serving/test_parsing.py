"""Request bodies to model input: content types, JSON layouts and casting by signature."""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import pytest

from mlharbor.models.schema import ColSpec, DataType, Schema, TensorSpec
from mlharbor.serving.errors import ScoringError
from mlharbor.serving.parsing import parse_invocation

JSON = "application/json"
COLUMNS = Schema(
    [
        ColSpec(DataType.long, "count"),
        ColSpec(DataType.double, "ratio"),
        ColSpec(DataType.string, "label"),
        ColSpec(DataType.datetime, "at", required=False),
    ]
)


def _parse(payload: object, schema: Schema | None = None, content_type: str = JSON) -> object:
    data, _ = parse_invocation(orjson.dumps(payload), content_type, schema)
    return data


def test_dataframe_columns_are_cast_to_the_signature() -> None:
    frame = _parse(
        {"dataframe_records": [{"count": 3, "ratio": 1, "label": "a", "at": "2024-01-02"}]},
        COLUMNS,
    )
    assert isinstance(frame, pd.DataFrame)
    types = frame.dtypes.astype(str).to_dict()
    assert types.pop("label") in ("object", "str")  # pandas 3 infers its string dtype
    assert types == {"count": "int64", "ratio": "float64", "at": "datetime64[ns]"}


def test_unconvertible_value_names_column_and_type() -> None:
    with pytest.raises(ScoringError) as caught:
        _parse({"dataframe_split": {"columns": ["count"], "data": [["many"]]}}, COLUMNS)
    body = orjson.loads(caught.value.body)
    assert caught.value.status == 400
    assert body["message"].startswith(
        "Invalid input. Data is not compatible with model signature. Failed to convert column "
        "count to type 'int64'."
    )


def test_csv_is_read_with_signature_types() -> None:
    data, params = parse_invocation(b"count,ratio,label\n1,2,x\n", "text/csv", COLUMNS)
    assert params is None
    assert data["ratio"].dtype == np.float64
    assert data["label"].tolist() == ["x"]


def test_instances_rows_become_named_arrays() -> None:
    data = _parse({"instances": [{"count": 1, "ratio": 0.5}, {"count": 2, "ratio": 1.5}]}, COLUMNS)
    assert set(data) == {"count", "ratio"}
    assert data["count"].dtype == np.int64
    assert data["ratio"].tolist() == [0.5, 1.5]


def test_instances_rows_of_unequal_length_are_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        _parse({"instances": [{"a": 1, "b": 2}, {"a": 3}]})
    assert b"The length of values for each input/column name are not the same" in caught.value.body


def test_tensor_signature_sets_the_array_dtype() -> None:
    schema = Schema([TensorSpec("float32", (-1, 2))])
    data = _parse({"inputs": [[1, 2], [3, 4]]}, schema)
    assert isinstance(data, np.ndarray)
    assert data.dtype == np.float32
    assert data.shape == (2, 2)


def test_single_named_column_takes_a_bare_list() -> None:
    schema = Schema([ColSpec(DataType.string, "text")])
    assert _parse({"inputs": ["a", "b"]}, schema)["text"].tolist() == ["a", "b"]


def test_params_are_returned_beside_the_data() -> None:
    body = orjson.dumps({"inputs": [[1]], "params": {"top_k": 3}})
    _, params = parse_invocation(body, "application/json; charset=UTF-8", None)
    assert params == {"top_k": 3}


def test_standard_json_extensions_are_accepted() -> None:
    data, _ = parse_invocation(b'{"inputs": [[NaN, 1.0]]}', JSON, None)
    assert np.isnan(data[0][0])


@pytest.mark.parametrize(
    ("content_type", "status", "start"),
    [
        (None, 415, "This predictor only supports"),
        ("application/xml", 415, "This predictor only supports"),
        ("text/csv; header=present", 415, "Unrecognized content type parameters: header."),
        ("application/json; charset=ascii", 415, "The scoring server only supports UTF-8"),
    ],
)
def test_content_type_checks(content_type: str | None, status: int, start: str) -> None:
    with pytest.raises(ScoringError) as caught:
        parse_invocation(b"{}", content_type, None)
    assert caught.value.status == status
    assert caught.value.media_type.startswith("text/plain")
    assert caught.value.body.decode().startswith(start)


DOUBLES = Schema([ColSpec(DataType.double, "a"), ColSpec(DataType.double, "b")])


@pytest.mark.parametrize(
    "rows",
    [[[1.5, 2.0]], [[1, True]], [["2.5", None]], [[1e308, -0.0], [3.0, 4]]],
    ids=["floats", "int-and-bool", "string-and-null", "two-rows"],
)
def test_double_columns_convert_as_a_per_column_cast_would(rows: list[list[object]]) -> None:
    frame = _parse({"dataframe_split": {"columns": ["a", "b"], "data": rows}}, DOUBLES)
    expected = pd.DataFrame(rows, columns=["a", "b"]).astype("float64")
    pd.testing.assert_frame_equal(frame, expected)


def test_unconvertible_double_names_its_column() -> None:
    with pytest.raises(ScoringError) as caught:
        _parse({"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, "x"]]}}, DOUBLES)
    assert (
        "Failed to convert column b to type 'float64'" in orjson.loads(caught.value.body)["message"]
    )


@pytest.mark.parametrize("rows", [[[5.1, 3.5]], [[1, 3.5]], [[1.0, None]], [[1.0, "x"]]], ids=str)
def test_without_a_signature_split_frames_are_what_pandas_builds(
    rows: list[list[object]],
) -> None:
    frame = _parse({"dataframe_split": {"columns": ["a", "b"], "data": rows}})
    pd.testing.assert_frame_equal(frame, pd.DataFrame(rows, columns=["a", "b"]))
