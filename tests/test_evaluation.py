"""``mlharbor.evaluate``: metrics, logged artifacts, and agreement with MLflow's evaluator."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.exceptions import InvalidParameterValue
from tests.client.isolation import isolated_workdir

CASES = {
    "binary": (
        load_breast_cancer,
        make_pipeline(StandardScaler(), LogisticRegression()),
        "classifier",
    ),
    "multiclass": (load_iris, LogisticRegression(max_iter=500), "classifier"),
    "regression": (load_diabetes, LinearRegression(), "regressor"),
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary cwd whose default SQLite store starts empty."""
    yield from isolated_workdir(tmp_path, monkeypatch)


def _labelled(loader: Any) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    features, target = loader(return_X_y=True, as_frame=True)
    data = features.copy()
    data["label"] = target
    return features, data, target


def _evaluate_ours(case: str) -> dict[str, float]:
    loader, estimator, model_type = CASES[case]
    features, data, target = _labelled(loader)
    model = estimator.fit(features, target)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model")
        result = mlflow.evaluate(info.model_uri, data, targets="label", model_type=model_type)
    return result.metrics


def test_binary_classifier_logs_metrics_and_plots(workdir: Path) -> None:
    features, data, target = _labelled(load_breast_cancer)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(features, target)
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(model, name="model")
        result = mlflow.evaluate(info.model_uri, data, targets="label", model_type="classifier")
    client = MlharborClient()
    logged = client.get_run(run.info.run_id).data.metrics
    assert logged == pytest.approx(result.metrics)
    counts = [
        result.metrics[k]
        for k in ("true_negatives", "false_positives", "false_negatives", "true_positives")
    ]
    assert sum(counts) == len(data)
    assert result.metrics["accuracy_score"] == pytest.approx(model.score(features, target))
    files = {f.path for f in client.list_artifacts(run.info.run_id)}
    plots = {"confusion_matrix.png", "roc_curve_plot.png", "precision_recall_curve_plot.png"}
    assert plots <= files
    assert Path(result.artifacts["confusion_matrix"].local_path).read_bytes()[:4] == b"\x89PNG"


def test_multiclass_writes_per_class_table(workdir: Path) -> None:
    features, data, target = _labelled(load_iris)
    model = LogisticRegression(max_iter=500).fit(features, target)
    with mlflow.start_run():
        result = mlflow.evaluate(model, data, targets="label", model_type="classifier")
    table = pd.read_csv(result.artifacts["per_class_metrics"].local_path)
    assert table["positive_class"].tolist() == [0, 1, 2]
    assert table["example_count"].sum() == len(data)


def test_predictions_column_and_new_run(workdir: Path) -> None:
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0], "p": [1.0, 2.5, 2.0]})
    result = mlflow.evaluate(data=data, targets="y", predictions="p", model_type="regressor")
    assert result.metrics["max_error"] == 1.0
    assert result.metrics["mean_absolute_error"] == pytest.approx(0.5)
    run = MlharborClient().get_run(str(result.run_id))
    assert run.info.status == "FINISHED"
    assert mlflow.active_run() is None


def test_invalid_arguments(workdir: Path) -> None:
    data = pd.DataFrame({"y": [1, 0]})
    with pytest.raises(InvalidParameterValue, match="model_type"):
        mlflow.evaluate(data=data, targets="y", predictions="y", model_type="ranker")
    with pytest.raises(InvalidParameterValue, match="Targets column 'nope'"):
        mlflow.evaluate(lambda d: np.zeros(len(d)), data, targets="nope", model_type="classifier")
    with pytest.raises(InvalidParameterValue, match="Either `model` or `predictions`"):
        mlflow.evaluate(data=data, targets="y", model_type="classifier")


_MLFLOW_SCRIPT = """
import json, warnings
warnings.simplefilter("ignore")
import mlflow
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
mlflow.set_tracking_uri("sqlite:///reference.db")
cases = {
    "binary": (load_breast_cancer, make_pipeline(StandardScaler(), LogisticRegression()),
               "classifier"),
    "multiclass": (load_iris, LogisticRegression(max_iter=500), "classifier"),
    "regression": (load_diabetes, LinearRegression(), "regressor"),
}
out = {}
for case, (loader, estimator, model_type) in cases.items():
    features, target = loader(return_X_y=True, as_frame=True)
    data = features.copy()
    data["label"] = target
    model = estimator.fit(features, target)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle")
        result = mlflow.evaluate(info.model_uri, data, targets="label", model_type=model_type)
    out[case] = {k: float(v) for k, v in result.metrics.items()}
print(json.dumps(out))
"""


@pytest.mark.interop
def test_metrics_match_mlflow_evaluator(workdir: Path, mlflow_python: str) -> None:
    result = subprocess.run(
        [mlflow_python, "-c", _MLFLOW_SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    for case in CASES:
        ours = _evaluate_ours(case)
        assert ours == pytest.approx(theirs[case], rel=1e-9), case
