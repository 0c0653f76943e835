"""``mlharbor gc`` / ``mlharbor.gc`` and the ``experiments`` / ``runs`` command groups, as a
user runs them in a fresh folder, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import mlharbor as mlflow
from mlharbor.cli import cli
from mlharbor.exceptions import MlharborException
from tests.client.isolation import isolated_workdir


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from isolated_workdir(tmp_path, monkeypatch)


def _run_with_artifact(name: str) -> tuple[str, Path]:
    with mlflow.start_run(run_name=name) as run:
        mlflow.log_param("p", name)
        mlflow.log_metric("m", 1.0)
        mlflow.log_text("hello", "notes.txt")
    uri = mlflow.get_run(run.info.run_id).info.artifact_uri
    local = Path(uri.removeprefix("file://"))
    assert (local / "notes.txt").is_file()
    return run.info.run_id, local


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_gc_purges_deleted_runs_and_experiments_with_artifacts(workdir: Path) -> None:
    kept_id, kept_dir = _run_with_artifact("kept")
    gone_id, gone_dir = _run_with_artifact("gone")
    experiment_id = mlflow.create_experiment("old")
    mlflow.set_experiment(experiment_id=experiment_id)
    inner_id, inner_dir = _run_with_artifact("inner")
    mlflow.delete_run(gone_id)
    mlflow.delete_experiment(experiment_id)

    preview = mlflow.gc(dry_run=True)
    assert set(preview.run_ids) == {gone_id, inner_id}
    assert gone_dir.exists()

    output = _invoke("gc")
    assert f"Run with ID {gone_id} has been permanently deleted." in output
    assert f"Experiment with ID {experiment_id} has been permanently deleted." in output
    assert not gone_dir.exists()
    assert not inner_dir.exists()
    assert kept_dir.exists()
    with pytest.raises(MlharborException):
        mlflow.get_run(gone_id)
    with pytest.raises(MlharborException):
        mlflow.get_experiment(experiment_id)
    assert mlflow.get_run(kept_id).data.params == {"p": "kept"}
    # the name is free again, as after MLflow's gc
    assert mlflow.get_experiment(mlflow.create_experiment("old")).name == "old"


def test_gc_by_id_and_age_refuses_what_is_not_deleted_or_too_recent(workdir: Path) -> None:
    active_id, _ = _run_with_artifact("active")
    recent_id, _ = _run_with_artifact("recent")
    mlflow.delete_run(recent_id)
    with pytest.raises(MlharborException, match="not in `deleted` lifecycle stage"):
        mlflow.gc(run_ids=[active_id])
    with pytest.raises(MlharborException, match="not older than"):
        mlflow.gc(run_ids=[recent_id], older_than="1d")
    assert mlflow.gc(older_than="1d").run_ids == []
    with pytest.raises(MlharborException, match="Could not parse"):
        mlflow.gc(older_than="soon")
    time.sleep(1.1)
    assert mlflow.gc(run_ids=[recent_id], older_than="1s").run_ids == [recent_id]
    result = CliRunner().invoke(cli, ["gc", "--run-ids", active_id])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "lifecycle stage" in result.output


def test_gc_on_postgresql(workdir: Path, postgres_url: str, tmp_path: Path) -> None:
    mlflow.set_tracking_uri(postgres_url)
    experiment_id = mlflow.create_experiment("pg", artifact_location=str(tmp_path / "pg"))
    mlflow.set_experiment(experiment_id=experiment_id)
    run_id, artifacts = _run_with_artifact("pg-run")
    with mlflow.start_run() as other:
        mlflow.log_input(mlflow.data.from_pandas(__import__("pandas").DataFrame({"a": [1]})))
    mlflow.delete_run(run_id)
    mlflow.delete_run(other.info.run_id)
    output = _invoke("gc", "--backend-store-uri", postgres_url, "--run-ids", run_id)
    assert f"Run with ID {run_id} has been permanently deleted." in output
    assert not artifacts.exists()
    mlflow.delete_experiment(experiment_id)
    assert mlflow.gc(experiment_ids=[experiment_id]).run_ids == [other.info.run_id]
    with pytest.raises(MlharborException):
        mlflow.get_experiment(experiment_id)


def test_experiments_and_runs_commands(workdir: Path, tmp_path: Path) -> None:
    created = _invoke("experiments", "create", "-n", "cli-exp")
    experiment_id = created.strip().rsplit(" ", 1)[-1]
    mlflow.set_experiment(experiment_id=experiment_id)
    run_id, _ = _run_with_artifact("cli-run")

    assert "cli-exp" in _invoke("experiments", "search")
    described = json.loads(_invoke("experiments", "describe", "--experiment-name", "cli-exp"))
    assert described["experiment_id"] == experiment_id
    rows = list(csv.DictReader(io.StringIO(_invoke("experiments", "csv", "-x", experiment_id))))
    assert rows[0]["run_id"] == run_id
    assert rows[0]["params.p"] == "cli-run"
    target = tmp_path / "runs.csv"
    assert "exported as a CSV" in _invoke(
        "experiments", "csv", "-x", experiment_id, "-o", str(target)
    )
    assert target.read_text().startswith("run_id")

    listed = _invoke("runs", "list", "--experiment-id", experiment_id)
    assert run_id in listed
    assert "cli-run" in listed
    run_json = json.loads(_invoke("runs", "describe", "--run-id", run_id))
    assert run_json["info"]["run_id"] == run_id
    _invoke("runs", "delete", "--run-id", run_id)
    assert run_id not in _invoke("runs", "list", "--experiment-id", experiment_id)
    assert run_id in _invoke("runs", "list", "--experiment-id", experiment_id, "-v", "deleted_only")
    _invoke("runs", "restore", "--run-id", run_id)
    _invoke("experiments", "rename", "-x", experiment_id, "--new-name", "renamed")
    _invoke("experiments", "delete", "-x", experiment_id)
    assert "renamed" in _invoke("experiments", "search", "-v", "deleted_only")
    _invoke("experiments", "restore", "-x", experiment_id)
    assert mlflow.get_experiment(experiment_id).name == "renamed"

    missing = CliRunner().invoke(cli, ["runs", "describe", "--run-id", "0" * 32])
    assert missing.exit_code == 1
    assert "Traceback" not in missing.output
