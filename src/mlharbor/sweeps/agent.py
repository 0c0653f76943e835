"""``mlharbor.sweep`` / ``mlharbor.agent`` / ``mlharbor.sweep_config``: W&B-style sweeps.

An agent takes trials from the sweep's controller (the tracking server, or the tracking database
itself for a local tracking URI) one at a time. For each, in the thread that called
:func:`agent`, it starts a child run of the sweep's parent run, logs the trial's parameters,
makes that run active, calls the function and ends the run FINISHED (FAILED when the function
raises). A background thread sends heartbeats while the trial runs; when the controller answers
that hyperband stopped the trial, :class:`TrialStopped` is raised inside the training function
and the run ends KILLED.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mlharbor.entities import Param, RunStatus
from mlharbor.entities.sweep import Sweep, TrialState
from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.store.sweeps import Claim, SweepStore, get_sweep_store

__all__ = ["SweepParams", "TrialStopped", "agent", "sweep", "sweep_config"]

_logger = logging.getLogger(__name__)

SWEEP_ID_TAG = "mlharbor.sweep.id"
TRIAL_TAG = "mlharbor.sweep.trial"
PARAMS_ENV = "MLHARBOR_SWEEP_PARAMS"
# An agent gives up after this many trials in a row fail: the function itself is broken.
MAX_CONSECUTIVE_FAILURES = 3


class TrialStopped(BaseException):
    """Raised inside a training function whose trial the sweep stopped early.

    A ``BaseException``, so an ``except Exception`` in the training loop does not swallow it.
    """


class SweepParams(Mapping[str, Any]):
    """A trial's parameters, read as ``config["lr"]`` or, like ``wandb.config``, ``config.lr``."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"the sweep has no parameter {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"SweepParams({self._values!r})"


class _Current(threading.local):
    params: SweepParams | None = None


_current = _Current()


def sweep_config() -> SweepParams:
    """The parameters of the trial running in this thread (or, inside a program started by
    ``mlharbor agent``, in this process).

    Raises:
        MlharborException: outside a sweep trial.
    """
    if _current.params is not None:
        return _current.params
    raw = os.environ.get(PARAMS_ENV)
    if raw:
        return SweepParams(json.loads(raw))
    raise MlharborException(
        "No sweep trial is running: sweep_config() is available inside the function run by "
        "mlharbor.agent(), or a program run by `mlharbor agent`."
    )


def _store() -> tuple[SweepStore, str]:
    from mlharbor.client.tracking_uri import get_tracking_uri

    uri = get_tracking_uri()
    return get_sweep_store(uri), uri


def _experiment_id(experiment_name: str | None) -> str:
    from mlharbor.client import active_run
    from mlharbor.client.client import MlharborClient

    if experiment_name is None:
        return active_run._experiment_id()
    client = MlharborClient()
    found = client.get_experiment_by_name(experiment_name)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(experiment_name)
    except MlharborException as error:
        # Another process created it between the lookup and the create.
        found = client.get_experiment_by_name(experiment_name)
        if error.error_code != "RESOURCE_ALREADY_EXISTS" or found is None:
            raise
        return found.experiment_id


def sweep(
    config: Mapping[str, Any],
    experiment_name: str | None = None,
    *,
    project: str | None = None,
    name: str | None = None,
) -> str:
    """Create a sweep and return its id.

    Args:
        config: a W&B sweep configuration (see :mod:`mlharbor.sweeps.config`).
        experiment_name: the experiment of the sweep's runs (created when missing); default
            the active experiment. ``project`` is accepted as W&B's name for it.
        name: the sweep's name, also its parent run's name; default ``config["name"]``.
    """
    from mlharbor.client.run_context import resolve_run_tags

    if experiment_name is not None and project is not None and experiment_name != project:
        raise InvalidParameterValue("Pass either experiment_name or project, not both.")
    experiment_id = _experiment_id(experiment_name or project)
    store, _uri = _store()
    user = resolve_run_tags({}).get("mlflow.user", "")
    return store.create_sweep(experiment_id, config, name, str(user)).sweep_id


class _Heartbeat(threading.Thread):
    """Reports the trial alive every ``interval`` seconds and calls ``stop`` when the
    controller says the trial must end."""

    def __init__(
        self,
        store: SweepStore,
        claim: Claim,
        run_id: str,
        stop: Callable[[], None],
    ) -> None:
        super().__init__(name=f"mlharbor-sweep-heartbeat-{claim.trial.number}", daemon=True)
        self.store, self.claim, self.run_id, self.stop = store, claim, run_id, stop
        self.finished = threading.Event()
        self.stopped = False

    def run(self) -> None:
        trial = self.claim.trial
        while not self.finished.wait(self.claim.heartbeat_interval):
            try:
                must_stop = self.store.report_trial(trial.sweep_id, trial.number, self.run_id)
            except MlharborException as exc:
                # A missed heartbeat is harmless; the next one, or the timeout, settles it.
                _logger.warning("Sweep heartbeat for trial %d failed: %s", trial.number, exc)
                continue
            if must_stop:
                self.stopped = True
                self.stop()
                return


