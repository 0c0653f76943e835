"""The ``log_model`` flow shared by every flavor (MLflow 3 logged models).

A logged model is created PENDING in the experiment (linked to the run when there is one), the
flavor saves the model into a temporary directory, the directory is uploaded to the logged
model's artifact location and the model is finalized READY. Any failure marks it
FAILED and re-raises, so no model is left looking complete when it is not.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

from mlharbor.models.model import Model, ModelInfo

__all__ = ["log_model"]

_RUN_TAGS_COPIED = (
    "mlflow.user",
    "mlflow.source.name",
    "mlflow.source.type",
    "mlflow.source.git.commit",
)


def _link_metrics(client: Any, run: Any, model_id: str, step: int) -> None:
    """Re-log the run's metrics of ``step`` with ``model_id`` so the model shows them."""
    from mlharbor.entities import Metric

    linked = []
    for key in {m.key for m in run.data.metric_objs}:
        for point in client.get_metric_history(run.info.run_id, key):
            if point.step == step and point.model_id is None:
                linked.append(
                    Metric(
                        key=point.key,
                        value=point.value,
                        timestamp=point.timestamp,
                        step=point.step,
                        dataset_name=point.dataset_name,
                        dataset_digest=point.dataset_digest,
                        model_id=model_id,
                    )
                )
    if linked:
        client.log_batch(run.info.run_id, metrics=linked)


def log_model(
    save: Callable[..., None],
    *,
    name: str | None,
    artifact_path: str | None = None,
    registered_model_name: str | None = None,
    run_id: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    model_type: str | None = None,
    metadata: dict[str, Any] | None = None,
    step: int = 0,
    model_id: str | None = None,
    **save_kwargs: Any,
) -> ModelInfo:
    """Create a logged model, save it with ``save(path=..., mlflow_model=..., **save_kwargs)``,
    upload it and return its :class:`ModelInfo`.

    Args:
        save: the flavor's ``save_model``.
        name: the logged model's name (``artifact_path`` is its older spelling).
        registered_model_name: also register the model under this name.
        run_id: the run that produced the model; defaults to the active run, if any.
        params, tags: extra params and tags of the logged model.
        step: the step whose run metrics are linked to the model.
        model_id: save into this existing logged model (from ``initialize_logged_model``)
            rather than creating one.
    """
    from mlharbor.client import active_run as fluent
    from mlharbor.client.active_model import set_last_logged_model_id
    from mlharbor.client.artifacts import resolve_artifact_uri
    from mlharbor.client.client import MlharborClient
    from mlharbor.entities import LoggedModelOutput
    from mlharbor.store.artifact.factory import get_artifact_repository

    model_name = name or artifact_path
    client = MlharborClient()
    if run_id is None:
        current = fluent.active_run()
        run_id = current.info.run_id if current is not None else None
    run = client.get_run(run_id) if run_id else None
    model_params: dict[str, Any] = dict(params or {})
    model_tags: dict[str, Any] = {}
    if run is not None:
        model_params.update(run.data.params)
        model_tags.update({k: v for k, v in run.data.tags.items() if k in _RUN_TAGS_COPIED})
        experiment_id = run.info.experiment_id
    else:
        experiment_id = fluent._experiment_id()
    model_tags.update(tags or {})
    if model_id is not None:
        logged = client.get_logged_model(model_id)
        if model_tags:
            client.set_logged_model_tags(model_id, {k: str(v) for k, v in model_tags.items()})
        if model_params:
            client.log_model_params(model_id, {k: str(v) for k, v in model_params.items()})
    else:
        logged = client.create_logged_model(
            experiment_id,
            name=model_name,
            source_run_id=run_id,
            tags={k: str(v) for k, v in model_tags.items()},
            params={k: str(v) for k, v in model_params.items()},
            model_type=model_type,
        )
    set_last_logged_model_id(logged.model_id)
    try:
        if run is not None:
            output = LoggedModelOutput(logged.model_id, step)
            client.log_outputs(run.info.run_id, [output])
            current = fluent.active_run()
            if current is not None and current.info.run_id == run.info.run_id:
                current.links.add_output(output)
            _link_metrics(client, run, logged.model_id, step)
        mlflow_model = Model(
            artifact_path=logged.artifact_location,
            run_id=run_id,
            model_uuid=logged.model_id,
            model_id=logged.model_id,
            metadata=metadata,
        )
        with tempfile.TemporaryDirectory(prefix="mlharbor-log-model-") as tmp:
            local_path = os.path.join(tmp, "model")
            save(path=local_path, mlflow_model=mlflow_model, **save_kwargs)
            repository = get_artifact_repository(
                resolve_artifact_uri(logged.artifact_location, client.tracking_uri)
            )
            repository.log_artifacts(local_path, None)
    except BaseException:
        client.finalize_logged_model(logged.model_id, "FAILED")
        raise
    client.finalize_logged_model(logged.model_id, "READY")
    info = mlflow_model.get_model_info(model_name or logged.name)
    info.name = logged.name
    info.params = {k: str(v) for k, v in model_params.items()}
    info.tags = {k: str(v) for k, v in model_tags.items()}
    if registered_model_name is not None:
        from mlharbor.client.registry_fluent import register_model

        version = register_model(f"models:/{logged.model_id}", registered_model_name)
        info.registered_model_version = int(version.version)
    return info
