"""Validation thresholds of ``mlharbor.evaluate`` and the regressor's residuals plot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.evaluation_thresholds import ModelValidationFailedException
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models import MetricThreshold
from tests.client.isolation import isolated_workdir


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from isolated_workdir(tmp_path, monkeypatch)


def _iris() -> tuple[pd.DataFrame, pd.DataFrame]:
    features, target = load_iris(return_X_y=True, as_frame=True)
    data = features.copy()
    data["label"] = target
    return features, data


def test_passing_thresholds_return_the_result(workdir: Path) -> None:
    features, data = _iris()
    model = LogisticRegression(max_iter=500).fit(features, data["label"])
    result = mlflow.evaluate(
        model,
        data,
        targets="label",
        model_type="classifier",
        validation_thresholds={
            "accuracy_score": MetricThreshold(threshold=0.9, greater_is_better=True)
        },
    )
    assert result.metrics["accuracy_score"] >= 0.9


def test_a_missed_threshold_fails_loudly_and_keeps_the_figures(workdir: Path) -> None:
    features, data = _iris()
    model = DummyClassifier(strategy="most_frequent").fit(features, data["label"])
    with mlflow.start_run() as run, pytest.raises(ModelValidationFailedException) as caught:
        mlflow.evaluate(
            model,
            data,
            targets="label",
            model_type="classifier",
            validation_thresholds={
                "accuracy_score": MetricThreshold(threshold=0.8, greater_is_better=True),
                "no_such_metric": MetricThreshold(threshold=1.0, greater_is_better=True),
            },
        )
    message = str(caught.value)
    assert "accuracy_score=0.333" in message
    assert "threshold 0.8" in message
    assert "no_such_metric was not computed" in message
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    logged = MlharborClient().get_run(run.info.run_id).data.metrics
    assert logged["accuracy_score"] == pytest.approx(1 / 3)


def test_change_thresholds_compare_with_a_baseline(workdir: Path) -> None:
    features, data = _iris()
    baseline = mlflow.evaluate(
        DummyClassifier(strategy="most_frequent").fit(features, data["label"]),
        data,
        targets="label",
        model_type="classifier",
    )
    candidate = LogisticRegression(max_iter=500).fit(features, data["label"])
    gain = {"accuracy_score": MetricThreshold(min_absolute_change=0.5, greater_is_better=True)}
    mlflow.evaluate(
        candidate,
        data,
        targets="label",
        model_type="classifier",
        validation_thresholds=gain,
        baseline_result=baseline,
    )
    too_much = {"accuracy_score": MetricThreshold(min_relative_change=5.0, greater_is_better=True)}
    with pytest.raises(ModelValidationFailedException, match=r"by at least 500\.00%"):
        mlflow.evaluate(
            candidate,
            data,
            targets="label",
            model_type="classifier",
            validation_thresholds=too_much,
            baseline_result=baseline,
        )
    with pytest.raises(ModelValidationFailedException, match="no baseline"):
        mlflow.evaluate(
            candidate, data, targets="label", model_type="classifier", validation_thresholds=gain
        )


def test_lower_is_better_metrics(workdir: Path) -> None:
    features, target = load_diabetes(return_X_y=True, as_frame=True)
    data = features.copy()
    data["y"] = target
    model = LinearRegression().fit(features, target)
    with pytest.raises(ModelValidationFailedException, match="must be lower"):
        mlflow.evaluate(
            model,
            data,
            targets="y",
            model_type="regressor",
            validation_thresholds={
                "mean_absolute_error": MetricThreshold(threshold=1.0, greater_is_better=False)
            },
        )


def test_regressor_logs_a_residuals_plot(workdir: Path) -> None:
    features, target = load_diabetes(return_X_y=True, as_frame=True)
    data = features.copy()
    data["y"] = target
    with mlflow.start_run() as run:
        result = mlflow.evaluate(
            LinearRegression().fit(features, target), data, targets="y", model_type="regressor"
        )
    plot = Path(result.artifacts["residuals_plot"].local_path)
    assert plot.read_bytes()[:4] == b"\x89PNG"
    files = {f.path for f in MlharborClient().list_artifacts(run.info.run_id)}
    assert "residuals_plot.png" in files


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": 0.5}, "greater_is_better"),
        ({"greater_is_better": True}, "at least one of"),
        ({"min_absolute_change": -1.0, "greater_is_better": True}, "positive number"),
    ],
)
def test_malformed_thresholds_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        MetricThreshold(**kwargs)  # type: ignore[arg-type]
