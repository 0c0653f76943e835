"""The same MLflow-style workflow script, run by each client against each server.

``import mlflow`` (the reference 3.17.2 client) and ``import mlharbor as mlflow`` each run
``workflows/tracking_workflow.py`` against a real ``mlflow server`` and a real
``mlharbor server``. The mlflow-on-mlflow run keeps the script's expectations honest.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from tests.fixtures.servers import RunningServer

WORKFLOW = Path(__file__).parent / "workflows" / "tracking_workflow.py"
_TIMEOUT_S = 300


def _run_workflow(
    python: str, flavor: str, server: RunningServer, workdir: Path, *extra: str
) -> None:
    experiment = f"interop-{flavor}-{uuid.uuid4().hex[:8]}"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(workdir),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        # Fail fast instead of retrying a broken server for minutes.
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0",
    }
    result = subprocess.run(
        [python, str(WORKFLOW), flavor, server.url, experiment, str(workdir), *extra],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        env=env,
        cwd=workdir,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"{flavor} workflow failed:\n{output[-6000:]}\n{server.log()[-3000:]}"
    )
    assert "WORKFLOW OK" in result.stdout


def test_mlharbor_client_against_mlflow_server(
    mlflow_server: RunningServer, tmp_path: Path
) -> None:
    _run_workflow(sys.executable, "mlharbor", mlflow_server, tmp_path)


def test_mlflow_client_against_mlflow_server(
    mlflow_python: str, mlflow_server: RunningServer, tmp_path: Path
) -> None:
    _run_workflow(mlflow_python, "mlflow", mlflow_server, tmp_path, "--models")


def test_mlflow_client_against_mlharbor_server(
    mlflow_python: str, mlharbor_server: RunningServer, tmp_path: Path
) -> None:
    _run_workflow(mlflow_python, "mlflow", mlharbor_server, tmp_path, "--models")


def test_mlharbor_client_against_mlharbor_server(
    mlharbor_server: RunningServer, tmp_path: Path
) -> None:
    _run_workflow(sys.executable, "mlharbor", mlharbor_server, tmp_path)
