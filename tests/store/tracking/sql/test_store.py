"""SQL-store specifics: artifact locations derived from the root, and server-side settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlharbor.entities import Param, RunTag
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.tracking.sql import SqlTrackingStore
from mlharbor.store.tracking.sql.engine import dispose_engine


@pytest.fixture
def db_uri(tmp_path: Path) -> Iterator[str]:
    uri = f"sqlite:///{tmp_path / 'store.db'}"
    yield uri
    dispose_engine(uri)


@pytest.mark.parametrize(
    ("root", "default_location", "experiment_location"),
    [
        ("mlflow-artifacts:", "mlflow-artifacts:/0", "mlflow-artifacts:/1"),
        ("s3://bucket/prefix", "s3://bucket/prefix/0", "s3://bucket/prefix/1"),
        ("s3://bucket/prefix/", "s3://bucket/prefix/0", "s3://bucket/prefix/1"),
        ("file:///srv/mlruns", "file:///srv/mlruns/0", "file:///srv/mlruns/1"),
        ("/srv/mlruns", "/srv/mlruns/0", "/srv/mlruns/1"),
    ],
)
def test_artifact_locations_follow_the_root(
    db_uri: str, root: str, default_location: str, experiment_location: str
) -> None:
    store = SqlTrackingStore(db_uri, root)
    assert store.get_experiment("0").artifact_location == default_location
    experiment_id = store.create_experiment("located")
    assert store.get_experiment(experiment_id).artifact_location == experiment_location
    run = store.create_run(experiment_id, "u", None, [], None)
    assert run.info.artifact_uri == f"{experiment_location}/{run.info.run_id}/artifacts"
    model = store.create_logged_model(experiment_id, name="m")
    assert model.artifact_location == f"{experiment_location}/models/{model.model_id}/artifacts"


def test_default_experiment_location_is_fixed_by_the_first_store(db_uri: str) -> None:
    SqlTrackingStore(db_uri, "mlflow-artifacts:")
    later = SqlTrackingStore(db_uri, "/elsewhere")
    assert later.get_experiment("0").artifact_location == "mlflow-artifacts:/0"
    assert later.get_experiment(later.create_experiment("new")).artifact_location == "/elsewhere/1"


@pytest.mark.parametrize(
    "variable", ["MLFLOW_TRUNCATE_LONG_VALUES", "MLHARBOR_TRUNCATE_LONG_VALUES"]
)
def test_truncation_can_be_switched_off(
    db_uri: str, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "false")
    store = SqlTrackingStore(db_uri, "/artifacts")
    run_id = store.create_run("0", "u", None, [], None).info.run_id
    with pytest.raises(InvalidParameterValue, match="'Param value' exceeds the maximum length"):
        store.log_param(run_id, Param("p", "v" * 6001))
    with pytest.raises(InvalidParameterValue, match="'value' exceeds the maximum length of 8000"):
        store.set_tag(run_id, RunTag("t", "v" * 8001))
    data = store.get_run(run_id).data
    assert dict(data.params) == {}
    assert "t" not in data.tags


def test_experiment_ids_that_are_not_numbers_are_unknown(db_uri: str) -> None:
    store = SqlTrackingStore(db_uri, "/artifacts")
    with pytest.raises(Exception, match="No Experiment with id=abc exists") as info:
        store.get_experiment("abc")
    assert getattr(info.value, "error_code", None) == "RESOURCE_DOES_NOT_EXIST"


def test_in_memory_store() -> None:
    uri = "sqlite:///:memory:"
    try:
        store = SqlTrackingStore(uri, "/artifacts")
        run = store.create_run(store.create_experiment("mem"), "u", None, [], "r")
        assert store.get_run(run.info.run_id).info.run_name == "r"
        assert store.get_experiment("0").artifact_location == "/artifacts/0"
    finally:
        dispose_engine(uri)


def test_pages_larger_than_sqlites_parameter_limit(db_uri: str) -> None:
    from mlharbor.store.tracking.sql import schema
    from mlharbor.store.tracking.sql.engine import get_engine, writing

    store = SqlTrackingStore(db_uri, "/artifacts")
    count = 40_000  # above SQLite's 32766 bound parameters per statement
    with writing(get_engine(db_uri)) as connection:
        connection.execute(
            schema.experiments.insert(),
            [
                {
                    "name": f"bulk-{i}",
                    "artifact_location": f"/artifacts/bulk-{i}",
                    "lifecycle_stage": "active",
                    "creation_time": i,
                    "last_update_time": i,
                }
                for i in range(count)
            ],
        )
    page = store.search_experiments(max_results=50_000)
    assert len(page) == count + 1
    assert page.token is None
    assert page[-1].name == "bulk-0"  # oldest last
