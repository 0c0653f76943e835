"""MLflow 3 logged models through the fluent API, on the real default SQLite store."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.data import from_pandas
from mlharbor.entities import (
    LoggedModel,
    LoggedModelInput,
    LoggedModelOutput,
    LoggedModelStatus,
    LoggedModelTag,
)
from mlharbor.exceptions import InvalidParameterValue, MlharborException


def test_initialize_and_finalize_in_active_run(workdir: Path) -> None:
    experiment = mlflow.set_experiment("models")
    with mlflow.start_run() as run:
        model = mlflow.initialize_logged_model(
            name="net", params={"lr": 0.1}, tags={"team": "a"}, model_type="agent"
        )
    assert model.status == "PENDING"
    assert model.status is LoggedModelStatus.PENDING
    assert model.source_run_id == run.info.run_id
    assert model.experiment_id == experiment.experiment_id
    assert model.params == {"lr": "0.1"}
    assert model.tags["team"] == "a"
    assert "mlflow.user" in model.tags
    assert model.model_uri == f"models:/{model.model_id}"
    last = mlflow.last_logged_model()
    assert last is not None
    assert last.model_id == model.model_id

    ready = mlflow.finalize_logged_model(model.model_id, "READY")
    assert ready.status == "READY"
    failed = mlflow.finalize_logged_model(model.model_id, LoggedModelStatus.FAILED)
    assert mlflow.get_logged_model(model.model_id).status == LoggedModelStatus.FAILED
    assert failed.status.proto_name == "LOGGED_MODEL_UPLOAD_FAILED"
    with pytest.raises(InvalidParameterValue):
        mlflow.finalize_logged_model(model.model_id, "DONE")


def test_last_logged_model_is_per_thread_and_follows_log_model(workdir: Path) -> None:
    from sklearn.linear_model import LinearRegression

    assert mlflow.last_logged_model() is None
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(mlflow.last_logged_model()))
    first = mlflow.initialize_logged_model(name="first")
    thread.start()
    thread.join()
    assert seen == [None]
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(LinearRegression().fit([[0], [1]], [0, 1]), name="lr")
    last = mlflow.last_logged_model()
    assert last is not None
    assert last.model_id == info.model_id != first.model_id


def test_tags_and_params(workdir: Path) -> None:
    model = mlflow.initialize_logged_model(name="tagged", experiment_id="0")
    mlflow.set_logged_model_tags(model.model_id, {"stage": "dev", "n": 3})
    mlflow.delete_logged_model_tag(model.model_id, "stage")
    mlflow.log_model_params({"depth": 4}, model_id=model.model_id)
    stored = mlflow.get_logged_model(model.model_id)
    assert stored.tags["n"] == "3"
    assert "stage" not in stored.tags
    assert stored.params == {"depth": "4"}
    with pytest.raises(InvalidParameterValue, match="active model"):
        mlflow.log_model_params({"x": 1})
    with mlflow.set_active_model(model_id=model.model_id):
        mlflow.log_model_params({"x": 1})
    assert mlflow.get_logged_model(model.model_id).params == {"depth": "4", "x": "1"}


def test_set_active_model_by_name_reuses_and_restores(workdir: Path) -> None:
    mlflow.set_experiment("active")
    created = mlflow.set_active_model(name="agent")
    assert mlflow.get_active_model_id() == created.model_id
    assert created.status == "READY"
    assert created.tags["mlflow.model.isExternal"] == "true"
    files = MlharborClient().list_logged_model_artifacts(created.model_id)
    assert [f.path for f in files] == ["MLmodel"]
    again = mlflow.set_active_model(name="agent")
    assert again.model_id == created.model_id
    other = mlflow.initialize_logged_model(name="other")
    with mlflow.set_active_model(model_id=other.model_id) as active:
        assert isinstance(active, mlflow.ActiveModel)
        assert mlflow.get_active_model_id() == other.model_id
    assert mlflow.get_active_model_id() == created.model_id
    with pytest.raises(InvalidParameterValue, match="does not match"):
        mlflow.set_active_model(name="agent", model_id=other.model_id)
    with pytest.raises(InvalidParameterValue):
        mlflow.set_active_model()
    mlflow.clear_active_model()
    assert mlflow.get_active_model_id() is None


def test_active_model_id_from_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_ACTIVE_MODEL_ID", "m-123")
    seen: list[str | None] = []
    thread = threading.Thread(target=lambda: seen.append(mlflow.get_active_model_id()))
    thread.start()
    thread.join()
    assert seen == ["m-123"]
    mlflow.clear_active_model()
    assert "MLFLOW_ACTIVE_MODEL_ID" not in __import__("os").environ


def _model_metric_keys(model_id: str) -> set[str]:
    return {m.key for m in mlflow.get_logged_model(model_id).metrics}


def test_metrics_link_to_explicit_active_and_step_models(workdir: Path) -> None:
    from sklearn.linear_model import LinearRegression

    frame = pd.DataFrame({"x": [1, 2], "y": [0, 1]})
    dataset = from_pandas(frame, name="eval", targets="y")
    explicit = mlflow.initialize_logged_model(name="explicit")
    with mlflow.start_run() as run:
        mlflow.log_metric("a", 1.0, model_id=explicit.model_id, dataset=dataset)
        mlflow.log_metric("a", 2.0, step=1, model_id=explicit.model_id, dataset=dataset)
        mlflow.log_metric("plain", 0.5)
        info = mlflow.sklearn.log_model(
            LinearRegression().fit([[0], [1]], [0, 1]), name="lr", step=3
        )
        mlflow.log_metric("at_step", 0.9, step=3)
        mlflow.log_metrics({"batch": 0.1}, step=3)
        mlflow.log_metric("other_step", 0.2, step=4)
        with mlflow.set_active_model(name="active-one") as active:
            mlflow.log_metric("act", 3.0, step=3)
    stored = mlflow.get_run(run.info.run_id)
    assert sorted(m.model_id for m in stored.inputs.model_inputs) == sorted(
        [explicit.model_id, active.model_id]
    )
    assert [(d.dataset.name, d.dataset.digest) for d in stored.inputs.dataset_inputs] == [
        ("eval", dataset.digest)
    ]
    assert _model_metric_keys(info.model_id) == {"at_step", "batch"}
    assert _model_metric_keys(active.model_id) == {"act"}
    model_metrics = mlflow.get_logged_model(explicit.model_id).metrics
    assert [(m.key, m.value, m.dataset_name) for m in model_metrics] == [
        ("a", 1.0, "eval"),
        ("a", 2.0, "eval"),
    ]


def test_log_metric_to_another_run_reads_its_outputs(workdir: Path) -> None:
    with mlflow.start_run() as run:
        model = mlflow.initialize_logged_model(name="out")
        mlflow.log_outputs([LoggedModelOutput(model.model_id, 2)])
    mlflow.log_metric("late", 1.0, step=2, run_id=run.info.run_id)
    assert _model_metric_keys(model.model_id) == {"late"}
    assert mlflow.get_run(run.info.run_id).outputs.model_outputs == (
        LoggedModelOutput(model.model_id, 2),
    )


def test_log_inputs(workdir: Path) -> None:
    frame = pd.DataFrame({"x": [1.0]})
    train, test = from_pandas(frame, name="train"), from_pandas(frame * 2, name="test")
    model = mlflow.initialize_logged_model(name="in", experiment_id="0")
    with mlflow.start_run() as run:
        mlflow.log_inputs(
            [train, test],
            ["training", None],
            [{"k": "v"}, None],
            [LoggedModelInput(model.model_id)],
        )
        with pytest.raises(MlharborException, match="same length"):
            mlflow.log_inputs([train], ["training", "eval"])
    inputs = mlflow.get_run(run.info.run_id).inputs
    assert sorted(d.dataset.name for d in inputs.dataset_inputs) == ["test", "train"]
    tags = {d.dataset.name: {t.key: t.value for t in d.tags} for d in inputs.dataset_inputs}
    assert tags == {"train": {"mlflow.data.context": "training", "k": "v"}, "test": {}}
    assert inputs.model_inputs == (LoggedModelInput(model.model_id),)


def test_search_logged_models(workdir: Path) -> None:
    experiment_id = mlflow.set_experiment("search").experiment_id
    dataset = from_pandas(pd.DataFrame({"x": [1]}), name="holdout")
    scores = {"low": 0.2, "high": 0.9, "mid": 0.5}
    with mlflow.start_run():
        for name, score in scores.items():
            model = mlflow.initialize_logged_model(name=name, params={"kind": name})
            mlflow.log_metric("acc", score, model_id=model.model_id, dataset=dataset)
            mlflow.finalize_logged_model(model.model_id, "READY")
    mlflow.initialize_logged_model(name="unscored")

    frame = mlflow.search_logged_models()
    assert isinstance(frame, pd.DataFrame)
    assert sorted(frame.columns) == sorted(
        [
            "artifact_location",
            "creation_timestamp",
            "experiment_id",
            "last_updated_timestamp",
            "metrics",
            "model_id",
            "model_type",
            "name",
            "params",
            "source_run_id",
            "status",
            "status_message",
            "tags",
        ]
    )
    assert len(frame) == 4
    assert set(frame["status"]) == {LoggedModelStatus.READY, LoggedModelStatus.PENDING}

    ordered = mlflow.search_logged_models(
        experiment_ids=[experiment_id],
        filter_string="metrics.acc > 0.3 AND status = 'READY'",
        order_by=[{"field_name": "metrics.acc", "ascending": False}],
        output_format="list",
    )
    assert [m.name for m in ordered] == ["high", "mid"]
    on_dataset = mlflow.search_logged_models(
        datasets=[{"dataset_name": "holdout", "dataset_digest": dataset.digest}],
        output_format="list",
    )
    assert sorted(m.name for m in on_dataset) == ["high", "low", "mid"]
    assert (
        mlflow.search_logged_models(datasets=[{"dataset_name": "other"}], output_format="list")
        == []
    )
    by_param = mlflow.search_logged_models(
        filter_string="params.kind = 'low'", output_format="list"
    )
    assert [m.name for m in by_param] == ["low"]
    assert len(mlflow.search_logged_models(max_results=3, output_format="list")) == 3
    with pytest.raises(InvalidParameterValue, match="output format"):
        mlflow.search_logged_models(output_format="json")


def test_model_artifacts_through_the_client(client: MlharborClient, tmp_path: Path) -> None:
    model = client.create_logged_model("0", name="files")
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"\x00\x01")
    folder = tmp_path / "extra"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("a")
    client.log_model_artifact(model.model_id, str(weights))
    client.log_model_artifacts(model.model_id, str(folder), "extra")
    top = client.list_logged_model_artifacts(model.model_id)
    assert [(f.path, f.is_dir) for f in top] == [("extra", True), ("weights.bin", False)]
    assert [f.path for f in client.list_logged_model_artifacts(model.model_id, "extra/sub")] == [
        "extra/sub/a.txt"
    ]
    with pytest.raises(MlharborException, match="No such file"):
        client.log_model_artifact(model.model_id, str(tmp_path / "missing"))


def test_fluent_set_model_version_tag(workdir: Path) -> None:
    model = mlflow.create_external_model(name="registered", experiment_id="0")
    version = mlflow.register_model(model.model_uri, "reg")
    mlflow.set_model_version_tag("reg", version.version, "validated", True)
    stored = MlharborClient().get_model_version("reg", version.version)
    assert stored.tags == {"validated": "True"}


def test_logged_model_dictionary_round_trip(workdir: Path) -> None:
    model = mlflow.initialize_logged_model(name="dict", params={"a": 1}, experiment_id="0")
    as_dict = model.to_dictionary()
    assert as_dict["status"] == 1
    assert "model_uri" not in as_dict
    again = LoggedModel.from_dictionary(
        {**as_dict, "tags": [LoggedModelTag(k, v) for k, v in model.tags.items()]}
    )
    assert again == model
    assert LoggedModelStatus.is_finalized("READY")
    assert not LoggedModelStatus.is_finalized(LoggedModelStatus.PENDING)
    assert LoggedModelStatus.from_int(3) is LoggedModelStatus.FAILED
