"""Served models behind the gateway: a real ``mlharbor models serve`` (``model_server_url``),
and a registered alias the gateway loads itself and follows as it moves (``model_uri``)."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mlharbor.gateway import create_app, parse_config
from tests.fixtures.servers import free_port, run_server
from tests.serving.conftest import serve_command, tracking_env, tracking_server  # noqa: F401

ECHO_MODEL = """
from mlharbor.models import set_model
from mlharbor.pyfunc import PythonModel


class Echo(PythonModel):
    def predict(self, context, model_input, params=None):
        if hasattr(model_input, "iloc"):
            model_input = model_input.iloc[:, 0]
        return [f"PREFIX: {text}" for text in list(model_input)]


set_model(Echo())
"""


def _register(tmp_path: Path, prefix: str) -> str:
    import mlharbor
    import mlharbor.pyfunc
    from mlharbor.client.client import MlharborClient

    code = tmp_path / f"echo_{prefix}.py"
    code.write_text(textwrap.dedent(ECHO_MODEL).replace("PREFIX", prefix))
    mlharbor.set_experiment("gateway-models")
    with mlharbor.start_run():
        info = mlharbor.pyfunc.log_model(name="model", python_model=str(code))
    version = mlharbor.register_model(info.model_uri, "echo")
    MlharborClient().set_registered_model_alias("echo", "champion", version.version)
    return str(version.version)


def _chat(client: TestClient, endpoint: str, text: str) -> str:
    response = client.post(
        f"/endpoints/{endpoint}/invocations", json={"messages": [{"role": "user", "content": text}]}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


@pytest.mark.usefixtures("tracking_env")
def test_served_and_self_loaded_models_answer_and_follow_the_alias(tmp_path: Path) -> None:
    _register(tmp_path, "v1")
    port = free_port()
    with run_server(serve_command("models:/echo@champion", port), port, "/ping") as served:
        config = parse_config(
            {
                "endpoints": [
                    {
                        "name": "served-chat",
                        "endpoint_type": "llm/v1/chat",
                        "model": {
                            "provider": "mlflow-model-serving",
                            "name": "echo",
                            "config": {"model_server_url": served.url},
                        },
                    },
                    {
                        "name": "served-completions",
                        "endpoint_type": "llm/v1/completions",
                        "model": {
                            "provider": "mlflow-model-serving",
                            "name": "echo",
                            "config": {"model_server_url": served.url},
                        },
                    },
                    {
                        "name": "loaded-chat",
                        "endpoint_type": "llm/v1/chat",
                        "model": {
                            "provider": "mlflow-model-serving",
                            "name": "echo",
                            "config": {
                                "model_uri": "models:/echo@champion",
                                "poll_interval_seconds": 0.3,
                            },
                        },
                    },
                ]
            }
        )
        with TestClient(create_app(config)) as client:
            assert _chat(client, "served-chat", "hello") == "v1: hello"
            completion = client.post(
                "/endpoints/served-completions/invocations", json={"prompt": "hi"}
            ).json()
            assert completion["choices"][0]["text"] == "v1: hi"
            assert _chat(client, "loaded-chat", "hello") == "v1: hello"
            several = client.post(
                "/endpoints/loaded-chat/invocations",
                json={
                    "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
                },
            )
            assert several.status_code == 422

            _register(tmp_path, "v2")
            deadline = time.monotonic() + 20
            while _chat(client, "loaded-chat", "hello") != "v2: hello":
                assert time.monotonic() < deadline, "the gateway kept the old version"
                time.sleep(0.2)


def test_unreachable_model_server_is_a_clean_502(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    config = parse_config(
        {
            "endpoints": [
                {
                    "name": "gone",
                    "endpoint_type": "llm/v1/chat",
                    "max_retries": 0,
                    "model": {
                        "provider": "mlflow-model-serving",
                        "name": "echo",
                        "config": {"model_server_url": f"http://127.0.0.1:{port}"},
                    },
                }
            ]
        }
    )
    with TestClient(create_app(config)) as client:
        response = client.post(
            "/endpoints/gone/invocations", json={"messages": [{"role": "user", "content": "x"}]}
        )
    assert response.status_code == 502
    assert "could not be reached" in response.json()["message"]
