"""Schemas and signatures: JSON round trips, inference, and agreement with MLflow 3.17.2."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models import (
    Array,
    ColSpec,
    DataType,
    ModelSignature,
    ParamSchema,
    ParamSpec,
    Schema,
    TensorSpec,
    infer_signature,
)

# Schema JSON as MLflow writes it in MLmodel files (spec §9.4).
SPEC_COLUMNS = (
    '[{"type": "double", "name": "sepal length (cm)", "required": true}, '
    '{"type": "string", "name": "b", "required": false}, '
    '{"type": "array", "items": {"type": "long"}, "name": "arr", "required": true}, '
    '{"type": "object", "properties": {"p": {"type": "string", "required": true}}, '
    '"name": "obj", "required": true}, '
    '{"type": "map", "values": {"type": "double"}, "name": "m", "required": true}]'
)
SPEC_TENSOR = '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]'
SPEC_PARAMS = (
    '[{"name": "temperature", "default": 0.5, "shape": null, "type": "float"}, '
    '{"name": "topk", "default": [3], "shape": [-1], "type": "long"}]'
)


@pytest.mark.parametrize("text", [SPEC_COLUMNS, SPEC_TENSOR])
def test_schema_json_round_trips_byte_for_byte(text: str) -> None:
    assert Schema.from_json(text).to_json() == text


def test_param_schema_json_round_trips() -> None:
    schema = ParamSchema.from_json(SPEC_PARAMS)
    assert schema.to_json() == SPEC_PARAMS
    assert [p.name for p in schema] == ["temperature", "topk"]
    assert schema.params[1].shape == (-1,)


def test_signature_dict_holds_json_strings_and_nulls() -> None:
    signature = ModelSignature(Schema([ColSpec(DataType.long, "a")]))
    as_dict = signature.to_dict()
    assert as_dict == {
        "inputs": '[{"type": "long", "name": "a", "required": true}]',
        "outputs": None,
        "params": None,
    }
    assert ModelSignature.from_dict(as_dict) == signature


def test_schema_rejects_mixed_spec_kinds_and_mixed_naming() -> None:
    with pytest.raises(InvalidParameterValue, match="ColSpec and TensorSpec"):
        Schema([ColSpec(DataType.long, "a"), TensorSpec("float64", (-1,), "b")])
    with pytest.raises(InvalidParameterValue, match="named and unnamed"):
        Schema([ColSpec(DataType.long, "a"), ColSpec(DataType.long)])


def test_unknown_column_type_is_a_clear_error() -> None:
    with pytest.raises(InvalidParameterValue, match="Unsupported type 'decimal'"):
        Schema.from_json('[{"type": "decimal", "name": "x"}]')


def test_infer_from_dataframe_marks_columns_with_missing_values_optional() -> None:
    frame = pd.DataFrame({"a": [1.0, None], "s": ["x", "y"], "i": np.array([1, 2], "int32")})
    inputs = infer_signature(frame).inputs
    assert inputs is not None
    assert [(s.name, s.type, s.required) for s in inputs] == [
        ("a", DataType.double, False),
        ("s", DataType.string, True),
        ("i", DataType.integer, True),
    ]


def test_infer_from_numpy_gives_a_tensor_with_variable_first_dimension() -> None:
    inputs = infer_signature(np.zeros((5, 3), dtype="float32")).inputs
    assert inputs is not None
    assert inputs.to_dict() == [
        {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}
    ]


def test_infer_params_and_lists() -> None:
    signature = infer_signature({"text": ["hi"]}, params={"t": 0.5, "k": [1, 2], "on": True})
    assert signature.inputs is not None
    assert signature.inputs.inputs[0] == ColSpec(Array(DataType.string), "text")
    assert signature.params is not None
    assert signature.params.params == (
        ParamSpec("t", DataType.double, 0.5),
        ParamSpec("k", DataType.long, [1, 2], (-1,)),
        ParamSpec("on", DataType.boolean, True),
    )


def test_infer_rejects_unrepresentable_params() -> None:
    with pytest.raises(InvalidParameterValue, match="parameter bad"):
        infer_signature({"a": [1]}, params={"bad": {"nested": 1}})


# Each example is built the same way in both interpreters, then inferred by each tool.
_EXAMPLES = """
import datetime, numpy as np, pandas as pd
examples = {
    "frame": (pd.DataFrame({"a": [1.0, None], "d": pd.to_datetime(["2020-01-01", "2020-01-02"]),
                            "s": ["a", "b"], "bo": [True, False],
                            "i32": np.array([1, 2], dtype="int32")}), None),
    "frame_and_series": (pd.DataFrame({"x": [1, 2]}), pd.Series([0.5, 1.5], name="p")),
    "frame_and_unnamed": (pd.DataFrame({"x": [1, 2]}), pd.Series([1, 2])),
    "ndarray": (np.arange(12, dtype="float64").reshape(3, 4), np.array([0, 1, 1])),
    "dict_of_lists": ({"a": [1, 2], "b": ["x", "y"]}, None),
    "dict_of_scalars": ({"a": 1.5, "b": "x"}, None),
    "strings": (["hi", "yo"], None),
    "records": ([{"a": 1}, {"a": 2}], None),
    "dict_of_arrays": ({"x": np.array([[1.0, 2.0]])}, None),
    "nested": (pd.DataFrame({"l": [[1, 2], [3]], "o": [{"k": "v"}, {"k": "w"}]}), None),
}
"""


def _ours() -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(_EXAMPLES, namespace)
    examples = namespace["examples"]
    assert isinstance(examples, dict)
    return {
        key: infer_signature(model_input, model_output).to_dict()
        for key, (model_input, model_output) in examples.items()
    }


@pytest.mark.interop
def test_inferred_signatures_match_mlflow(mlflow_python: str) -> None:
    script = (
        _EXAMPLES
        + "import json, warnings\nwarnings.simplefilter('ignore')\n"
        + "from mlflow.models import infer_signature\n"
        + "print(json.dumps({k: infer_signature(i, o).to_dict() "
        + "for k, (i, o) in examples.items()}))\n"
    )
    result = subprocess.run(
        [mlflow_python, "-c", script], capture_output=True, text=True, timeout=240, check=True
    )
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    assert _ours() == theirs


def test_manual_signature_with_mlflow_type_paths() -> None:
    import numpy as np

    import mlharbor as mlflow
    from mlharbor.types.schema import ColSpec as SchemaColSpec

    signature = ModelSignature(
        inputs=mlflow.types.Schema([SchemaColSpec("double", "x"), SchemaColSpec("string", "s")]),
        outputs=Schema([TensorSpec(np.dtype(np.float32), (-1, 2))]),
        params=ParamSchema([ParamSpec("temperature", "float", 0.5)]),
    )
    assert signature.to_dict() == {
        "inputs": '[{"type": "double", "name": "x", "required": true}, '
        '{"type": "string", "name": "s", "required": true}]',
        "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]',
        "params": '[{"name": "temperature", "default": 0.5, "shape": null, "type": "float"}]',
    }
