"""Fluent API for MLflow 3 logged models: create, finalize, look up, search, tag, activate.

A model created here belongs to the active run (when there is one) and its experiment, carries
the same system tags a run gets, and becomes the thread's ``last_logged_model()``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlharbor.client.active_model import (
    ActiveModel,
    get_active_model_id,
    last_logged_model_id,
    set_last_logged_model_id,
)
from mlharbor.client.active_run import _active_or_new_run_id, _client, _experiment_id, active_run
from mlharbor.client.paging import collect_pages
from mlharbor.client.run_context import resolve_run_tags
from mlharbor.entities import LoggedModel, LoggedModelOutput, LoggedModelStatus
from mlharbor.exceptions import InvalidParameterValue

if TYPE_CHECKING:
    import pandas

__all__ = [
    "create_external_model",
    "delete_logged_model_tag",
    "finalize_logged_model",
    "get_logged_model",
    "initialize_logged_model",
    "last_logged_model",
    "log_model_params",
    "log_outputs",
    "search_logged_models",
    "set_active_model",
    "set_logged_model_tags",
]

_logger = logging.getLogger(__name__)

EXTERNAL_MODEL_TAG = "mlflow.model.isExternal"
_SEARCH_PAGE = 100


def _create_logged_model(
    name: str | None,
    source_run_id: str | None,
    tags: Mapping[str, Any] | None,
    params: Mapping[str, Any] | None,
    model_type: str | None,
    experiment_id: str | None,
) -> LoggedModel:
    run = active_run()
    if source_run_id is None and run is not None:
        source_run_id = run.info.run_id
    client = _client()
    if experiment_id is None:
        if run is not None:
            experiment_id = run.info.experiment_id
        elif source_run_id is not None:
            experiment_id = client.get_run(source_run_id).info.experiment_id
        else:
            experiment_id = _experiment_id()
    return client.create_logged_model(
        str(experiment_id),
        name=name,
        source_run_id=source_run_id,
        tags=resolve_run_tags(dict(tags or {})),
        params=params,
        model_type=model_type,
    )


def initialize_logged_model(
    name: str | None = None,
    source_run_id: str | None = None,
    tags: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    model_type: str | None = None,
    experiment_id: str | None = None,
) -> LoggedModel:
    """Create a PENDING logged model (in the active run and experiment by default); finish it
    with :func:`finalize_logged_model`. It becomes :func:`last_logged_model`."""
    model = _create_logged_model(name, source_run_id, tags, params, model_type, experiment_id)
    set_last_logged_model_id(model.model_id)
    return model


def create_external_model(
    name: str | None = None,
    source_run_id: str | None = None,
    tags: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    model_type: str | None = None,
    experiment_id: str | None = None,
) -> LoggedModel:
    """Create a READY logged model whose files live outside mlharbor (an agent, a hosted
    model): only an ``MLmodel`` marking it external is stored, so it can be registered."""
    from mlharbor.models.model import Model
    from mlharbor.models.signature import infer_signature

    marked = {**(tags or {}), EXTERNAL_MODEL_TAG: "true"}
    model = _create_logged_model(name, source_run_id, marked, params, model_type, experiment_id)
    spec = Model(
        artifact_path=model.artifact_location,
        model_uuid=model.model_id,
        model_id=model.model_id,
        run_id=model.source_run_id,
        signature=infer_signature(True, True),
        metadata={EXTERNAL_MODEL_TAG: True},
    )
    client = _client()
    with tempfile.TemporaryDirectory(prefix="mlharbor-external-") as tmp:
        spec.save(os.path.join(tmp, "MLmodel"))
        client.log_model_artifacts(model.model_id, tmp)
    model = client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    set_last_logged_model_id(model.model_id)
    return model


def finalize_logged_model(model_id: str, status: LoggedModelStatus | str) -> LoggedModel:
    """Mark a logged model ``"READY"`` or ``"FAILED"``."""
    return _client().finalize_logged_model(model_id, status)


def get_logged_model(model_id: str) -> LoggedModel:
    return _client().get_logged_model(model_id)


def last_logged_model() -> LoggedModel | None:
    """The logged model this thread created most recently (freshly read), or None."""
    model_id = last_logged_model_id()
    return get_logged_model(model_id) if model_id else None


def search_logged_models(
    experiment_ids: list[str] | None = None,
    filter_string: str | None = None,
    datasets: list[dict[str, str]] | None = None,
    max_results: int | None = None,
    order_by: list[dict[str, Any]] | None = None,
    output_format: str = "pandas",
) -> list[LoggedModel] | pandas.DataFrame:
    """Logged models of ``experiment_ids`` (the active experiment by default), every page.

    ``filter_string`` uses the run-search grammar over ``attributes.``/``metrics.``/
    ``params.``/``tags.``; ``datasets`` (``{"dataset_name", "dataset_digest"}``) limits metric
    clauses to those datasets; ``order_by`` items are ``{"field_name", "ascending",
    "dataset_name", "dataset_digest"}``. The DataFrame has one row per model with MLflow's
    columns.

    Raises:
        InvalidParameterValue: for an ``output_format`` other than "pandas" or "list".
    """
    if output_format not in ("pandas", "list"):
        raise InvalidParameterValue(
            f"Unsupported output format: {output_format!r}. Supported string values are "
            "'pandas' or 'list'"
        )
    ids = [str(i) for i in experiment_ids] if experiment_ids else [_experiment_id()]
    client = _client()
    models = collect_pages(
        lambda size, token: client.search_logged_models(
            ids, filter_string, datasets, size, order_by, token
        ),
        _SEARCH_PAGE,
        max_results,
    )
    if output_format == "list":
        return models
    import pandas as pd

    rows = []
    for model in models:
        row = model.to_dictionary()
        row["status"] = model.status
        rows.append(row)
    return pd.DataFrame(rows)


def log_model_params(params: dict[str, str], model_id: str | None = None) -> None:
    """Log params to a logged model (the active model when ``model_id`` is None)."""
    target = model_id or get_active_model_id()
    if not target:
        raise InvalidParameterValue(
            "No model_id given and no active model is set: pass model_id or call "
            "set_active_model first."
        )
    _client().log_model_params(target, params)


def set_logged_model_tags(model_id: str, tags: dict[str, Any]) -> None:
    _client().set_logged_model_tags(model_id, tags)


def delete_logged_model_tag(model_id: str, key: str) -> None:
    _client().delete_logged_model_tag(model_id, key)


def log_outputs(models: Sequence[LoggedModelOutput] | None = None) -> None:
    """Record logged models as outputs of the active run (started if needed)."""
    _client().log_outputs(_active_or_new_run_id(), list(models or ()))


def set_active_model(*, name: str | None = None, model_id: str | None = None) -> ActiveModel:
    """Make a logged model the thread's active model, by id or by name.

    A name reuses the newest logged model of that name in the active experiment, or creates
    an external model with it. Used as a context manager, the previous active model returns
    on exit.

    Raises:
        InvalidParameterValue: when neither is given, or the id's model has another name.
    """
    if name is None and model_id is None:
        raise InvalidParameterValue("Either name or model_id must be provided")
    if model_id is not None:
        model = get_logged_model(model_id)
        if name is not None and model.name != name:
            raise InvalidParameterValue(
                f"LoggedModel with model_id {model_id!r} has name {model.name!r}, which does "
                f"not match the provided name {name!r}."
            )
    else:
        assert name is not None
        quoted = name.replace("\\", "\\\\").replace("'", "\\'")
        found = search_logged_models(
            filter_string=f"name = '{quoted}'", max_results=2, output_format="list"
        )
        assert isinstance(found, list)
        if len(found) > 1:
            _logger.warning(
                "Multiple LoggedModels found with name %r, setting the latest one as active model.",
                name,
            )
        model = found[0] if found else create_external_model(name=name)
    return ActiveModel(model, set_by_user=True)
