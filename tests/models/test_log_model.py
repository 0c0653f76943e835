"""The MLflow-3 ``log_model`` flow against the embedded SQLite store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.entities import LoggedModelOutput


@pytest.fixture
def model(iris: Any) -> LogisticRegression:
    features, target = iris
    return LogisticRegression(max_iter=300).fit(features, target)


def _local(uri: str) -> Path:
    return Path(uri.removeprefix("file://"))


def test_log_model_in_a_run(workdir: Path, model: LogisticRegression, iris: Any) -> None:
    features, _ = iris
    mlflow.set_experiment("exp")
    with mlflow.start_run() as run:
        mlflow.log_param("max_iter", 300)
        mlflow.log_metric("accuracy", 0.9)
        mlflow.log_metric("accuracy", 0.95, step=1)
        info = mlflow.sklearn.log_model(model, name="model", input_example=features[:2])
    client = MlharborClient()
    logged = client.get_logged_model(info.model_id)
    assert logged.status == "READY"
    assert logged.name == "model"
    assert logged.source_run_id == run.info.run_id
    assert logged.params == {"max_iter": "300"}
    assert logged.tags["mlflow.source.type"] == "LOCAL"
    assert [(m.key, m.value, m.step) for m in logged.metrics] == [("accuracy", 0.9, 0)]
    assert client.get_run(run.info.run_id).outputs.model_outputs == (
        LoggedModelOutput(info.model_id, 0),
    )
    assert info.model_uri == f"models:/{info.model_id}"
    assert info.run_id == run.info.run_id
    assert info.artifact_path == logged.artifact_location
    assert info.signature is not None
    files = sorted(os.listdir(_local(logged.artifact_location)))
    assert files == [
        "MLmodel",
        "conda.yaml",
        "input_example.json",
        "model.pkl",
        "python_env.yaml",
        "requirements.txt",
        "serving_input_example.json",
    ]
    saved = mlflow.models.Model.load(_local(logged.artifact_location))
    assert saved.model_id == saved.model_uuid == info.model_id
    assert saved.run_id == run.info.run_id
    assert saved.artifact_path == logged.artifact_location
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    looked_up = mlflow.models.get_model_info(f"runs:/{run.info.run_id}/model")
    assert looked_up.model_id == info.model_id
    assert looked_up.signature == info.signature


def test_log_model_without_a_run(workdir: Path, model: LogisticRegression) -> None:
    info = mlflow.sklearn.log_model(model, name="standalone")
    logged = MlharborClient().get_logged_model(info.model_id)
    assert logged.source_run_id is None
    assert logged.experiment_id == "0"
    assert info.run_id is None
    assert mlflow.sklearn.load_model(info.model_uri).get_params() == model.get_params()


def test_failed_save_marks_model_upload_failed(workdir: Path) -> None:
    unpicklable = LogisticRegression()
    unpicklable.hook = lambda x: x  # stdlib pickle cannot serialize a lambda
    with pytest.raises(Exception, match="lambda"), mlflow.start_run() as run:
        mlflow.sklearn.log_model(unpicklable, name="broken", serialization_format="pickle")
    client = MlharborClient()
    assert client.get_run(run.info.run_id).info.status == "FAILED"
    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert len(outputs) == 1
    logged = client.get_logged_model(outputs[0].model_id)
    assert logged.status == "FAILED"


def test_registered_model_name_registers_a_version(
    workdir: Path, model: LogisticRegression, iris: Any
) -> None:
    features, _ = iris
    with mlflow.start_run():
        first = mlflow.sklearn.log_model(model, name="model", registered_model_name="Clf")
        second = mlflow.sklearn.log_model(model, name="model", registered_model_name="Clf")
    assert (first.registered_model_version, second.registered_model_version) == (1, 2)
    client = MlharborClient()
    client.set_registered_model_alias("Clf", "champion", 1)
    for uri in ("models:/Clf/1", "models:/Clf/latest", "models:/Clf@champion"):
        loaded = mlflow.sklearn.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    client.transition_model_version_stage("Clf", 2, "Production")
    production = mlflow.pyfunc.load_model("models:/Clf/production")
    assert production.metadata.model_id == second.model_id


def test_pyfunc_log_model_with_explicit_run_id(workdir: Path) -> None:
    from tests.models.test_pyfunc import Doubler

    run = MlharborClient().create_run("0")
    info = mlflow.pyfunc.log_model(name="doubler", python_model=Doubler(), run_id=run.info.run_id)
    assert info.run_id == run.info.run_id
    assert mlflow.pyfunc.load_model(info.model_uri).predict(np.array([1, 2])).tolist() == [2, 4]


def test_log_model_into_an_initialized_logged_model(
    workdir: Path, model: LogisticRegression, iris: Any
) -> None:
    features, _ = iris
    mlflow.set_experiment("exp")
    with mlflow.start_run():
        pending = mlflow.initialize_logged_model(name="champion", params={"C": "1.0"})
        assert pending.status == "PENDING"
        info = mlflow.sklearn.log_model(model, model_id=pending.model_id)
    logged = MlharborClient().get_logged_model(pending.model_id)
    assert info.model_id == pending.model_id
    assert logged.status == "READY"
    assert logged.name == "champion"
    assert logged.params["C"] == "1.0"
    loaded = mlflow.pyfunc.load_model(f"models:/{pending.model_id}")
    assert list(loaded.predict(features[:3])) == list(model.predict(features[:3]))
