"""MLflow's fluent API: module-level functions that log to the active run.

State follows MLflow: the active experiment is process-wide; the stack of active runs and the
last ended run are per thread. Logging functions start a run when none is active. Writes go
through :class:`~mlharbor.client.client.MlharborClient` for the tracking URI in effect.
"""

from __future__ import annotations

import atexit
import os
import posixpath
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlharbor.client._values import now_millis, validate_run_id
from mlharbor.client.async_logging import RunOperations, flush_all
from mlharbor.client.client import MlharborClient
from mlharbor.client.run_context import resolve_run_tags
from mlharbor.client.tracking_uri import (
    get_registry_uri,
    get_tracking_uri,
    is_tracking_uri_set,
    set_registry_uri,
    set_tracking_uri,
)
from mlharbor.entities import (
    DatasetInput,
    Experiment,
    InputTag,
    LifecycleStage,
    LoggedModelInput,
    Metric,
    PagedList,
    Param,
    Run,
    RunStatus,
    RunTag,
    ViewType,
)
from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.store.tracking.protocol import SEARCH_MAX_RESULTS_DEFAULT

if TYPE_CHECKING:
    import pandas

__all__ = [
    "ActiveRun",
    "active_run",
    "create_experiment",
    "delete_experiment",
    "delete_experiment_tag",
    "delete_run",
    "delete_tag",
    "end_run",
    "flush_async_logging",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_parent_run",
    "get_registry_uri",
    "get_run",
    "get_tracking_uri",
    "is_tracking_uri_set",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "restore_experiment",
    "restore_run",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "set_registry_uri",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]

_NOTE_TAG = "mlflow.note.content"
_PARENT_TAG = "mlflow.parentRunId"
_RUN_NAME_TAG = "mlflow.runName"
_CONTEXT_TAG = "mlflow.data.context"
_RUNS_PER_PAGE = 10000
_SEARCH_RUNS_MAX_DEFAULT = 100000

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

    def __init__(self, run: Run) -> None:
        super().__init__(run.info, run.data, run.inputs, run.outputs)

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> bool:
        if any(r.info.run_id == self.info.run_id for r in _state.stack):
            end_run(RunStatus.FINISHED.value if exc_type is None else RunStatus.FAILED.value)
        return exc_type is None


def _client() -> MlharborClient:
    return MlharborClient()


def _async_default() -> bool:
    for name in ("MLHARBOR_ENABLE_ASYNC_LOGGING", "MLFLOW_ENABLE_ASYNC_LOGGING"):
        if os.environ.get(name, "").strip().lower() in ("1", "true", "yes"):
            return True
    return False


def _synchronous(flag: bool | None) -> bool:
    return flag if flag is not None else not _async_default()


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
        return client.get_experiment(env_id).experiment_id
    return None


def _experiment_id() -> str:
    if _active_experiment_id is not None:
        return _active_experiment_id
    return _experiment_id_from_env() or "0"


def create_experiment(
    name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None
) -> str:
    """Create an experiment and return its id."""
    return _client().create_experiment(name, artifact_location, tags)


def get_experiment(experiment_id: str) -> Experiment:
    return _client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    return _client().get_experiment_by_name(name)


