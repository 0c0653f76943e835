"""Logged-model methods of :class:`~mlharbor.client.client.MlharborClient` (MLflow 3 models)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlharbor.client.artifacts import resolve_artifact_uri
from mlharbor.entities import FileInfo, LoggedModel, LoggedModelStatus, PagedList
from mlharbor.exceptions import ResourceDoesNotExist
from mlharbor.store.artifact.factory import get_artifact_repository
from mlharbor.store.artifact.protocol import ArtifactRepository

if TYPE_CHECKING:
    from mlharbor.store.tracking.protocol import TrackingStore

__all__ = ["LoggedModelMethods"]


def _pairs(values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in (values or {}).items()]


class LoggedModelMethods:
    """Mixin: uses the client's ``store``."""

    store: TrackingStore
    _tracking_uri: str

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        model_type: str | None = None,
    ) -> LoggedModel:
        """Create a PENDING logged model in ``experiment_id`` (a random name when None)."""
        return self.store.create_logged_model(
            experiment_id=str(experiment_id),
            name=name,
            source_run_id=source_run_id,
            tags=_pairs(tags),
            params=_pairs(params),
            model_type=model_type,
        )

    def get_logged_model(self, model_id: str) -> LoggedModel:
        return self.store.get_logged_model(model_id)

    def finalize_logged_model(self, model_id: str, status: LoggedModelStatus | str) -> LoggedModel:
        """Set the final status: ``"READY"`` or ``"FAILED"`` (or the LoggedModelStatus)."""
        return self.store.finalize_logged_model(model_id, LoggedModelStatus.coerce(status))

    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, Any]) -> None:
        self.store.set_logged_model_tags(model_id, _pairs(tags))

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        self.store.delete_logged_model_tag(model_id, key)

    def log_model_params(self, model_id: str, params: Mapping[str, Any]) -> None:
        self.store.log_logged_model_params(model_id, _pairs(params))

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[dict[str, str]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[dict[str, Any]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """One page of logged models; ``order_by`` items are ``{"field_name", "ascending"}``."""
        return self.store.search_logged_models(
            experiment_ids=[str(i) for i in experiment_ids],
            filter_string=filter_string,
            datasets=datasets,
            max_results=max_results,
            order_by=order_by,
            page_token=page_token,
        )

    def delete_logged_model(self, model_id: str) -> None:
        self.store.delete_logged_model(model_id)

    def _model_repository(self, model_id: str) -> ArtifactRepository:
        location = self.store.get_logged_model(model_id).artifact_location
        return get_artifact_repository(resolve_artifact_uri(location, self._tracking_uri))

    def log_model_artifact(
        self, model_id: str, local_path: str, artifact_path: str | None = None
    ) -> None:
        """Upload one local file into ``artifact_path`` of the logged model's files."""
        local_path = os.fspath(local_path)
        if not os.path.isfile(local_path):
            raise ResourceDoesNotExist(f"No such file: '{local_path}'")
        self._model_repository(model_id).log_artifact(local_path, artifact_path)

    def log_model_artifacts(
        self, model_id: str, local_dir: str, artifact_path: str | None = None
    ) -> None:
        """Upload the contents of a local directory into the logged model's files."""
        local_dir = os.fspath(local_dir)
        if not os.path.isdir(local_dir):
            raise ResourceDoesNotExist(f"No such directory: '{local_dir}'")
        self._model_repository(model_id).log_artifacts(local_dir, artifact_path)

    def list_logged_model_artifacts(self, model_id: str, path: str | None = None) -> list[FileInfo]:
        """Direct children of ``path`` among the logged model's files."""
        return self._model_repository(model_id).list_artifacts(path)
