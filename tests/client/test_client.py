"""MlharborClient against the real default SQLite store: experiments, runs and run data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from mlharbor.client._values import chunk_batch
from mlharbor.client.client import MlflowClient, MlharborClient
from mlharbor.entities import Metric, Param, RunTag, ViewType
from mlharbor.exceptions import (
    InvalidParameterValue,
    MlharborException,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)


def test_default_store_is_sqlite_file_in_cwd(client: MlharborClient, workdir: Path) -> None:
    experiment_id = client.create_experiment("exp")
    assert (workdir / "mlflow.db").is_file()
    experiment = client.get_experiment(experiment_id)
    assert experiment.name == "exp"
    assert experiment.artifact_location == str(workdir / "mlruns" / experiment_id)
    assert MlflowClient is MlharborClient


def test_experiment_lifecycle(client: MlharborClient) -> None:
    experiment_id = client.create_experiment("first", tags={"team": "a"})
    assert client.get_experiment(experiment_id).tags["team"] == "a"
    by_name = client.get_experiment_by_name("first")
    assert by_name is not None
    assert by_name.experiment_id == experiment_id
    assert client.get_experiment_by_name("missing") is None
    with pytest.raises(ResourceAlreadyExists):
        client.create_experiment("first")

    client.rename_experiment(experiment_id, "renamed")
    client.set_experiment_tag(experiment_id, "stage", 2)
    assert client.get_experiment(experiment_id).tags["stage"] == "2"
    client.delete_experiment_tag(experiment_id, "stage")
    assert "stage" not in client.get_experiment(experiment_id).tags

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    active = [e.name for e in client.search_experiments()]
    deleted = [e.name for e in client.search_experiments(view_type=ViewType.DELETED_ONLY)]
    assert "renamed" not in active
    assert deleted == ["renamed"]
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"


def test_create_and_update_run(client: MlharborClient) -> None:
    experiment_id = client.create_experiment("runs")
    run = client.create_run(experiment_id, tags={"mlflow.user": "alice", "k": 1}, run_name="r1")
    assert run.info.status == "RUNNING"
    assert run.info.user_id == "alice"
    assert run.info.run_name == "r1"
    assert run.data.tags["k"] == "1"

    client.update_run(run.info.run_id, name="r2")
    assert client.get_run(run.info.run_id).info.run_name == "r2"
    client.set_terminated(run.info.run_id, "KILLED")
    ended = client.get_run(run.info.run_id).info
    assert ended.status == "KILLED"
    assert ended.end_time is not None
    client.update_run(run.info.run_id, name="r3")
    renamed = client.get_run(run.info.run_id).info
    assert (renamed.run_name, renamed.status, renamed.end_time) == ("r3", "KILLED", ended.end_time)
    client.update_run(run.info.run_id, status="FINISHED")
    assert client.get_run(run.info.run_id).info.status == "FINISHED"
    with pytest.raises(InvalidParameterValue):
        client.update_run(run.info.run_id, status="DONE")

    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    client.restore_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"


def test_parent_run(client: MlharborClient) -> None:
    parent = client.create_run("0")
    child = client.create_run("0", tags={"mlflow.parentRunId": parent.info.run_id})
    found = client.get_parent_run(child.info.run_id)
    assert found is not None
    assert found.info.run_id == parent.info.run_id
    assert client.get_parent_run(parent.info.run_id) is None


@pytest.mark.parametrize("bad_id", ["", "-abc", "a b", "a/b", "x" * 300, "abc$"])
def test_malformed_run_id_refused_locally(client: MlharborClient, bad_id: str) -> None:
    with pytest.raises(InvalidParameterValue, match="for parameter 'run_id' supplied"):
        client.get_run(bad_id)
    with pytest.raises(InvalidParameterValue):
        client.log_param(bad_id, "k", "v")


def test_unknown_run_is_resource_does_not_exist(client: MlharborClient) -> None:
    with pytest.raises(ResourceDoesNotExist):
        client.get_run("0123456789abcdef0123456789abcdef")


def test_params_are_strings_and_immutable(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    assert client.log_param(run_id, "epochs", 100) == 100
    assert client.log_param(run_id, "lr", 0.3) == 0.3
    client.log_param(run_id, "epochs", "100")
    assert client.get_run(run_id).data.params == {"epochs": "100", "lr": "0.3"}
    with pytest.raises(InvalidParameterValue, match="Changing param values is not allowed"):
        client.log_param(run_id, "epochs", 200)


def test_metric_values_are_converted(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_metric(run_id, "int", 3)
    client.log_metric(run_id, "numpy", np.float32(0.5))
    client.log_metric(run_id, "array", np.array(2.0))
    client.log_metric(run_id, "nan", float("nan"))
    metrics = client.get_run(run_id).data.metrics
    assert metrics["int"] == 3.0
    assert metrics["numpy"] == 0.5
    assert metrics["array"] == 2.0
    assert math.isnan(metrics["nan"])
    for bad in ("abc", True, None, [1, 2]):
        with pytest.raises(InvalidParameterValue):
            client.log_metric(run_id, "bad", bad)


def test_metric_history_follows_pages(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    metrics = [Metric("loss", 1.0 / (s + 1), 1000 + s, s) for s in range(30)]
    client.log_batch(run_id, metrics=metrics)
    history = client.get_metric_history(run_id, "loss")
    assert [m.step for m in history] == list(range(30))
    assert history[-1].value == pytest.approx(1 / 30)
    assert client.get_metric_history(run_id, "unknown") == []


def test_tags(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    client.set_tag(run_id, "a", 1)
    client.set_tag(run_id, "a", 2)
    assert client.get_run(run_id).data.tags["a"] == "2"
    client.delete_tag(run_id, "a")
    assert "a" not in client.get_run(run_id).data.tags
    with pytest.raises(ResourceDoesNotExist):
        client.delete_tag(run_id, "a")


def test_chunk_batch_matches_mlflow_split() -> None:
    metrics = [Metric(f"m{i}", 1.0, 1, 0) for i in range(1001)]
    params = [Param(f"p{i}", "v") for i in range(101)]
    batches = chunk_batch(metrics, params, [])
    assert [(len(m), len(p), len(t)) for m, p, t in batches] == [(900, 100, 0), (101, 1, 0)]
    only_metrics = chunk_batch(metrics, [], [])
    assert [len(m) for m, _, _ in only_metrics] == [1000, 1]
    tags = [RunTag(f"t{i}", "v") for i in range(250)]
    mixed = chunk_batch(metrics[:5], [], tags)
    assert [(len(m), len(t)) for m, _, t in mixed] == [(5, 100), (0, 100), (0, 50)]
    assert chunk_batch([], [], []) == []


def test_oversize_log_batch_is_split_and_fully_stored(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    metrics = [Metric(f"m{i}", float(i), 1, 0) for i in range(1001)]
    params = [Param(f"p{i}", str(i)) for i in range(101)]
    tags = [RunTag(f"t{i}", str(i)) for i in range(101)]
    client.log_batch(run_id, metrics=metrics, params=params, tags=tags)
    data = client.get_run(run_id).data
    assert len(data.metrics) == 1001
    assert len(data.params) == 101
    assert sum(1 for key in data.tags if key.startswith("t")) == 101


def test_log_batch_param_conflict_is_rejected(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_param(run_id, "alpha", "0.1")
    with pytest.raises(MlharborException, match="Changing param values is not allowed"):
        client.log_batch(run_id, metrics=[Metric("m", 1.0, 1, 0)], params=[Param("alpha", "0.3")])
    assert "m" not in client.get_run(run_id).data.metrics


def test_search_runs_pages(client: MlharborClient) -> None:
    experiment_id = client.create_experiment("paged")
    created = {client.create_run(experiment_id).info.run_id for _ in range(5)}
    seen: set[str] = set()
    token = None
    for _ in range(10):
        page = client.search_runs([experiment_id], max_results=2, page_token=token)
        assert len(page) <= 2
        seen.update(run.info.run_id for run in page)
        token = page.token
        if not token:
            break
    assert seen == created


def test_search_runs_filter_and_order(client: MlharborClient) -> None:
    experiment_id = client.create_experiment("filtered")
    for accuracy in (0.5, 0.95, 0.9):
        run_id = client.create_run(experiment_id).info.run_id
        client.log_metric(run_id, "accuracy", accuracy)
    runs = client.search_runs(
        experiment_id, "metrics.accuracy > 0.6", order_by=["metrics.accuracy DESC"]
    )
    assert [r.data.metrics["accuracy"] for r in runs] == [0.95, 0.9]


def test_logged_models(client: MlharborClient) -> None:
    experiment_id = client.create_experiment("models")
    run_id = client.create_run(experiment_id).info.run_id
    model = client.create_logged_model(
        experiment_id, name="model", source_run_id=run_id, params={"alpha": 0.5}, tags={"t": 1}
    )
    assert model.status == "PENDING"
    assert model.params == {"alpha": "0.5"}
    client.set_logged_model_tags(model.model_id, {"u": "v"})
    client.delete_logged_model_tag(model.model_id, "t")
    client.log_model_params(model.model_id, {"beta": 2})
    ready = client.finalize_logged_model(model.model_id, "READY")
    assert ready.status == "READY"
    fetched = client.get_logged_model(model.model_id)
    assert fetched.tags.get("u") == "v"
    assert "t" not in fetched.tags
    assert fetched.params == {"alpha": "0.5", "beta": "2"}
    client.log_outputs(run_id, [])
    found = client.search_logged_models([experiment_id], filter_string="name = 'model'")
    assert [m.model_id for m in found] == [model.model_id]
    client.delete_logged_model(model.model_id)
    with pytest.raises(ResourceDoesNotExist):
        client.get_logged_model(model.model_id)
    with pytest.raises(InvalidParameterValue):
        client.finalize_logged_model(model.model_id, "DONE")
