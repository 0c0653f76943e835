"""The same MLflow-style workflow script, run by each client against each server.

``import mlflow`` (the reference 3.17.2 client) and ``import mlharbor as mlflow`` each run
``workflows/tracking_workflow.py`` against a real ``mlflow server`` and a real
``mlharbor server``; the mlflow-on-mlflow run keeps the script's expectations honest. Each run
logs an sklearn model, which the *other* client then loads from the same server and must get
the same predictions from.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.fixtures.servers import RunningServer
from tests.interop.workflows import load_logged_model, run_tracking_workflow


@pytest.mark.parametrize("server_fixture", ["mlflow_server", "mlharbor_server"])
@pytest.mark.parametrize("flavor", ["mlharbor", "mlflow"])
def test_workflow_and_cross_load(
    flavor: str,
    server_fixture: str,
    mlflow_python: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    server: RunningServer = request.getfixturevalue(server_fixture)
    pythons = {"mlharbor": sys.executable, "mlflow": mlflow_python}
    other = "mlflow" if flavor == "mlharbor" else "mlharbor"
    stdout = run_tracking_workflow(pythons[flavor], flavor, server, tmp_path, "--models")
    load_logged_model(pythons[other], other, server, tmp_path, stdout)
