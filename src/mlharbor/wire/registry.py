"""Registry entities ⇄ MLflow JSON dicts (registered models, model versions, tags, aliases).

``*_to_json`` emits what MLflow's server emits: ``version`` as a string, stages and statuses by
name, ``description`` and ``run_link`` of a version always present (``""`` when empty), empty
lists omitted. ``*_from_json`` reads either server's answers, tolerating unknown fields and
numbers sent as strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlharbor.entities import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    ModelVersionTag,
    RegisteredModel,
    RegisteredModelTag,
)
from mlharbor.wire.values import decode_int

__all__ = [
    "model_version_from_json",
    "model_version_tags_from_json",
    "model_version_to_json",
    "registered_model_from_json",
    "registered_model_tags_from_json",
    "registered_model_to_json",
    "tags_to_json",
]

JsonDict = dict[str, Any]

_STATUS_NUMBERS = {
    1: ModelVersionStatus.PENDING_REGISTRATION,
    2: ModelVersionStatus.FAILED_REGISTRATION,
    3: ModelVersionStatus.READY,
}


def tags_to_json(tags: Mapping[str, str]) -> list[JsonDict]:
    """A tag mapping as MLflow's repeated ``{key, value}`` messages."""
    return [{"key": k, "value": v} for k, v in tags.items()]


def _tags_from_json(items: Any) -> dict[str, str]:
    return {
        str(item["key"]): str(item.get("value", ""))
        for item in items or ()
        if isinstance(item, Mapping) and "key" in item
    }


def registered_model_tags_from_json(items: Any) -> list[RegisteredModelTag]:
    """Request ``tags`` of a registered model as entities."""
    return [RegisteredModelTag(k, v) for k, v in _tags_from_json(items).items()]


def model_version_tags_from_json(items: Any) -> list[ModelVersionTag]:
    """Request ``tags`` of a model version as entities."""
    return [ModelVersionTag(k, v) for k, v in _tags_from_json(items).items()]


def model_version_to_json(mv: ModelVersion, *, with_aliases: bool = True) -> JsonDict:
    """A version as MLflow emits it; ``with_aliases=False`` for ``latest_versions`` entries."""
    out: JsonDict = {
        "name": mv.name,
        "version": mv.version,
        "creation_timestamp": mv.creation_timestamp,
        "last_updated_timestamp": mv.last_updated_timestamp,
    }
    if mv.user_id is not None:
        out["user_id"] = mv.user_id
    out["current_stage"] = mv.current_stage
    out["description"] = mv.description
    out["source"] = mv.source
    if mv.run_id:
        out["run_id"] = mv.run_id
    out["status"] = mv.status
    if mv.status_message:
        out["status_message"] = mv.status_message
    if mv.tags:
        out["tags"] = tags_to_json(mv.tags)
    out["run_link"] = mv.run_link
    if with_aliases and mv.aliases:
        out["aliases"] = list(mv.aliases)
    if mv.model_id:
        out["model_id"] = mv.model_id
    return out


def registered_model_to_json(rm: RegisteredModel) -> JsonDict:
    """A registered model with its latest versions (without their aliases), tags and aliases."""
    out: JsonDict = {
        "name": rm.name,
        "creation_timestamp": rm.creation_timestamp,
        "last_updated_timestamp": rm.last_updated_timestamp,
    }
    if rm.user_id is not None:
        out["user_id"] = rm.user_id
    if rm.description is not None:
        out["description"] = rm.description
    if rm.latest_versions:
        out["latest_versions"] = [
            model_version_to_json(mv, with_aliases=False) for mv in rm.latest_versions
        ]
    if rm.tags:
        out["tags"] = tags_to_json(rm.tags)
    if rm.aliases:
        out["aliases"] = [{"alias": a, "version": v} for a, v in rm.aliases.items()]
    return out


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    return 0 if value is None else decode_int(value, key)


def _status(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return _STATUS_NUMBERS.get(value, ModelVersionStatus.READY)
    return str(value) if value else ModelVersionStatus.READY


def model_version_from_json(data: Mapping[str, Any]) -> ModelVersion:
    """Read a ``ModelVersion`` message."""
    return ModelVersion(
        name=str(data.get("name", "")),
        version=str(data.get("version", "")),
        creation_timestamp=_int(data, "creation_timestamp"),
        last_updated_timestamp=_int(data, "last_updated_timestamp"),
        current_stage=str(data.get("current_stage") or ModelVersionStage.NONE),
        description=str(data.get("description") or ""),
        user_id=None if data.get("user_id") is None else str(data["user_id"]),
        source=str(data.get("source", "")),
        run_id=str(data["run_id"]) if data.get("run_id") else None,
        status=_status(data.get("status")),
        status_message=str(data["status_message"]) if data.get("status_message") else None,
        tags=_tags_from_json(data.get("tags")),
        run_link=str(data.get("run_link") or ""),
        aliases=tuple(str(a) for a in data.get("aliases") or ()),
        model_id=str(data["model_id"]) if data.get("model_id") else None,
    )


def registered_model_from_json(data: Mapping[str, Any]) -> RegisteredModel:
    """Read a ``RegisteredModel`` message."""
    return RegisteredModel(
        name=str(data.get("name", "")),
        creation_timestamp=_int(data, "creation_timestamp"),
        last_updated_timestamp=_int(data, "last_updated_timestamp"),
        description=None if data.get("description") is None else str(data["description"]),
        user_id=None if data.get("user_id") is None else str(data["user_id"]),
        latest_versions=tuple(
            model_version_from_json(mv) for mv in data.get("latest_versions") or ()
        ),
        tags=_tags_from_json(data.get("tags")),
        aliases={
            str(a["alias"]): str(a.get("version", ""))
            for a in data.get("aliases") or ()
            if isinstance(a, Mapping) and "alias" in a
        },
    )
