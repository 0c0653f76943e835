"""Asynchronous logging: queued writes are batched, flushed, and their errors surface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.entities import Metric, Param
from mlharbor.exceptions import InvalidParameterValue


def test_async_writes_are_all_stored_after_end_run(workdir: Path) -> None:
    with mlflow.start_run() as run:
        for step in range(300):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step, synchronous=False)
        for index in range(150):
            mlflow.log_param(f"p{index}", index, synchronous=False)
        mlflow.set_tag("t", "v", synchronous=False)
    client = MlharborClient()
    assert len(client.get_metric_history(run.info.run_id, "loss")) == 300
    stored = client.get_run(run.info.run_id).data
    assert len(stored.params) == 150
    assert stored.tags["t"] == "v"


def test_environment_switches_fluent_logging_to_async(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_LOGGING", "true")
    with mlflow.start_run() as run:
        operation = mlflow.log_metrics({"a": 1.0, "b": 2.0})
        assert operation is not None
        operation.wait()
        mlflow.flush_async_logging()
    assert MlharborClient().get_run(run.info.run_id).data.metrics == {"a": 1.0, "b": 2.0}


def test_async_error_surfaces_on_flush(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_param(run_id, "alpha", "0.1")
    operation = client.log_param(run_id, "alpha", "0.2", synchronous=False)
    with pytest.raises(InvalidParameterValue, match="Changing param values"):
        operation.wait()
    with pytest.raises(InvalidParameterValue, match="Changing param values"):
        mlflow.flush_async_logging()
    mlflow.flush_async_logging()


def test_async_batch_split_and_duplicate_keys(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    metrics = [Metric(f"m{i}", float(i), 1, 0) for i in range(1500)]
    params = [Param(f"p{i}", "v") for i in range(120)]
    operation = client.log_batch(run_id, metrics=metrics, params=params, synchronous=False)
    assert operation is not None
    for _ in range(3):
        client.log_param(run_id, "same", "1", synchronous=False)
    mlflow.flush_async_logging()
    operation.wait()
    stored = client.get_run(run_id).data
    assert len(stored.metrics) == 1500
    assert len(stored.params) == 121


def test_interpreter_exit_flushes_queue_and_ends_run(workdir: Path) -> None:
    script = workdir / "train.py"
    script.write_text(
        "import mlharbor as mlflow\n"
        "run = mlflow.start_run()\n"
        "for step in range(500):\n"
        "    mlflow.log_metric('loss', step, step=step, synchronous=False)\n"
        "print(run.info.run_id)\n"
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    client = MlharborClient()
    run_id = result.stdout.strip()
    assert len(client.get_metric_history(run_id, "loss")) == 500
    assert client.get_run(run_id).info.status == "FINISHED"


def test_one_failing_entry_does_not_lose_its_neighbours(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_param(run_id, "alpha", "0.1")
    operations = [client.log_metric(run_id, f"m{i}", i, synchronous=False) for i in range(50)]
    bad = client.log_param(run_id, "alpha", "0.2", synchronous=False)
    operations += [client.log_metric(run_id, f"n{i}", i, synchronous=False) for i in range(50)]
    with pytest.raises(InvalidParameterValue):
        mlflow.flush_async_logging()
    with pytest.raises(InvalidParameterValue):
        bad.wait()
    for operation in operations:
        assert operation is not None
        operation.wait()
    assert len(client.get_run(run_id).data.metrics) == 100
