"""The fluent API (``import mlharbor as mlflow``) against the real default SQLite store."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue, MlharborException


def test_quickstart_run_finishes_with_system_tags(workdir: Path) -> None:
    experiment = mlflow.set_experiment("MLflow Quickstart")
    with mlflow.start_run() as run:
        mlflow.log_param("learning_rate", 0.01)
        mlflow.log_metric("accuracy", 0.95)
        mlflow.set_tag("model_type", "classification")
        assert mlflow.active_run() is run
    assert mlflow.active_run() is None
    stored = mlflow.get_run(run.info.run_id)
    assert stored.info.experiment_id == experiment.experiment_id
    assert stored.info.status == "FINISHED"
    assert stored.info.end_time is not None
    assert stored.data.params == {"learning_rate": "0.01"}
    assert stored.data.metrics == {"accuracy": 0.95}
    tags = stored.data.tags
    assert tags["mlflow.source.type"] == "LOCAL"
    assert tags["mlflow.source.name"] == (sys.argv[0] or "<console>")
    assert tags["mlflow.user"] == stored.info.user_id
    assert tags["mlflow.runName"] == stored.info.run_name
    last = mlflow.last_active_run()
    assert last is not None
    assert last.info.run_id == run.info.run_id


def test_run_fails_on_exception(workdir: Path) -> None:
    with pytest.raises(ValueError, match="boom"), mlflow.start_run() as run:
        raise ValueError("boom")
    assert mlflow.get_run(run.info.run_id).info.status == "FAILED"


def test_default_experiment_and_env_experiment(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == "0"
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "from-env")
    with mlflow.start_run() as env_run:
        pass
    experiment = mlflow.get_experiment_by_name("from-env")
    assert experiment is not None
    assert env_run.info.experiment_id == experiment.experiment_id
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME")
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment.experiment_id)
    with mlflow.start_run() as id_run:
        pass
    assert id_run.info.experiment_id == experiment.experiment_id
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", "424242")
    with pytest.raises(InvalidParameterValue, match="does not exist in the tracking server"):
        mlflow.start_run()


def test_set_experiment_by_id_and_deleted(workdir: Path) -> None:
    experiment_id = mlflow.create_experiment("exp1")
    assert mlflow.set_experiment(experiment_id=experiment_id).name == "exp1"
    assert mlflow.set_experiment("exp1").experiment_id == experiment_id
    mlflow.delete_experiment(experiment_id)
    with pytest.raises(InvalidParameterValue, match="Cannot set a deleted experiment"):
        mlflow.set_experiment("exp1")
    with pytest.raises(InvalidParameterValue):
        mlflow.set_experiment()
    mlflow.restore_experiment(experiment_id)
    mlflow.set_experiment("exp1")
    mlflow.set_experiment_tags({"owner": "me"})
    assert mlflow.get_experiment(experiment_id).tags["owner"] == "me"
    mlflow.delete_experiment_tag("owner")
    assert "owner" not in mlflow.get_experiment(experiment_id).tags


def test_run_name_experiment_id_description_and_tags(workdir: Path) -> None:
    experiment_id = mlflow.create_experiment("exp1")
    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name="DecisionTreeClf",
        tags={"version": "v1"},
        description="first try",
    ) as run:
        pass
    stored = mlflow.get_run(run.info.run_id)
    assert stored.info.run_name == "DecisionTreeClf"
    assert stored.info.experiment_id == experiment_id
    assert stored.data.tags["mlflow.runName"] == "DecisionTreeClf"
    assert stored.data.tags["mlflow.note.content"] == "first try"
    assert stored.data.tags["version"] == "v1"


def test_nested_runs_and_second_run_refused(workdir: Path) -> None:
    with mlflow.start_run() as parent:
        with pytest.raises(MlharborException, match="is already active"):
            mlflow.start_run()
        with mlflow.start_run(nested=True) as child:
            assert mlflow.active_run() is child
        assert mlflow.active_run() is parent
    child_run = mlflow.get_run(child.info.run_id)
    assert child_run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    found = mlflow.get_parent_run(child.info.run_id)
    assert found is not None
    assert found.info.run_id == parent.info.run_id
    with mlflow.start_run(parent_run_id=parent.info.run_id) as adopted:
        pass
    assert mlflow.get_run(adopted.info.run_id).data.tags["mlflow.parentRunId"] == (
        parent.info.run_id
    )


def test_resume_run_keeps_end_time(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("a", 1)
    ended = mlflow.get_run(run.info.run_id).info
    with mlflow.start_run(run_id=run.info.run_id) as resumed:
        assert mlflow.get_run(run.info.run_id).info.status == "RUNNING"
        assert mlflow.get_run(run.info.run_id).info.end_time == ended.end_time
        mlflow.log_param("b", 2)
    assert resumed.info.run_id == run.info.run_id
    assert mlflow.get_run(run.info.run_id).data.params == {"a": "1", "b": "2"}
    monkeypatch.setenv("MLFLOW_RUN_ID", run.info.run_id)
    with mlflow.start_run() as from_env:
        pass
    assert from_env.info.run_id == run.info.run_id
    mlflow.delete_run(run.info.run_id)
    with pytest.raises(MlharborException, match="deleted state"):
        mlflow.start_run(run_id=run.info.run_id)
    mlflow.restore_run(run.info.run_id)


def test_logging_without_run_starts_one(workdir: Path) -> None:
    mlflow.log_param("p", 1)
    run = mlflow.active_run()
    assert run is not None
    mlflow.end_run()
    assert mlflow.get_run(run.info.run_id).data.params == {"p": "1"}


def test_stepped_metrics_and_batches(workdir: Path) -> None:
    with mlflow.start_run() as run:
        for epoch in range(5):
            mlflow.log_metric("train_loss", 1.0 / (epoch + 1), step=epoch)
        mlflow.log_metrics({"final_accuracy": 0.95, "final_f1": 0.93}, step=7)
        mlflow.log_params({"optimizer": "adam", "dropout": 0.3, "hidden_layers": 3})
        mlflow.set_tags({"a": 1, "b": "x"})
        mlflow.delete_tag("b")
    client = mlflow.MlflowClient()
    history = client.get_metric_history(run.info.run_id, "train_loss")
    assert [m.step for m in history] == [0, 1, 2, 3, 4]
    stored = mlflow.get_run(run.info.run_id)
    assert stored.data.params == {"optimizer": "adam", "dropout": "0.3", "hidden_layers": "3"}
    assert {m.key: m.step for m in stored.data.metric_objs}["final_f1"] == 7
    assert stored.data.tags["a"] == "1"
    assert "b" not in stored.data.tags


def test_artifact_uri(workdir: Path) -> None:
    with mlflow.start_run() as run:
        root = mlflow.get_artifact_uri()
        assert root == run.info.artifact_uri
        assert mlflow.get_artifact_uri("plots/a.png") == f"{root}/plots/a.png"


def test_active_runs_are_per_thread(workdir: Path) -> None:
    seen: list[object] = []
    with mlflow.start_run():

        def other_thread() -> None:
            seen.append(mlflow.active_run())

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(timeout=30)
    assert seen == [None]


def test_search_runs_dataframe_columns(workdir: Path) -> None:
    mlflow.set_experiment("search")
    for optimizer, accuracy in (("adam", 0.95), ("sgd", 0.97), ("adam", 0.8)):
        with mlflow.start_run():
            mlflow.log_param("optimizer", optimizer)
            mlflow.log_metric("accuracy", accuracy)
    with mlflow.start_run():
        mlflow.log_param("other", "x")
    frame = mlflow.search_runs(
        experiment_names=["search"],
        filter_string="metrics.accuracy > 0.9 AND params.optimizer = 'adam'",
        order_by=["metrics.accuracy DESC"],
    )
    assert list(frame.columns[:6]) == [
        "run_id",
        "experiment_id",
        "status",
        "artifact_uri",
        "start_time",
        "end_time",
    ]
    assert frame[["params.optimizer", "metrics.accuracy"]].values.tolist() == [["adam", 0.95]]
    start_type = frame["start_time"].dtype
    assert isinstance(start_type, pd.DatetimeTZDtype)
    assert str(start_type.tz) == "UTC"
    everything = mlflow.search_runs()
    assert len(everything) == 4
    assert everything["params.other"].isna().sum() == 3
    assert everything["metrics.accuracy"].isna().sum() == 1
    as_list = mlflow.search_runs(output_format="list", max_results=2)
    assert len(as_list) == 2
    assert mlflow.search_runs(experiment_names=["missing"]).empty
    with pytest.raises(InvalidParameterValue):
        mlflow.search_runs(output_format="csv")
    with pytest.raises(InvalidParameterValue, match="not both"):
        mlflow.search_runs(experiment_ids=["0"], experiment_names=["search"])
    assert len(mlflow.search_runs(search_all_experiments=True, output_format="list")) == 4


def test_search_experiments(workdir: Path) -> None:
    for name in ("a", "b", "c"):
        mlflow.create_experiment(name)
    names = {e.name for e in mlflow.search_experiments()}
    assert names == {"Default", "a", "b", "c"}
    assert len(mlflow.search_experiments(max_results=2)) == 2
    assert [e.name for e in mlflow.search_experiments(filter_string="name = 'b'")] == ["b"]


def test_script_run_gets_git_tags_and_is_ended_at_exit(workdir: Path) -> None:
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(
        ["git", "remote", "add", "origin", "https://example.invalid/repo.git"], check=True
    )
    script = workdir / "train.py"
    script.write_text(
        "import mlharbor as mlflow\n"
        "run = mlflow.start_run()\n"
        "mlflow.log_metric('m', 1)\n"
        "print(run.info.run_id)\n"
    )
    subprocess.run(["git", "add", "train.py"], check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], check=True
    )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    result = subprocess.run(
        [sys.executable, "train.py"], check=True, capture_output=True, text=True, timeout=120
    )
    run = mlflow.get_run(result.stdout.strip())
    assert run.info.status == "FINISHED"
    assert run.data.tags["mlflow.source.name"] == "train.py"
    assert run.data.tags["mlflow.source.git.commit"] == commit
    assert run.data.tags["mlflow.source.git.repoURL"] == "https://example.invalid/repo.git"
    assert "mlflow.source.git.branch" in run.data.tags


def test_run_context_env_and_tracking_username(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_RUN_CONTEXT", '{"ci.job": "42"}')
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")
    with mlflow.start_run() as run:
        pass
    stored = mlflow.get_run(run.info.run_id)
    assert stored.data.tags["ci.job"] == "42"
    assert stored.data.tags["mlflow.user"] == "alice"
    assert stored.info.user_id == "alice"


def test_user_from_credentials_file(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = workdir / "home"
    (home / ".mlflow").mkdir(parents=True)
    (home / ".mlflow" / "credentials").write_text(
        "[mlflow]\nmlflow_tracking_username = bob\nmlflow_tracking_password = pw\n"
    )
    monkeypatch.setenv("HOME", str(home))
    with mlflow.start_run() as run:
        pass
    assert mlflow.get_run(run.info.run_id).data.tags["mlflow.user"] == "bob"
