"""Datasets: digests, schemas and profiles match MLflow's for the same data.

The reference values come from running the official MLflow client on the same data in its own
interpreter, so a change in either implementation shows up here.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mlharbor as mlflow
import mlharbor.data
from mlharbor.data.pandas_dataset import PandasDataset
from mlharbor.exceptions import InvalidParameterValue

# Both interpreters build the same datasets from this code; ``build(data)`` returns them.
BUILD = """
import numpy as np
import pandas as pd

def build(data):
    frame = pd.DataFrame({
        "x1": [1.0, 2.0, 3.0], "x2": [4.0, 5.0, None], "label": [0, 1, 0],
        "s": ["a", "b", "c"], "flag": [True, False, True],
        "small": np.array([1, 2, 3], dtype=np.int32), "f32": np.array([1, 2, 3], dtype=np.float32),
    })
    big = pd.DataFrame({"v": np.arange(12000) % 7, "w": [str(i) for i in range(12000)]})
    features = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    return {
        "s3": data.from_pandas(frame, source="s3://my-bucket/data.csv", name="train-df",
                               targets="label"),
        "http": data.from_pandas(frame, source="https://example.invalid/data.csv"),
        "local": data.from_pandas(frame, source="/tmp/data.csv"),
        "big": data.from_pandas(big, source="s3://b/big.csv"),
        "numpy": data.from_numpy(features, source="s3://b/x.npy", targets=np.array([0, 1])),
        "numpy_1d": data.from_numpy(np.arange(10), source="s3://b/y.npy"),
        "numpy_dict": data.from_numpy({"a": features, "b": features}, source="s3://b/z",
                                      targets=np.array([0, 1])),
    }
"""

REFERENCE = (
    BUILD
    + """
import json, sys
import mlflow.data
json.dump({k: v.to_dict() for k, v in build(mlflow.data).items()}, sys.stdout)
"""
)


@pytest.fixture(scope="module")
def reference(mlflow_python: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    result = subprocess.run(
        [mlflow_python, "-c", REFERENCE],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        cwd=tmp_path_factory.mktemp("ref"),
        env={"PATH": "/usr/bin:/bin", "MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    return json.loads(result.stdout)


def ours() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(BUILD, namespace)
    datasets: dict[str, Any] = namespace["build"](mlharbor.data)
    return datasets


@pytest.mark.interop
@pytest.mark.parametrize("key", ["s3", "http", "local", "big", "numpy", "numpy_1d", "numpy_dict"])
def test_dataset_matches_mlflow(reference: Any, key: str) -> None:
    assert ours()[key].to_dict() == reference[key]


def test_pandas_dataset_properties() -> None:
    frame = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [1.5, 2.5, 3.5], "label": [0, 1, 0]})
    dataset = mlharbor.data.from_pandas(frame, source="s3://my-bucket/data.csv", targets="label")
    assert isinstance(dataset, PandasDataset)
    assert dataset.name == "dataset"
    assert len(dataset.digest) == 8
    assert dataset.profile == {"num_rows": 3, "num_elements": 9}
    assert dataset.schema is not None
    assert dataset.schema.input_names() == ["x1", "x2", "label"]
    assert dataset.source.to_dict() == {"uri": "s3://my-bucket/data.csv"}
    entity = dataset._to_mlflow_entity()
    assert entity.source_type == "s3"
    assert json.loads(entity.profile or "") == {"num_rows": 3, "num_elements": 9}
    assert mlharbor.data.from_pandas(frame, digest="cafe0001").digest == "cafe0001"
    with pytest.raises(InvalidParameterValue, match="not found"):
        mlharbor.data.from_pandas(frame, targets="nope")


def test_code_source_when_no_source_given() -> None:
    dataset = mlharbor.data.from_numpy(np.arange(4))
    assert dataset.source.source_type == "code"
    assert "mlflow.source.type" in dataset.source.to_dict()["tags"]


def test_log_input_links_dataset_to_run(workdir: Path) -> None:
    frame = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [4.0, 5.0, 6.0], "label": [0, 1, 0]})
    dataset = mlharbor.data.from_pandas(frame, source="s3://my-bucket/data.csv", name="train-df")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "a"})
    inputs = mlflow.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    stored = inputs[0]
    assert stored.dataset.name == "train-df"
    assert stored.dataset.digest == dataset.digest
    assert json.loads(stored.dataset.schema or "")["mlflow_colspec"][2] == {
        "type": "long",
        "name": "label",
        "required": True,
    }
    assert {(t.key, t.value) for t in stored.tags} == {
        ("mlflow.data.context", "training"),
        ("split", "a"),
    }
