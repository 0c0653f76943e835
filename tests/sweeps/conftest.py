"""A live tracking server for sweep tests, with a short heartbeat timeout so a dead agent's
trial is failed within seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import mlharbor
from tests.rest.live_server import serve_in_thread

HEARTBEAT_TIMEOUT_S = 3.0


@pytest.fixture(autouse=True)
def _fluent_state_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests here set the tracking URI and experiment; later tests get the previous ones."""
    from mlharbor.client import active_run, tracking_uri

    monkeypatch.setattr(tracking_uri, "_tracking_uri", tracking_uri._tracking_uri)
    monkeypatch.setattr(active_run, "_active_experiment_id", active_run._active_experiment_id)


@pytest.fixture
def server_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh server in this process; the fluent API and child processes point at it."""
    monkeypatch.setenv("MLHARBOR_SWEEP_HEARTBEAT_TIMEOUT", str(HEARTBEAT_TIMEOUT_S))
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    root = tmp_path / "server"
    root.mkdir()
    with serve_in_thread(root) as url:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
        mlharbor.set_tracking_uri(url)
        yield url
