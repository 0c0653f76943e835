"""Side by side with MLflow 3.17.2: the same requests to ``mlflow models serve`` and to
``mlharbor models serve``, and serving a model registered in a stock ``mlflow server``."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fixtures.servers import RunningServer, free_port, run_server
from tests.serving.conftest import IRIS_COLUMNS, register_iris, serve_command, train_iris

pytestmark = pytest.mark.interop

_NO_TELEMETRY = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
ROW = [5.1, 3.5, 1.4, 0.2]
JSON = "application/json"
REQUESTS: list[tuple[str, str | None, bytes]] = [
    ("GET", None, b""),
    ("POST", JSON, b'{"dataframe_split": {"columns": %s, "data": [[5.1, 3.5, 1.4, 0.2]]}}'),
    ("POST", JSON, b'{"dataframe_records": [{"sepal_length": 6.7, "sepal_width": 3.0, '
     b'"petal_length": 5.2, "petal_width": 2.3}]}'),
    ("POST", JSON, b'{"instances": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}'),
    ("POST", JSON, b'{"inputs": [[1.0, 2.0, 3.0, 4.0]]}'),
    ("POST", JSON, b'{"inputs": [[1.0, 2.0, 3.0, 4.0]], "params": {"k": 1}}'),
    ("POST", "text/csv", b"sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n"),
    ("POST", JSON, b'{"data": [[1, 2, 3, 4]]}'),
    ("POST", JSON, b'{"inputs": [[1]], "instances": [[1]]}'),
    ("POST", JSON, b"[1, 2]"),
    ("POST", JSON, b"{oops"),
    ("POST", "text/plain", b"x"),
    ("POST", "application/json; format=pandas-records", b"{}"),
    ("POST", "application/json; charset=utf-16", b"{}"),
    ("POST", JSON, b'{"dataframe_split": {"columns": ["a"], "data": [[1]], "extra": 1}}'),
    ("POST", JSON, b'{"dataframe_records": {"a": 1}}'),
]  # fmt: skip


def _bodies() -> list[tuple[str, str | None, bytes]]:
    columns = ("[" + ", ".join(f'"{c}"' for c in IRIS_COLUMNS) + "]").encode()
    return [(m, t, b.replace(b"%s", columns)) for m, t, b in REQUESTS]


_KEY_SET = re.compile(r"\{'[a-z_]+'(?:, '[a-z_]+')*\}")


def _normalized(payload: Any) -> Any:
    """MLflow prints the input keys as a Python set, whose order changes per process."""
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        payload["message"] = _KEY_SET.sub(
            lambda m: str(sorted(m.group(0)[1:-1].split(", "))), payload["message"]
        )
    return payload


def _answers(url: str) -> list[tuple[int, str, Any]]:
    answers = []
    with requests.Session() as session:
        for method, content_type, body in _bodies():
            headers = {"Content-Type": content_type} if content_type else {}
            path = "/ping" if method == "GET" else "/invocations"
            response = session.request(method, url + path, data=body, headers=headers, timeout=60)
            media = response.headers.get("content-type", "")
            if media.startswith(JSON) and response.text.strip():
                payload: Any = response.json()
                if isinstance(payload, dict):
                    payload.pop("stack_trace", None)
            else:
                payload = response.text
            answers.append((response.status_code, media, _normalized(payload)))
    return answers


def test_same_answers_as_mlflow_models_serve(mlflow_python: str, iris_model_dir: str) -> None:
    mlflow_bin = Path(mlflow_python).parent
    env = {**_NO_TELEMETRY, "PATH": f"{mlflow_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    port = free_port()
    mlflow_cmd = [
        str(mlflow_bin / "mlflow"), "models", "serve", "-m", iris_model_dir,
        "--port", str(port), "--env-manager", "local",
    ]  # fmt: skip
    with run_server(mlflow_cmd, port, "/ping", env, timeout_s=180) as server:
        theirs = _answers(server.url)
    port = free_port()
    with run_server(serve_command(iris_model_dir, port), port, "/ping") as server:
        ours = _answers(server.url)
    assert len(ours) == len(theirs)
    for request, mine, reference in zip(_bodies(), ours, theirs, strict=True):
        assert mine == reference, request


@pytest.fixture(scope="module")
def mlflow_tracking(
    mlflow_python: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("mlflow-tracking")
    port = free_port()
    cmd = [
        str(Path(mlflow_python).with_name("mlflow")), "server",
        "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination", str(root / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    with run_server(cmd, port, "/health", _NO_TELEMETRY, timeout_s=180, cwd=root) as server:
        yield server


def test_follow_an_alias_of_a_stock_mlflow_registry(
    mlflow_tracking: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlharbor.client.client import MlharborClient
    from tests.client.isolation import reset_client_state

    reset_client_state()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_tracking.url)
    try:
        forest, _ = train_iris(IRIS_COLUMNS, n_estimators=10)
        register_iris("iris-mlflow", forest, alias="champion")
        from sklearn.dummy import DummyClassifier

        constant = DummyClassifier(strategy="constant", constant=7).fit([[0] * 4] * 2, [7, 8])
        second = register_iris("iris-mlflow", constant)
        port = free_port()
        cmd = serve_command("models:/iris-mlflow@champion", port, "--poll-interval", "1")
        with run_server(cmd, port, "/ping", timeout_s=120) as server:
            url = f"{server.url}/predict"
            first = requests.post(url, json={"features": ROW}, timeout=30).json()
            MlharborClient().set_registered_model_alias("iris-mlflow", "champion", second)
            deadline = time.monotonic() + 30
            latest = first
            while latest != {"prediction": 7} and time.monotonic() < deadline:
                time.sleep(0.2)
                latest = requests.post(url, json={"features": ROW}, timeout=30).json()
    finally:
        reset_client_state()
    assert first == {"prediction": 0}
    assert latest == {"prediction": 7}
