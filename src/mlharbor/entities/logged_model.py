"""Logged models (MLflow 3): a model as a first-class entity with its own artifact location."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mlharbor.entities.enums import LoggedModelStatus
from mlharbor.entities.metric import Metric


@dataclass(frozen=True)
class ModelRegistration:
    name: str
    version: str


@dataclass(frozen=True)
class LoggedModel:
    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    creation_timestamp: int
    last_updated_timestamp: int
    status: LoggedModelStatus
    model_type: str | None = None
    source_run_id: str | None = None
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
