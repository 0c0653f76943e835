"""``mlharbor agent``: run the sweep's ``program`` once per trial, as ``wandb agent`` does.

The command line comes from the configuration's ``command`` (default
``${env} ${interpreter} ${program} ${args}``), so a trial runs as
``python train.py --lr=0.01 --batch_size=32``. The program finds its trial's run through
``MLFLOW_TRACKING_URI`` and ``MLFLOW_RUN_ID`` (``mlharbor.start_run()`` resumes it) and its
parameters through ``mlharbor.sweep_config()`` as well as its arguments. A trial that
hyperband stops gets SIGTERM.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from mlharbor.entities import RunStatus
from mlharbor.entities.sweep import Sweep, TrialState
from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.store.sweeps import Claim, SweepStore, get_sweep_store
from mlharbor.sweeps.agent import (
    MAX_CONSECUTIVE_FAILURES,
    PARAMS_ENV,
    _Heartbeat,
    create_trial_run,
)

__all__ = ["DEFAULT_COMMAND", "build_command", "run_program_agent"]

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")


def _flag_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def build_command(config: Mapping[str, Any], params: Mapping[str, Any]) -> list[str]:
    """The trial's command line, with W&B's macros expanded.

    Raises:
        InvalidParameterValue: when the command needs ``${program}`` and the configuration
            names none, or uses a macro this agent does not know.
    """
    command = config.get("command") or list(DEFAULT_COMMAND)
    if not isinstance(command, list) or not all(isinstance(p, str) for p in command):
        raise InvalidParameterValue("The sweep's 'command' must be a list of strings.")
    out: list[str] = []
    for part in command:
        if part == "${env}":
            if os.name != "nt":
                out.append("/usr/bin/env")
        elif part == "${interpreter}":
            out.append(sys.executable)
        elif part == "${program}":
            program = config.get("program")
            if not isinstance(program, str) or not program:
                raise InvalidParameterValue(
                    "The sweep's configuration names no 'program' to run; add "
                    "program: train.py, or run trials in Python with mlharbor.agent()."
                )
            out.append(program)
        elif part == "${args}":
            out.extend(f"--{k}={_flag_value(v)}" for k, v in params.items())
        elif part == "${args_no_hyphens}":
            out.extend(f"{k}={_flag_value(v)}" for k, v in params.items())
        elif part == "${args_json}":
            out.append(json.dumps(dict(params)))
        elif part.startswith("${") and part.endswith("}"):
            raise InvalidParameterValue(f"Unknown macro {part} in the sweep's 'command'.")
        else:
            out.append(part)
    return out


def _environment(
    tracking_uri: str, sweep: Sweep, run_id: str, params: Mapping[str, Any]
) -> dict[str, str]:
    from mlharbor.store.tracking.factory import resolve_tracking_uri

    env = dict(os.environ)
    env.update(
        MLFLOW_TRACKING_URI=resolve_tracking_uri(tracking_uri),
        MLFLOW_RUN_ID=run_id,
        MLFLOW_EXPERIMENT_ID=sweep.experiment_id,
        MLHARBOR_SWEEP_ID=sweep.sweep_id,
    )
    env[PARAMS_ENV] = json.dumps(dict(params))
    env.pop("MLFLOW_EXPERIMENT_NAME", None)
    return env


def _run_program_trial(store: SweepStore, tracking_uri: str, sweep: Sweep, claim: Claim) -> bool:
    """Run one trial's program; returns whether it failed."""
    from mlharbor.client.client import MlharborClient

    trial = claim.trial
    run_id = create_trial_run(sweep, claim)
    store.report_trial(trial.sweep_id, trial.number, run_id)
    try:
        command = build_command(sweep.config, trial.params)
        # The command comes from the sweep's configuration: show what runs on this machine.
        print(f"Trial {trial.number}: {shlex.join(command)}", file=sys.stderr, flush=True)
        environment = _environment(tracking_uri, sweep, run_id, trial.params)
        process = subprocess.Popen(command, env=environment)
    except (InvalidParameterValue, OSError) as exc:
        MlharborClient().set_terminated(run_id, RunStatus.FAILED.value)
        store.report_trial(trial.sweep_id, trial.number, run_id, TrialState.FAILED)
        if isinstance(exc, OSError):
            raise MlharborException(f"Could not start {command[0]!r}: {exc}") from exc
        raise
    heartbeat = _Heartbeat(store, claim, run_id, process.terminate)
    heartbeat.start()
    try:
        code = process.wait()
    finally:
        heartbeat.finished.set()
        heartbeat.join()
        if process.poll() is None:
            process.kill()
            process.wait()
    if heartbeat.stopped:
        state, status = TrialState.STOPPED, RunStatus.KILLED
    elif code == 0:
        state, status = TrialState.FINISHED, RunStatus.FINISHED
    else:
        state, status = TrialState.FAILED, RunStatus.FAILED
    MlharborClient().set_terminated(run_id, status.value)
    store.report_trial(trial.sweep_id, trial.number, run_id, state)
    return state == TrialState.FAILED


def run_program_agent(sweep_id: str, count: int | None = None) -> int:
    """Run up to ``count`` trials of ``sweep_id`` (all it has when ``None``) as programs in
    the current directory; returns how many ran."""
    from mlharbor.client.tracking_uri import get_tracking_uri

    tracking_uri = get_tracking_uri()
    store = get_sweep_store(tracking_uri)
    sweep = store.get_sweep(sweep_id)
    done = failures = 0
    while count is None or done < count:
        claim = store.claim_trial(sweep_id)
        if claim is None:
            break
        done += 1
        failed = _run_program_trial(store, tracking_uri, sweep, claim)
        failures = failures + 1 if failed else 0
        if failures >= MAX_CONSECUTIVE_FAILURES:
            raise MlharborException(
                f"{failures} trials in a row exited with an error; stopping this agent."
            )
    return done
