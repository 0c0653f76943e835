"""What a sweep store offers: the controller's operations, local (SQL) or remote (REST)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from mlharbor.entities.sweep import Sweep, SweepTrial, TrialState

__all__ = ["Claim", "SweepStore"]


@dataclass(frozen=True)
class Claim:
    """A trial handed to one agent, and how often that agent must report it is alive."""

    trial: SweepTrial
    heartbeat_interval: float


@runtime_checkable
class SweepStore(Protocol):
    def create_sweep(
        self, experiment_id: str, config: Mapping[str, Any], name: str | None, user_id: str
    ) -> Sweep:
        """Check ``config``, start the sweep's parent run and return the new sweep."""
        ...

    def get_sweep(self, sweep_id: str) -> Sweep:
        """The sweep with its trials (RESOURCE_DOES_NOT_EXIST when unknown)."""
        ...

    def list_sweeps(self, experiment_id: str) -> list[Sweep]:
        """The experiment's sweeps, newest first, without their trials."""
        ...

    def claim_trial(self, sweep_id: str) -> Claim | None:
        """Hand out the next trial, or ``None`` when the sweep has none to give (stopped,
        finished, run cap reached, grid exhausted)."""
        ...

    def report_trial(
        self,
        sweep_id: str,
        number: int,
        run_id: str | None = None,
        state: TrialState | None = None,
    ) -> bool:
        """Record a heartbeat (``state`` None or RUNNING) or the trial's end; returns whether
        the agent should stop the trial now."""
        ...

    def stop_sweep(self, sweep_id: str) -> Sweep: ...

    def resume_sweep(self, sweep_id: str) -> Sweep: ...
