"""``mlharbor server`` as users start it: options reach the application, workers serve."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.fixtures.servers import RunningServer
from tests.server.conftest import start_server

MLHARBOR = str(Path(sys.executable).parent / "mlharbor")


def _get(server: RunningServer, path: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return int(response.status), bytes(response.read())


def _post(server: RunningServer, path: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        reply: dict[str, object] = json.loads(response.read())
        return reply


def test_help_lists_the_mlflow_options() -> None:
    completed = subprocess.run(
        [MLHARBOR, "server", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for option in (
        "--backend-store-uri",
        "--default-artifact-root",
        "--artifacts-destination",
        "--serve-artifacts / --no-serve-artifacts",
        "--host",
        "--port",
        "--workers",
        "--static-prefix",
    ):
        assert option in completed.stdout


def test_server_serves_with_the_given_stores(live_server: RunningServer) -> None:
    assert _get(live_server, "/health") == (200, b"OK")
    created = _post(live_server, "/api/2.0/mlflow/experiments/create", {"name": "cli"})
    experiment_id = created["experiment_id"]
    _, body = _get(live_server, f"/api/2.0/mlflow/experiments/get?experiment_id={experiment_id}")
    assert (
        json.loads(body)["experiment"]["artifact_location"] == f"mlflow-artifacts:/{experiment_id}"
    )


def test_static_prefix_and_several_workers(tmp_path: Path) -> None:
    for server in start_server(
        tmp_path, "--workers", "2", "--static-prefix", "/tracking", health_path="/tracking/health"
    ):
        runs = []
        for _ in range(6):
            reply = _post(server, "/tracking/api/2.0/mlflow/runs/create", {"experiment_id": "0"})
            runs.append(reply["run"]["info"]["run_id"])  # type: ignore[index]
        assert len(set(runs)) == 6
        status, _ = _get(server, "/tracking/version")
        assert status == 200


def test_default_artifact_root_without_serving(tmp_path: Path) -> None:
    root = tmp_path / "direct"
    for server in start_server(
        tmp_path, "--no-serve-artifacts", "--default-artifact-root", str(root)
    ):
        created = _post(server, "/api/2.0/mlflow/experiments/create", {"name": "direct"})
        _, body = _get(
            server, f"/api/2.0/mlflow/experiments/get?experiment_id={created['experiment_id']}"
        )
        location = json.loads(body)["experiment"]["artifact_location"]
        assert location.startswith((str(root), root.as_uri()))
