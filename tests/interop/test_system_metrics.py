"""System metrics across tools: MLflow's sampler and ours log the same ``system/...`` names to
an mlharbor server, and the official client reads the series mlharbor logged."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import mlharbor
from tests.client.isolation import reset_client_state
from tests.fixtures.servers import RunningServer

_MLFLOW_SCRIPT = """
import json, sys, time, mlflow
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_system_metrics_sampling_interval(0.2)
with mlflow.start_run(log_system_metrics=True) as run:
    time.sleep(1.5)
client = mlflow.MlflowClient()
ours = client.get_metric_history(sys.argv[2], "system/cpu_utilization_percentage")
print(json.dumps({
    "run_id": run.info.run_id,
    "keys": sorted(client.get_run(run.info.run_id).data.metrics),
    "our_steps": [m.step for m in ours],
}))
"""


@pytest.fixture
def fresh_state(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("MLFLOW_", "MLHARBOR_")):
            monkeypatch.delenv(name)
    reset_client_state()


def test_same_names_both_ways(
    fresh_state: None, mlharbor_server: RunningServer, mlflow_python: Path
) -> None:
    mlharbor.set_tracking_uri(mlharbor_server.url)
    mlharbor.set_system_metrics_sampling_interval(0.2)
    try:
        with mlharbor.start_run(log_system_metrics=True) as run:
            time.sleep(1.5)
    finally:
        mlharbor.set_system_metrics_sampling_interval(None)
        reset_client_state()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PYTHONPATH"))}
    env.update({"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"})
    out = subprocess.run(
        [str(mlflow_python), "-c", _MLFLOW_SCRIPT, mlharbor_server.url, run.info.run_id],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env=env,
    ).stdout
    theirs = json.loads(out.strip().splitlines()[-1])
    assert len(theirs["our_steps"]) >= 3  # the official client reads our series
    ours = mlharbor.MlflowClient(mlharbor_server.url).get_run(run.info.run_id).data.metrics
    their_keys = set(theirs["keys"])
    assert "system/cpu_utilization_percentage" in their_keys
    assert set(ours) == their_keys
