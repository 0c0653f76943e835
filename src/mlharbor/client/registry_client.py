"""Model-registry methods of :class:`mlharbor.client.client.MlharborClient`.

Names and arguments are MlflowClient's. Versions may be given as ``int`` or ``str``; returned
entities carry them as strings. Every call goes to the registry store of the client's
registry URI (by default its tracking URI).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from mlharbor.entities import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    ModelVersionTag,
    PagedList,
    RegisteredModel,
    RegisteredModelTag,
)
from mlharbor.exceptions import InvalidParameterValue, MlharborException, ResourceDoesNotExist
from mlharbor.store.registry.protocol import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    RegistryStore,
)
from mlharbor.store.registry.uris import parse_models_uri

__all__ = ["RegistryClientMixin", "resolve_model_version"]

# How long create_model_version waits, by default, for a version still being registered.
AWAIT_CREATION_S = 300
_POLL_S = 1.0
_PROMPT_TAG = "mlflow.prompt.is_prompt"


def resolve_model_version(store: RegistryStore, models_uri: str) -> ModelVersion:
    """The registered version a ``models:/<name>/<version|stage|latest>`` or
    ``models:/<name>@<alias>`` URI names.

    ``latest`` is the highest version over all stages; a stage (any case) picks the highest
    version in that stage.

    Raises:
        InvalidParameterValue: the URI names a logged model, or is not a ``models:/`` URI.
        ResourceDoesNotExist: no version matches.
    """
    target = parse_models_uri(models_uri)
    if target.name is None:
        raise InvalidParameterValue(
            f"Model URI {models_uri!r} names a logged model, not a registered model version."
        )
    if target.alias is not None:
        return store.get_model_version_by_alias(target.name, target.alias)
    if target.version is not None:
        return store.get_model_version(target.name, target.version)
    stages = None if target.latest else [target.stage or ""]
    latest = store.get_latest_versions(target.name, stages)
    if not latest:
        where = "" if target.latest else f" and stage '{target.stage}'"
        raise ResourceDoesNotExist(f"No versions of model with name '{target.name}'{where} found")
    return max(latest, key=lambda mv: int(mv.version))


def _tag_map(tags: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (tags or {}).items()}


class RegistryClientMixin:
    """Registry half of the client; mixed into MlharborClient, which sets ``_registry_uri``."""

    _registry_uri: str

    @property
    def _registry_store(self) -> RegistryStore:
        from mlharbor.store.registry.factory import get_registry_store

        return get_registry_store(self._registry_uri)

    # registered models ---------------------------------------------------------------------

    def create_registered_model(
        self,
        name: str,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
        deployment_job_id: str | None = None,
    ) -> RegisteredModel:
        """Create a registered model (RESOURCE_ALREADY_EXISTS if the name is taken)."""
        del deployment_job_id  # deployment jobs are a Databricks feature
        tag_list = [RegisteredModelTag(k, v) for k, v in _tag_map(tags).items()]
        return self._registry_store.create_registered_model(name, tag_list, description)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self._registry_store.get_registered_model(name)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return self._registry_store.rename_registered_model(name, new_name)

    def update_registered_model(
        self, name: str, description: str | None = None, deployment_job_id: str | None = None
    ) -> RegisteredModel:
        del deployment_job_id
        return self._registry_store.update_registered_model(name, description)

    def delete_registered_model(self, name: str) -> None:
        self._registry_store.delete_registered_model(name)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """One page of registered models matching ``filter_string``; prompts are left out
        unless the filter names the prompt tag (the clause MLflow's client adds is added too, so
        either server answers alike)."""
        if _PROMPT_TAG not in (filter_string or ""):
            clause = f"tag.`{_PROMPT_TAG}` != 'true'"
            filter_string = f"{filter_string} AND {clause}" if filter_string else clause
        return self._registry_store.search_registered_models(
            filter_string, max_results, order_by, page_token
        )

    def get_latest_versions(
        self, name: str, stages: Sequence[str] | None = None
    ) -> list[ModelVersion]:
        """The newest version in each of ``stages`` (any case), or in every stage."""
        return self._registry_store.get_latest_versions(name, stages)

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        self._registry_store.set_registered_model_tag(
            name, RegisteredModelTag(str(key), str(value))
        )

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._registry_store.delete_registered_model_tag(name, key)

    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        """Point ``alias`` at ``version``, moving it from another version if needed."""
        self._registry_store.set_registered_model_alias(name, alias, str(version))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._registry_store.delete_registered_model_alias(name, alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self._registry_store.get_model_version_by_alias(name, alias)

    # model versions ----------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        await_creation_for: int = AWAIT_CREATION_S,
        model_id: str | None = None,
    ) -> ModelVersion:
        """Register ``source`` as the next version of ``name``; wait up to
        ``await_creation_for`` seconds while the store reports it as still being registered."""
        tag_list = [ModelVersionTag(k, v) for k, v in _tag_map(tags).items()]
        store = self._registry_store
        version = store.create_model_version(
            name, str(source), run_id, tag_list, run_link, description, model_id
        )
        deadline = time.monotonic() + max(0, await_creation_for)
        while (
            version.status == ModelVersionStatus.PENDING_REGISTRATION
            and time.monotonic() < deadline
        ):
            time.sleep(_POLL_S)
            version = store.get_model_version(name, version.version)
        if version.status == ModelVersionStatus.FAILED_REGISTRATION:
            raise MlharborException(
                f"Model version creation failed for model name: {name} version: "
                f"{version.version} with status: {version.status} and message: "
                f"{version.status_message}"
            )
        return version

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        return self._registry_store.get_model_version(name, str(version))

    def update_model_version(
        self, name: str, version: str | int, description: str | None = None
    ) -> ModelVersion:
        return self._registry_store.update_model_version(name, str(version), description)

    def delete_model_version(self, name: str, version: str | int) -> None:
        self._registry_store.delete_model_version(name, str(version))

    def transition_model_version_stage(
        self,
        name: str,
        version: str | int,
        stage: str,
        archive_existing_versions: bool = False,
    ) -> ModelVersion:
        """Move a version to a legacy stage; ``archive_existing_versions`` archives the other
        versions in that (Staging/Production) stage."""
        return self._registry_store.transition_model_version_stage(
            name, str(version), stage, archive_existing_versions
        )

    def get_model_version_stages(self, name: str, version: str | int) -> list[str]:
        """The stages a version may be moved to."""
        del name, version
        return list(ModelVersionStage.ALL)

    def set_model_version_tag(
        self,
        name: str,
        version: str | int | None = None,
        key: str | None = None,
        value: Any = None,
        stage: str | None = None,
    ) -> None:
        """Tag a version, named by number or (as MLflow allows) by the newest in ``stage``."""
        number = self._version_or_stage(name, version, stage)
        if key is None:
            raise InvalidParameterValue("A key name must be provided.")
        self._registry_store.set_model_version_tag(
            name, number, ModelVersionTag(str(key), str(value))
        )

    def delete_model_version_tag(
        self,
        name: str,
        version: str | int | None = None,
        key: str | None = None,
        stage: str | None = None,
    ) -> None:
        number = self._version_or_stage(name, version, stage)
        if key is None:
            raise InvalidParameterValue("A key name must be provided.")
        self._registry_store.delete_model_version_tag(name, number, key)

    def _version_or_stage(self, name: str, version: str | int | None, stage: str | None) -> str:
        if version is not None and stage is not None:
            raise InvalidParameterValue("version and stage cannot be set together")
        if version is not None:
            return str(version)
        if stage is None:
            raise InvalidParameterValue("version or stage must be set")
        return resolve_model_version(self._registry_store, f"models:/{name}/{stage}").version

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        return self._registry_store.search_model_versions(
            filter_string, max_results, order_by, page_token
        )

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        """Where the version's files are stored (resolved when it was registered)."""
        return self._registry_store.get_model_version_download_uri(name, str(version))

    def copy_model_version(self, src_model_uri: str, dst_name: str) -> ModelVersion:
        """Register the version ``src_model_uri`` names (``models:/<name>/<version>`` or
        ``@alias``) as a new version of ``dst_name``, creating that model when missing."""
        store = self._registry_store
        source = resolve_model_version(store, src_model_uri)
        return store.copy_model_version(source, dst_name)