def search_experiments(
    view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[Experiment]:
    """All experiments matching ``filter_string`` (every page), at most ``max_results``."""
    client = _client()
    found: list[Experiment] = []
    token: str | None = None
    while max_results is None or len(found) < max_results:
        wanted = SEARCH_MAX_RESULTS_DEFAULT
        if max_results is not None:
            wanted = min(wanted, max_results - len(found))
        page = client.search_experiments(view_type, wanted, filter_string, order_by, token)
        found.extend(page)
        token = page.token
        if not token:
            break
    return found


def delete_experiment(experiment_id: str) -> None:
    _client().delete_experiment(experiment_id)


def restore_experiment(experiment_id: str) -> None:
    _client().restore_experiment(experiment_id)


def set_experiment_tag(key: str, value: Any) -> None:
    """Tag the active experiment."""
    _client().set_experiment_tag(_experiment_id(), key, value)


def set_experiment_tags(tags: Mapping[str, Any]) -> None:
    for key, value in tags.items():
        set_experiment_tag(key, value)


def delete_experiment_tag(key: str) -> None:
    """Remove a tag from the active experiment."""
    _client().delete_experiment_tag(_experiment_id(), key)


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
    return get_run(run_id) if run_id else None


def _active_or_new_run_id() -> str:
    current = active_run()
    return current.info.run_id if current else start_run().info.run_id


def get_run(run_id: str) -> Run:
    return _client().get_run(run_id)


def get_parent_run(run_id: str) -> Run | None:
    return _client().get_parent_run(run_id)


def delete_run(run_id: str) -> None:
    _client().delete_run(run_id)


def restore_run(run_id: str) -> None:
    _client().restore_run(run_id)


def get_artifact_uri(artifact_path: str | None = None) -> str:
    """The artifact URI of the active run (started if needed), or of a path below it."""
    root = get_run(_active_or_new_run_id()).info.artifact_uri
    if not artifact_path:
        return root
    return posixpath.join(root, artifact_path.lstrip("/"))


# logging ---------------------------------------------------------------------------------


def log_param(key: str, value: Any, synchronous: bool | None = None) -> Any:
    """Log a param to the active run; returns ``value`` (or a RunOperations when async)."""
    return _client().log_param(_active_or_new_run_id(), key, value, _synchronous(synchronous))


def log_params(
    params: Mapping[str, Any], synchronous: bool | None = None, run_id: str | None = None
) -> RunOperations | None:
    run_id = run_id or _active_or_new_run_id()
    batch = [Param(str(k), str(v)) for k, v in params.items()]
    return _client().log_batch(run_id, params=batch, synchronous=_synchronous(synchronous))


def _dataset_fields(dataset: Any) -> tuple[str | None, str | None]:
    if dataset is None:
        return None, None
    return dataset.name, dataset.digest


def log_metric(
    key: str,
    value: Any,
    step: int | None = None,
    synchronous: bool | None = None,
    timestamp: int | None = None,
    run_id: str | None = None,
    model_id: str | None = None,
    dataset: Any = None,
) -> RunOperations | None:
    """Append one point of metric ``key`` to the active run (or ``run_id``)."""
    dataset_name, dataset_digest = _dataset_fields(dataset)
    return _client().log_metric(
        run_id or _active_or_new_run_id(),
        key,
        value,
        timestamp=timestamp,
        step=step,
        synchronous=_synchronous(synchronous),
        dataset_name=dataset_name,
        dataset_digest=dataset_digest,
        model_id=model_id,
    )


def log_metrics(
    metrics: Mapping[str, Any],
    step: int | None = None,
    synchronous: bool | None = None,
    run_id: str | None = None,
    timestamp: int | None = None,
    model_id: str | None = None,
    dataset: Any = None,
) -> RunOperations | None:
    """Log several metrics at one step and timestamp in one batch."""
    run_id = run_id or _active_or_new_run_id()
    moment = timestamp if timestamp is not None else now_millis()
    dataset_name, dataset_digest = _dataset_fields(dataset)
    client = _client()
    if model_id:
        client.log_inputs(run_id, models=[LoggedModelInput(model_id)])
    batch = [
        Metric(str(k), v, moment, step or 0, dataset_name, dataset_digest, model_id)
        for k, v in metrics.items()
    ]
    return client.log_batch(run_id, metrics=batch, synchronous=_synchronous(synchronous))


def set_tag(key: str, value: Any, synchronous: bool | None = None) -> RunOperations | None:
    return _client().set_tag(_active_or_new_run_id(), key, value, _synchronous(synchronous))


def set_tags(tags: Mapping[str, Any], synchronous: bool | None = None) -> RunOperations | None:
    batch = [RunTag(str(k), str(v)) for k, v in tags.items()]
    return _client().log_batch(
        _active_or_new_run_id(), tags=batch, synchronous=_synchronous(synchronous)
    )


def delete_tag(key: str) -> None:
    _client().delete_tag(_active_or_new_run_id(), key)


def flush_async_logging() -> None:
    """Wait for every queued asynchronous write; raise the first failure."""
    flush_all()


def log_input(
    dataset: Any,
    context: str | None = None,
    tags: Mapping[str, Any] | None = None,
    model: Any = None,
) -> None:
    """Link a dataset (``mlharbor.data`` dataset) to the active run, with its context."""
    input_tags = [InputTag(str(k), str(v)) for k, v in (tags or {}).items()]
    if context:
        input_tags.insert(0, InputTag(_CONTEXT_TAG, context))
    datasets = [DatasetInput(dataset._to_mlflow_entity(), tuple(input_tags))] if dataset else None
    models = [LoggedModelInput(model.model_id)] if model is not None else None
    _client().log_inputs(_active_or_new_run_id(), datasets=datasets, models=models)


def log_artifact(
    local_path: str, artifact_path: str | None = None, run_id: str | None = None
) -> None:
    _client().log_artifact(run_id or _active_or_new_run_id(), local_path, artifact_path)


def log_artifacts(
    local_dir: str, artifact_path: str | None = None, run_id: str | None = None
) -> None:
    _client().log_artifacts(run_id or _active_or_new_run_id(), local_dir, artifact_path)


def log_text(text: str, artifact_file: str, run_id: str | None = None) -> None:
    _client().log_text(run_id or _active_or_new_run_id(), text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str, run_id: str | None = None) -> None:
    _client().log_dict(run_id or _active_or_new_run_id(), dictionary, artifact_file)


def log_figure(
    figure: Any,
    artifact_file: str,
    *,
    save_kwargs: dict[str, Any] | None = None,
    run_id: str | None = None,
) -> None:
    _client().log_figure(
        run_id or _active_or_new_run_id(), figure, artifact_file, save_kwargs=save_kwargs
    )


def log_image(
    image: Any,
    artifact_file: str | None = None,
    key: str | None = None,
    step: int | None = None,
    timestamp: int | None = None,
    synchronous: bool | None = False,
    run_id: str | None = None,
) -> None:
    _client().log_image(
        run_id or _active_or_new_run_id(), image, artifact_file, key, step, timestamp, synchronous
    )


# search ----------------------------------------------------------------------------------


def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
    max_results: int = _SEARCH_RUNS_MAX_DEFAULT,
    order_by: Sequence[str] | None = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> pandas.DataFrame | list[Run]:
    """Runs matching ``filter_string`` as a DataFrame (MLflow's columns) or a list.

    Without ``experiment_ids`` or ``experiment_names`` the active experiment is searched
    (every experiment with ``search_all_experiments``). Unknown names are skipped.

    Raises:
        InvalidParameterValue: for an ``output_format`` other than "pandas" or "list".
    """
    if output_format not in ("pandas", "list"):
        raise InvalidParameterValue(
            f"Unsupported output format: {output_format}. Supported string values are 'pandas' "
            "or 'list'"
        )
    client = _client()
    if experiment_names:
        found = [client.get_experiment_by_name(name) for name in experiment_names]
        ids = [e.experiment_id for e in found if e is not None]
    elif experiment_ids:
        ids = [experiment_ids] if isinstance(experiment_ids, str) else list(experiment_ids)
    elif search_all_experiments:
        ids = [e.experiment_id for e in search_experiments(run_view_type)]
    else:
        ids = [_experiment_id()]
    runs: list[Run] = []
    token: str | None = None
    while ids and len(runs) < max_results:
        page: PagedList[Run] = client.search_runs(
            ids,
            filter_string,
            run_view_type,
            min(_RUNS_PER_PAGE, max_results - len(runs)),
            order_by,
            token,
        )
        runs.extend(page)
        token = page.token
        if not token:
            break
    if output_format == "list":
        return runs
    from mlharbor.client.runs_frame import runs_to_frame

    return runs_to_frame(runs)
