"""Datasets and their links to runs (lineage)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class InputTag:
    key: str
    value: str


@dataclass(frozen=True)
class DatasetInput:
    dataset: Dataset
    tags: tuple[InputTag, ...] = ()


@dataclass(frozen=True)
class DatasetSummary:
    """One dataset of an experiment with one context it was used in (``None`` when no run gave
    it a ``mlflow.data.context`` tag): what the web UI lists for dataset filters."""

    experiment_id: str
    name: str
    digest: str
    context: str | None = None


@dataclass(frozen=True)
class LoggedModelInput:
    model_id: str


@dataclass(frozen=True)
class LoggedModelOutput:
    model_id: str
    step: int = 0
