"""The official mlflow 3.17.2 client and a plain OTLP exporter against `mlharbor server`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.servers import RunningServer

pytestmark = pytest.mark.interop

SCRIPTS = Path(__file__).parent / "official"
SRC = Path(__file__).parents[2] / "src"


def _run(mlflow_python: str, server: RunningServer, *args: str) -> str:
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": server.url,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "GIT_PYTHON_REFRESH": "quiet",
    }
    completed = subprocess.run(
        [mlflow_python, *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert completed.returncode == 0, completed.stderr[-4000:] + "\n" + server.log()[-3000:]
    return completed.stdout.strip().splitlines()[-1]


def _post(server: RunningServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def test_decorated_function_tree(mlflow_python: str, live_server: RunningServer) -> None:
    results = json.loads(_run(mlflow_python, live_server, str(SCRIPTS / "trace_tree.py")))
    assert results["columns"][:4] == ["trace_id", "trace", "client_request_id", "state"]
    assert results["count"] == 2
    assert results["states"] == ["ERROR", "OK"]  # newest first
    assert results["span_names"] == ["add", "agent", "fake_llm", "retrieve"]
    assert results["root_inputs"] == {"question": "hello"}
    assert results["root_outputs"] == "HELLO:3"
    assert results["llm_type"] == "LLM"
    assert results["fetched_spans"] == 4
    assert results["error_count"] == 1
    assert "exception" in results["error_events"]
    assert results["tokens"] == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    assert results["feedback"] == [["helpful", True, "CODE"]]


def test_otlp_exporter_spans_become_a_trace(mlflow_python: str, live_server: RunningServer) -> None:
    experiment = _post(live_server, "/api/2.0/mlflow/experiments/create", {"name": "otlp"})
    experiment_id = experiment["experiment_id"]
    otel_id = _run(mlflow_python, live_server, str(SCRIPTS / "otlp_export.py"), experiment_id)
    found = _post(
        live_server,
        "/api/3.0/mlflow/traces/search",
        {"locations": [{"mlflow_experiment": {"experiment_id": experiment_id}}]},
    )
    [info] = found["traces"]
    assert info["trace_id"] == f"tr-{otel_id}"
    assert info["state"] == "OK"
    assert info["tags"]["mlflow.traceName"] == "otel-root"
    url = f"{live_server.url}/api/3.0/mlflow/traces/batchGet?trace_ids={info['trace_id']}"
    with urllib.request.urlopen(url, timeout=30) as response:
        [trace] = json.loads(response.read())["traces"]
    assert sorted(span["name"] for span in trace["spans"]) == ["otel-child", "otel-root"]


def test_mlharbor_client_against_mlharbor_server(live_server: RunningServer) -> None:
    """The same script with ``import mlharbor as mlflow``, in a fresh experiment."""
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": live_server.url,
        "TRACE_TOUR_EXPERIMENT": "harbor-tour",
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    script = SCRIPTS / "trace_tree.py"
    completed = subprocess.run(
        [sys.executable, str(script), "mlharbor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:] + live_server.log()[-2000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["span_names"] == ["add", "agent", "fake_llm", "retrieve"]
    assert results["fetched_spans"] == 4
    assert results["feedback"] == [["helpful", True, "CODE"]]


def test_official_openai_autolog_through_the_gateway(
    mlflow_python: str, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlharbor.gateway.app import create_app
    from mlharbor.gateway.config import parse_config
    from tests.gateway.conftest import serve_in_thread
    from tests.gateway.fakes import KEYS, FakeProviders

    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    with serve_in_thread(FakeProviders().app) as fake_url:
        model = {
            "provider": "openai",
            "name": "gpt-4o",
            "config": {"openai_api_key": "$OPENAI_API_KEY", "openai_api_base": f"{fake_url}/v1"},
        }
        config = parse_config(
            {"endpoints": [{"name": "chat", "endpoint_type": "llm/v1/chat", "model": model}]}
        )
        with serve_in_thread(create_app(config)) as gateway_url:
            out = _run(mlflow_python, live_server, str(SCRIPTS / "openai_call.py"), gateway_url)
    results = json.loads(out)
    assert results["span_type"] == "CHAT_MODEL"
    assert results["outputs"] == results["answer"]
    assert results["tokens"]["total_tokens"] > 0
