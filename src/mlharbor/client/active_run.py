"""The fluent API's state and run lifecycle: active experiment, active-run stack, start/end.

Like MLflow, the active experiment is process-wide while the stack of active runs and the last
ended run are per thread. Runs left open are ended (FINISHED) when the interpreter exits.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Mapping
from typing import Any

from mlharbor.client._values import validate_run_id
from mlharbor.client.async_logging import flush_all
from mlharbor.client.client import MlharborClient
from mlharbor.client.model_links import RunLinks
from mlharbor.client.run_context import resolve_run_tags
from mlharbor.entities import Experiment, LifecycleStage, Run, RunStatus, RunTag
from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.system_metrics import runs as system_metrics

__all__ = [
    "ActiveRun",
    "activate_run",
    "active_run",
    "end_run",
    "last_active_run",
    "set_experiment",
    "start_run",
]

_NOTE_TAG = "mlflow.note.content"
_PARENT_TAG = "mlflow.parentRunId"
_RUN_NAME_TAG = "mlflow.runName"

_active_experiment_id: str | None = None
_experiment_lock = threading.Lock()


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.stack: list[ActiveRun] = []
        self.last_run_id: str | None = None


_state = _ThreadState()


class ActiveRun(Run):
    """The run returned by :func:`start_run`; as a context manager it ends the run on exit
    (FINISHED, or FAILED when the block raises). Its data is a snapshot taken at start."""

    links: RunLinks

    def __init__(self, run: Run) -> None:
        super().__init__(run.info, run.data, run.inputs, run.outputs)
        # What the run links so far, kept current by fluent logging (see model_links).
        object.__setattr__(self, "links", RunLinks.of(run))

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> bool:
        if any(r.info.run_id == self.info.run_id for r in _state.stack):
            end_run(RunStatus.FINISHED.value if exc_type is None else RunStatus.FAILED.value)
        return exc_type is None


def _client() -> MlharborClient:
    return MlharborClient()


# experiments -----------------------------------------------------------------------------


def set_experiment(
    experiment_name: str | None = None, experiment_id: str | None = None
) -> Experiment:
    """Make an experiment active, by name (created when missing) or by id.

    Raises:
        InvalidParameterValue: when neither or both are given, or the experiment is deleted.
        ResourceDoesNotExist: for an unknown ``experiment_id``.
    """
    global _active_experiment_id
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidParameterValue(
            "Must specify exactly one of: `experiment_id` or `experiment_name`."
        )
    client = _client()
    with _experiment_lock:
        if experiment_id is None:
            assert experiment_name is not None
            experiment = client.get_experiment_by_name(experiment_name)
            if experiment is None:
                try:
                    experiment = client.get_experiment(client.create_experiment(experiment_name))
                except MlharborException as error:
                    # Another process created it between the lookup and the create.
                    found = client.get_experiment_by_name(experiment_name)
                    if error.error_code != "RESOURCE_ALREADY_EXISTS" or found is None:
                        raise
                    experiment = found
        else:
            experiment = client.get_experiment(str(experiment_id))
        if experiment.lifecycle_stage != LifecycleStage.ACTIVE:
            raise InvalidParameterValue(
                f"Cannot set a deleted experiment {experiment.name!r} as the active experiment. "
                "You can restore the experiment, or permanently delete the experiment to create "
                "a new one."
            )
        _active_experiment_id = experiment.experiment_id
    # MLflow does the same, so child processes (projects, subprocess training) inherit it
    os.environ["MLFLOW_EXPERIMENT_ID"] = experiment.experiment_id
    return experiment


def _experiment_id_from_env() -> str | None:
    name = os.environ.get("MLFLOW_EXPERIMENT_NAME")
    env_id = os.environ.get("MLFLOW_EXPERIMENT_ID")
    client = _client()
    if name:
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            return client.create_experiment(name)
        if env_id and env_id != experiment.experiment_id:
            raise InvalidParameterValue(
                f"The provided MLFLOW_EXPERIMENT_ID environment variable value `{env_id}` does "
                f"not match the experiment id `{experiment.experiment_id}` for experiment name "
                f"`{name}`"
            )
        return experiment.experiment_id
    if env_id:
        try:
            return client.get_experiment(env_id).experiment_id
        except MlharborException as error:
            raise InvalidParameterValue(
                f"The provided MLFLOW_EXPERIMENT_ID environment variable value `{env_id}` does "
                "not exist in the tracking server. Provide a valid experiment_id."
            ) from error
    return None


def _experiment_id() -> str:
    if _active_experiment_id is not None:
        return _active_experiment_id
    return _experiment_id_from_env() or "0"


# runs ------------------------------------------------------------------------------------


def _note_tags(tags: Mapping[str, Any] | None, description: str | None) -> dict[str, Any]:
    merged = dict(tags or {})
    if description:
        if _NOTE_TAG in merged:
            raise InvalidParameterValue(
                f"Description is already set via the tag {_NOTE_TAG} in tags."
                f"Remove the key {_NOTE_TAG} from the tags or omit the description."
            )
        merged[_NOTE_TAG] = description
    return merged


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    parent_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
    log_system_metrics: bool | None = None,
) -> ActiveRun:
    """Start a run (or resume ``run_id`` / ``MLFLOW_RUN_ID``) and make it active.

    Raises:
        MlharborException: when a run is already active and ``nested`` is False, or the run
            to resume (or the parent) is deleted.
    """
    stack = _state.stack
    if stack and not nested:
        raise MlharborException(
            f"Run with UUID {stack[0].info.run_id} is already active. To start a new run, first "
            "end the current run with mlflow.end_run(). To start a nested run, call start_run "
            "with nested=True"
        )
    client = _client()
    existing = run_id or os.environ.pop("MLFLOW_RUN_ID", None)
    if existing:
        run = _resume_run(client, validate_run_id(existing), run_name, tags, description)
    else:
        if parent_run_id:
            validate_run_id(parent_run_id)
            if stack and parent_run_id != stack[-1].info.run_id:
                raise MlharborException(
                    f"Current run with UUID {stack[-1].info.run_id} does not match the "
                    f"specified parent_run_id {parent_run_id}. To start a new nested run under "
                    f"the parent run with UUID {stack[-1].info.run_id}, first end the current "
                    "run with mlflow.end_run()."
                )
            if client.get_run(parent_run_id).info.lifecycle_stage == LifecycleStage.DELETED:
                raise MlharborException(
                    f"Cannot start run under parent run with ID {parent_run_id} because it is "
                    "in the deleted state."
                )
        elif stack:
            parent_run_id = stack[-1].info.run_id
        user_tags = _note_tags(tags, description)
        if parent_run_id:
            user_tags[_PARENT_TAG] = parent_run_id
        if run_name:
            user_tags[_RUN_NAME_TAG] = run_name
        run = client.create_run(
            experiment_id=str(experiment_id) if experiment_id is not None else _experiment_id(),
            tags=resolve_run_tags(user_tags),
            run_name=run_name,
        )
    active = ActiveRun(run)
    stack.append(active)
    system_metrics.start_for_run(
        run.info.run_id, log_system_metrics, client.tracking_uri, resumed=bool(existing)
    )
    return active


def activate_run(run_id: str) -> ActiveRun:
    """Make the existing run ``run_id`` this thread's active run, as it is now (a sweep trial's
    run, created with its params): unlike resuming, its status and the active experiment are
    left alone.

    Raises:
        MlharborException: when a run is already active in this thread.
    """
    stack = _state.stack
    if stack:
        raise MlharborException(
            f"Run with UUID {stack[0].info.run_id} is already active. End it with "
            "mlflow.end_run() first."
        )
    active = ActiveRun(_client().get_run(validate_run_id(run_id)))
    stack.append(active)
    return active


def _resume_run(
    client: MlharborClient,
    run_id: str,
    run_name: str | None,
    tags: Mapping[str, Any] | None,
    description: str | None,
) -> Run:
    run = client.get_run(run_id)
    if _active_experiment_id is not None and _active_experiment_id != run.info.experiment_id:
        raise MlharborException(
            f"Cannot start run with ID {run_id} because active experiment ID does not match "
            "environment run ID. Make sure --experiment-name or --experiment-id matches "
            "experiment set with set_experiment(), or just use command-line arguments"
        )
    if run.info.lifecycle_stage == LifecycleStage.DELETED:
        raise MlharborException(
            f"Cannot start run with ID {run_id} because it is in the deleted state."
        )
    # MLflow keeps the old end time when a run is resumed; only the status changes.
    client.store.update_run_info(run_id, RunStatus.RUNNING.value, run.info.end_time, run_name)
    extra = _note_tags(tags, description)
    if extra:
        client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in extra.items()])
    return client.get_run(run_id)


def end_run(status: str = RunStatus.FINISHED.value) -> None:
    """End the active run (if any) with ``status`` after flushing queued async writes.

    Raises:
        Exception: the first failure of a queued asynchronous write, after the run is ended.
    """
    stack = _state.stack
    if not stack:
        return
    run = stack.pop()
    _state.last_run_id = run.info.run_id
    try:
        system_metrics.stop_for_run(run.info.run_id)
        flush_all()
    finally:
        _client().set_terminated(run.info.run_id, status)


def _end_runs_at_exit() -> None:
    while _state.stack:
        end_run()


atexit.register(_end_runs_at_exit)


def active_run() -> ActiveRun | None:
    """The innermost active run of this thread, or None."""
    return _state.stack[-1] if _state.stack else None


def last_active_run() -> Run | None:
    """The active run, else the run this thread ended last, freshly read; None if neither."""
    current = active_run()
    run_id = current.info.run_id if current else _state.last_run_id
    return _client().get_run(run_id) if run_id else None


def _active_or_new_run_id() -> str:
    current = active_run()
    return current.info.run_id if current else start_run().info.run_id
