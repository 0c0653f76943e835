"""MLflow's fluent API: module-level functions that work on the active experiment and run.

This module is the one place ``import mlharbor as mlflow`` resolves fluent names from. Run
state and lifecycle live in :mod:`mlharbor.client.active_run`, logging in
:mod:`mlharbor.client.fluent_logging`; lookups and searches are here. Writes go through
:class:`~mlharbor.client.client.MlharborClient` for the tracking URI in effect.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlharbor.client.active_run import (
    ActiveRun,
    _active_or_new_run_id,
    _client,
    _experiment_id,
    active_run,
    end_run,
    last_active_run,
    set_experiment,
    start_run,
)
from mlharbor.client.fluent_logging import (
    delete_tag,
    flush_async_logging,
    log_artifact,
    log_artifacts,
    log_dict,
    log_figure,
    log_image,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_text,
    set_tag,
    set_tags,
)
from mlharbor.client.paging import collect_pages
from mlharbor.client.tracking_uri import (
    get_registry_uri,
    get_tracking_uri,
    is_tracking_uri_set,
    set_registry_uri,
    set_tracking_uri,
)
from mlharbor.entities import Experiment, Run, ViewType
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.tracking.protocol import SEARCH_MAX_RESULTS_DEFAULT

if TYPE_CHECKING:
    import pandas


__all__ = [
    "ActiveRun",
    "active_run",
    "create_experiment",
    "delete_experiment",
    "delete_experiment_tag",
    "delete_run",
    "delete_tag",
    "end_run",
    "flush_async_logging",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_parent_run",
    "get_registry_uri",
    "get_run",
    "get_tracking_uri",
    "is_tracking_uri_set",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "restore_experiment",
    "restore_run",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "set_registry_uri",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]


_RUNS_PER_PAGE = 10000
_SEARCH_RUNS_MAX_DEFAULT = 100000


# experiments -----------------------------------------------------------------------------


def create_experiment(
    name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None
) -> str:
    """Create an experiment and return its id."""
    return _client().create_experiment(name, artifact_location, tags)


def get_experiment(experiment_id: str) -> Experiment:
    """The experiment with ``experiment_id`` (deleted ones included)."""
    return _client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    """The experiment called ``name``, or None."""
    return _client().get_experiment_by_name(name)


def search_experiments(
    view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[Experiment]:
    """All experiments matching ``filter_string`` (every page), at most ``max_results``."""
    client = _client()
    return collect_pages(
        lambda size, token: client.search_experiments(
            view_type, size, filter_string, order_by, token
        ),
        SEARCH_MAX_RESULTS_DEFAULT,
        max_results,
    )


def delete_experiment(experiment_id: str) -> None:
    """Soft-delete an experiment and its runs."""
    _client().delete_experiment(experiment_id)


def restore_experiment(experiment_id: str) -> None:
    """Restore a deleted experiment and its runs."""
    _client().restore_experiment(experiment_id)


def set_experiment_tag(key: str, value: Any) -> None:
    """Tag the active experiment."""
    _client().set_experiment_tag(_experiment_id(), key, value)


def set_experiment_tags(tags: Mapping[str, Any]) -> None:
    for key, value in tags.items():
        set_experiment_tag(key, value)


def delete_experiment_tag(key: str) -> None:
    """Remove a tag from the active experiment."""
    _client().delete_experiment_tag(_experiment_id(), key)


# runs ------------------------------------------------------------------------------------


def get_run(run_id: str) -> Run:
    """The run with ``run_id``, freshly read from the store."""
    return _client().get_run(run_id)


def get_parent_run(run_id: str) -> Run | None:
    """The parent of a nested run, or None."""
    return _client().get_parent_run(run_id)


def delete_run(run_id: str) -> None:
    """Soft-delete a run."""
    _client().delete_run(run_id)


def restore_run(run_id: str) -> None:
    """Restore a deleted run."""
    _client().restore_run(run_id)


def get_artifact_uri(artifact_path: str | None = None) -> str:
    """The artifact URI of the active run (started if needed), or of a path below it."""
    root = get_run(_active_or_new_run_id()).info.artifact_uri
    if not artifact_path:
        return root
    return posixpath.join(root, artifact_path.lstrip("/"))


# search ----------------------------------------------------------------------------------


def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
    max_results: int = _SEARCH_RUNS_MAX_DEFAULT,
    order_by: Sequence[str] | None = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> pandas.DataFrame | list[Run]:
    """Runs matching ``filter_string`` as a DataFrame (MLflow's columns) or a list.

    Without ``experiment_ids`` or ``experiment_names`` the active experiment is searched
    (every experiment with ``search_all_experiments``). Unknown names are skipped.

    Raises:
        InvalidParameterValue: for an ``output_format`` other than "pandas" or "list".
    """
    if output_format not in ("pandas", "list"):
        raise InvalidParameterValue(
            f"Unsupported output format: {output_format}. Supported string values are 'pandas' "
            "or 'list'"
        )
    if experiment_ids and experiment_names:
        raise InvalidParameterValue(
            "Only experiment_ids or experiment_names can be used, but not both"
        )
    client = _client()
    if experiment_names:
        found = [client.get_experiment_by_name(name) for name in experiment_names]
        ids = [e.experiment_id for e in found if e is not None]
    elif experiment_ids:
        ids = [experiment_ids] if isinstance(experiment_ids, str) else list(experiment_ids)
    elif search_all_experiments:
        ids = [e.experiment_id for e in search_experiments(ViewType.ACTIVE_ONLY)]
    else:
        ids = [_experiment_id()]
    runs: list[Run] = []
    if ids:
        runs = collect_pages(
            lambda size, token: client.search_runs(
                ids, filter_string, run_view_type, size, order_by, token
            ),
            _RUNS_PER_PAGE,
            max_results,
        )
    if output_format == "list":
        return runs
    from mlharbor.client.runs_frame import runs_to_frame

    return runs_to_frame(runs)
