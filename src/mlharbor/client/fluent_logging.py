"""Fluent logging: params, metrics, tags, datasets and artifacts of the active run.

Each function logs to the active run, starting one when none is active (or to ``run_id`` where
accepted). ``synchronous=None`` follows ``MLFLOW_ENABLE_ASYNC_LOGGING`` /
``MLHARBOR_ENABLE_ASYNC_LOGGING``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from mlharbor.client._values import now_millis
from mlharbor.client.active_model import get_active_model_id
from mlharbor.client.active_run import _active_or_new_run_id, _client, active_run
from mlharbor.client.async_logging import RunOperations, flush_all
from mlharbor.client.client import MlharborClient
from mlharbor.client.model_links import RunLinks
from mlharbor.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LoggedModelInput,
    Metric,
    Param,
    RunTag,
)
from mlharbor.exceptions import MlharborException

__all__ = [
    "delete_tag",
    "flush_async_logging",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_inputs",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "set_tag",
    "set_tags",
]

_CONTEXT_TAG = "mlflow.data.context"


def _async_default() -> bool:
    for name in ("MLHARBOR_ENABLE_ASYNC_LOGGING", "MLFLOW_ENABLE_ASYNC_LOGGING"):
        if os.environ.get(name, "").strip().lower() in ("1", "true", "yes"):
            return True
    return False


def _synchronous(flag: bool | None) -> bool:
    return flag if flag is not None else not _async_default()


def log_param(key: str, value: Any, synchronous: bool | None = None) -> Any:
    """Log a param to the active run; returns ``value`` (or a RunOperations when async)."""
    return _client().log_param(_active_or_new_run_id(), key, value, _synchronous(synchronous))


def log_params(
    params: Mapping[str, Any], synchronous: bool | None = None, run_id: str | None = None
) -> RunOperations | None:
    """Log several params in one batch (split as MLflow splits oversize batches)."""
    run_id = run_id or _active_or_new_run_id()
    batch = [Param(str(k), str(v)) for k, v in params.items()]
    return _client().log_batch(run_id, params=batch, synchronous=_synchronous(synchronous))


def _dataset_fields(dataset: Any) -> tuple[str | None, str | None]:
    if dataset is None:
        return None, None
    return dataset.name, dataset.digest


def _run_links(run_id: str | None) -> tuple[str, RunLinks]:
    """The run to log to and what it links: kept in memory for the active run, read from the
    store for another run."""
    run_id = run_id or _active_or_new_run_id()
    current = active_run()
    if current is not None and current.info.run_id == run_id:
        return run_id, current.links
    return run_id, RunLinks.of(_client().get_run(run_id))


def _dataset_entity(dataset: Any) -> Dataset:
    return dataset if isinstance(dataset, Dataset) else dataset._to_mlflow_entity()


def _link_inputs(
    client: MlharborClient, run_id: str, links: RunLinks, model_ids: list[str | None], dataset: Any
) -> None:
    """Record models and the dataset that metrics refer to as run inputs, once per run."""
    models = [LoggedModelInput(m) for m in links.unknown_models(model_ids)]
    datasets = None
    if dataset is not None and links.claim_dataset(dataset.name, dataset.digest):
        datasets = [DatasetInput(_dataset_entity(dataset))]
    if models or datasets:
        client.log_inputs(run_id, datasets=datasets, models=models or None)


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
    """Append one point of metric ``key`` to the active run (or ``run_id``).

    The point belongs to ``model_id``, else the active model, else the first model the run
    logged at ``step``; that model and ``dataset`` become run inputs when new to the run.
    """
    run_id, links = _run_links(run_id)
    client = _client()
    chosen = model_id or get_active_model_id()
    _link_inputs(client, run_id, links, [chosen], dataset)
    step = step or 0
    target = chosen or next(iter(links.models_at(step)), None)
    dataset_name, dataset_digest = _dataset_fields(dataset)
    return client.log_metric(
        run_id,
        key,
        value,
        timestamp=timestamp,
        step=step,
        synchronous=_synchronous(synchronous),
        dataset_name=dataset_name,
        dataset_digest=dataset_digest,
        model_id=target,
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
    """Log several metrics at one step and timestamp in one batch (once per linked model)."""
    run_id, links = _run_links(run_id)
    client = _client()
    moment = timestamp if timestamp is not None else now_millis()
    step = step or 0
    chosen = model_id or get_active_model_id()
    model_ids: list[str | None] = [chosen] if chosen else [*links.models_at(step)] or [None]
    _link_inputs(client, run_id, links, model_ids, dataset)
    dataset_name, dataset_digest = _dataset_fields(dataset)
    batch = [
        Metric(str(k), v, moment, step, dataset_name, dataset_digest, target, run_id)
        for k, v in metrics.items()
        for target in model_ids
    ]
    return client.log_batch(run_id, metrics=batch, synchronous=_synchronous(synchronous))


def set_tag(key: str, value: Any, synchronous: bool | None = None) -> RunOperations | None:
    """Set one tag on the active run; the value is stored as ``str(value)``."""
    return _client().set_tag(_active_or_new_run_id(), key, value, _synchronous(synchronous))


def set_tags(tags: Mapping[str, Any], synchronous: bool | None = None) -> RunOperations | None:
    """Set several tags on the active run in one batch."""
    batch = [RunTag(str(k), str(v)) for k, v in tags.items()]
    return _client().log_batch(
        _active_or_new_run_id(), tags=batch, synchronous=_synchronous(synchronous)
    )


def delete_tag(key: str) -> None:
    """Remove a tag from the active run (RESOURCE_DOES_NOT_EXIST if absent)."""
    _client().delete_tag(_active_or_new_run_id(), key)


def flush_async_logging() -> None:
    """Wait for every queued asynchronous write; raise the first failure."""
    flush_all()


def flush_artifact_async_logging() -> None:
    """Wait until the active run's artifact uploads are done (starting a run if none is
    active, as MLflow does). Uploads are synchronous in mlharbor, so only queued metric,
    param and tag writes can still be pending; their first failure is raised."""
    _active_or_new_run_id()
    flush_all()


def log_input(
    dataset: Any = None,
    context: str | None = None,
    tags: Mapping[str, Any] | None = None,
    model: Any = None,
) -> None:
    """Link a dataset (``mlharbor.data`` dataset) to the active run, with its context."""
    log_inputs(
        [dataset] if dataset is not None else None,
        [context],
        [tags],
        [model] if model is not None else None,
    )


def log_inputs(
    datasets: list[Any] | None = None,
    contexts: list[str | None] | None = None,
    tags_list: list[Mapping[str, Any] | None] | None = None,
    models: list[LoggedModelInput | None] | None = None,
) -> None:
    """Link datasets (each with its context and tags) and logged models to the active run.

    Raises:
        MlharborException: when ``datasets``, ``contexts`` and ``tags_list`` differ in length.
    """
    datasets = datasets or []
    contexts = contexts or [None] * len(datasets)
    tags_list = tags_list or [None] * len(datasets)
    if not len(datasets) == len(contexts) == len(tags_list):
        raise MlharborException(
            "`mlflow.log_inputs` requires `datasets`, `contexts`, `tags_list` to be "
            "non-empty list and have the same length."
        )
    run_id, links = _run_links(None)
    dataset_inputs = []
    for dataset, context, tags in zip(datasets, contexts, tags_list, strict=True):
        if dataset is None:
            continue
        input_tags = [InputTag(str(k), str(v)) for k, v in (tags or {}).items()]
        if context:
            input_tags.insert(0, InputTag(_CONTEXT_TAG, context))
        entity = _dataset_entity(dataset)
        links.claim_dataset(entity.name, entity.digest)
        dataset_inputs.append(DatasetInput(entity, tuple(input_tags)))
    model_inputs = [LoggedModelInput(m.model_id) for m in models or () if m is not None]
    links.unknown_models([m.model_id for m in model_inputs])
    _client().log_inputs(run_id, datasets=dataset_inputs or None, models=model_inputs or None)


def log_artifact(
    local_path: str, artifact_path: str | None = None, run_id: str | None = None
) -> None:
    """Upload a local file (or directory) into ``artifact_path`` of the run."""
    _client().log_artifact(run_id or _active_or_new_run_id(), local_path, artifact_path)


def log_artifacts(
    local_dir: str, artifact_path: str | None = None, run_id: str | None = None
) -> None:
    """Upload the contents of a local directory into ``artifact_path`` of the run."""
    _client().log_artifacts(run_id or _active_or_new_run_id(), local_dir, artifact_path)


def log_text(text: str, artifact_file: str, run_id: str | None = None) -> None:
    """Store ``text`` as the run artifact ``artifact_file``."""
    _client().log_text(run_id or _active_or_new_run_id(), text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str, run_id: str | None = None) -> None:
    """Store ``dictionary`` as JSON, or YAML for ``.yaml``/``.yml`` names."""
    _client().log_dict(run_id or _active_or_new_run_id(), dictionary, artifact_file)


def log_figure(
    figure: Any,
    artifact_file: str,
    *,
    save_kwargs: dict[str, Any] | None = None,
    run_id: str | None = None,
) -> None:
    """Store a matplotlib or plotly figure as ``artifact_file``."""
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
    """Store a numpy or PIL image as ``artifact_file``, or under ``images/`` by key and step."""
    _client().log_image(
        run_id or _active_or_new_run_id(), image, artifact_file, key, step, timestamp, synchronous
    )
