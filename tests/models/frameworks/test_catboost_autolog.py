"""``mlharbor.catboost.autolog`` (MLflow has none): params, per-iteration metrics, importance,
the model, datasets; and ``mlharbor.autolog()`` enabling it (and statsmodels) on import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import catboost
import numpy as np

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient


def _summary(run_id: str) -> dict[str, Any]:
    client = MlharborClient()
    run = client.get_run(run_id)
    return {
        "params": dict(run.data.params),
        "steps": {
            k: [m.step for m in client.get_metric_history(run_id, k)] for k in run.data.metrics
        },
        "artifacts": sorted(f.path for f in client.list_artifacts(run_id)),
        "contexts": sorted(t.value for i in run.inputs.dataset_inputs for t in i.tags),
    }


def test_fit_logs_params_metrics_importance_and_model(workdir: Path, iris: Any) -> None:
    features, target = iris
    mlflow.catboost.autolog()
    try:
        with mlflow.start_run() as run:
            model = catboost.CatBoostClassifier(iterations=4, depth=2, verbose=False)
            model.fit(features[:120], target[:120], eval_set=(features[120:], target[120:]))
    finally:
        mlflow.catboost.autolog(disable=True)

    summary = _summary(run.info.run_id)
    assert summary["params"] == {"iterations": "4", "depth": "2", "verbose": "False"}
    assert summary["steps"] == {
        "learn-MultiClass": [0, 1, 2, 3],
        "validation-MultiClass": [0, 1, 2, 3],
    }
    assert summary["artifacts"] == [
        "feature_importance_PredictionValuesChange.json",
        "feature_importance_PredictionValuesChange.png",
    ]
    assert summary["contexts"] == ["eval", "train"]
    pyfunc = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    assert pyfunc.metadata.signature is not None
    np.testing.assert_array_equal(pyfunc.predict(features), model.predict(features))


def test_early_stopping_logs_best_iteration_and_train_fits_too(workdir: Path, iris: Any) -> None:
    features, target = iris
    mlflow.catboost.autolog(log_models=False)
    try:
        pool = catboost.Pool(features[:120], target[:120])
        model = catboost.train(
            pool,
            {"iterations": 30, "depth": 2, "loss_function": "MultiClass", "verbose": False},
            eval_set=catboost.Pool(features[120:], target[120:]),
            early_stopping_rounds=2,
        )
    finally:
        mlflow.catboost.autolog(disable=True)

    run = mlflow.last_active_run()
    assert run is not None
    assert run.info.status == "FINISHED"
    summary = _summary(run.info.run_id)
    assert summary["params"]["early_stopping_rounds"] == "2"
    rounds = len(model.get_evals_result()["learn"]["MultiClass"])
    assert summary["steps"]["learn-MultiClass"] == [*range(rounds), rounds]
    data = MlharborClient().get_run(run.info.run_id).data.metrics
    assert data["best_iteration"] == model.get_best_iteration()
    assert data["stopped_iteration"] == rounds
    assert summary["contexts"] == []
    assert "model" not in summary["artifacts"]


_LATER_IMPORT = """
import json, sys
import mlharbor as mlflow

mlflow.autolog(log_models=False)
imported = sorted({"catboost", "statsmodels"} & set(sys.modules))
import catboost
import statsmodels.api as sm
from sklearn.datasets import load_iris

features, target = load_iris(return_X_y=True)
with mlflow.start_run() as boosted:
    catboost.CatBoostRegressor(iterations=3, verbose=False).fit(features, target)
with mlflow.start_run() as linear:
    sm.OLS(target, features).fit()
client = mlflow.MlflowClient()
print(json.dumps({
    "imported_by_autolog": imported,
    "catboost": client.get_run(boosted.info.run_id).data.params,
    "statsmodels": sorted(client.get_run(linear.info.run_id).data.params),
}))
"""


def test_universal_autolog_enables_catboost_and_statsmodels_on_import(workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    result = subprocess.run(
        [sys.executable, "-c", _LATER_IMPORT],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["imported_by_autolog"] == []
    assert report["catboost"] == {"iterations": "3", "loss_function": "RMSE", "verbose": "False"}
    assert report["statsmodels"] == ["cov_kwds", "cov_type", "kwargs", "method", "use_t"]
