"""JSON codecs of sweeps and their trials, shared by the server and the REST client."""

from __future__ import annotations

from typing import Any

from mlharbor.entities.sweep import Sweep, SweepState, SweepTrial, TrialState

__all__ = ["sweep_from_json", "sweep_to_json", "trial_from_json", "trial_to_json"]

JsonDict = dict[str, Any]


def trial_to_json(trial: SweepTrial) -> JsonDict:
    out: JsonDict = {
        "sweep_id": trial.sweep_id,
        "number": trial.number,
        "state": trial.state.value,
        "params": trial.params,
        "start_time": trial.start_time,
    }
    for key in ("run_id", "value", "end_time"):
        if getattr(trial, key) is not None:
            out[key] = getattr(trial, key)
    return out


def trial_from_json(data: JsonDict) -> SweepTrial:
    return SweepTrial(
        sweep_id=str(data["sweep_id"]),
        number=int(data["number"]),
        state=TrialState(data["state"]),
        params=dict(data.get("params") or {}),
        run_id=data.get("run_id"),
        value=data.get("value"),
        start_time=int(data["start_time"]),
        end_time=data.get("end_time"),
    )


def sweep_to_json(sweep: Sweep) -> JsonDict:
    out: JsonDict = {
        "sweep_id": sweep.sweep_id,
        "experiment_id": sweep.experiment_id,
        "parent_run_id": sweep.parent_run_id,
        "name": sweep.name,
        "config": sweep.config,
        "state": sweep.state.value,
        "creation_time": sweep.creation_time,
        "last_update_time": sweep.last_update_time,
        "trial_counts": sweep.trial_counts,
    }
    if sweep.best_value is not None:
        out["best_value"] = sweep.best_value
        out["best_run_id"] = sweep.best_run_id
    if sweep.trials:
        out["trials"] = [trial_to_json(t) for t in sweep.trials]
    return out


def sweep_from_json(data: JsonDict) -> Sweep:
    return Sweep(
        sweep_id=str(data["sweep_id"]),
        experiment_id=str(data["experiment_id"]),
        parent_run_id=str(data["parent_run_id"]),
        name=str(data["name"]),
        config=dict(data["config"]),
        state=SweepState(data["state"]),
        best_value=data.get("best_value"),
        best_run_id=data.get("best_run_id"),
        creation_time=int(data["creation_time"]),
        last_update_time=int(data["last_update_time"]),
        trial_counts={str(k): int(v) for k, v in (data.get("trial_counts") or {}).items()},
        trials=tuple(trial_from_json(t) for t in data.get("trials") or ()),
    )
