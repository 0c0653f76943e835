"""The official MLflow client sees a sweep's trials as ordinary child runs."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import mlharbor

pytestmark = pytest.mark.interop

_READ = """
import json, sys
from mlflow import MlflowClient
client = MlflowClient()
experiment = client.get_experiment_by_name("interop-sweep")
runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
print(json.dumps([
    {"id": r.info.run_id, "status": r.info.status, "params": r.data.params,
     "metrics": r.data.metrics, "parent": r.data.tags.get("mlflow.parentRunId")}
    for r in runs
]))
"""


def test_official_client_reads_trials_as_child_runs(server_url: str, mlflow_python: str) -> None:
    config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"lr": {"values": [0.1, 0.01]}},
    }
    sweep_id = mlharbor.sweep(config, experiment_name="interop-sweep")
    mlharbor.agent(
        sweep_id, function=lambda: mlharbor.log_metric("loss", mlharbor.sweep_config().lr)
    )
    sweep = mlharbor.MlharborClient().get_sweep(sweep_id)

    env = {**os.environ, "MLFLOW_TRACKING_URI": server_url}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [mlflow_python, "-c", _READ], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    parent, *children = json.loads(done.stdout.strip().splitlines()[-1])
    assert parent["id"] == sweep.parent_run_id
    assert parent["status"] == "FINISHED"
    assert parent["metrics"] == {"loss": 0.01}
    assert [c["params"] for c in children] == [{"lr": "0.1"}, {"lr": "0.01"}]
    assert {c["parent"] for c in children} == {sweep.parent_run_id}
    assert {c["status"] for c in children} == {"FINISHED"}
