"""``performance_drift``: the same numbers as scikit-learn, degradation signs, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from mlharbor.client.client import MlharborClient
from mlharbor.exceptions import MlharborException
from mlharbor.monitoring import performance_drift


def _classified(rows: int, seed: int, error_rate: float, classes: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    target = rng.integers(0, classes, rows)
    wrong = rng.random(rows) < error_rate
    prediction = np.where(wrong, (target + 1) % classes, target)
    return pd.DataFrame({"target": target, "prediction": prediction})


@pytest.mark.parametrize(("classes", "average"), [(2, "binary"), (3, "weighted")])
def test_classification_matches_sklearn(classes: int, average: str) -> None:
    reference = _classified(400, seed=1, error_rate=0.05, classes=classes)
    current = _classified(300, seed=2, error_rate=0.3, classes=classes)
    report = performance_drift(reference, current)
    for side, data in (("reference", reference), ("current", current)):
        y, y_pred = data.target, data.prediction
        scores = getattr(report, side)
        assert scores["accuracy"] == pytest.approx(skm.accuracy_score(y, y_pred))
        assert scores["precision"] == pytest.approx(skm.precision_score(y, y_pred, average=average))
        assert scores["recall"] == pytest.approx(skm.recall_score(y, y_pred, average=average))
        assert scores["f1"] == pytest.approx(skm.f1_score(y, y_pred, average=average))
    assert report.degradation["accuracy"] == pytest.approx(
        report.reference["accuracy"] - report.current["accuracy"]
    )
    assert report.degradation["accuracy"] > 0.15


def test_regression_matches_sklearn_and_degradation_points_to_worse() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    reference = pd.DataFrame({"y": y, "p": y + rng.normal(0, 0.1, 200)})
    current = pd.DataFrame({"y": y, "p": y + rng.normal(0, 0.5, 200)})
    report = performance_drift(reference, current, target="y", prediction="p", task="regression")
    assert report.current["rmse"] == pytest.approx(
        np.sqrt(skm.mean_squared_error(current.y, current.p))
    )
    assert report.current["mae"] == pytest.approx(skm.mean_absolute_error(current.y, current.p))
    assert report.reference["r2"] == pytest.approx(skm.r2_score(reference.y, reference.p))
    # worse on every metric: rmse and mae grew, r2 fell, all degradations positive
    assert all(value > 0 for value in report.degradation.values())


def test_text_labels_and_missing_rows() -> None:
    reference = pd.DataFrame(
        {"target": ["no", "yes", "yes", None], "prediction": ["no", "yes", "no", "no"]}
    )
    current = pd.DataFrame({"target": ["yes", "yes"], "prediction": ["yes", "yes"]})
    report = performance_drift(reference, current)
    assert report.reference["accuracy"] == pytest.approx(2 / 3)
    # "yes" is the positive class on both sides, although the current side never shows "no"
    assert report.current["recall"] == 1.0
    assert report.reference["recall"] == 0.5


@pytest.mark.parametrize(
    ("reference", "options", "message"),
    [
        ("not a frame", {}, "DataFrame"),
        (pd.DataFrame({"target": [1]}), {}, "prediction"),
        (pd.DataFrame({"target": [1], "prediction": [1]}), {"task": "ranking"}, "task"),
        (pd.DataFrame({"target": [None], "prediction": [1]}), {}, "no rows with both"),
        (
            pd.DataFrame({"target": ["a"], "prediction": ["b"]}),
            {"task": "regression"},
            "numbers",
        ),
    ],
)
def test_bad_input(reference: object, options: dict[str, str], message: str) -> None:
    current = pd.DataFrame({"target": [1], "prediction": [1]})
    with pytest.raises(MlharborException, match=message) as caught:
        performance_drift(reference, current, **options)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_reports_and_logging(workdir: Path) -> None:
    report = performance_drift(_classified(100, 1, 0.1, 2), _classified(100, 2, 0.4, 2))
    assert json.loads(report.to_json())["degradation"]["f1"] == pytest.approx(
        report.degradation["f1"]
    )
    assert "<table>" in report.to_html()
    run_id = report.log_to_run()
    client = MlharborClient()
    metrics = client.get_run(run_id).data.metrics
    assert metrics["performance.current.accuracy"] == pytest.approx(report.current["accuracy"])
    assert metrics["performance.degradation.accuracy"] == pytest.approx(
        report.degradation["accuracy"]
    )
    files = {f.path for f in client.list_artifacts(run_id, "performance")}
    assert files == {"performance/report.html", "performance/report.json"}
