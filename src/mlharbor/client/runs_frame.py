"""The pandas DataFrame ``search_runs`` returns, with MLflow's columns and null values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mlharbor.entities import Run

if TYPE_CHECKING:
    import pandas

__all__ = ["runs_to_frame"]


def _column(columns: dict[str, list[Any]], key: str, row: int, value: Any, null: Any) -> None:
    values = columns.get(key)
    if values is None:
        values = columns[key] = [null] * row
    values.append(value)


def runs_to_frame(runs: Sequence[Run]) -> pandas.DataFrame:
    """One row per run: ``run_id, experiment_id, status, artifact_uri, start_time, end_time``
    (UTC datetimes), then ``metrics.<key>`` (NaN when absent), ``params.<key>`` and
    ``tags.<key>`` (None when absent), keys in order of first appearance."""
    import numpy as np
    import pandas as pd

    info: dict[str, list[Any]] = {
        "run_id": [],
        "experiment_id": [],
        "status": [],
        "artifact_uri": [],
        "start_time": [],
        "end_time": [],
    }
    metrics: dict[str, list[Any]] = {}
    params: dict[str, list[Any]] = {}
    tags: dict[str, list[Any]] = {}
    for row, run in enumerate(runs):
        info["run_id"].append(run.info.run_id)
        info["experiment_id"].append(run.info.experiment_id)
        info["status"].append(run.info.status)
        info["artifact_uri"].append(run.info.artifact_uri)
        info["start_time"].append(pd.to_datetime(run.info.start_time, unit="ms", utc=True))
        info["end_time"].append(pd.to_datetime(run.info.end_time, unit="ms", utc=True))
        for group, values, null in (
            (metrics, run.data.metrics, np.nan),
            (params, run.data.params, None),
            (tags, run.data.tags, None),
        ):
            for key, value in values.items():
                _column(group, key, row, value, null)
            for column in group.values():
                if len(column) == row:
                    column.append(null)
    data: dict[str, list[Any]] = dict(info)
    data.update({f"metrics.{k}": v for k, v in metrics.items()})
    data.update({f"params.{k}": v for k, v in params.items()})
    data.update({f"tags.{k}": v for k, v in tags.items()})
    return pd.DataFrame(data)
