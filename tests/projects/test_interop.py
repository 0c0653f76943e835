"""The same project run by MLflow 3.17.2's ``mlflow run`` and by ``mlharbor run``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mlharbor.client.client import MlharborClient
from tests.projects.conftest import RECORD_SCRIPT, mlharbor_cli, write_project

MLPROJECT = """\
name: Interop
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.1}
      data: {type: string, default: "x"}
    command: "python record.py {alpha} {data}"
"""


def _mlflow_run(mlflow_python: str, project: Path, store: Path) -> tuple[dict[str, str], set[str]]:
    """Run ``mlflow run`` into a file store and read the run's params and tag names back."""
    env = {
        **os.environ,
        # The file store keeps this test free of MLflow's SQLite schema setup.
        "MLFLOW_TRACKING_URI": store.as_uri(),
        "MLFLOW_ALLOW_FILE_STORE": "true",
    }
    args = ["run", str(project), "--env-manager", "local", "-P", "alpha=0.5", "-P", "extra=1"]
    completed = subprocess.run(
        [mlflow_python, "-m", "mlflow", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    [run_dir] = [p for p in (store / "0").iterdir() if (p / "params").is_dir()]
    params = {p.name: p.read_text() for p in (run_dir / "params").iterdir()}
    return params, {p.name for p in (run_dir / "tags").iterdir()}


def test_mlflow_and_mlharbor_record_the_same_params_and_tags(
    workdir: Path, client: MlharborClient, mlflow_python: str
) -> None:
    project = write_project(workdir / "proj", {"MLproject": MLPROJECT, "record.py": RECORD_SCRIPT})

    theirs_params, theirs_tags = _mlflow_run(mlflow_python, project, workdir / "mlruns")
    result = mlharbor_cli(
        "run", str(project), "--env-manager", "local", "-P", "alpha=0.5", "-P", "extra=1",
        cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    [run] = client.search_runs(["0"])
    assert run.data.params == theirs_params == {"alpha": "0.5", "data": "x", "extra": "1"}
    assert set(run.data.tags) == theirs_tags
    assert run.data.tags["mlflow.source.type"] == "PROJECT"
    assert run.data.tags["mlflow.source.name"] == str(project)
