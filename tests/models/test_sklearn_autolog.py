"""scikit-learn autologging (seed 002 §4.2) against the embedded SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, train_test_split

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient


@pytest.fixture
def autologging(workdir: Path) -> Iterator[None]:
    """Autologging on for one test; fit methods are restored afterwards."""
    mlflow.sklearn.autolog()
    yield
    mlflow.sklearn.autolog(disable=True)


def test_seed_002_random_forest(autologging: None) -> None:
    x, y = load_iris(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)
    with mlflow.start_run() as run:
        clf = RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0)
        clf.fit(x_train, y_train)
        test_accuracy = clf.score(x_test, y_test)
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert data.params["n_estimators"] == "20"
    assert data.params["max_depth"] == "5"
    assert data.params["criterion"] == "gini"
    assert data.tags["estimator_name"] == "RandomForestClassifier"
    # sklearn.metrics, not clf.score: a score call would itself be autologged
    train_accuracy = accuracy_score(y_train, clf.predict(x_train))
    assert data.metrics["training_accuracy_score"] == pytest.approx(train_accuracy)
    assert {
        "training_precision_score",
        "training_recall_score",
        "training_f1_score",
        "training_log_loss",
        "training_roc_auc",
    } <= set(data.metrics)
    artifacts = {f.path for f in client.list_artifacts(run.info.run_id)}
    assert artifacts == {"estimator.html", "training_confusion_matrix.png", "metric_info.json"}
    assert data.metrics["RandomForestClassifier_score_x_test"] == test_accuracy
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "dataset"
    assert [(t.key, t.value) for t in inputs[0].tags] == [("mlflow.data.context", "train")]
    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert len(outputs) == 1
    logged = client.get_logged_model(outputs[0].model_id)
    assert logged.name == "model"
    assert {m.key for m in logged.metrics} == set(data.metrics)
    training = {(m.dataset_name, m.dataset_digest) for m in logged.metrics if "training" in m.key}
    assert training == {("dataset", inputs[0].dataset.digest)}
    info = client.download_artifacts(run.info.run_id, "metric_info.json")
    assert json.loads(Path(info).read_text()) == {
        "RandomForestClassifier_score_x_test": "RandomForestClassifier.score(X=x_test, y=y_test)"
    }
    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(x_test), clf.predict(x_test))
    assert loaded.metadata.signature is not None


def test_fit_outside_a_run_gets_its_own_finished_run(autologging: None) -> None:
    x, y = load_diabetes(return_X_y=True)
    LinearRegression().fit(x, y)
    run = mlflow.last_active_run()
    assert run is not None
    assert run.info.status == "FINISHED"
    assert mlflow.active_run() is None
    assert {"training_mean_squared_error", "training_r2_score", "training_score"} <= set(
        run.data.metrics
    )


def test_meta_estimator_logs_once(autologging: None) -> None:
    x, y = load_iris(return_X_y=True)
    with mlflow.start_run() as run:
        GridSearchCV(RandomForestClassifier(n_estimators=3), {"max_depth": [2, 3]}, cv=2).fit(x, y)
    client = MlharborClient()
    assert client.get_run(run.info.run_id).data.tags["estimator_name"] == "GridSearchCV"
    # the search and its refitted best estimator; the inner fits log nothing of their own
    assert len(client.get_run(run.info.run_id).outputs.model_outputs) == 2
    children = client.search_runs(["0"], f"tags.mlflow.parentRunId = '{run.info.run_id}'")
    assert len(children) == 2
    assert len(client.search_runs(["0"])) == 3


def test_failing_fit_fails_the_run_it_started(autologging: None) -> None:
    with pytest.raises(ValueError, match="n_estimators"):
        RandomForestClassifier(n_estimators=0).fit([[0.0], [1.0]], [0, 1])
    run = mlflow.last_active_run()
    assert run is not None
    assert run.info.status == "FAILED"


def test_disable_restores_plain_fit(workdir: Path) -> None:
    original = RandomForestClassifier.fit
    mlflow.sklearn.autolog()
    assert RandomForestClassifier.fit is not original
    mlflow.sklearn.autolog(disable=True)
    assert RandomForestClassifier.fit is original
    RandomForestClassifier(n_estimators=2).fit([[0.0], [1.0]], [0, 1])
    assert mlflow.last_active_run() is None


_FITS = """
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge
def fits():
    x, y = load_iris(return_X_y=True)
    with mlflow.start_run() as classifier_run:
        RandomForestClassifier(n_estimators=10, max_depth=3, random_state=0).fit(x, y)
    x, y = load_diabetes(return_X_y=True)
    with mlflow.start_run() as regressor_run:
        Ridge(alpha=0.5).fit(x, y, sample_weight=[1.0 + i % 3 for i in range(len(y))])
    return [classifier_run.info.run_id, regressor_run.info.run_id]
"""

_SUMMARY = """
def summary(client, run_id):
    data = client.get_run(run_id).data
    return {
        "params": dict(data.params),
        "metrics": dict(data.metrics),
        "tags": {k: v for k, v in data.tags.items() if k.startswith("estimator_")},
    }
"""


@pytest.mark.interop
def test_autolog_matches_mlflow(autologging: None, mlflow_python: str, workdir: Path) -> None:
    import subprocess

    script = (
        "import json, warnings\nwarnings.simplefilter('ignore')\nimport mlflow\n"
        "mlflow.set_tracking_uri('sqlite:///reference.db')\n"
        + _FITS
        + _SUMMARY
        + "mlflow.sklearn.autolog()\nclient = mlflow.MlflowClient()\n"
        + "print(json.dumps([summary(client, r) for r in fits()]))\n"
    )
    result = subprocess.run(
        [mlflow_python, "-c", script], capture_output=True, text=True, timeout=300, cwd=workdir
    )
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    namespace: dict[str, object] = {"mlflow": mlflow}
    exec(_FITS + _SUMMARY, namespace)
    run_ids = namespace["fits"]()  # type: ignore[operator]
    summary = namespace["summary"]
    ours = [summary(MlharborClient(), r) for r in run_ids]  # type: ignore[operator]
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine["params"] == reference["params"]
        assert mine["tags"] == reference["tags"]
        assert mine["metrics"] == pytest.approx(reference["metrics"], rel=1e-9)
