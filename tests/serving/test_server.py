"""``mlharbor models serve`` as a process: the seed workflows' curl calls, end to end."""

from __future__ import annotations

import numpy as np
import requests

from tests.fixtures.servers import free_port, run_server
from tests.serving.conftest import register_iris, serve_command


def test_seed_000_fastapi_predict(tracking_env: str) -> None:
    """Train, log, register ``iris-rf``, alias ``production``, serve, POST /predict."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    iris = load_iris()
    x_train, _, y_train, _ = train_test_split(iris.data, iris.target, test_size=0.2, random_state=0)
    clf = RandomForestClassifier(n_estimators=100, max_depth=3, random_state=0)
    clf.fit(x_train, y_train)
    register_iris("iris-rf", clf, alias="production")
    port = free_port()
    with run_server(serve_command("models:/iris-rf@production", port), port, "/ping") as server:
        response = requests.post(
            f"{server.url}/predict", json={"features": [5.1, 3.5, 1.4, 0.2]}, timeout=30
        )
        ping = requests.get(f"{server.url}/ping", timeout=10)
        version = requests.get(f"{server.url}/version", timeout=10)
        seed_002 = requests.post(
            f"{server.url}/invocations",
            json={"inputs": [[1.0, 2.0, 3.0, 4.0]]},
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
    assert response.status_code == 200
    assert response.json() == {"prediction": 0}
    assert (ping.status_code, ping.text) == (200, "\n")
    assert version.text == "3.17.2"
    assert seed_002.status_code == 200
    assert seed_002.json()["predictions"][0] in (0, 1, 2)


def test_seed_004_dataframe_split_with_two_workers(tmp_path: object) -> None:
    """Seed 004's curl: two named features, served by two uvicorn workers."""
    import pathlib

    from sklearn.linear_model import LinearRegression

    import mlharbor.sklearn

    features = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [0.0, 1.0]])
    target = features @ np.array([2.0, 3.0]) + 1.0
    model = LinearRegression().fit(features, target)
    path = str(pathlib.Path(str(tmp_path)) / "linear")
    mlharbor.sklearn.save_model(model, path)
    port = free_port()
    cmd = serve_command(path, port, "--workers", "2", "--host", "127.0.0.1")
    with run_server(cmd, port, "/health") as server:
        answers = [
            requests.post(
                f"{server.url}/invocations",
                json={
                    "dataframe_split": {"columns": ["feature1", "feature2"], "data": [[1.0, 2.0]]}
                },
                timeout=30,
            )
            for _ in range(4)
        ]
    for response in answers:
        assert response.status_code == 200
        (value,) = response.json()["predictions"]
        assert abs(value - 9.0) < 1e-9


def test_a_model_that_cannot_load_fails_at_start(tmp_path: object) -> None:
    import subprocess

    result = subprocess.run(
        serve_command(f"{tmp_path}/missing", free_port()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Error:" in result.stderr
    assert "missing" in result.stderr


def test_only_the_local_env_manager_is_supported(iris_model_dir: str) -> None:
    import subprocess

    result = subprocess.run(
        [*serve_command(iris_model_dir, free_port()), "--env-manager", "conda"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "--env-manager conda is not supported" in result.stderr
