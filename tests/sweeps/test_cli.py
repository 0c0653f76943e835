"""``mlharbor sweep create`` and ``mlharbor agent`` as a user runs them in a project folder,
and the Kubernetes Job of ``mlharbor deploy sweep-agents``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

import mlharbor
from mlharbor.cli import cli
from mlharbor.entities.sweep import TrialState

TRAIN = """
import argparse
import mlharbor

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float)
parser.add_argument("--optimizer")
args = parser.parse_args()
assert mlharbor.sweep_config().optimizer == args.optimizer
with mlharbor.start_run():
    for step in range(3):
        mlharbor.log_metric("loss", (args.x - 0.5) ** 2 + 1 / (step + 1), step=step)
"""

CONFIG = """
program: train.py
method: bayes
metric:
  name: loss
  goal: minimize
parameters:
  x:
    min: 0.0
    max: 1.0
  optimizer:
    values: [adam, sgd]
"""


def _mlharbor(*args: str, cwd: Path, code: int = 0) -> str:
    command = [str(Path(sys.executable).parent / "mlharbor"), *args]
    env = {**os.environ, "MLFLOW_EXPERIMENT_NAME": "cli-sweep"}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stderr
    return done.stdout + done.stderr


def test_sweep_create_then_agent_runs_the_program(server_url: str, tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "sweep.yaml").write_text(CONFIG)
    last = _mlharbor("sweep", "create", "sweep.yaml", cwd=tmp_path).strip().splitlines()[-1]
    assert last.startswith("ID: ")
    sweep_id = last.removeprefix("ID: ")
    assert "Ran 2 trials" in _mlharbor("agent", sweep_id, "--count", "2", cwd=tmp_path)

    client = mlharbor.MlharborClient()
    sweep = client.get_sweep(sweep_id)
    experiment = client.get_experiment_by_name("cli-sweep")
    assert experiment is not None
    assert sweep.experiment_id == experiment.experiment_id
    assert [t.state for t in sweep.trials] == [TrialState.FINISHED] * 2
    for trial in sweep.trials:
        assert trial.run_id is not None
        run = client.get_run(trial.run_id)
        # The program resumed the trial's run: its metrics landed there.
        assert run.info.status == "FINISHED"
        assert run.data.params == {k: str(v) for k, v in trial.params.items()}
        assert len(client.get_metric_history(trial.run_id, "loss")) == 3
    assert sweep.best_value == min(t.value for t in sweep.trials if t.value is not None)
    assert "FINISHED 2" in _mlharbor("sweep", "get", sweep_id, cwd=tmp_path).upper()


CURVES = """
program: curve.py
method: grid
metric:
  name: val_loss
parameters:
  scale:
    values: [1.0, 5.0]
early_terminate:
  type: hyperband
  min_iter: 3
"""

CURVE = """
import time
import mlharbor

scale = mlharbor.sweep_config().scale
for step in range(30):
    mlharbor.log_metric("val_loss", scale / (step + 1), step=step)
    time.sleep(0.1)
"""


def test_hyperband_stops_a_program_trial(server_url: str, tmp_path: Path) -> None:
    (tmp_path / "curve.py").write_text(CURVE)
    (tmp_path / "sweep.yaml").write_text(CURVES)
    sweep_id = _mlharbor("sweep", "create", "sweep.yaml", cwd=tmp_path).split("ID: ")[-1].strip()
    _mlharbor("agent", sweep_id, cwd=tmp_path)
    client = mlharbor.MlharborClient()
    good, bad = client.get_sweep(sweep_id).trials
    assert good.state == TrialState.FINISHED
    assert bad.state == TrialState.STOPPED
    assert bad.run_id is not None
    assert client.get_run(bad.run_id).info.status == "KILLED"
    assert 3 <= len(client.get_metric_history(bad.run_id, "val_loss")) < 30


def test_agent_gives_up_on_a_broken_program(server_url: str, tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("raise SystemExit(3)")
    (tmp_path / "sweep.yaml").write_text(CONFIG)
    sweep_id = _mlharbor("sweep", "create", "sweep.yaml", cwd=tmp_path).split("ID: ")[-1].strip()
    assert "3 trials in a row" in _mlharbor("agent", sweep_id, cwd=tmp_path, code=1)
    sweep = mlharbor.MlharborClient().get_sweep(sweep_id)
    assert sweep.trial_counts == {"FAILED": 3}
    assert {mlharbor.get_run(t.run_id or "").info.status for t in sweep.trials} == {"FAILED"}


def test_deploy_sweep_agents_prints_a_job() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "deploy",
            "sweep-agents",
            "--sweep-id",
            "0123456789abcdef0123456789abcdef",
            "--image",
            "registry.example/trainer:1",
            "--tracking-uri",
            "http://mlharbor.ml.svc",
            "--replicas",
            "3",
            "--credentials-secret",
            "tracking-creds",
        ],
    )
    assert result.exit_code == 0, result.output
    job = yaml.safe_load(result.output)
    assert job["kind"] == "Job"
    assert job["apiVersion"] == "batch/v1"
    assert job["spec"]["parallelism"] == job["spec"]["completions"] == 3
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] + container["args"] == [
        "mlharbor",
        "agent",
        "0123456789abcdef0123456789abcdef",
    ]
    assert {"name": "MLFLOW_TRACKING_URI", "value": "http://mlharbor.ml.svc"} in container["env"]
    assert container["envFrom"] == [{"secretRef": {"name": "tracking-creds"}}]

    refused = CliRunner().invoke(
        cli,
        ["deploy", "sweep-agents", "--sweep-id", "x", "--image", "i", "--tracking-uri", "f.db"],
    )
    assert refused.exit_code != 0
    assert "http(s) URL" in refused.output
