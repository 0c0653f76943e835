"""The MLmodel file, input-example files and environment files."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models import MLFLOW_COMPAT_VERSION, Model, infer_signature
from mlharbor.models.environment import resolve_requirements, write_environment
from mlharbor.models.input_example import load_input_example, save_input_example

# The MLmodel recorded from MLflow 3.17.2 for seed 000 (spec §9.1), plus an unknown key.
RECORDED = """\
artifact_path: mlflow-artifacts:/1/models/m-108edca134b14bac8d3bcff880131775/artifacts
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.skops
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.skops
    serialization_format: skops
    sklearn_version: 1.9.1
    skops_trusted_types:
    - sklearn.tree._tree.Tree
mlflow_version: 3.17.2
model_id: m-108edca134b14bac8d3bcff880131775
model_size_bytes: 1789847
model_uuid: m-108edca134b14bac8d3bcff880131775
prompts: null
run_id: 2f8fe400f3b242daa27a1ce023027cbd
utc_time_created: '2026-11-22 20:56:05.234329'
"""


def test_recorded_mlmodel_round_trips_unchanged(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text(RECORDED)
    model = Model.load(tmp_path)
    assert model.model_id == "m-108edca134b14bac8d3bcff880131775"
    assert model.flavors["sklearn"]["skops_trusted_types"] == ["sklearn.tree._tree.Tree"]
    assert model.extra == {"prompts": None}
    assert yaml.safe_load(model.to_yaml()) == yaml.safe_load(RECORDED)


def test_new_model_writes_mlflow_keys(tmp_path: Path) -> None:
    model = Model(signature=infer_signature(pd.DataFrame({"a": [1]})))
    model.add_flavor("python_function", loader_module="mlflow.sklearn")
    model.save(tmp_path / "MLmodel")
    data = yaml.safe_load((tmp_path / "MLmodel").read_text())
    assert data["mlflow_version"] == MLFLOW_COMPAT_VERSION
    assert data["model_id"] is None
    assert len(data["model_uuid"]) == 32
    assert data["signature"]["inputs"] == '[{"type": "long", "name": "a", "required": true}]'
    assert data["is_signature_from_type_hint"] is False
    assert "run_id" not in data


def test_missing_model_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ResourceDoesNotExist, match='Could not find an "MLmodel"'):
        Model.load(tmp_path / "nothing-here")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("flavors: [unclosed", "not valid YAML"),
        ("- a list", "expected a mapping"),
        ("artifact_path: x\n", "'flavors' key is missing"),
    ],
)
def test_corrupt_mlmodel_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "MLmodel").write_text(content)
    with pytest.raises(InvalidParameterValue, match=message):
        Model.load(tmp_path)


def test_dataframe_example_files(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.0, float("nan")], "d": pd.to_datetime(["2020-01-01"] * 2)})
    info = save_input_example(str(tmp_path), frame)
    assert info == {
        "artifact_path": "input_example.json",
        "type": "dataframe",
        "pandas_orient": "split",
        "serving_input_path": "serving_input_example.json",
    }
    assert (tmp_path / "input_example.json").read_text() == (
        '{"columns": ["a", "d"], "data": [[1.0, "2020-01-01T00:00:00"], '
        '[NaN, "2020-01-01T00:00:00"]]}'
    )
    serving = json.loads((tmp_path / "serving_input_example.json").read_text())
    assert serving == {"dataframe_split": json.loads((tmp_path / "input_example.json").read_text())}
    loaded = load_input_example(str(tmp_path), info)
    assert list(loaded.columns) == ["a", "d"]
    assert loaded["a"].iloc[0] == 1.0


def test_ndarray_and_params_example_files(tmp_path: Path) -> None:
    info = save_input_example(str(tmp_path), np.array([[0.0, 1.0], [1.0, 0.0]]))
    assert info["type"] == "ndarray"
    assert (tmp_path / "input_example.json").read_text() == "[[0.0, 1.0], [1.0, 0.0]]"
    assert json.loads((tmp_path / "serving_input_example.json").read_text()) == {
        "inputs": [[0.0, 1.0], [1.0, 0.0]]
    }
    other = tmp_path / "params"
    other.mkdir()
    info = save_input_example(str(other), ({"text": ["hi"]}, {"temperature": 0.5}))
    assert info["params"] == "true"
    assert info["type"] == "json_object"
    assert json.loads((other / "input_example.json").read_text()) == {
        "inputs": {"text": ["hi"]},
        "params": {"temperature": 0.5},
    }
    assert load_input_example(str(other), info) == ({"text": ["hi"]}, {"temperature": 0.5})


def test_requirements_pin_installed_versions_and_mlflow_first() -> None:
    lines = resolve_requirements(["scikit-learn", "numpy", "not-installed-dist"])
    assert lines == [
        f"mlflow=={MLFLOW_COMPAT_VERSION}",
        f"numpy=={metadata.version('numpy')}",
        f"scikit-learn=={metadata.version('scikit-learn')}",
    ]
    assert resolve_requirements([], pip_requirements=["pandas>=2"]) == [
        f"mlflow=={MLFLOW_COMPAT_VERSION}",
        "pandas>=2",
    ]
    with pytest.raises(InvalidParameterValue, match="Only one of"):
        resolve_requirements([], pip_requirements=["a"], extra_pip_requirements=["b"])


def test_environment_files(tmp_path: Path) -> None:
    write_environment(tmp_path, ["mlflow==3.17.2", "numpy==2.0"])
    assert (tmp_path / "requirements.txt").read_text() == "mlflow==3.17.2\nnumpy==2.0"
    python_env = yaml.safe_load((tmp_path / "python_env.yaml").read_text())
    assert python_env["python"] == platform.python_version()
    assert python_env["dependencies"] == ["-r requirements.txt"]
    conda = yaml.safe_load((tmp_path / "conda.yaml").read_text())
    assert conda["name"] == "mlflow-env"
    assert conda["dependencies"][-1] == {"pip": ["mlflow==3.17.2", "numpy==2.0"]}


def test_conda_env_pip_section_becomes_the_requirements(tmp_path: Path) -> None:
    conda_file = tmp_path / "env.yaml"
    conda_file.write_text(
        "name: custom\ndependencies:\n- python=3.11\n- pip:\n  - scikit-learn==1.5.0\n"
    )
    assert resolve_requirements(["numpy"], conda_env=str(conda_file)) == [
        f"mlflow=={MLFLOW_COMPAT_VERSION}",
        "scikit-learn==1.5.0",
    ]
    with pytest.raises(InvalidParameterValue, match="Only one of `conda_env`"):
        resolve_requirements([], pip_requirements=["a"], conda_env={"dependencies": []})


_EXAMPLES = """
import numpy as np, pandas as pd
examples = {
    "frame": pd.DataFrame({"a": [1.0, float("nan")], "s": ["x", "y"], "b": [True, False],
                           "d": pd.to_datetime(["2020-01-01", "2020-01-02"])}),
    "ndarray": np.arange(6, dtype="float64").reshape(3, 2),
    "dict_of_arrays": {"x": np.array([[1.0, 2.0]])},
    "dict": {"a": [1, 2], "b": ["x", "y"]},
    "strings": ["hi", "yo"],
    "scalar": "hello",
    "with_params": ({"text": ["hi"]}, {"temperature": 0.5, "k": [3]}),
}
"""


@pytest.mark.interop
def test_example_files_match_mlflow(tmp_path: Path, mlflow_python: str) -> None:
    import subprocess

    script = (
        _EXAMPLES
        + "import json, os, sys, tempfile\nfrom mlflow.models.utils import _Example\nout = {}\n"
        + "for key, value in examples.items():\n"
        + "    d = tempfile.mkdtemp(); e = _Example(value); e.save(d)\n"
        + "    out[key] = [e.info, open(os.path.join(d, 'input_example.json')).read(),\n"
        + "                open(os.path.join(d, 'serving_input_example.json')).read()]\n"
        + "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [mlflow_python, "-c", script], capture_output=True, text=True, timeout=240, check=True
    )
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    namespace: dict[str, object] = {}
    exec(_EXAMPLES, namespace)
    examples = namespace["examples"]
    assert isinstance(examples, dict)
    for key, value in examples.items():
        target = tmp_path / key
        target.mkdir()
        info = save_input_example(str(target), value)
        reference_info, reference_example, reference_serving = theirs[key]
        assert info == reference_info, key
        assert (target / "input_example.json").read_text() == reference_example, key
        assert (target / "serving_input_example.json").read_text() == reference_serving, key
