"""``gc``: permanently delete runs and experiments in the ``deleted`` stage, with their
artifacts, on a SQLite or PostgreSQL tracking store.

Deleting in the UI or with ``delete_run`` / ``delete_experiment`` only marks things deleted
(they can be restored). ``gc`` removes them for good: by id, by how long ago they were
deleted (``older_than``), or everything in the deleted stage.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist

__all__ = ["GcResult", "gc", "parse_age"]

_log = logging.getLogger(__name__)
_DELETED = "deleted"
_AGE = re.compile(
    r"^((?P<days>[.\d]+?)d)?((?P<hours>[.\d]+?)h)?((?P<minutes>[.\d]+?)m)?((?P<seconds>[.\d]+?)s)?$"
)


@dataclass
class GcResult:
    """What ``gc`` deleted (or, with ``dry_run``, would delete)."""

    run_ids: list[str] = field(default_factory=list)
    experiment_ids: list[str] = field(default_factory=list)
    artifact_failures: dict[str, str] = field(default_factory=dict)


def parse_age(text: str) -> dt.timedelta:
    """Parse MLflow's age syntax: ``30d``, ``8h``, ``2d8h5m20s``, ``1.5h``.

    Raises:
        InvalidParameterValue: for anything else.
    """
    match = _AGE.match(text.strip()) if text else None
    parts = {k: float(v) for k, v in (match.groupdict() if match else {}).items() if v}
    if not parts:
        raise InvalidParameterValue(
            f"Could not parse any time information from '{text}'. "
            "Examples of valid strings: '8h', '2d8h5m20s', '2m4s'"
        )
    return dt.timedelta(**parts)


def _store(backend_store_uri: str | None) -> Any:
    from mlharbor.client.tracking_uri import get_tracking_uri
    from mlharbor.store.tracking.factory import get_tracking_store

    uri = backend_store_uri or get_tracking_uri()
    store = get_tracking_store(uri)
    if not hasattr(store, "hard_delete_runs"):
        raise InvalidParameterValue(
            f"gc works on a database tracking store (sqlite:///..., postgresql://...), not "
            f"{uri!r}. Run it where the server's database is reachable, with "
            "--backend-store-uri."
        )
    return store


def _check_requested(
    kind: str, wanted: Sequence[str], found: list[Any], threshold: int | None
) -> None:
    by_id = {c.id: c for c in found}
    for item_id in wanted:
        candidate = by_id.get(item_id)
        if candidate is None:
            raise ResourceDoesNotExist(f"{kind} '{item_id}' not found")
        if candidate.lifecycle_stage != _DELETED:
            raise InvalidParameterValue(
                f"{kind} {item_id} is not in `deleted` lifecycle stage. Only {kind.lower()}s "
                f"in `deleted` lifecycle stage can be deleted."
            )
        if threshold is not None and (candidate.deleted_time or 0) > threshold:
            raise InvalidParameterValue(f"{kind} {item_id} is not older than the required age.")


def _old_enough(candidates: list[Any], threshold: int | None) -> list[Any]:
    if threshold is None:
        return candidates
    return [c for c in candidates if (c.deleted_time or 0) <= threshold]


def _artifact_repository(
    uri: str, tracking_uri: str | None, artifacts_destination: str | None
) -> Any:
    from mlharbor.client.artifacts import resolve_artifact_uri
    from mlharbor.store.artifact.factory import get_artifact_repository

    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == "mlflow-artifacts":
        if artifacts_destination:
            uri = artifacts_destination.rstrip("/") + "/" + parsed.path.lstrip("/")
        elif tracking_uri and urllib.parse.urlparse(tracking_uri).scheme in ("http", "https"):
            uri = resolve_artifact_uri(uri, tracking_uri)
        else:
            raise InvalidParameterValue(
                f"'{uri}' is served by a tracking server: pass its URL as tracking_uri, or its "
                "storage as artifacts_destination"
            )
    return get_artifact_repository(uri)


def _delete_artifacts(
    uri: str,
    owner: str,
    result: GcResult,
    tracking_uri: str | None,
    artifacts_destination: str | None,
) -> None:
    try:
        _artifact_repository(uri, tracking_uri, artifacts_destination).delete_artifacts()
    except Exception as error:  # a missing or unreachable store must not stop the purge
        _log.warning("Could not delete the artifacts of %s at %s: %s", owner, uri, error)
        result.artifact_failures[owner] = f"{uri}: {error}"


def gc(
    *,
    older_than: str | dt.timedelta | None = None,
    run_ids: Sequence[str] | None = None,
    experiment_ids: Sequence[str] | None = None,
    backend_store_uri: str | None = None,
    tracking_uri: str | None = None,
    artifacts_destination: str | None = None,
    dry_run: bool = False,
    store: Any = None,
) -> GcResult:
    """Permanently delete runs and experiments in the ``deleted`` stage, with their artifacts.

    Without ids, every deleted run and every deleted experiment (with all its runs and logged
    models) goes. With ``run_ids`` and/or ``experiment_ids``, only those, and each must be
    deleted already. ``older_than`` keeps whatever was deleted more recently.

    Args:
        older_than: a :class:`datetime.timedelta` or MLflow's syntax (``"30d"``, ``"2d8h"``).
        backend_store_uri: the database to purge; defaults to the tracking URI in effect.
        tracking_uri: the server that serves ``mlflow-artifacts:`` URIs, if any.
        artifacts_destination: where the server keeps ``mlflow-artifacts:`` files, if known.
        dry_run: report what would be deleted and delete nothing.
        store: an open database tracking store to purge instead of ``backend_store_uri``'s.

    Raises:
        InvalidParameterValue: a requested run or experiment is not deleted, or deleted too
            recently; the store is not a database; an unreadable age.
        ResourceDoesNotExist: a requested id does not exist.
    """
    from mlharbor.utils.time import now_ms

    store = store if store is not None else _store(backend_store_uri)
    age = parse_age(older_than) if isinstance(older_than, str) else older_than
    threshold = now_ms() - int(age.total_seconds() * 1000) if age is not None else None
    runs: list[Any] = []
    experiments: list[Any] = []
    if run_ids:
        found = store.purge_candidate_runs(run_ids=list(run_ids))
        _check_requested("Run", list(run_ids), found, threshold)
        runs = found
    if experiment_ids:
        found = store.purge_candidate_experiments(list(experiment_ids))
        _check_requested("Experiment", list(experiment_ids), found, threshold)
        experiments = found
    if not run_ids and not experiment_ids:
        runs = _old_enough(store.purge_candidate_runs(), threshold)
        experiments = _old_enough(store.purge_candidate_experiments(), threshold)
    if experiments:
        # an experiment's runs go with it, whatever their own stage
        members = store.purge_candidate_runs(experiment_ids=[e.id for e in experiments])
        known = {r.id for r in runs}
        runs += [r for r in members if r.id not in known]
    result = GcResult([r.id for r in runs], [e.id for e in experiments])
    if dry_run:
        return result
    for run in runs:
        _delete_artifacts(
            run.artifact_uri, f"run {run.id}", result, tracking_uri, artifacts_destination
        )
    if experiments:
        for location in store.logged_model_locations([e.id for e in experiments]):
            _delete_artifacts(
                location, f"logged model at {location}", result, tracking_uri, artifacts_destination
            )
    store.hard_delete_runs([r.id for r in runs if r.lifecycle_stage == _DELETED])
    for experiment in experiments:
        store.hard_delete_experiment(experiment.id)
    return result
