"""Parallel clients against one real server: no request fails, no write is lost."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.fixtures.servers import RunningServer

API = "/api/2.0/mlflow"


def _call(server: RunningServer, method: str, path: str, body: object = None) -> dict[str, object]:
    request = urllib.request.Request(
        server.url + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        reply: dict[str, object] = json.loads(response.read() or b"{}")
        return reply


def test_parallel_writers_and_readers(live_server: RunningServer) -> None:
    created = _call(live_server, "POST", f"{API}/runs/create", {"experiment_id": "0"})
    run_id = created["run"]["info"]["run_id"]  # type: ignore[index]

    def writer(worker: int) -> None:
        for step in range(25):
            _call(
                live_server,
                "POST",
                f"{API}/runs/log-metric",
                {
                    "run_id": run_id,
                    "key": f"w{worker}",
                    "value": step,
                    "timestamp": 1,
                    "step": step,
                },
            )
            _call(live_server, "GET", f"{API}/runs/get?run_id={run_id}")
            body = f"{worker}-{step}".encode()
            request = urllib.request.Request(
                f"{live_server.url}/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/"
                f"w{worker}/{step}.txt",
                data=body,
                method="PUT",
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    for worker in range(8):
        history = _call(
            live_server, "GET", f"{API}/metrics/get-history?run_id={run_id}&metric_key=w{worker}"
        )
        assert [m["step"] for m in history["metrics"]] == list(range(25))  # type: ignore[union-attr, index]
        files = _call(
            live_server,
            "GET",
            f"/api/2.0/mlflow-artifacts/artifacts?path=0%2F{run_id}%2Fartifacts%2Fw{worker}",
        )
        assert len(files["files"]) == 25  # type: ignore[arg-type]
