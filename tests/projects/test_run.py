"""``mlharbor run`` and ``mlharbor.projects.run`` on local projects, with real child processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlharbor import projects
from mlharbor.client.client import MlharborClient
from mlharbor.projects import ExecutionException, SubmittedRun
from tests.projects.conftest import RECORD_SCRIPT, mlharbor_cli, write_project

RECORD_MLPROJECT = """\
name: Recorder
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.1}
      epochs: {type: int, default: 10}
      data_file: path
      name: {type: string, default: "a b"}
    command: "python record.py --alpha {alpha} --epochs {epochs} --data {data_file} --name {name}"
  validate:
    parameters:
      data_file: path
    command: "python record.py {data_file}"
  fail:
    command: "python record.py && exit 3"
"""


@pytest.fixture
def recorder(workdir: Path) -> Path:
    project = write_project(
        workdir / "recorder", {"MLproject": RECORD_MLPROJECT, "record.py": RECORD_SCRIPT}
    )
    (project / "data.csv").write_text("x\n1\n")
    return project


def _record(project: Path) -> dict[str, object]:
    record: dict[str, object] = json.loads((project / "record.json").read_text())
    return record


def _only_run(client: MlharborClient) -> object:
    runs = client.search_runs(["0"])
    assert len(runs) == 1
    return runs[0]


def test_seed001_project_runs_from_the_cli(seed001: Path, client: MlharborClient) -> None:
    result = mlharbor_cli("run", ".", "-P", "C=0.5", "--env-manager", "local", cwd=seed001)

    assert result.returncode == 0, result.stderr
    [run] = client.search_runs(["0"])
    assert run.info.status == "FINISHED"
    assert run.data.params == {"C": "0.5"}
    assert 0.8 < run.data.metrics["accuracy"] <= 1.0
    tags = run.data.tags
    assert tags["mlflow.source.type"] == "PROJECT"
    assert tags["mlflow.source.name"] == str(seed001)
    assert tags["mlflow.project.entryPoint"] == "main"
    assert tags["mlflow.project.backend"] == "local"
    assert "mlflow.project.env" not in tags  # MLflow tags no env for 'local'


def test_seed001_project_runs_from_the_api(seed001: Path, client: MlharborClient) -> None:
    submitted = projects.run(
        str(seed001),
        parameters={"C": 0.25},
        env_manager="local",
        experiment_name="iris",
        run_name="c-quarter",
    )

    assert isinstance(submitted, SubmittedRun)
    assert submitted.get_status() == "FINISHED"
    run = client.get_run(submitted.run_id)
    experiment = client.get_experiment_by_name("iris")
    assert experiment is not None
    assert run.info.experiment_id == experiment.experiment_id
    assert run.info.run_name == "c-quarter"
    assert run.info.status == "FINISHED"
    assert run.data.params == {"C": "0.25"}
    assert "accuracy" in run.data.metrics


def test_params_defaults_types_and_extras_reach_the_command(
    recorder: Path, client: MlharborClient
) -> None:
    submitted = projects.run(
        str(recorder),
        parameters={"data_file": "data.csv", "alpha": "0.5", "extra": "x y", "flag": 1},
        env_manager="local",
    )

    record = _record(recorder)
    assert record["argv"] == [
        "--alpha", "0.5", "--epochs", "10", "--data", str(recorder / "data.csv"),
        "--name", "a b", "--extra", "x y", "--flag", "1",
    ]  # fmt: skip
    assert record["run_id"] == submitted.run_id
    assert record["experiment_id"] == "0"
    assert record["cwd"] == str(recorder)
    run = client.get_run(submitted.run_id)
    assert run.data.params == {
        "alpha": "0.5",
        "epochs": "10",
        "data_file": "data.csv",
        "name": "a b",
        "extra": "x y",
        "flag": "1",
    }
    assert run.info.status == "FINISHED"


def test_other_entry_point_from_the_cli(recorder: Path, client: MlharborClient) -> None:
    result = mlharbor_cli(
        "run", ".", "-e", "validate", "-P", "data_file=data.csv", "--env-manager", "local",
        "--experiment-name", "validation", cwd=recorder,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert _record(recorder)["argv"] == [str(recorder / "data.csv")]
    experiment = client.get_experiment_by_name("validation")
    assert experiment is not None
    [run] = client.search_runs([experiment.experiment_id])
    assert run.data.tags["mlflow.project.entryPoint"] == "validate"


@pytest.mark.parametrize(
    ("entry_point", "params", "message"),
    [
        ("main", {"data_file": "data.csv", "alpha": "fast"}, "expects a float but got 'fast'"),
        ("main", {"data_file": "data.csv", "epochs": "1.5"}, "expects an integer"),
        ("main", {}, "No value given for missing parameters: 'data_file'"),
        ("main", {"data_file": "nope.csv"}, "no such file or directory was found"),
        ("train", {}, "Could not find train among entry points ['main', 'validate', 'fail']"),
    ],
)
def test_invalid_input_is_refused_before_any_run(
    recorder: Path, client: MlharborClient, entry_point: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(ExecutionException) as caught:
        projects.run(str(recorder), entry_point, parameters=params, env_manager="local")

    assert message in caught.value.message
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.search_runs(["0"]) == []


def test_cli_reports_bad_parameters_without_a_traceback(recorder: Path) -> None:
    result = mlharbor_cli(
        "run", ".", "-P", "data_file=data.csv", "-P", "alpha=fast", "--env-manager", "local",
        cwd=recorder,
    )  # fmt: skip

    assert result.returncode == 1
    assert "Error: Parameter 'alpha' expects a float but got 'fast'." in result.stderr
    assert "Traceback" not in result.stderr


def test_failing_command_marks_the_run_failed(recorder: Path, client: MlharborClient) -> None:
    with pytest.raises(ExecutionException, match="failed"):
        projects.run(str(recorder), "fail", env_manager="local")
    assert _only_run(client).info.status == "FAILED"  # type: ignore[attr-defined]

    result = mlharbor_cli("run", ".", "-e", "fail", "--env-manager", "local", cwd=recorder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert [r.info.status for r in client.search_runs(["0"])] == ["FAILED", "FAILED"]


def test_python_file_entry_point_without_mlproject(workdir: Path, client: MlharborClient) -> None:
    project = write_project(workdir / "plain", {"record.py": RECORD_SCRIPT})

    submitted = projects.run(
        str(project), "record.py", parameters={"lr": "0.1"}, env_manager="local"
    )

    record = _record(project)
    assert record["argv"] == ["--lr", "0.1"]
    assert record["run_id"] == submitted.run_id
    run = client.get_run(submitted.run_id)
    assert run.data.params == {"lr": "0.1"}
    assert run.data.tags["mlflow.project.entryPoint"] == "record.py"
    assert run.info.status == "FINISHED"


def test_asynchronous_run_returns_at_once_and_ends_itself(
    recorder: Path, client: MlharborClient
) -> None:
    submitted = projects.run(
        str(recorder),
        parameters={"data_file": "data.csv"},
        env_manager="local",
        synchronous=False,
    )

    assert submitted.wait() is True
    assert submitted.get_status() == "FINISHED"
    run = client.get_run(submitted.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["data_file"] == "data.csv"
    assert _record(recorder)["run_id"] == submitted.run_id
