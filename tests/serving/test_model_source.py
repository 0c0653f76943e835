"""Following a registry alias: a running server swaps versions without failing a request.

The tracking server, the registry and the scoring server are real processes on loopback ports.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
import requests
from starlette.testclient import TestClient

from mlharbor.serving.model_source import follows_registry, resolve_registry_version
from tests.fixtures.servers import free_port, run_server
from tests.serving.conftest import register_iris, serve_command, train_iris

SETOSA = [5.1, 3.5, 1.4, 0.2]


def _constant_model(label: int) -> Any:
    """A classifier answering ``label`` for every row (told apart from the forest's 0)."""
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="constant", constant=label).fit(
        np.zeros((2, 4)), np.array([label, label + 1])
    )


@pytest.mark.parametrize(
    ("uri", "moving"),
    [
        ("models:/iris@production", True),
        ("models:/iris/Production", True),
        ("models:/iris/latest", True),
        ("models:/iris/3", False),
        ("runs:/abc/model", False),
        ("/tmp/model", False),
    ],
)
def test_which_uris_follow_the_registry(uri: str, moving: bool) -> None:
    assert follows_registry(uri) is moving


def test_alias_switch_under_load(tracking_env: str) -> None:
    forest, _ = train_iris(n_estimators=20)
    register_iris("iris-switch", forest, alias="production")
    second = register_iris("iris-switch", _constant_model(12))
    port = free_port()
    cmd = serve_command("models:/iris-switch@production", port, "--poll-interval", "1")
    results: list[tuple[float, int, Any]] = []
    stop = threading.Event()

    def hammer(url: str) -> None:
        with requests.Session() as session:
            deadline = time.monotonic() + 90
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    response = session.post(url, json={"inputs": [SETOSA]}, timeout=10)
                    body = response.json() if response.status_code == 200 else response.text
                    results.append((time.monotonic(), response.status_code, body))
                except requests.RequestException as exc:
                    results.append((time.monotonic(), 0, repr(exc)))

    with run_server(cmd, port, "/ping", timeout_s=90) as server:
        client = threading.Thread(target=hammer, args=(f"{server.url}/invocations",))
        client.start()
        try:
            deadline = time.monotonic() + 30
            while len(results) < 20 and time.monotonic() < deadline:
                time.sleep(0.05)
            from mlharbor.client.client import MlharborClient

            moved_at = time.monotonic()
            MlharborClient().set_registered_model_alias("iris-switch", "production", second)
            deadline = moved_at + 30
            while time.monotonic() < deadline:
                if any(body == {"predictions": [12]} for _, _, body in results[-5:]):
                    break
                time.sleep(0.1)
            time.sleep(0.5)  # keep sending for a moment on the new version
        finally:
            stop.set()
            client.join(timeout=30)
        metrics = requests.get(f"{server.url}/metrics", timeout=10).text
    failures = [r for r in results if r[1] != 200]
    assert not failures, failures[:5]
    answers = [body["predictions"][0] for _, _, body in results]
    assert answers[0] == 0
    assert 12 in answers, "the new version never answered"
    first_new = answers.index(12)
    assert set(answers[first_new:]) == {12}, "an old answer came after the swap"
    switch_time = next(t for t, _, body in results if body == {"predictions": [12]}) - moved_at
    assert switch_time < 10
    assert f'version="{second}"' in metrics
    assert "mlharbor_serving_model_swaps_total 1" in metrics


def test_registry_outage_keeps_the_loaded_version(tracking_env: str) -> None:
    from mlharbor.client.client import MlharborClient
    from mlharbor.serving import create_app

    forest, _ = train_iris(n_estimators=10)
    version = register_iris("iris-outage", forest, alias="live")
    assert resolve_registry_version("models:/iris-outage@live") == version
    app = create_app("models:/iris-outage@live", poll_interval_s=0.2)
    try:
        assert app.served.version == version
        assert app.follower is not None
        assert app.follower.running
        MlharborClient().delete_registered_model_alias("iris-outage", "live")
        deadline = time.monotonic() + 15
        while app.follower.last_error is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert app.follower.last_error is not None
        assert "live" in app.follower.last_error
        with TestClient(app) as client:
            response = client.post("/invocations", json={"inputs": [SETOSA]})
        assert response.json() == {"predictions": [0]}
        assert app.served.version == version
    finally:
        app.close()
    assert not app.follower.running


def test_stage_and_latest_resolve_to_the_highest_version(tracking_env: str) -> None:
    from mlharbor.client.client import MlharborClient

    forest, _ = train_iris(n_estimators=5)
    first = register_iris("iris-stages", forest)
    second = register_iris("iris-stages", forest)
    MlharborClient().transition_model_version_stage("iris-stages", first, "Production")
    assert resolve_registry_version("models:/iris-stages/production") == first
    assert resolve_registry_version("models:/iris-stages/latest") == second
    assert resolve_registry_version(f"models:/iris-stages/{first}") == first
    assert resolve_registry_version("file:///tmp/model") is None


def test_replaced_downloads_are_removed(tracking_env: str) -> None:
    import os
    from pathlib import Path

    from mlharbor.client.client import MlharborClient
    from mlharbor.serving import create_app

    forest, _ = train_iris(n_estimators=5)
    register_iris("iris-scratch", forest, alias="live")
    second = register_iris("iris-scratch", _constant_model(3))
    app = create_app("models:/iris-scratch@live", poll_interval_s=3600)
    try:
        assert app.follower is not None
        app.follower.retire_after_s = 0
        first_dir = app.served.scratch_dir
        assert first_dir is not None
        assert list(Path(first_dir).rglob("MLmodel"))
        assert app.follower.poll_once() is False
        MlharborClient().set_registered_model_alias("iris-scratch", "live", second)
        assert app.follower.poll_once() is True
        assert app.served.version == second
        assert os.path.isdir(first_dir)  # kept for requests still running on it
        app.follower._purge()
        assert not os.path.exists(first_dir)
        second_dir = app.served.scratch_dir
        with TestClient(app) as client:  # its shutdown closes the app
            assert client.post("/predict", json={"features": SETOSA}).json() == {"prediction": 3}
    finally:
        app.close()
    assert second_dir is not None
    assert not os.path.exists(second_dir)


def test_a_version_that_fails_to_load_is_not_retried_at_once(tracking_env: str) -> None:
    from mlharbor.client.client import MlharborClient
    from mlharbor.exceptions import MlharborException
    from mlharbor.serving import create_app

    forest, _ = train_iris(n_estimators=5)
    register_iris("iris-broken", forest, alias="live")
    client = MlharborClient()
    run = client.create_run(client.get_experiment_by_name("serving-tests").experiment_id)
    client.log_text(run.info.run_id, "flavors: {}\n", "broken/MLmodel")
    broken = client.create_model_version(
        "iris-broken", f"{run.info.artifact_uri}/broken", run.info.run_id
    ).version
    app = create_app("models:/iris-broken@live", poll_interval_s=3600)
    try:
        assert app.follower is not None
        client.set_registered_model_alias("iris-broken", "live", broken)
        with pytest.raises(MlharborException):
            app.follower.poll_once()
        assert app.follower.poll_once() is False  # backed off, still serving version 1
        assert app.served.version == "1"
    finally:
        app.close()
