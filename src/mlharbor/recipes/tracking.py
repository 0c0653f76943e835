"""The tracking server, experiment and registry a recipe logs to.

A profile's ``experiment: {name, tracking_uri, artifact_location}`` and
``model_registry: {registry_uri, model_name}`` apply while a step runs and are undone after,
so running a recipe leaves the caller's tracking setup as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlharbor.client import tracking_uri

__all__ = ["experiment_id", "recipe_tracking"]


def _section(config: dict[str, Any], key: str) -> dict[str, Any]:
    value = config.get(key) or {}
    return value if isinstance(value, dict) else {}


@contextmanager
def recipe_tracking(config: dict[str, Any]) -> Iterator[None]:
    """Apply the configured tracking and registry URIs for the duration of the block."""
    tracking = _section(config, "experiment").get("tracking_uri")
    registry = _section(config, "model_registry").get("registry_uri")
    with tracking_uri.uris_applied(
        str(tracking) if tracking else None, str(registry) if registry else None
    ):
        yield


def experiment_id(config: dict[str, Any], root: Path) -> str:
    """The id of the recipe's experiment (``experiment.name``, else the recipe's folder name),
    created when missing."""
    from mlharbor.client.client import MlharborClient

    section = _section(config, "experiment")
    name = str(section.get("name") or root.name)
    client = MlharborClient()
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            client.restore_experiment(experiment.experiment_id)
        return str(experiment.experiment_id)
    location = section.get("artifact_location")
    return str(client.create_experiment(name, artifact_location=location and str(location)))
