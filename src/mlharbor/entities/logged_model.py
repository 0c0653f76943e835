"""Logged models (MLflow 3): a model as a first-class entity with its own artifact location."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlharbor.entities.enums import LoggedModelStatus
from mlharbor.entities.metric import Metric


@dataclass(frozen=True)
class LoggedModelTag:
    key: str
    value: str


@dataclass(frozen=True)
class LoggedModelParameter:
    key: str
    value: str


@dataclass(frozen=True)
class ModelRegistration:
    name: str
    version: str


@dataclass(frozen=True)
class LoggedModel:
    # MLflow's constructor order, so positional construction means the same in both.
    experiment_id: str
    model_id: str
    name: str
    artifact_location: str
    creation_timestamp: int
    last_updated_timestamp: int
    model_type: str | None = None
    source_run_id: str | None = None
    status: LoggedModelStatus = LoggedModelStatus.READY
    status_message: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: tuple[Metric, ...] = ()
    registrations: tuple[ModelRegistration, ...] = ()

    @property
    def artifact_uri(self) -> str:
        return self.artifact_location

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_id}"

    def to_dictionary(self) -> dict[str, Any]:
        """MLflow's dictionary of a logged model (status as its number, no registrations)."""
        return {
            "artifact_location": self.artifact_location,
            "creation_timestamp": self.creation_timestamp,
            "experiment_id": self.experiment_id,
            "last_updated_timestamp": self.last_updated_timestamp,
            "metrics": list(self.metrics),
            "model_id": self.model_id,
            "model_type": self.model_type,
            "name": self.name,
            "params": dict(self.params),
            "source_run_id": self.source_run_id,
            "status": LoggedModelStatus.coerce(self.status).to_int(),
            "status_message": self.status_message,
            "tags": dict(self.tags),
        }

    @classmethod
    def from_dictionary(cls, model_dict: Mapping[str, Any]) -> LoggedModel:
        """Inverse of :meth:`to_dictionary` (tags and params as dicts or key/value items)."""
        values = {k: v for k, v in model_dict.items() if k != "model_uri"}
        values["status"] = LoggedModelStatus.coerce(values.get("status", 0))
        for key in ("tags", "params"):
            items = values.get(key) or {}
            values[key] = items if isinstance(items, Mapping) else {i.key: i.value for i in items}
        values["metrics"] = tuple(values.get("metrics") or ())
        return cls(**values)
