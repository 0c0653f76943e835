"""Fluent ``log_table``, ``load_table`` and ``log_stream`` on the active run and experiment."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from mlharbor.client.active_run import _active_or_new_run_id, _client, _experiment_id

if TYPE_CHECKING:
    import pandas

__all__ = ["load_table", "log_stream", "log_table"]


def log_table(
    data: dict[str, Any] | pandas.DataFrame, artifact_file: str, run_id: str | None = None
) -> None:
    """Store (or append to) the table ``artifact_file`` of the active run or ``run_id``."""
    _client().log_table(run_id or _active_or_new_run_id(), data, artifact_file)


def load_table(
    artifact_file: str, run_ids: list[str] | None = None, extra_columns: list[str] | None = None
) -> pandas.DataFrame:
    """Rows of table ``artifact_file`` across the active experiment's runs (or ``run_ids``)."""
    return _client().load_table(_experiment_id(), artifact_file, run_ids, extra_columns)


def log_stream(
    stream: io.BufferedIOBase | io.RawIOBase, artifact_file: str, run_id: str | None = None
) -> None:
    """Copy a binary stream into the artifact ``artifact_file`` of the active run."""
    _client().log_stream(run_id or _active_or_new_run_id(), stream, artifact_file)
