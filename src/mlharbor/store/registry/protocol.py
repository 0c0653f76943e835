"""The contract every model-registry store honours (SQL, REST).

Method names and arguments follow MLflow's registry store so the REST layer maps one-to-one onto
them. Versions are passed and returned as strings holding an integer; a version that does not
parse as an integer is INVALID_PARAMETER_VALUE. Every failure is an :mod:`mlharbor.exceptions`
error carrying MLflow's error code and message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from mlharbor.entities import (
    ModelVersion,
    ModelVersionTag,
    PagedList,
    RegisteredModel,
    RegisteredModelTag,
)

SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT = 100
SEARCH_REGISTERED_MODEL_MAX_RESULTS_LIMIT = 1000
SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 10000
SEARCH_MODEL_VERSION_MAX_RESULTS_LIMIT = 200000


@runtime_checkable
class RegistryStore(Protocol):
    # registered models

    def create_registered_model(
        self,
        name: str,
        tags: Sequence[RegisteredModelTag] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        """Create a model; RESOURCE_ALREADY_EXISTS if the name is taken."""
        ...

    def get_registered_model(self, name: str) -> RegisteredModel:
        """RESOURCE_DOES_NOT_EXIST if there is no model called ``name``."""
        ...

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model; its versions, tags and aliases move with it."""
        ...

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel: ...

    def delete_registered_model(self, name: str) -> None:
        """Delete a model with all its versions, tags and aliases."""
        ...

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]: ...

    def set_registered_model_tag(self, name: str, tag: RegisteredModelTag) -> None: ...

    def delete_registered_model_tag(self, name: str, key: str) -> None: ...

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version``, moving it if it already exists."""
        ...

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove ``alias``; removing an alias that does not exist is not an error."""
        ...

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """INVALID_PARAMETER_VALUE (not a 404) when the alias does not exist."""
        ...

    def get_latest_versions(
        self, name: str, stages: Sequence[str] | None = None
    ) -> list[ModelVersion]:
        """The newest version in each of ``stages`` (case-insensitive), or in every stage."""
        ...

    # model versions

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Sequence[ModelVersionTag] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        """Add the next version (1 + the highest ever used) to model ``name``."""
        ...

    def get_model_version(self, name: str, version: str) -> ModelVersion: ...

    def update_model_version(
        self, name: str, version: str, description: str | None
    ) -> ModelVersion: ...

    def delete_model_version(self, name: str, version: str) -> None:
        """Delete a version and its aliases; its number is never reused."""
        ...

    def transition_model_version_stage(
        self, name: str, version: str, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        """Move a version to ``stage``; with ``archive_existing_versions`` every other version
        in that (Staging or Production) stage becomes Archived."""
        ...

    def set_model_version_tag(self, name: str, version: str, tag: ModelVersionTag) -> None: ...

    def delete_model_version_tag(self, name: str, version: str, key: str) -> None: ...

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]: ...

    def get_model_version_download_uri(self, name: str, version: str) -> str:
        """The storage location of the version's files, resolved when it was created."""
        ...

    def copy_model_version(self, src_mv: ModelVersion, dst_name: str) -> ModelVersion:
        """Register ``src_mv`` as a new version of ``dst_name`` (created when missing), with
        source ``models:/<src name>/<src version>``."""
        ...
