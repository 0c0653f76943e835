"""Custom-loader python_function models (``loader_module`` + ``data_path``), saved by mlharbor
and loaded by MLflow 3.17.2 and the reverse, and ``infer_code_paths``."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.model import Model

# A loader whose model adds the number stored in its data file to column x.
LOADER = textwrap.dedent(
    """
    class _Adder:
        def __init__(self, offset):
            self.offset = offset

        def predict(self, frame, params=None):
            return [value + self.offset for value in frame["x"]]


    def _load_pyfunc(data_path):
        with open(data_path) as fh:
            return _Adder(float(fh.read()))
    """
)
FRAME = pd.DataFrame({"x": [1.0, 2.0]})


def _write_loader(folder: Path, package: str) -> None:
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text("")
    (folder / package / "adder.py").write_text(LOADER)


def test_loader_module_model_round_trip(tmp_path: Path) -> None:
    _write_loader(tmp_path / "src", "harbor_adder_a")
    (tmp_path / "offset.txt").write_text("10")
    mlflow.pyfunc.save_model(
        tmp_path / "m",
        loader_module="harbor_adder_a.adder",
        data_path=tmp_path / "offset.txt",
        code_paths=[str(tmp_path / "src" / "harbor_adder_a")],
        input_example=FRAME,
    )
    flavor = Model.load(str(tmp_path / "m")).flavors["python_function"]
    assert (flavor["loader_module"], flavor["data"], flavor["code"]) == (
        "harbor_adder_a.adder",
        "data/offset.txt",
        "code",
    )
    assert Model.load(str(tmp_path / "m")).signature is not None
    assert mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(FRAME) == [11.0, 12.0]


def test_bad_combinations_and_unsupported_options_are_refused(tmp_path: Path) -> None:
    (tmp_path / "offset.txt").write_text("1")
    refused = {
        "together": {"loader_module": "x", "python_model": lambda frame: frame},
        "neither": {},
        "missing data": {"loader_module": "x", "data_path": str(tmp_path / "absent")},
        "streamable": {"loader_module": "x", "streamable": True},
        "uv": {"loader_module": "x", "uv_groups": ["dev"]},
        "both code options": {"loader_module": "x", "code_paths": ["a"], "infer_code_paths": True},
    }
    for number, kwargs in enumerate(refused.values()):
        with pytest.raises(InvalidParameterValue):
            mlflow.pyfunc.save_model(tmp_path / str(number), **kwargs)  # type: ignore[arg-type]
        assert not (tmp_path / str(number)).exists()
    # MLflow's defaults stay accepted
    mlflow.pyfunc.save_model(tmp_path / "ok", loader_module="x", streamable=False, uv_extras=None)


def test_mlharbor_loader_model_with_inferred_code_loads_in_mlflow(
    tmp_path: Path, mlflow_python: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    _write_loader(project, "harbor_adder_b")
    (project / "offset.txt").write_text("5")
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    model_dir = tmp_path / "saved"
    mlflow.pyfunc.save_model(
        model_dir,
        loader_module="harbor_adder_b.adder",
        data_path="offset.txt",
        infer_code_paths=True,
    )
    assert (model_dir / "code" / "harbor_adder_b" / "adder.py").is_file()
    assert (model_dir / "code" / "harbor_adder_b" / "__init__.py").is_file()
    # MLflow loads it from elsewhere: the loader comes from the model's own code/ folder.
    script = (
        "import json, sys, mlflow, pandas as pd\n"
        "model = mlflow.pyfunc.load_model(sys.argv[1])\n"
        "print(json.dumps(list(model.predict(pd.DataFrame({'x': [1.0, 2.0]})))))\n"
    )
    done = subprocess.run(
        [mlflow_python, "-c", script, str(model_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [6.0, 7.0]


def test_mlflow_loader_model_loads_in_mlharbor(tmp_path: Path, mlflow_python: str) -> None:
    _write_loader(tmp_path / "src", "harbor_adder_c")
    (tmp_path / "offset.txt").write_text("100")
    script = (
        "import sys, mlflow\n"
        "mlflow.pyfunc.save_model(sys.argv[1], loader_module='harbor_adder_c.adder',\n"
        "    data_path=sys.argv[2], code_paths=[sys.argv[3]])\n"
    )
    args = [
        str(tmp_path / "m"),
        str(tmp_path / "offset.txt"),
        str(tmp_path / "src" / "harbor_adder_c"),
    ]
    done = subprocess.run(
        [mlflow_python, "-c", script, *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(FRAME) == [101.0, 102.0]
