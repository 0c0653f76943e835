"""Model directories cross between mlharbor and MLflow 3.17.2 in both directions.

Each side runs in its own interpreter: mlharbor's venv here, the reference MLflow venv in a
subprocess. Predictions are exchanged as JSON and compared.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mlharbor as mlflow
from mlharbor.exceptions import MlharborException

pytestmark = pytest.mark.interop

# Written to a file and run as __main__, so the model class is pickled by value.
CUSTOM_MODEL_SCRIPT = """
import sys
import {module} as mlflow

class AddColumns(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input.sum(axis=1) + (params or {{}}).get("bias", 0.0)

mlflow.pyfunc.save_model(sys.argv[1], python_model=AddColumns())
if len(sys.argv) > 2:
    mlflow.pyfunc.save_model(sys.argv[2], python_model=lambda frame: frame * 10)
"""

CODE_MODEL_FILE = """
import mlflow

class Triple(mlflow.pyfunc.PythonModel):
    def predict(self, model_input, params=None):
        return model_input * 3

mlflow.models.set_model(Triple())
"""

FEATURES = {"a": [1.0, 2.0, 3.0], "b": [0.5, 0.25, 0.125]}


def _run(python: str, script: str, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [python, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def _mlflow_predictions(mlflow_python: str, cwd: Path, model_dirs: dict[str, str]) -> Any:
    """Load each directory with MLflow's pyfunc and predict on the iris-like frame."""
    script = textwrap.dedent(
        """
        import json, sys, warnings
        warnings.simplefilter("ignore")
        import mlflow, pandas as pd
        from sklearn.datasets import load_iris
        dirs = json.loads(sys.argv[1])
        iris = load_iris(as_frame=True).data
        frame = pd.DataFrame({features})
        out = {{}}
        for key, path in dirs.items():
            model = mlflow.pyfunc.load_model(path)
            data = iris if key.startswith("sklearn") else frame
            prediction = model.predict(data)
            out[key] = pd.DataFrame(prediction).to_numpy().tolist()
            if key.startswith("sklearn"):
                out[key + ":flavor"] = mlflow.sklearn.load_model(path).predict(iris).tolist()
        print(json.dumps(out))
        """
    ).format(features=FEATURES)
    return json.loads(_run(mlflow_python, script, json.dumps(model_dirs), cwd=cwd))


def test_mlharbor_models_load_in_mlflow(tmp_path: Path, mlflow_python: str, iris: Any) -> None:
    from sklearn.ensemble import RandomForestClassifier

    features, target = iris
    forest = RandomForestClassifier(n_estimators=20, max_depth=3, random_state=0)
    forest.fit(features, target)
    mlflow.sklearn.save_model(forest, tmp_path / "sklearn", input_example=features[:2])

    script_file = tmp_path / "custom.py"
    script_file.write_text(CUSTOM_MODEL_SCRIPT.format(module="mlharbor"))
    subprocess.run(
        [sys.executable, str(script_file), str(tmp_path / "custom"), str(tmp_path / "function")],
        check=True,
        timeout=300,
    )
    code_file = tmp_path / "triple.py"
    code_file.write_text(CODE_MODEL_FILE)
    mlflow.pyfunc.save_model(tmp_path / "code", python_model=str(code_file))

    dirs = {name: str(tmp_path / name) for name in ("sklearn", "custom", "code", "function")}
    theirs = _mlflow_predictions(mlflow_python, tmp_path, dirs)
    frame = pd.DataFrame(FEATURES)
    ours = {
        "sklearn": mlflow.pyfunc.load_model(dirs["sklearn"]).predict(features),
        "custom": mlflow.pyfunc.load_model(dirs["custom"]).predict(frame),
        "code": mlflow.pyfunc.load_model(dirs["code"]).predict(frame),
        "function": mlflow.pyfunc.load_model(dirs["function"]).predict(frame),
    }
    for key, value in ours.items():
        np.testing.assert_allclose(pd.DataFrame(value).to_numpy(), np.array(theirs[key]))
    np.testing.assert_array_equal(np.array(theirs["sklearn:flavor"]), forest.predict(features))


def test_mlflow_models_load_in_mlharbor(tmp_path: Path, mlflow_python: str, iris: Any) -> None:
    features, _ = iris
    (tmp_path / "custom.py").write_text(CUSTOM_MODEL_SCRIPT.format(module="mlflow"))
    (tmp_path / "triple.py").write_text(CODE_MODEL_FILE)
    script = textwrap.dedent(
        """
        import json, subprocess, sys, warnings
        warnings.simplefilter("ignore")
        import mlflow, pandas as pd
        from sklearn.datasets import load_iris
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        features, target = load_iris(return_X_y=True, as_frame=True)
        forest = RandomForestClassifier(n_estimators=20, max_depth=3, random_state=0)
        forest.fit(features, target)
        mlflow.sklearn.save_model(forest, "sklearn", serialization_format="cloudpickle",
                                  input_example=features[:2])
        mlflow.sklearn.save_model(LogisticRegression(max_iter=300).fit(features, target),
                                  "sklearn_skops")
        subprocess.run([sys.executable, "custom.py", "custom"], check=True)
        mlflow.pyfunc.save_model("code", python_model="triple.py")
        frame = pd.DataFrame(json.loads(sys.argv[1]))
        out = {
            "sklearn": mlflow.pyfunc.load_model("sklearn").predict(features).tolist(),
            "custom": mlflow.pyfunc.load_model("custom").predict(frame).tolist(),
            "code": mlflow.pyfunc.load_model("code").predict(frame).to_numpy().tolist(),
        }
        print(json.dumps(out))
        """
    )
    theirs = json.loads(_run(mlflow_python, script, json.dumps(FEATURES), cwd=tmp_path))
    frame = pd.DataFrame(FEATURES)
    sklearn_model = mlflow.pyfunc.load_model(str(tmp_path / "sklearn"))
    np.testing.assert_array_equal(sklearn_model.predict(features), theirs["sklearn"])
    assert mlflow.sklearn.load_model(str(tmp_path / "sklearn")).n_estimators == 20
    custom = mlflow.pyfunc.load_model(str(tmp_path / "custom"))
    np.testing.assert_allclose(custom.predict(frame), theirs["custom"])
    # without a params schema in the signature, params are ignored, as MLflow does
    np.testing.assert_allclose(custom.predict(frame, params={"bias": 1.0}), theirs["custom"])
    code = mlflow.pyfunc.load_model(str(tmp_path / "code"))
    np.testing.assert_allclose(code.predict(frame).to_numpy(), theirs["code"])
    if importlib.util.find_spec("skops") is None:
        with pytest.raises(MlharborException, match="skops"):
            mlflow.sklearn.load_model(str(tmp_path / "sklearn_skops"))


def test_mlmodel_matches_mlflows(tmp_path: Path, mlflow_python: str, iris: Any) -> None:
    """Apart from ids, times and sizes, both tools write the same MLmodel for one estimator."""
    import yaml
    from sklearn.linear_model import LogisticRegression

    features, target = iris
    model = LogisticRegression(max_iter=300).fit(features, target)
    mlflow.sklearn.save_model(model, tmp_path / "ours", input_example=features[:3])
    script = textwrap.dedent(
        """
        import sys, warnings
        warnings.simplefilter("ignore")
        import mlflow
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression
        features, target = load_iris(return_X_y=True, as_frame=True)
        model = LogisticRegression(max_iter=300).fit(features, target)
        mlflow.sklearn.save_model(model, sys.argv[1], serialization_format="cloudpickle",
                                  input_example=features[:3])
        print("saved")
        """
    )
    _run(mlflow_python, script, str(tmp_path / "theirs"), cwd=tmp_path)
    volatile = ("model_uuid", "utc_time_created", "model_size_bytes", "prompts")
    documents = []
    for name in ("ours", "theirs"):
        document = yaml.safe_load((tmp_path / name / "MLmodel").read_text())
        documents.append({k: v for k, v in document.items() if k not in volatile})
    assert documents[0] == documents[1]
    assert sorted(p.name for p in (tmp_path / "ours").iterdir()) == sorted(
        p.name for p in (tmp_path / "theirs").iterdir()
    )


CONFIGURED_MODEL_SCRIPT = """
import sys
import {module} as mlflow

class Scaled(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        self.factor = context.model_config["factor"]

    def predict(self, context, model_input, params=None):
        return model_input * self.factor

mlflow.pyfunc.save_model(sys.argv[1], python_model=Scaled(), model_config={{"factor": 4}})
print("saved")
"""

READ_CONFIGURED_SCRIPT = """
import sys
import {module} as mlflow
import pandas as pd

model = mlflow.pyfunc.load_model(sys.argv[1])
print(model.predict(pd.DataFrame({{"a": [1.0, 2.0]}}))["a"].tolist())
"""


@pytest.mark.parametrize("writer", ["mlharbor", "mlflow"])
def test_model_config_is_shared(tmp_path: Path, mlflow_python: str, writer: str) -> None:
    """A model's saved config reaches ``load_context`` whichever tool wrote or loads it."""
    model_dir = str(tmp_path / "configured")
    pythons = {"mlharbor": sys.executable, "mlflow": mlflow_python}
    _run(pythons[writer], CONFIGURED_MODEL_SCRIPT.format(module=writer), model_dir, cwd=tmp_path)
    for reader, python in pythons.items():
        out = _run(python, READ_CONFIGURED_SCRIPT.format(module=reader), model_dir, cwd=tmp_path)
        assert json.loads(out) == [4.0, 8.0], (writer, reader)
