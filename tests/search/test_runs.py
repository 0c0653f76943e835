"""``run_search_select`` on real rows, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from mlharbor.entities.enums import ViewType
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.runs import run_search_select
from mlharbor.store.tracking.sql.schema import metadata
from tests.search.data import add_dataset_input, add_experiment, add_run

NAN = float("nan")


@pytest.fixture(scope="module")
def tour(engine: Engine) -> Engine:
    """Experiment 1 mirrors the seed tour: runs with and without metrics, a NaN, a deleted run.

    Start times decrease from r1 to r6 so the default order is r6..r1.
    """
    with engine.begin() as conn:
        add_experiment(conn, 1)
        add_experiment(conn, 2)
        add_run(
            conn,
            "r1",
            name="tour-adam",
            start=100,
            metrics={"accuracy": 0.95, "loss": 0.1},
            params={"optimizer": "adam", "lr": "0.01"},
            tags={"team": "mlops"},
        )
        add_run(
            conn,
            "r2",
            name="tour-sgd",
            start=200,
            metrics={"accuracy": 0.91},
            params={"optimizer": "sgd"},
            tags={"team": "mlops"},
        )
        add_run(
            conn,
            "r3",
            name="tour-adam-low",
            start=300,
            metrics={"accuracy": 0.5},
            params={"optimizer": "adam"},
            tags={"team": "Research"},
            status="FAILED",
        )
        add_run(
            conn,
            "r4",
            name="nan-run",
            start=400,
            metrics={"accuracy": NAN},
            params={"optimizer": "adam"},
        )
        add_run(conn, "r5", name="bare", start=500, end=900, params={"optimizer": "rmsprop"})
        add_run(
            conn,
            "r6",
            name="deleted",
            start=600,
            metrics={"accuracy": 0.99},
            params={"optimizer": "adam"},
            stage="deleted",
        )
        add_run(
            conn,
            "r7",
            name="elsewhere",
            experiment_id=2,
            start=700,
            metrics={"accuracy": 0.99},
            params={"optimizer": "adam"},
        )
        add_dataset_input(conn, "r1", "d1", name="train-df", digest="abc", context="training")
        add_dataset_input(conn, "r2", "d1", name="train-df", digest="abc", context="eval")
        add_dataset_input(conn, "r3", "d2", name="other-df", digest="def")
    return engine


def search(
    engine: Engine,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    *,
    experiment_ids: Sequence[str] = ("1",),
    view: ViewType = ViewType.ACTIVE_ONLY,
    offset: int = 0,
    limit: int = 1000,
) -> list[str]:
    query = run_search_select(experiment_ids, filter_string, view, order_by, offset, limit)
    with engine.connect() as conn:
        return [str(run_id) for run_id in conn.execute(query).scalars()]


def test_seed_filter_and_order(tour: Engine) -> None:
    found = search(
        tour, "metrics.accuracy > 0.9 AND params.optimizer = 'adam'", ["metrics.accuracy DESC"]
    )
    assert found == ["r1"]


def test_default_order_is_newest_first(tour: Engine) -> None:
    assert search(tour) == ["r5", "r4", "r3", "r2", "r1"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["metrics.accuracy DESC"], ["r1", "r2", "r3", "r4", "r5"]),
        (["metrics.accuracy ASC"], ["r3", "r2", "r1", "r4", "r5"]),
        (["params.optimizer"], ["r4", "r3", "r1", "r5", "r2"]),
        (["params.lr DESC"], ["r1", "r5", "r4", "r3", "r2"]),
        (["params.lr ASC"], ["r1", "r5", "r4", "r3", "r2"]),
        (["tags.team DESC", "metrics.accuracy"], ["r2", "r1", "r3", "r4", "r5"]),
        (["attributes.start_time ASC"], ["r1", "r2", "r3", "r4", "r5"]),
        (["end_time DESC"], ["r5", "r4", "r3", "r2", "r1"]),
        (["run_name"], ["r5", "r4", "r1", "r3", "r2"]),
        (["status DESC", "created DESC"], ["r5", "r4", "r2", "r1", "r3"]),
    ],
)
def test_order_by(tour: Engine, order_by: list[str], expected: list[str]) -> None:
    assert search(tour, None, order_by) == expected


def test_metric_sort_with_filter_keeps_order(tour: Engine) -> None:
    assert search(tour, "metrics.accuracy >= 0.5", ["metrics.accuracy ASC"]) == ["r3", "r2", "r1"]
    assert search(tour, "metrics.accuracy != 0.5", ["metrics.accuracy DESC"]) == ["r1", "r2", "r4"]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("attributes.status = 'FINISHED'", ["r5", "r4", "r2", "r1"]),
        ("status != 'FINISHED'", ["r3"]),
        ("attributes.run_name = 'tour-adam'", ["r1"]),
        ("run_name LIKE 'tour%'", ["r3", "r2", "r1"]),
        ("run_name LIKE 'TOUR%'", []),
        ("run_name ILIKE 'TOUR%'", ["r3", "r2", "r1"]),
        ("`Run Name` = 'bare'", ["r5"]),
        ("tags.team = 'mlops' and params.optimizer LIKE 'ad%'", ["r1"]),
        ("tags.team LIKE 'research'", []),
        ("tags.team ILIKE 'research'", ["r3"]),
        ("tags.team != 'mlops'", ["r3"]),
        ("tags.`mlflow.runName` ILIKE 'TOUR%' AND metrics.`accuracy` >= 0.9", ["r2", "r1"]),
        ("attributes.run_id IN ('r1', 'r2', 'r6')", ["r2", "r1"]),
        ("run_id NOT IN ('r1', 'r2')", ["r5", "r4", "r3"]),
        ("metrics.accuracy < 1", ["r3", "r2", "r1"]),
        ("metrics.accuracy != 0.5", ["r4", "r2", "r1"]),
        ("metrics.accuracy = 0.95", ["r1"]),
        ("metrics.loss > 0 AND metrics.accuracy > 0.9", ["r1"]),
        ("params.lr IS NULL", ["r5", "r4", "r3", "r2"]),
        ("params.lr IS NOT NULL", ["r1"]),
        ("tags.team IS NULL", ["r5", "r4"]),
        ('params.optimizer = "adam"', ["r4", "r3", "r1"]),
        ("start_time > 200 AND created <= 400", ["r4", "r3"]),
        ("end_time = 900", ["r5"]),
        ("user_id = 'root'", ["r5", "r4", "r3", "r2", "r1"]),
        ("artifact_uri LIKE '%/r2'", ["r2"]),
        ("datasets.name = 'train-df' AND datasets.context = 'training'", ["r1"]),
        ("datasets.name = 'train-df'", ["r2", "r1"]),
        ("datasets.digest IN ('def', 'zzz')", ["r3"]),
        ("datasets.context NOT IN ('training')", ["r2"]),
        ("datasets.name ILIKE '%DF'", ["r3", "r2", "r1"]),
        ("datasets.name != 'train-df'", ["r3"]),
        ("metrics.missing > 0", []),
    ],
)
def test_filters(tour: Engine, filter_string: str, expected: list[str]) -> None:
    assert search(tour, filter_string) == expected


def test_view_types(tour: Engine) -> None:
    assert search(tour, view=ViewType.DELETED_ONLY) == ["r6"]
    assert search(tour, view=ViewType.ALL) == ["r6", "r5", "r4", "r3", "r2", "r1"]


def test_several_experiments(tour: Engine) -> None:
    found = search(tour, "params.optimizer = 'adam'", experiment_ids=["1", "2"])
    assert found == ["r7", "r4", "r3", "r1"]
    assert search(tour, experiment_ids=[]) == []


def test_paging_walks_every_run_once(tour: Engine) -> None:
    pages = [
        search(tour, None, ["metrics.accuracy DESC"], offset=offset, limit=2)
        for offset in (0, 2, 4)
    ]
    assert pages == [["r1", "r2"], ["r3", "r4"], ["r5"]]


def test_ties_break_on_run_id(fresh_engine: Engine) -> None:
    engine = fresh_engine
    with engine.begin() as conn:
        add_experiment(conn, 1)
        for run_id in ("c", "a", "b"):
            add_run(conn, run_id, start=5, metrics={"m": 1.0})
        add_run(conn, "z", start=None)
    assert search(engine, "run_id != 'z'") == ["a", "b", "c"]
    assert search(engine, None, ["metrics.m DESC"]) == ["a", "b", "c", "z"]
    assert search(engine, None, ["start_time DESC"]) == ["a", "b", "c", "z"]
    assert search(engine, None, ["start_time ASC"]) == ["a", "b", "c", "z"]


def test_bad_experiment_id(tour: Engine) -> None:
    with pytest.raises(InvalidParameterValue, match="Invalid experiment ID 'x'"):
        search(tour, experiment_ids=["x"])


def test_bad_filter_raises_before_sql(tour: Engine) -> None:
    with pytest.raises(InvalidParameterValue, match="Invalid clause"):
        search(tour, "metrics.a > 1 OR metrics.b < 2")


def test_seed_query_walks_the_metric_index(tmp_path: Path) -> None:
    """The metric both filtered and sorted on drives the big-experiment plan through its
    (key, is_nan, value) index, so SQLite can stop at the LIMIT instead of sorting every run;
    the small-experiment plan reads the experiment's runs and probes their metric."""
    engine = create_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    metadata.create_all(engine)
    query = run_search_select(
        ["1"],
        "metrics.accuracy > 0.9 AND params.optimizer = 'adam'",
        ViewType.ACTIVE_ONLY,
        ["metrics.accuracy DESC"],
        0,
        100,
    )
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    engine.dispose()
    walk = "SEARCH order_1 USING COVERING INDEX ix_latest_metrics_key_value (key=? AND is_nan=?"
    assert any(step.startswith(walk) for step in plan)
    assert "SEARCH order_1 USING INDEX sqlite_autoindex_latest_metrics_1 (run_uuid=?)" in plan
