"""The official mlflow 3.17.2 client, unchanged, against a real ``mlharbor server``."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.servers import RunningServer

pytestmark = pytest.mark.interop

SCRIPTS = Path(__file__).parent / "official"


def _run_official(mlflow_python: str, server: RunningServer, script: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": server.url,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "GIT_PYTHON_REFRESH": "quiet",
    }
    completed = subprocess.run(
        [mlflow_python, str(SCRIPTS / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:] + "\n" + server.log()[-3000:]
    results: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return results


def test_tracking_tour(mlflow_python: str, live_server: RunningServer) -> None:
    results = _run_official(mlflow_python, live_server, "tracking_tour.py")
    assert results["params"] == {"alpha": "0.1", "l1": "0.5", "solver": "lbfgs"}
    assert results["metrics"] == {"loss": pytest.approx(1 / 3), "acc": 0.9, "f1": None}
    assert results["tags"] == {"team": "ml", "stage": "dev"}
    assert results["status"] == "FINISHED"
    assert results["history"] == [[0, 1.0], [1, 0.5], [2, pytest.approx(1 / 3)]]
    assert results["top_artifacts"] == ["dicts", "notes", "results", "texts"]
    assert results["results_artifacts"] == ["results/a.csv", "results/sub"]
    assert results["downloaded"] == "hello"
    assert results["text"] == "some text"
    assert results["dict"] == {"k": [1, 2]}
    assert results["datasets"] == ["train-df"]
    assert results["model_outputs"] == [results["model_id"]]
    assert results["predictions_match"] is True
    assert results["logged_model_status"] == "READY"
    assert results["logged_model_params"]["alpha"] == "0.1"
    assert len(results["search_ids"]) == 1
    assert results["run_count"] == 2
    assert (results["deleted_stage"], results["restored_stage"]) == ("deleted", "active")
    assert results["experiment_tags"]["project"] == "tour"
    assert results["param_change_error"] == "INVALID_PARAMETER_VALUE"
    assert results["missing_experiment"] is None


def test_seed000_train_register_alias_and_load(
    mlflow_python: str, live_server: RunningServer
) -> None:
    results = _run_official(mlflow_python, live_server, "seed000.py")
    assert results["version"] == "1"
    assert results["alias_version"] == "1"
    assert results["predictions"] == results["expected"]
    assert results["run_status"] == "FINISHED"