class _ThreadStopper:
    """Raises :class:`TrialStopped` in one thread, only while that thread runs the function."""

    def __init__(self) -> None:
        self.thread_id = threading.get_ident()
        self.lock = threading.Lock()
        self.active = False

    def __call__(self) -> None:
        with self.lock:
            if self.active:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self.thread_id), ctypes.py_object(TrialStopped)
                )

    def run(self, function: Callable[[], Any]) -> None:
        with self.lock:
            self.active = True
        try:
            function()
        finally:
            # Once this lock is taken no new stop can arrive; one sent earlier is raised here.
            with self.lock:
                self.active = False


def create_trial_run(sweep: Sweep, claim: Claim) -> str:
    """Create the trial's child run with its parameters logged; returns the run id."""
    from mlharbor.client.client import MlharborClient
    from mlharbor.client.run_context import resolve_run_tags

    trial = claim.trial
    client = MlharborClient()
    tags = {
        "mlflow.parentRunId": sweep.parent_run_id,
        SWEEP_ID_TAG: sweep.sweep_id,
        TRIAL_TAG: str(trial.number),
    }
    run = client.create_run(
        sweep.experiment_id,
        tags=resolve_run_tags(tags),
        run_name=f"{sweep.name}-{trial.number}",
    )
    if trial.params:
        client.log_batch(
            run.info.run_id, params=[Param(k, str(v)) for k, v in trial.params.items()]
        )
    return run.info.run_id


def _run_trial(store: SweepStore, sweep: Sweep, claim: Claim, function: Callable[[], Any]) -> bool:
    """Run one trial in this thread; returns whether it failed."""
    from mlharbor.client import fluent
    from mlharbor.client.active_run import activate_run
    from mlharbor.client.client import MlharborClient

    trial = claim.trial
    run_id = create_trial_run(sweep, claim)
    store.report_trial(trial.sweep_id, trial.number, run_id)
    try:
        # Activated only now, so the active run's params already hold the trial's parameters.
        activate_run(run_id)
    except MlharborException:
        MlharborClient().set_terminated(run_id, RunStatus.FAILED.value)
        store.report_trial(trial.sweep_id, trial.number, run_id, TrialState.FAILED)
        raise
    stopper = _ThreadStopper()
    heartbeat = _Heartbeat(store, claim, run_id, stopper)
    _current.params = SweepParams(trial.params)
    heartbeat.start()
    state, status = TrialState.FINISHED, RunStatus.FINISHED
    try:
        stopper.run(function)
    except TrialStopped:
        state, status = TrialState.STOPPED, RunStatus.KILLED
    except Exception:
        _logger.exception("Sweep trial %d failed", trial.number)
        state, status = TrialState.FAILED, RunStatus.FAILED
    except BaseException:
        # Ctrl-C or SystemExit: record the trial, then let the interruption end the agent.
        state, status = TrialState.FAILED, RunStatus.KILLED
        raise
    finally:
        heartbeat.finished.set()
        heartbeat.join()
        _current.params = None
        fluent.end_run(status.value)
        store.report_trial(trial.sweep_id, trial.number, run_id, state)
    return state == TrialState.FAILED


def agent(
    sweep_id: str,
    function: Callable[[], Any] | None = None,
    count: int | None = None,
    *,
    project: str | None = None,
    entity: str | None = None,
) -> int:
    """Run trials of ``sweep_id`` in this process until ``count`` have run or the sweep has
    no more; returns how many ran.

    Args:
        sweep_id: the id returned by :func:`sweep`.
        function: called with no arguments once per trial, inside the trial's active run; it
            reads its parameters with :func:`sweep_config` (or the run's params) and logs
            metrics with ``mlharbor.log_metric``.
        count: the most trials this agent runs; ``None`` runs until the sweep is done.
        project, entity: accepted for W&B compatibility; the sweep already knows its
            experiment.

    Raises:
        MlharborException: after several trials in a row failed (the function is broken).
    """
    del project, entity
    if function is None:
        raise InvalidParameterValue(
            "mlharbor.agent needs function=...; to run the sweep's program, use the "
            "`mlharbor agent SWEEP_ID` command."
        )
    if count is not None and count < 1:
        raise InvalidParameterValue(f"count must be a positive integer, got {count}.")
    store, _uri = _store()
    current = store.get_sweep(sweep_id)
    done = failures = 0
    while count is None or done < count:
        claim = store.claim_trial(sweep_id)
        if claim is None:
            break
        done += 1
        failures = failures + 1 if _run_trial(store, current, claim, function) else 0
        if failures >= MAX_CONSECUTIVE_FAILURES:
            raise MlharborException(
                f"{failures} sweep trials in a row failed; stopping this agent. See the "
                "logged errors above."
            )
    return done
