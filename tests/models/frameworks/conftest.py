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


# Prepended to a reference script: ``answers(model_dir, bodies)`` is what MLflow's scoring
# function answers to each JSON request body: status and decoded body, or for a refusal (which
# its server turns into an error response) status and error code.
MLFLOW_ANSWERS = """
import json
import mlflow
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import scoring_server

def answer(model, schema, body):
    try:
        reply = scoring_server.invocations(json.dumps(body), "application/json", model, schema)
    except MlflowException as exc:
        return [exc.get_http_status_code(), {"error_code": exc.error_code}]
    return [reply.status, json.loads(reply.response)]

def answers(model_dir, bodies):
    model = mlflow.pyfunc.load_model(model_dir)
    return [answer(model, model.metadata.get_input_schema(), b) for b in bodies]
"""


def our_answers(model_dir: str, bodies: list[dict[str, Any]]) -> list[list[Any]]:
    """What mlharbor's scoring app answers to each body, shaped like ``answers`` above."""
    from mlharbor.serving import create_app

    with TestClient(create_app(model_dir)) as client:
        replies = [client.post("/invocations", json=body) for body in bodies]
    return [
        [
            r.status_code,
            r.json() if r.status_code == 200 else {"error_code": r.json()["error_code"]},
        ]
        for r in replies
    ]


def seed_bodies(frame: Any) -> list[dict[str, Any]]:
    """The request bodies the seeds' curls send, for the rows of ``frame``."""
    values = frame.to_numpy().tolist()
    return [
        {"dataframe_split": {"columns": list(frame.columns), "data": values}},
        {"dataframe_records": frame.to_dict(orient="records")},
        {"inputs": values},
        {"instances": values},
    ]
