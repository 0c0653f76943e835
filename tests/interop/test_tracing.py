"""``import mlharbor as mlflow`` traces into MLflow 3.17.2's own server, and reads them back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.servers import RunningServer

SCRIPT = Path(__file__).parents[1] / "tracing" / "official" / "trace_tree.py"
SRC = Path(__file__).parents[2] / "src"


def test_mlharbor_client_traces_into_mlflow_server(mlflow_server: RunningServer) -> None:
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": mlflow_server.url,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "mlharbor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:] + mlflow_server.log()[-2000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["count"] == 2
    assert results["states"] == ["ERROR", "OK"]
    assert results["span_names"] == ["add", "agent", "fake_llm", "retrieve"]
    assert results["root_inputs"] == {"question": "hello"}
    assert results["llm_type"] == "LLM"
    assert results["error_events"] == ["exception"]
    assert results["tokens"] == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    assert results["feedback"] == [["helpful", True, "CODE"]]
