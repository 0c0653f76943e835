"""Sweeps: a hyperparameter search whose trials are child runs of one parent run."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Sweep", "SweepState", "SweepTrial", "TrialState"]


class SweepState(enum.StrEnum):
    RUNNING = "RUNNING"  # agents may claim trials
    STOPPED = "STOPPED"  # no new trials until resumed
    FINISHED = "FINISHED"  # run cap reached or grid exhausted, and no trial still running


class TrialState(enum.StrEnum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"  # raised, exited non-zero, or its agent stopped sending heartbeats
    STOPPED = "STOPPED"  # stopped early by hyperband


@dataclass(frozen=True)
class SweepTrial:
    """One trial: its number in the sweep, parameters, run and outcome.

    ``value`` is the last logged value of the sweep's target metric once the trial ended.
    """

    sweep_id: str
    number: int
    state: TrialState
    params: dict[str, Any]
    run_id: str | None
    value: float | None
    start_time: int
    end_time: int | None


@dataclass(frozen=True)
class Sweep:
    """A sweep and its progress; ``trial_counts`` maps each trial state to its count."""

    sweep_id: str
    experiment_id: str
    parent_run_id: str
    name: str
    config: dict[str, Any]
    state: SweepState
    best_value: float | None
    best_run_id: str | None
    creation_time: int
    last_update_time: int
    trial_counts: dict[str, int] = field(default_factory=dict)
    trials: tuple[SweepTrial, ...] = ()

    @property
    def metric_name(self) -> str:
        return str(self.config["metric"]["name"])
