"""Scripts run in a separate interpreter (ours or the reference MLflow venv) by the tests."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Mapping
from pathlib import Path

from tests.fixtures.servers import RunningServer

TRACKING_WORKFLOW = Path(__file__).parent / "tracking_workflow.py"
LOAD_MODEL = Path(__file__).parent / "load_model.py"
_TIMEOUT_S = 300


def _environment(workdir: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(workdir),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        # Fail fast instead of retrying a broken server for minutes.
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0",
        **(extra or {}),
    }


def _run(
    cmd: list[str], workdir: Path, env: Mapping[str, str] | None, server: RunningServer
) -> str:
    result = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        env=_environment(workdir, env),
        cwd=workdir,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"{' '.join(cmd[1:3])} failed:\n{output[-6000:]}\nserver log:\n{server.log()[-3000:]}"
    )
    return result.stdout


def run_tracking_workflow(
    python: str,
    flavor: str,
    server: RunningServer,
    workdir: Path,
    *extra: str,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run ``tracking_workflow.py`` with ``python`` as ``flavor`` against ``server``.

    Returns the script's standard output; fails the calling test with both logs when the
    script does not finish with ``WORKFLOW OK``.
    """
    experiment = f"interop-{flavor}-{uuid.uuid4().hex[:8]}"
    cmd = [python, str(TRACKING_WORKFLOW), flavor, server.url, experiment, str(workdir), *extra]
    stdout = _run(cmd, workdir, env, server)
    assert "WORKFLOW OK" in stdout
    return stdout


def load_logged_model(
    python: str, flavor: str, server: RunningServer, workdir: Path, workflow_stdout: str
) -> None:
    """Load the model a workflow run logged, with ``flavor``, and check its predictions."""
    [line] = [ln for ln in workflow_stdout.splitlines() if ln.startswith("LOGGED_MODEL ")]
    _, model_uri, expected = line.split(" ", 2)
    cmd = [python, str(LOAD_MODEL), flavor, server.url, model_uri]
    stdout = _run(cmd, workdir, None, server)
    [result] = [ln for ln in stdout.splitlines() if ln.startswith("PREDICTIONS ")]
    assert json.loads(result.split(" ", 1)[1]) == json.loads(expected)
