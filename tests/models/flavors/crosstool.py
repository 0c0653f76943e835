"""The same trainings autologged by MLflow 3.17.2 (in its own interpreter) and by mlharbor,
summarised as param values, per-metric point counts and artifact names."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient

# Appended to a flavor's training source: one summary per run id ``trainings()`` returns.
_SUMMARY = """
def summary(client, run_id):
    data = client.get_run(run_id).data
    return {
        "params": dict(data.params),
        "metrics": {k: len(client.get_metric_history(run_id, k)) for k in data.metrics},
        "artifacts": sorted(f.path for f in client.list_artifacts(run_id)),
    }
"""


def autolog_summaries(
    flavor: str, trainings: str, mlflow_python: str, workdir: Path
) -> tuple[list[Any], list[Any]]:
    """``(mlharbor's, MLflow's)`` summaries of ``trainings`` (source defining ``trainings()``,
    run with ``mlflow`` bound to each library) under ``<flavor>.autolog(log_models=False)``."""
    source = trainings + _SUMMARY
    script = (
        "import json, warnings\nwarnings.simplefilter('ignore')\nimport mlflow\n"
        "mlflow.set_tracking_uri('sqlite:///reference.db')\n"
        f"mlflow.{flavor}.autolog(log_models=False)\n" + source + "client = mlflow.MlflowClient()\n"
        "print(json.dumps([summary(client, r) for r in trainings()]))\n"
    )
    result = subprocess.run(
        [mlflow_python, "-c", script], capture_output=True, text=True, timeout=300, cwd=workdir
    )
    assert result.returncode == 0, result.stderr[-3000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    namespace: dict[str, Any] = {"mlflow": mlflow}
    exec(source, namespace)
    integration = getattr(mlflow, flavor)
    integration.autolog(log_models=False)
    try:
        ours = [namespace["summary"](MlharborClient(), r) for r in namespace["trainings"]()]
    finally:
        integration.autolog(disable=True)
    return ours, theirs
