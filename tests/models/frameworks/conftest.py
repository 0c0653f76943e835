"""Helpers shared by the CatBoost, statsmodels and ONNX flavor tests: the reference MLflow
interpreter run on a script, and the scoring app answering seed-style requests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient


def run_reference(
    mlflow_python: str, script: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> Any:
    """Run ``script`` with MLflow 3.17.2's interpreter (``env`` added to the environment); its
    last output line, decoded as JSON."""
    result = subprocess.run(
        [mlflow_python, "-c", "import warnings\nwarnings.simplefilter('ignore')\n" + script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def invoke(model_dir: str, body: dict[str, Any]) -> Any:
    """POST ``body`` to ``/invocations`` of the scoring app serving ``model_dir``."""
    from mlharbor.serving import create_app

    with TestClient(create_app(model_dir)) as client:
        response = client.post("/invocations", json=body)
    assert response.status_code == 200, response.text
    return response.json()["predictions"]
