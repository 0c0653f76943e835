"""Autologging of seed 003's ``GridSearchCV`` tuning, compared name for name with MLflow 3.17.2:
the search run's params, metrics and artifacts, its child runs and its logged models."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

import mlharbor as mlflow

# Seed 003's grid search (a smaller grid) inside a run; ``target`` picks a numpy or pandas y.
_SEARCH = """
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.preprocessing import StandardScaler

def search(target):
    x, y = load_diabetes(return_X_y=True, as_frame=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, random_state=0)
    x_train_s = StandardScaler().fit_transform(x_train)
    if target == "numpy":
        y_train = y_train.to_numpy()
    exp_id = mlflow.create_experiment("exp-" + target)
    with mlflow.start_run(experiment_id=exp_id, run_name="gridsearch_tuning01") as run:
        mlflow.sklearn.autolog()
        params = {"n_neighbors": range(1, 5), "metric": ["euclidean", "manhattan"]}
        model = GridSearchCV(KNeighborsRegressor(), params, cv=3)
        model.fit(x_train_s, y_train)
        mlflow.sklearn.autolog(disable=True)
    return describe(mlflow.MlflowClient(), exp_id, run.info.run_id)

def describe(client, exp_id, run_id):
    def names(run):
        tags = sorted(k for k in run.data.tags if not k.startswith("mlflow."))
        artifacts = sorted(f.path for f in client.list_artifacts(run.info.run_id))
        return {"params": sorted(run.data.params), "metrics": sorted(run.data.metrics),
                "tags": tags, "artifacts": artifacts}
    children = client.search_runs([exp_id], f"tags.mlflow.parentRunId = '{run_id}'")
    return {
        "parent": names(client.get_run(run_id)),
        "children": sorted(json.dumps(names(r), sort_keys=True) for r in children),
        "child_params": sorted(r.data.params["n_neighbors"] for r in children),
        "models": sorted(m.name for m in client.search_logged_models([exp_id])),
    }
"""


def _mlflow_results(mlflow_python: str, workdir: Path) -> dict[str, Any]:
    script = (
        "import json, warnings\nwarnings.simplefilter('ignore')\nimport mlflow\n"
        "mlflow.set_tracking_uri('sqlite:///reference.db')\n"
        + _SEARCH
        + "print(json.dumps(search('numpy')))\n"
    )
    result = subprocess.run(
        [mlflow_python, "-c", script], capture_output=True, text=True, timeout=300, cwd=workdir
    )
    assert result.returncode == 0, result.stderr[-3000:]
    reply: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return reply


@pytest.mark.interop
def test_grid_search_matches_mlflow(workdir: Path, mlflow_python: str) -> None:
    theirs = _mlflow_results(mlflow_python, workdir)
    namespace: dict[str, Any] = {"mlflow": mlflow, "json": json}
    exec(_SEARCH, namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ours = namespace["search"]("numpy")
    assert ours == theirs
    assert "best_n_neighbors" in ours["parent"]["params"]
    assert "cv_results.csv" in ours["parent"]["artifacts"]
    assert len(ours["children"]) == 5
    # MLflow loses the child runs when y is a pandas Series; they are logged all the same.
    assert namespace["search"]("pandas") == ours
