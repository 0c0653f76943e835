"""Models over HTTP: mlharbor's client against a real ``mlflow server`` 3.17.2 and the official
MLflow client against a real ``mlharbor server``, each loading what the other logged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

import mlharbor as mlflow
from tests.fixtures.servers import RunningServer, free_port, run_server

pytestmark = pytest.mark.interop

_QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def _server_cmd(executable: str, root: Path, port: int) -> list[str]:
    return [
        executable,
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'store.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


@pytest.fixture(scope="module")
def mlflow_server(mlflow_python: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("models-mlflow-server")
    port = free_port()
    cmd = [*_server_cmd(str(Path(mlflow_python).with_name("mlflow")), root, port), "--workers", "1"]
    with run_server(cmd, port, "/health", _QUIET, timeout_s=180, cwd=root) as server:
        yield server


@pytest.fixture(scope="module")
def mlharbor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("models-mlharbor-server")
    port = free_port()
    cmd = _server_cmd(str(Path(sys.executable).with_name("mlharbor")), root, port)
    with run_server(cmd, port, "/health", timeout_s=120, cwd=root) as server:
        yield server


def _official_client(mlflow_python: str, server: RunningServer, script: str, cwd: Path) -> Any:
    env = {**os.environ, **_QUIET, "MLFLOW_TRACKING_URI": server.url}
    result = subprocess.run(
        [mlflow_python, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


LOAD_WITH_MLFLOW = """
import json, warnings
warnings.simplefilter("ignore")
import mlflow
from sklearn.datasets import load_iris
features = load_iris().data
model = mlflow.pyfunc.load_model("models:/iris-rf@production")
print(json.dumps(model.predict(features).tolist()))
"""


def test_seed_000_against_mlflow_server(
    workdir: Path, mlflow_server: RunningServer, mlflow_python: str, iris: Any
) -> None:
    features, target = iris
    mlflow.set_tracking_uri(mlflow_server.url)
    mlflow.set_experiment("iris-rf-exp")
    with mlflow.start_run() as run:
        clf = RandomForestClassifier(n_estimators=30, max_depth=3, random_state=0)
        clf.fit(features.to_numpy(), target)
        mlflow.log_param("n_estimators", 30)
        mlflow.log_metric("accuracy", clf.score(features.to_numpy(), target))
        info = mlflow.sklearn.log_model(clf, "model")
    assert info.artifact_path.startswith("mlflow-artifacts:/")
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "iris-rf")
    mlflow.MlflowClient().set_registered_model_alias("iris-rf", "production", version.version)

    ours = mlflow.pyfunc.load_model("models:/iris-rf@production").predict(features.to_numpy())
    theirs = _official_client(mlflow_python, mlflow_server, LOAD_WITH_MLFLOW, workdir)
    np.testing.assert_array_equal(ours, clf.predict(features.to_numpy()))
    np.testing.assert_array_equal(np.array(theirs), ours)


LOG_WITH_MLFLOW = """
import json, warnings
warnings.simplefilter("ignore")
import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
features, target = load_iris(return_X_y=True, as_frame=True)
mlflow.set_experiment("from-mlflow")
with mlflow.start_run() as run:
    model = LogisticRegression(max_iter=300).fit(features, target)
    info = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle",
                                    input_example=features[:2])
print(json.dumps({"run_id": run.info.run_id, "model_id": info.model_id,
                  "predictions": model.predict(features).tolist()}))
"""


def test_official_client_model_loads_from_mlharbor_server(
    workdir: Path, mlharbor_server: RunningServer, mlflow_python: str, iris: Any
) -> None:
    features, _ = iris
    logged = _official_client(mlflow_python, mlharbor_server, LOG_WITH_MLFLOW, workdir)
    mlflow.set_tracking_uri(mlharbor_server.url)
    by_run = mlflow.pyfunc.load_model(f"runs:/{logged['run_id']}/model")
    by_id = mlflow.sklearn.load_model(f"models:/{logged['model_id']}")
    np.testing.assert_array_equal(by_run.predict(features), logged["predictions"])
    np.testing.assert_array_equal(by_id.predict(features), logged["predictions"])
    assert by_run.metadata.signature is not None
