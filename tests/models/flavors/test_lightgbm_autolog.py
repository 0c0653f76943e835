"""LightGBM autologging against the embedded SQLite store, and against MLflow's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pytest
from sklearn.datasets import load_diabetes

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from tests.models.flavors.crosstool import autolog_summaries


@pytest.fixture
def autologging(workdir: Path) -> Iterator[None]:
    """Autologging on for one test; lightgbm is restored afterwards."""
    mlflow.lightgbm.autolog()
    yield
    mlflow.lightgbm.autolog(disable=True)


def _artifacts(client: MlharborClient, run_id: str) -> set[str]:
    return {f.path for f in client.list_artifacts(run_id)}


def _history(client: MlharborClient, run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in client.get_metric_history(run_id, key)]


_IMPORTANCES = {
    "feature_importance_gain.json",
    "feature_importance_gain.png",
    "feature_importance_split.json",
    "feature_importance_split.png",
}
_PARAMS = {"objective": "regression", "num_leaves": 4, "learning_rate": 0.3, "verbose": -1}


def test_native_train_with_early_stopping(autologging: None) -> None:
    x, y = load_diabetes(return_X_y=True)
    train = lightgbm.Dataset(x[:300], label=y[:300])
    valid = lightgbm.Dataset(x[300:], label=y[300:])
    with mlflow.start_run() as run:
        booster = lightgbm.train(
            _PARAMS,
            train,
            num_boost_round=50,
            valid_sets=[train, valid],
            valid_names=["training", "valid"],
            callbacks=[lightgbm.early_stopping(3, verbose=False)],
        )
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert data.params == {
        "objective": "regression",
        "num_leaves": "4",
        "learning_rate": "0.3",
        "verbose": "-1",
        "num_boost_round": "50",
        "keep_training_booster": "False",
    }
    valid_history = _history(client, run.info.run_id, "valid-l2")
    iterations = len(valid_history) - 1
    assert iterations < 50  # it did stop early
    best = booster.best_iteration
    assert data.metrics["stopped_iteration"] == iterations
    assert data.metrics["best_iteration"] == best
    assert [step for step, _ in valid_history] == list(range(iterations + 1))
    # the best (1-based) iteration's value again one step past the last iteration
    assert valid_history[-1][1] == valid_history[best - 1][1]
    assert len(_history(client, run.info.run_id, "training-l2")) == iterations + 1
    assert _artifacts(client, run.info.run_id) == _IMPORTANCES
    local = client.download_artifacts(run.info.run_id, "feature_importance_split.json")
    importance = json.loads(Path(local).read_text())
    assert list(importance.values()) == booster.feature_importance("split").tolist()
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert sorted((i.dataset.name, i.tags[0].value) for i in inputs) == [
        ("dataset", "train"),
        ("training", "eval"),
        ("valid", "eval"),
    ]
    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert len(outputs) == 1
    model_uri = f"models:/{outputs[0].model_id}"
    loaded = mlflow.lightgbm.load_model(model_uri)
    assert (loaded.predict(x[300:]) == booster.predict(x[300:])).all()
    signature = mlflow.models.get_model_info(model_uri).signature
    assert signature is not None
    assert signature.inputs.inputs[0].shape == (-1, x.shape[1])
    assert len(client.search_runs(["0"])) == 1  # logged into the user's run, no other


def test_sklearn_api_logs_the_estimator_once(autologging: None, iris: Any) -> None:
    x, y = iris
    with mlflow.start_run() as run:
        classifier = lightgbm.LGBMClassifier(n_estimators=4, num_leaves=4, verbose=-1)
        classifier.fit(x, y, eval_set=[(x, y)])
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert data.params["num_leaves"] == "4"
    assert data.params["num_boost_round"] == "4"
    assert data.params["objective"] == "multiclass"
    steps = [s for s, _ in _history(client, run.info.run_id, "training-multi_logloss")]
    assert steps == [0, 1, 2, 3]
    assert "stopped_iteration" not in data.metrics
    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert len(outputs) == 1
    loaded = mlflow.lightgbm.load_model(f"models:/{outputs[0].model_id}")
    assert isinstance(loaded, lightgbm.LGBMClassifier)
    assert (loaded.predict(x) == classifier.predict(x)).all()
    assert _artifacts(client, run.info.run_id) == _IMPORTANCES
    signature = mlflow.models.get_model_info(f"models:/{outputs[0].model_id}").signature
    assert signature is not None
    assert signature.inputs.input_names() == list(x.columns)


def test_new_run_ends_with_training(workdir: Path, iris: Any) -> None:
    mlflow.lightgbm.autolog(log_models=False, log_datasets=False, extra_tags={"team": "a"})
    try:
        x, y = iris
        lightgbm.train({"verbose": -1}, lightgbm.Dataset(x, label=y), num_boost_round=2)
    finally:
        mlflow.lightgbm.autolog(disable=True)
    assert mlflow.active_run() is None
    run = mlflow.last_active_run()
    assert run is not None
    assert run.info.status == "FINISHED"
    assert run.data.tags["team"] == "a"
    assert run.data.params["num_boost_round"] == "2"
    assert not run.outputs.model_outputs


def test_failing_training_fails_the_run(autologging: None, iris: Any) -> None:
    x, y = iris
    with pytest.raises(lightgbm.basic.LightGBMError):
        lightgbm.train(
            {"objective": "no_such", "verbose": -1}, lightgbm.Dataset(x, label=y), num_boost_round=2
        )
    run = mlflow.last_active_run()
    assert run is not None
    assert run.info.status == "FAILED"


def test_disable_restores_the_originals(workdir: Path) -> None:
    def current() -> tuple[Any, ...]:
        sklearn_api = lightgbm.sklearn
        return (
            lightgbm.train,
            sklearn_api.train,
            lightgbm.LGBMModel.fit,
            lightgbm.Dataset.__init__,
        )

    originals = current()
    mlflow.lightgbm.autolog()
    assert lightgbm.train is not originals[0]
    mlflow.lightgbm.autolog(disable=True)
    assert current() == originals
    lightgbm.train({"verbose": -1}, lightgbm.Dataset(np.array([[0.0], [1.0]]), label=[0, 1]), 1)
    assert mlflow.last_active_run() is None


_TRAININGS = """
import lightgbm
from sklearn.datasets import load_diabetes, load_iris
def trainings():
    x, y = load_diabetes(return_X_y=True)
    train = lightgbm.Dataset(x[:300], label=y[:300])
    valid = lightgbm.Dataset(x[300:], label=y[300:])
    with mlflow.start_run() as native:
        lightgbm.train({"objective": "regression", "num_leaves": 4, "learning_rate": 0.3,
                        "verbose": -1}, train, num_boost_round=50,
                       valid_sets=[train, valid], valid_names=["training", "valid"],
                       callbacks=[lightgbm.early_stopping(3, verbose=False)])
    x, y = load_iris(return_X_y=True, as_frame=True)
    with mlflow.start_run() as estimator:
        lightgbm.LGBMClassifier(n_estimators=4, num_leaves=4, verbose=-1).fit(
            x, y, eval_set=[(x, y)])
    return [native.info.run_id, estimator.info.run_id]
"""


@pytest.mark.interop
def test_autolog_matches_mlflow(workdir: Path, mlflow_python: str) -> None:
    ours, theirs = autolog_summaries("lightgbm", _TRAININGS, mlflow_python, workdir)
    assert ours == theirs
