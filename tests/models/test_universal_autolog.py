"""``mlharbor.autolog()``: every supported library, whether imported before or after the call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient


def _fit_in_run() -> dict[str, str]:
    features, target = load_iris(return_X_y=True)
    with mlflow.start_run() as run:
        RandomForestClassifier(n_estimators=3, random_state=0).fit(features, target)
    return MlharborClient().get_run(run.info.run_id).data.params


def test_an_imported_library_is_autologged_at_once(workdir: Path) -> None:
    mlflow.autolog(log_models=False)
    try:
        assert _fit_in_run()["n_estimators"] == "3"
    finally:
        mlflow.autolog(disable=True)
    assert _fit_in_run() == {}


def test_excluded_flavors_are_left_alone(workdir: Path) -> None:
    mlflow.autolog(exclude_flavors=["sklearn"])
    try:
        assert _fit_in_run() == {}
    finally:
        mlflow.autolog(disable=True)


_LATER_IMPORT = """
import json, sys
import mlharbor as mlflow

mlflow.autolog(log_models=False)
heavy = sorted({"sklearn", "xgboost", "lightgbm", "torch"} & set(sys.modules))
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

features, target = load_iris(return_X_y=True)
with mlflow.start_run() as run:
    LogisticRegression(max_iter=300).fit(features, target)
params = mlflow.MlflowClient().get_run(run.info.run_id).data.params
print(json.dumps({"imported_by_autolog": heavy, "params": params}))
"""


def test_a_library_imported_later_is_autologged_on_import(workdir: Path) -> None:
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
    assert report["params"]["max_iter"] == "300"


def test_enabling_twice_wraps_once(workdir: Path) -> None:
    import xgboost

    original = xgboost.train
    mlflow.xgboost.autolog()
    mlflow.xgboost.autolog(log_models=False)
    try:
        assert xgboost.train.__wrapped__ is original  # type: ignore[attr-defined]
    finally:
        mlflow.xgboost.autolog(disable=True)
    assert xgboost.train is original
