"""XGBoost autologging against the embedded SQLite store, and against MLflow's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xgboost
from sklearn.datasets import load_diabetes

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from tests.models.flavors.crosstool import autolog_summaries


@pytest.fixture
def autologging(workdir: Path) -> Iterator[None]:
    """Autologging on for one test; xgboost is restored afterwards."""
    mlflow.xgboost.autolog()
    yield
    mlflow.xgboost.autolog(disable=True)


def _artifacts(client: MlharborClient, run_id: str) -> set[str]:
    return {f.path for f in client.list_artifacts(run_id)}


def _history(client: MlharborClient, run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in client.get_metric_history(run_id, key)]


def test_native_train_with_early_stopping(autologging: None) -> None:
    x, y = load_diabetes(return_X_y=True)
    train = xgboost.DMatrix(x[:300], label=y[:300])
    valid = xgboost.DMatrix(x[300:], label=y[300:])
    with mlflow.start_run() as run:
        booster = xgboost.train(
            {"max_depth": 2, "eta": 0.3},
            train,
            num_boost_round=20,
            evals=[(train, "train"), (valid, "valid")],
            early_stopping_rounds=3,
            verbose_eval=False,
        )
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert data.params == {
        "max_depth": "2",
        "eta": "0.3",
        "num_boost_round": "20",
        "early_stopping_rounds": "3",
        "maximize": "None",
        "verbose_eval": "False",
        "custom_metric": "None",
    }
    rounds = booster.num_boosted_rounds()
    assert rounds < 20  # it did stop early
    best = booster.best_iteration
    assert data.metrics["stopped_iteration"] == rounds - 1
    assert data.metrics["best_iteration"] == best
    valid_history = _history(client, run.info.run_id, "valid-rmse")
    assert [step for step, _ in valid_history] == [*range(rounds), rounds]
    # the best round's value again one step past the last round
    assert valid_history[-1][1] == valid_history[best][1]
    assert len(_history(client, run.info.run_id, "train-rmse")) == rounds + 1
    assert _artifacts(client, run.info.run_id) == {
        "feature_importance_weight.json",
        "feature_importance_weight.png",
    }
    local = client.download_artifacts(run.info.run_id, "feature_importance_weight.json")
    importance = json.loads(Path(local).read_text())
    assert importance == booster.get_score(importance_type="weight")
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert sorted((i.dataset.name, i.tags[0].value) for i in inputs) == [
        ("dataset", "train"),
        ("train", "eval"),
        ("valid", "eval"),
    ]
    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert len(outputs) == 1
    model_uri = f"models:/{outputs[0].model_id}"
    loaded = mlflow.xgboost.load_model(model_uri)
    assert (loaded.predict(valid) == booster.predict(valid)).all()
    signature = mlflow.models.get_model_info(model_uri).signature
    assert signature is not None
    assert signature.inputs.inputs[0].shape == (-1, x.shape[1])
    assert len(client.search_runs(["0"])) == 1  # logged into the user's run, no other


def test_sklearn_api_logs_the_estimator_once(autologging: None, iris: Any) -> None:
    x, y = iris
    with mlflow.start_run() as run:
        classifier = xgboost.XGBClassifier(n_estimators=4, max_depth=2)
        classifier.fit(x, y, eval_set=[(x, y)], verbose=False)
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert data.params["max_depth"] == "2"
    assert data.params["num_boost_round"] == "4"
    assert data.params["objective"] == "multi:softprob"
    assert [s for s, _ in _history(client, run.info.run_id, "validation_0-mlogloss")] == [
        0,
        1,
        2,
        3,
    ]
    assert "stopped_iteration" not in data.metrics
    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert len(outputs) == 1
    loaded = mlflow.xgboost.load_model(f"models:/{outputs[0].model_id}")
    assert isinstance(loaded, xgboost.XGBClassifier)
    assert (loaded.predict(x) == classifier.predict(x)).all()
    assert "feature_importance_weight.json" in _artifacts(client, run.info.run_id)


def test_new_run_ends_with_training(workdir: Path, iris: Any) -> None:
    mlflow.xgboost.autolog(log_models=False, log_datasets=False, extra_tags={"team": "a"})
    try:
        x, y = iris
        xgboost.train({"max_depth": 2}, xgboost.DMatrix(x, label=y), num_boost_round=2)
    finally:
        mlflow.xgboost.autolog(disable=True)
    assert mlflow.active_run() is None
    run = mlflow.last_active_run()
    assert run is not None
    assert run.info.status == "FINISHED"
    assert run.data.tags["team"] == "a"
    assert run.data.params["num_boost_round"] == "2"
    assert not run.outputs.model_outputs


def test_failing_training_fails_the_run(autologging: None, iris: Any) -> None:
    x, y = iris
    with pytest.raises(xgboost.core.XGBoostError):
        xgboost.train({"objective": "no:such"}, xgboost.DMatrix(x, label=y), num_boost_round=2)
    run = mlflow.last_active_run()
    assert run is not None
    assert run.info.status == "FAILED"


def test_disable_restores_the_originals(workdir: Path) -> None:
    originals = (
        xgboost.train,
        xgboost.sklearn.train,
        xgboost.XGBModel.fit,
        xgboost.DMatrix.__init__,
    )
    mlflow.xgboost.autolog()
    assert xgboost.train is not originals[0]
    mlflow.xgboost.autolog(disable=True)
    assert (
        xgboost.train,
        xgboost.sklearn.train,
        xgboost.XGBModel.fit,
        xgboost.DMatrix.__init__,
    ) == originals
    xgboost.train({}, xgboost.DMatrix([[0.0], [1.0]], label=[0, 1]), num_boost_round=1)
    assert mlflow.last_active_run() is None


_TRAININGS = """
import xgboost
from sklearn.datasets import load_diabetes, load_iris
def trainings():
    x, y = load_diabetes(return_X_y=True)
    train = xgboost.DMatrix(x[:300], label=y[:300])
    valid = xgboost.DMatrix(x[300:], label=y[300:])
    with mlflow.start_run() as native:
        xgboost.train({"max_depth": 2, "eta": 0.3}, train, num_boost_round=20,
                      evals=[(train, "train"), (valid, "valid")], early_stopping_rounds=3,
                      verbose_eval=False)
    x, y = load_iris(return_X_y=True, as_frame=True)
    with mlflow.start_run() as estimator:
        xgboost.XGBClassifier(n_estimators=4, max_depth=2).fit(
            x, y, eval_set=[(x, y)], verbose=False)
    return [native.info.run_id, estimator.info.run_id]
"""


@pytest.mark.interop
def test_autolog_matches_mlflow(workdir: Path, mlflow_python: str) -> None:
    ours, theirs = autolog_summaries("xgboost", _TRAININGS, mlflow_python, workdir)
    assert ours == theirs
