"""The same MLflow-style workflow script, run by each client against each server.

``import mlflow`` (the reference 3.17.2 client) and ``import mlharbor as mlflow`` each run
``workflows/tracking_workflow.py`` against a real ``mlflow server`` and a real
``mlharbor server``. The mlflow-on-mlflow run keeps the script's expectations honest.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.fixtures.servers import RunningServer
from tests.interop.workflows import run_tracking_workflow


def test_mlharbor_client_against_mlflow_server(
    mlflow_server: RunningServer, tmp_path: Path
) -> None:
    run_tracking_workflow(sys.executable, "mlharbor", mlflow_server, tmp_path)


def test_mlflow_client_against_mlflow_server(
    mlflow_python: str, mlflow_server: RunningServer, tmp_path: Path
) -> None:
    run_tracking_workflow(mlflow_python, "mlflow", mlflow_server, tmp_path, "--models")


def test_mlflow_client_against_mlharbor_server(
    mlflow_python: str, mlharbor_server: RunningServer, tmp_path: Path
) -> None:
    run_tracking_workflow(mlflow_python, "mlflow", mlharbor_server, tmp_path, "--models")


def test_mlharbor_client_against_mlharbor_server(
    mlharbor_server: RunningServer, tmp_path: Path
) -> None:
    run_tracking_workflow(sys.executable, "mlharbor", mlharbor_server, tmp_path)
