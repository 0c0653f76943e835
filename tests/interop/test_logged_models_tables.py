"""Tables and logged models cross between mlharbor and the official MLflow 3.17.2 client
through one ``mlharbor server``: each reads what the other wrote."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.entities import LoggedModelStatus
from tests.client.isolation import isolated_workdir
from tests.fixtures.servers import RunningServer

SCRIPT = Path(__file__).parent / "workflows" / "logged_models_tables.py"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from isolated_workdir(tmp_path, monkeypatch)


def test_tables_and_logged_models_both_ways(
    mlharbor_server: RunningServer, mlflow_python: str, workdir: Path
) -> None:
    experiment = f"cross-{uuid.uuid4().hex[:8]}"
    mlflow.set_tracking_uri(mlharbor_server.url)
    mlflow.set_experiment(experiment)
    dataset = mlflow.data.from_pandas(pd.DataFrame({"x": [1]}), name="holdout")
    with mlflow.start_run():
        mlflow.log_table({"q": ["a"], "score": [1]}, "ours.json")
        mlflow.log_table({"q": ["b"], "score": [2]}, "ours.json")
        ours = mlflow.initialize_logged_model(name="ours", params={"lr": 0.1})
        mlflow.log_metric("acc", 0.7, model_id=ours.model_id, dataset=dataset)
        mlflow.finalize_logged_model(ours.model_id, "READY")
    agent = mlflow.set_active_model(name="agent")
    files = MlharborClient().list_logged_model_artifacts(agent.model_id)
    assert [f.path for f in files] == ["MLmodel"]
    mlflow.clear_active_model()

    result = subprocess.run(
        [
            mlflow_python,
            str(SCRIPT),
            mlharbor_server.url,
            experiment,
            ours.model_id,
            agent.model_id,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=workdir,
        env={"PATH": "/usr/bin:/bin", "HOME": str(workdir), "MLFLOW_DISABLE_TELEMETRY": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    theirs = json.loads(result.stdout.strip().splitlines()[-1])

    table = mlflow.load_table("theirs.json", run_ids=[theirs["run_id"]])
    assert table.to_dict("records") == [{"q": "c", "score": 3}, {"q": "d", "score": 4}]
    model = mlflow.get_logged_model(theirs["model_id"])
    assert model.status is LoggedModelStatus.READY
    assert model.params == {"depth": "3"}
    assert [(m.key, m.value, m.dataset_name) for m in model.metrics] == [("acc", 0.9, "holdout")]
    ranked = mlflow.search_logged_models(
        datasets=[{"dataset_name": "holdout", "dataset_digest": dataset.digest}],
        order_by=[{"field_name": "metrics.acc", "ascending": True}],
        output_format="list",
    )
    assert [m.model_id for m in ranked] == [ours.model_id, theirs["model_id"]]


def test_mlharbor_client_on_mlflow_server(mlflow_server: RunningServer, workdir: Path) -> None:
    mlflow.set_tracking_uri(mlflow_server.url)
    mlflow.set_experiment(f"to-mlflow-{uuid.uuid4().hex[:8]}")
    dataset = mlflow.data.from_pandas(pd.DataFrame({"x": [2]}), name="holdout")
    with mlflow.start_run() as run:
        low = mlflow.initialize_logged_model(name="low", params={"p": 1})
        high = mlflow.initialize_logged_model(name="high")
        mlflow.log_metric("acc", 0.4, model_id=low.model_id, dataset=dataset)
        mlflow.log_metric("acc", 0.8, model_id=high.model_id, dataset=dataset)
        mlflow.finalize_logged_model(high.model_id, "READY")
        mlflow.finalize_logged_model(low.model_id, "FAILED")
        mlflow.log_table({"q": ["a"]}, "rows.json")
        mlflow.log_table({"q": ["b"]}, "rows.json")
    assert mlflow.get_logged_model(low.model_id).status is LoggedModelStatus.FAILED
    ranked = mlflow.search_logged_models(
        filter_string="metrics.acc > 0.1",
        # MLflow's server needs the digest: over REST a name alone matches nothing.
        datasets=[{"dataset_name": "holdout", "dataset_digest": dataset.digest}],
        order_by=[{"field_name": "metrics.acc", "ascending": False}],
        output_format="list",
    )
    assert [m.model_id for m in ranked] == [high.model_id, low.model_id]
    inputs = mlflow.get_run(run.info.run_id).inputs
    assert {m.model_id for m in inputs.model_inputs} == {low.model_id, high.model_id}
    assert mlflow.load_table("rows.json")["q"].tolist() == ["a", "b"]
