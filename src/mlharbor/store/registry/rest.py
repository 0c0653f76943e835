"""A registry store that talks MLflow's REST protocol to a tracking server.

Requests are shaped as MLflow's client shapes them (versions as strings, DELETE with a JSON
body, ``archive_existing_versions`` always sent, POST for ``get-latest-versions``), so it works
against ``mlharbor server`` and a stock ``mlflow server`` alike. Server errors are raised as
:class:`~mlharbor.exceptions.RestException` with the server's ``error_code``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlharbor.entities import (
    ModelVersion,
    ModelVersionTag,
    PagedList,
    RegisteredModel,
    RegisteredModelTag,
)
from mlharbor.exceptions import MlharborException
from mlharbor.store.registry.protocol import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
)
from mlharbor.store.rest_base import RestStoreBase
from mlharbor.wire.registry import model_version_from_json, registered_model_from_json

__all__ = ["RestRegistryStore"]


def _tags(tags: Sequence[RegisteredModelTag] | Sequence[ModelVersionTag] | None) -> list[Any]:
    return [{"key": t.key, "value": t.value} for t in tags or ()]


class RestRegistryStore(RestStoreBase):
    """A :class:`~mlharbor.store.registry.protocol.RegistryStore` backed by a tracking server.

    Args:
        host_creds_or_uri: the server's :class:`HostCreds`, or its URI (credentials are then
            read from the environment).
    """

    def _call(
        self, endpoint: str, method: str = "POST", body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        # optional registry fields are left out rather than sent as null
        fields = {k: v for k, v in (body or {}).items() if v is not None}
        return super()._call(endpoint, method, fields)

    # ---------------------------------------------------------------- registered models

    def create_registered_model(
        self,
        name: str,
        tags: Sequence[RegisteredModelTag] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        body: dict[str, Any] = {"name": name, "description": description}
        if tags:
            body["tags"] = _tags(tags)
        reply = self._call("registered-models/create", "POST", body)
        return registered_model_from_json(reply.get("registered_model", {}))

    def get_registered_model(self, name: str) -> RegisteredModel:
        reply = self._call("registered-models/get", "GET", {"name": name})
        return registered_model_from_json(reply.get("registered_model", {}))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        reply = self._call("registered-models/rename", "POST", {"name": name, "new_name": new_name})
        return registered_model_from_json(reply.get("registered_model", {}))

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        reply = self._call(
            "registered-models/update", "PATCH", {"name": name, "description": description}
        )
        return registered_model_from_json(reply.get("registered_model", {}))

    def delete_registered_model(self, name: str) -> None:
        self._call("registered-models/delete", "DELETE", {"name": name})

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        reply = self._call(
            "registered-models/search",
            "GET",
            {
                "filter": filter_string or None,
                "max_results": max_results,
                "order_by": list(order_by or ()) or None,
                "page_token": page_token or None,
            },
        )
        models = [registered_model_from_json(m) for m in reply.get("registered_models", ())]
        return PagedList(models, reply.get("next_page_token") or None)

    def set_registered_model_tag(self, name: str, tag: RegisteredModelTag) -> None:
        self._call(
            "registered-models/set-tag",
            "POST",
            {"name": name, "key": tag.key, "value": tag.value},
        )

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._call("registered-models/delete-tag", "DELETE", {"name": name, "key": key})

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        self._call(
            "registered-models/alias",
            "POST",
            {"name": name, "alias": alias, "version": str(version)},
        )

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._call("registered-models/alias", "DELETE", {"name": name, "alias": alias})

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        reply = self._call("registered-models/alias", "GET", {"name": name, "alias": alias})
        return model_version_from_json(reply.get("model_version", {}))

    def get_latest_versions(
        self, name: str, stages: Sequence[str] | None = None
    ) -> list[ModelVersion]:
        body: dict[str, Any] = {"name": name}
        if stages:
            body["stages"] = list(stages)
        reply = self._call("registered-models/get-latest-versions", "POST", body)
        return [model_version_from_json(mv) for mv in reply.get("model_versions", ())]

    # ---------------------------------------------------------------- model versions

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
        body: dict[str, Any] = {
            "name": name,
            "source": source,
            "run_id": run_id,
            "run_link": run_link,
            "description": description,
            "model_id": model_id,
        }
        if tags:
            body["tags"] = _tags(tags)
        reply = self._call("model-versions/create", "POST", body)
        return model_version_from_json(reply.get("model_version", {}))

    def get_model_version(self, name: str, version: str) -> ModelVersion:
        reply = self._call("model-versions/get", "GET", {"name": name, "version": str(version)})
        return model_version_from_json(reply.get("model_version", {}))

    def update_model_version(
        self, name: str, version: str, description: str | None
    ) -> ModelVersion:
        reply = self._call(
            "model-versions/update",
            "PATCH",
            {"name": name, "version": str(version), "description": description},
        )
        return model_version_from_json(reply.get("model_version", {}))

    def delete_model_version(self, name: str, version: str) -> None:
        self._call("model-versions/delete", "DELETE", {"name": name, "version": str(version)})

    def transition_model_version_stage(
        self, name: str, version: str, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        reply = self._call(
            "model-versions/transition-stage",
            "POST",
            {
                "name": name,
                "version": str(version),
                "stage": stage,
                "archive_existing_versions": bool(archive_existing_versions),
            },
        )
        return model_version_from_json(reply.get("model_version", {}))

    def set_model_version_tag(self, name: str, version: str, tag: ModelVersionTag) -> None:
        self._call(
            "model-versions/set-tag",
            "POST",
            {"name": name, "version": str(version), "key": tag.key, "value": tag.value},
        )

    def delete_model_version_tag(self, name: str, version: str, key: str) -> None:
        self._call(
            "model-versions/delete-tag",
            "DELETE",
            {"name": name, "version": str(version), "key": key},
        )

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        reply = self._call(
            "model-versions/search",
            "GET",
            {
                "filter": filter_string or None,
                "max_results": max_results,
                "order_by": list(order_by or ()) or None,
                "page_token": page_token or None,
            },
        )
        versions = [model_version_from_json(mv) for mv in reply.get("model_versions", ())]
        return PagedList(versions, reply.get("next_page_token") or None)

    def get_model_version_download_uri(self, name: str, version: str) -> str:
        reply = self._call(
            "model-versions/get-download-uri", "GET", {"name": name, "version": str(version)}
        )
        return str(reply.get("artifact_uri", ""))

    def copy_model_version(self, src_mv: ModelVersion, dst_name: str) -> ModelVersion:
        try:
            self.create_registered_model(dst_name)
        except MlharborException as exc:
            # An existing destination is fine: the copy becomes its next version.
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        return self.create_model_version(
            name=dst_name,
            source=f"models:/{src_mv.name}/{src_mv.version}",
            run_id=src_mv.run_id,
            tags=[ModelVersionTag(k, v) for k, v in src_mv.tags.items()],
            run_link=src_mv.run_link,
            description=src_mv.description,
        )
