"""The client and fluent API against real tracking servers (``mlflow server`` 3.17.2 and
``mlharbor server``): oversize batches are split the way the servers accept, artifacts travel
through the artifact proxy, async logging, datasets and searches work over REST."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlharbor as mlflow
import mlharbor.data
from mlharbor.client.client import MlharborClient
from mlharbor.entities import Metric, Param, RunTag
from mlharbor.exceptions import MlharborException
from tests.client.isolation import isolated_workdir
from tests.fixtures.servers import RunningServer, free_port, run_server

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module", params=["mlflow", "mlharbor"])
def tracking_server(
    request: pytest.FixtureRequest, mlflow_python: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp(f"{request.param}-server")
    port = free_port()
    python = mlflow_python if request.param == "mlflow" else sys.executable
    cmd = [
        str(Path(python).with_name(request.param)),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *(["--workers", "1"] if request.param == "mlflow" else []),
    ]
    env = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    with run_server(cmd, port, "/health", env, timeout_s=180, cwd=root) as server:
        yield server


@pytest.fixture
def remote(
    tracking_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MlharborClient]:
    """Fluent state and a client both pointed at the server."""
    for _ in isolated_workdir(tmp_path, monkeypatch):
        mlflow.set_tracking_uri(tracking_server.url)
        yield MlharborClient()


def test_oversize_batch_is_accepted_by_server(remote: MlharborClient) -> None:
    experiment_id = remote.create_experiment("oversize")
    run_id = remote.create_run(experiment_id).info.run_id
    remote.log_batch(
        run_id,
        metrics=[Metric(f"m{i}", float(i), 1, 0) for i in range(1001)],
        params=[Param(f"p{i}", str(i)) for i in range(101)],
        tags=[RunTag(f"t{i}", "v") for i in range(101)],
    )
    data = remote.get_run(run_id).data
    assert len(data.metrics) == 1001
    assert len(data.params) == 101
    with pytest.raises(MlharborException, match="Changing param values"):
        remote.log_param(run_id, "p0", "changed")


def test_fluent_workflow_over_rest(remote: MlharborClient, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (tmp_path / "out" / "sub").mkdir(parents=True)
    (tmp_path / "out" / "sub" / "r.txt").write_text("r")
    frame = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "label": [0, 1, 0]})
    mlflow.set_experiment("rest-fluent")
    with mlflow.start_run() as run:
        for step in range(30):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step, synchronous=False)
        mlflow.log_params({"optimizer": "adam"})
        mlflow.log_metric("accuracy", 0.95)
        figure = plt.figure()
        plt.plot([1, 2], [2, 1])
        mlflow.log_figure(figure, "plots/curve.png")
        plt.close(figure)
        mlflow.log_image(np.zeros((4, 4, 3), dtype=np.uint8), key="sample", step=1)
        mlflow.log_artifacts(str(tmp_path / "out"), artifact_path="results")
        mlflow.log_input(
            mlharbor.data.from_pandas(frame, source="s3://bucket/x.csv"), context="training"
        )
    run_id = run.info.run_id
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")
    assert len(remote.get_metric_history(run_id, "loss")) == 30
    paths = [f.path for f in remote.list_artifacts(run_id)]
    assert paths == ["images", "plots", "results"]
    assert [f.path for f in remote.list_artifacts(run_id, "results")] == ["results/sub"]
    downloaded = remote.download_artifacts(run_id, "results", str(tmp_path))
    assert (Path(downloaded) / "sub" / "r.txt").read_text() == "r"
    stored = remote.get_run(run_id)
    assert stored.data.tags["mlflow.loggedImages"] == "True"
    assert stored.inputs.dataset_inputs[0].dataset.source_type == "s3"
    frame_out = mlflow.search_runs(filter_string="params.optimizer = 'adam'")
    assert frame_out["run_id"].tolist() == [run_id]
    assert frame_out["metrics.accuracy"].tolist() == [0.95]
