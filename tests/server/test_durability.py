"""Sixteen concurrent writers against a real server that is killed with SIGKILL mid-stream:
no writer is ever told the database is locked, and every write the server acknowledged is
there once it restarts on the same database (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.fixtures.servers import free_port, run_server

API = "/api/2.0/mlflow"
WRITERS = 16


def _server(backend: str, workdir: Path) -> tuple[list[str], int]:
    port = free_port()
    cmd = [
        str(Path(sys.executable).parent / "mlharbor"),
        "server",
        "--port", str(port),
        "--backend-store-uri", backend,
        "--artifacts-destination", str(workdir / "artifacts"),
        "--workers", "2",
    ]  # fmt: skip
    return cmd, port


def _write_until_killed(url: str, run_ids: list[str], stop: threading.Event) -> list[list[int]]:
    """Each writer logs steps 0, 1, 2, ... to its own run and records the acknowledged ones;
    the first refused connection (the kill) ends it."""
    acknowledged: list[list[int]] = [[] for _ in run_ids]
    refusals: list[str] = []

    def write(worker: int) -> None:
        session = requests.Session()
        step = 0
        while not stop.is_set():
            body = {"run_id": run_ids[worker], "key": "m", "value": step, "timestamp": step}
            try:
                response = session.post(f"{url}{API}/runs/log-metric", json={**body, "step": step})
            except requests.ConnectionError:
                return
            if response.status_code != 200:
                refusals.append(response.text)
                return
            acknowledged[worker].append(step)
            # Every fourth write is a batch, so both write paths are under load.
            step += 1
            if step % 4 == 0:
                batch = [{"key": "m", "value": step, "timestamp": step, "step": step}]
                try:
                    response = session.post(
                        f"{url}{API}/runs/log-batch",
                        json={"run_id": run_ids[worker], "metrics": batch},
                    )
                except requests.ConnectionError:
                    return
                if response.status_code != 200:
                    refusals.append(response.text)
                    return
                acknowledged[worker].append(step)
                step += 1

    threads = [threading.Thread(target=write, args=(w,), daemon=True) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not refusals, refusals[:3]
    return acknowledged


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_acknowledged_writes_survive_sigkill(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    uri = (
        f"sqlite:///{tmp_path / 'server.db'}"
        if backend == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    cmd, port = _server(uri, tmp_path)
    stop = threading.Event()
    with run_server(cmd, port, timeout_s=90, cwd=tmp_path) as server:
        session = requests.Session()
        run_ids = [
            session.post(f"{server.url}{API}/runs/create", json={"experiment_id": "0"}).json()[
                "run"
            ]["info"]["run_id"]
            for _ in range(WRITERS)
        ]
        results: list[list[list[int]]] = []
        writers = threading.Thread(
            target=lambda: results.append(_write_until_killed(server.url, run_ids, stop))
        )
        writers.start()
        time.sleep(3.0)
        os.killpg(os.getpgid(server.process.pid), signal.SIGKILL)
        server.process.wait(timeout=30)
        writers.join(timeout=150)
        stop.set()
    acknowledged = results[0]
    assert sum(len(steps) for steps in acknowledged) > WRITERS

    cmd, port = _server(uri, tmp_path)
    with run_server(cmd, port, timeout_s=90, cwd=tmp_path) as server:
        for run_id, steps in zip(run_ids, acknowledged, strict=True):
            history = requests.get(
                f"{server.url}{API}/metrics/get-history",
                params={"run_id": run_id, "metric_key": "m"},
                timeout=60,
            ).json()
            stored = {point["step"] for point in history.get("metrics", [])}
            assert set(steps) <= stored, sorted(set(steps) - stored)[:10]
