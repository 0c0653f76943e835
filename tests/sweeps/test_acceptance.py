"""Sweeps as users run them: agents in separate processes sharing one server, hyperband, and an
agent killed mid-trial."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

import mlharbor
from mlharbor.entities.sweep import SweepState, TrialState
from tests.sweeps import seed_train
from tests.sweeps.conftest import HEARTBEAT_TIMEOUT_S

T = TypeVar("T")
SEED_TRAIN = Path(seed_train.__file__)


def _wait_for(condition: Callable[[], T], timeout_s: float = 30.0) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_seed_sweep_with_three_agent_processes(server_url: str) -> None:
    sweep_id = mlharbor.sweep(seed_train.sweep_config, project="my-project")
    count = 4
    agents = [
        subprocess.Popen([sys.executable, str(SEED_TRAIN), sweep_id, str(count)]) for _ in range(3)
    ]
    for process in agents:
        assert process.wait(timeout=240) == 0

    client = mlharbor.MlharborClient()
    sweep = client.get_sweep(sweep_id)
    trials = sweep.trials
    assert len(trials) == 3 * count
    assert sorted(t.number for t in trials) == list(range(3 * count))
    assert all(t.state == TrialState.FINISHED for t in trials)
    run_ids = {t.run_id for t in trials}
    assert len(run_ids) == 3 * count
    points = {tuple(sorted(t.params.items())) for t in trials}
    assert len(points) == 3 * count  # no trial run twice

    # Every trial is an ordinary finished child run with its params and metric history.
    experiment = client.get_experiment_by_name("my-project")
    assert experiment is not None
    children = client.search_runs(
        [experiment.experiment_id], f"tags.`mlflow.parentRunId` = '{sweep.parent_run_id}'"
    )
    assert {r.info.run_id for r in children} == run_ids
    for run in children:
        assert run.info.status == "FINISHED"
        assert set(run.data.params) == set(seed_train.sweep_config["parameters"])
        assert len(client.get_metric_history(run.info.run_id, "val_accuracy")) == 10

    best_child = max(children, key=lambda r: r.data.metrics["val_accuracy"])
    parent = client.get_run(sweep.parent_run_id)
    assert parent.data.metrics["val_accuracy"] == best_child.data.metrics["val_accuracy"]
    assert sweep.best_value == best_child.data.metrics["val_accuracy"]
    assert sweep.best_run_id == best_child.info.run_id
    assert sweep.trial_counts == {"FINISHED": 3 * count}


def test_hyperband_stops_the_bad_trials(server_url: str) -> None:
    # Grid order puts the best curve first; every later curve is worse at every step.
    config = {
        "method": "grid",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {"scale": {"values": [1.0, 4.0, 6.0, 8.0]}},
        "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 2},
    }
    sweep_id = mlharbor.sweep(config, experiment_name="hyperband")
    steps = 40

    def train() -> None:
        scale = mlharbor.sweep_config().scale
        for step in range(steps):
            mlharbor.log_metric("val_loss", scale / (step + 1), step=step)
            time.sleep(0.05)

    assert mlharbor.agent(sweep_id, function=train) == 4
    client = mlharbor.MlharborClient()
    sweep = client.get_sweep(sweep_id)
    assert sweep.state == SweepState.FINISHED
    first, *rest = sweep.trials
    assert first.state == TrialState.FINISHED
    assert len(client.get_metric_history(first.run_id, "val_loss")) == steps
    for trial in rest:
        assert trial.state == TrialState.STOPPED
        assert client.get_run(trial.run_id).info.status == "KILLED"
        assert len(client.get_metric_history(trial.run_id, "val_loss")) < steps
    assert sweep.best_value == pytest.approx(1.0 / steps)


_HANGING_AGENT = """
import sys, time, mlharbor
def train():
    mlharbor.log_metric("loss", 5.0)
    time.sleep(600)
mlharbor.agent(sys.argv[1], function=train, count=1)
"""


def test_killed_agent_trial_is_failed_and_the_sweep_finishes(server_url: str) -> None:
    config = {
        "method": "random",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"x": {"min": 0.0, "max": 1.0}},
        "run_cap": 3,
    }
    sweep_id = mlharbor.sweep(config, experiment_name="kill")
    client = mlharbor.MlharborClient()
    doomed = subprocess.Popen([sys.executable, "-c", _HANGING_AGENT, sweep_id])
    try:
        trial = _wait_for(
            lambda: next((t for t in client.get_sweep(sweep_id).trials if t.run_id), None)
        )
        time.sleep(0.5)
        os.kill(doomed.pid, signal.SIGKILL)
    finally:
        doomed.wait(timeout=30)

    def train() -> None:
        mlharbor.log_metric("loss", mlharbor.sweep_config().x)

    assert mlharbor.agent(sweep_id, function=train) == 2
    sweep = _wait_for(
        lambda: (s := client.get_sweep(sweep_id)).state == SweepState.FINISHED and s,
        timeout_s=HEARTBEAT_TIMEOUT_S * 10,
    )
    states = {t.number: t.state for t in sweep.trials}
    assert states == {
        trial.number: TrialState.FAILED,
        **{n: TrialState.FINISHED for n in range(3) if n != trial.number},
    }
    assert client.get_run(trial.run_id).info.status == "FAILED"
    assert client.get_run(sweep.parent_run_id).info.status == "FINISHED"
    finished = [t for t in sweep.trials if t.state == TrialState.FINISHED]
    assert sweep.best_value == min(t.value for t in finished)


def test_agent_processes_share_a_local_tracking_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No server: each agent process runs the controller on the shared SQLite file.
    uri = f"sqlite:///{tmp_path / 'local.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlharbor.set_tracking_uri(uri)
    sweep_id = mlharbor.sweep({**seed_train.sweep_config, "run_cap": 6}, experiment_name="local")
    agents = [subprocess.Popen([sys.executable, str(SEED_TRAIN), sweep_id, "5"]) for _ in range(2)]
    for process in agents:
        assert process.wait(timeout=240) == 0
    sweep = mlharbor.MlharborClient().get_sweep(sweep_id)
    assert sorted(t.number for t in sweep.trials) == list(range(6))
    assert len({t.run_id for t in sweep.trials}) == 6
    assert sweep.state == SweepState.FINISHED
    assert sweep.best_value == max(t.value for t in sweep.trials if t.value is not None)


def test_trials_run_whatever_experiment_is_active(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mlharbor.set_tracking_uri(f"sqlite:///{tmp_path / 'local.db'}")
    mlharbor.set_experiment("elsewhere")
    config = {
        "method": "grid",
        "metric": {"name": "loss"},
        "parameters": {"lr": {"values": [0.1, 0.2]}},
    }
    sweep_id = mlharbor.sweep(config, experiment_name="sweeps")
    seen: list[dict[str, str]] = []

    def train() -> None:
        run = mlharbor.active_run()
        assert run is not None
        seen.append(dict(run.data.params))
        mlharbor.log_metric("loss", mlharbor.sweep_config()["lr"])

    assert mlharbor.agent(sweep_id, function=train) == 2
    assert seen == [{"lr": "0.1"}, {"lr": "0.2"}]
    sweep = mlharbor.MlharborClient().get_sweep(sweep_id)
    assert [t.state for t in sweep.trials] == [TrialState.FINISHED] * 2
    assert mlharbor.get_experiment(sweep.experiment_id).name == "sweeps"
