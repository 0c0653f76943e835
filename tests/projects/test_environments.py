"""Environment managers: a cached virtualenv, and clear errors when conda or Docker is absent."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlharbor import projects
from mlharbor.client.client import MlharborClient
from mlharbor.projects import ExecutionException
from mlharbor.projects.environments import choose_env_manager
from mlharbor.projects.spec import load_project
from tests.projects.conftest import RECORD_SCRIPT, mlharbor_cli, write_project

# Dependencies left empty: the venv is built offline, without pip, in well under a second.
PYTHON_ENV = f"""\
python: "{sys.version_info.major}.{sys.version_info.minor}"
build_dependencies: []
dependencies: []
"""

VENV_MLPROJECT = """\
name: Venv
python_env: python_env.yaml
entry_points:
  main:
    command: "python record.py"
"""

DOCKER_MLPROJECT = """\
name: My Docker Project
docker_env:
  image: my-ml-env:latest
  volumes: ['/data:/data']
  environment: [['MLFLOW_TRACKING_URI', 'http://mlflow-server:5000']]
entry_points:
  main:
    command: 'python train.py'
"""


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def test_virtualenv_is_built_from_python_env_and_reused(
    workdir: Path, client: MlharborClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_root = workdir / "envs"
    monkeypatch.setenv("MLFLOW_ENV_ROOT", str(env_root))
    project = write_project(
        workdir / "venv-project",
        {"MLproject": VENV_MLPROJECT, "python_env.yaml": PYTHON_ENV, "record.py": RECORD_SCRIPT},
    )

    first = projects.run(str(project))  # python_env: virtualenv is the default
    prefix = json.loads((project / "record.json").read_text())["prefix"]
    second = projects.run(str(project), env_manager="virtualenv")

    [env_dir] = (env_root / "virtualenv_envs").iterdir()
    assert Path(prefix) == env_dir  # the command ran in the venv, not in this interpreter
    assert json.loads((project / "record.json").read_text())["prefix"] == prefix
    for submitted in (first, second):
        run = client.get_run(submitted.run_id)
        assert run.info.status == "FINISHED"
        assert run.data.tags["mlflow.project.env"] == "virtualenv"


LOGGING_SCRIPT = """\
import sys
import mlharbor as mlflow
with mlflow.start_run():
    mlflow.log_param("prefix", sys.prefix)
"""


def test_virtualenv_runs_mlharbor_code_from_a_parent_folder(
    workdir: Path, client: MlharborClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_ENV_ROOT", str(workdir / "envs"))
    monkeypatch.delenv("PYTHONPATH", raising=False)  # mlharbor must come with the environment
    project = write_project(
        workdir / "nested" / "venv-project",
        {
            "MLproject": VENV_MLPROJECT.replace("record.py", "train.py"),
            "python_env.yaml": PYTHON_ENV,
            "train.py": LOGGING_SCRIPT,
        },
    )
    submitted = projects.run(str(project))
    run = client.get_run(submitted.run_id)
    assert run.info.status == "FINISHED"
    assert Path(run.data.params["prefix"]).parent == workdir / "envs" / "virtualenv_envs"


def test_unavailable_python_version_is_a_clear_error(
    workdir: Path, client: MlharborClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_ENV_ROOT", str(workdir / "envs"))
    monkeypatch.setenv("PATH", "/nonexistent")
    project = write_project(
        workdir / "old", {"MLproject": VENV_MLPROJECT, "python_env.yaml": "python: '2.7'\n"}
    )
    with pytest.raises(ExecutionException, match=r"needs Python 2\.7"):
        projects.run(str(project))
    assert client.search_runs(["0"]) == []


def test_conda_project_defaults_to_conda(seed001: Path) -> None:
    project = load_project(str(seed001))
    assert choose_env_manager(project, None) == "conda"  # as MLflow 3.17.2 chooses
    assert choose_env_manager(project, "local") == "local"
    with pytest.raises(ExecutionException, match="python_env project cannot be executed"):
        choose_env_manager(load_project(str(seed001.parent)), "conda")


@pytest.mark.skipif(shutil.which("conda") is not None, reason="conda is installed here")
def test_missing_conda_is_a_clear_error(
    seed001: Path, client: MlharborClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONDA_EXE", raising=False)
    with pytest.raises(ExecutionException, match="Could not find Conda executable") as caught:
        projects.run(str(seed001), parameters={"C": "0.5"})
    assert caught.value.error_code == "INTERNAL_ERROR"
    assert client.search_runs(["0"]) == []

    result = mlharbor_cli("run", ".", "-P", "C=0.5", cwd=seed001)
    assert result.returncode == 1
    assert "Error: Could not find Conda executable" in result.stderr
    assert "--env-manager local" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(_docker_answers(), reason="a Docker engine answers here")
def test_docker_project_without_an_engine_is_a_clear_error(
    workdir: Path, client: MlharborClient
) -> None:
    project = write_project(workdir / "docker", {"MLproject": DOCKER_MLPROJECT})

    with pytest.raises(ExecutionException, match=r"[Dd]ocker") as caught:
        projects.run(str(project), env_manager="local")
    assert caught.value.error_code == "INTERNAL_ERROR"
    assert client.search_runs(["0"]) == []

    result = mlharbor_cli("run", ".", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr


def test_unknown_env_manager_and_backend_are_refused(seed001: Path) -> None:
    with pytest.raises(ExecutionException, match="Invalid value for `env_manager`: pipenv"):
        projects.run(str(seed001), env_manager="pipenv")
    with pytest.raises(ExecutionException, match="unsupported execution mode databricks"):
        projects.run(str(seed001), backend="databricks")
