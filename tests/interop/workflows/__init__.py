"""Scripts run in a separate interpreter (ours or the reference MLflow venv) by the tests."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Mapping
from pathlib import Path

from tests.fixtures.servers import RunningServer

TRACKING_WORKFLOW = Path(__file__).parent / "tracking_workflow.py"
_TIMEOUT_S = 300


def run_tracking_workflow(
    python: str,
    flavor: str,
    server: RunningServer,
    workdir: Path,
    *extra: str,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run ``tracking_workflow.py`` with ``python`` as ``flavor`` against ``server``.

    Returns the experiment name used; fails the calling test with both logs when the script
    does not finish with ``WORKFLOW OK``.
    """
    experiment = f"interop-{flavor}-{uuid.uuid4().hex[:8]}"
    full_env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(workdir),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        # Fail fast instead of retrying a broken server for minutes.
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0",
        **(env or {}),
    }
    result = subprocess.run(
        [python, str(TRACKING_WORKFLOW), flavor, server.url, experiment, str(workdir), *extra],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        env=full_env,
        cwd=workdir,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"{flavor} workflow failed:\n{output[-6000:]}\nserver log:\n{server.log()[-3000:]}"
    )
    assert "WORKFLOW OK" in result.stdout
    return experiment
